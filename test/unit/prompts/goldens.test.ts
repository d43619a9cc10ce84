import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildChatPrompt, type ChatPrompt } from '../../../src/engine/prompts/chatPrompt';
import { buildExplainPrompt, type ExplainPrompt } from '../../../src/engine/prompts/explainPrompt';
import { buildFimPrompt, type FimPrompt, type FimPromptInput } from '../../../src/engine/prompts/fimPrompt';
import { HISTORY, RULES, SELECTION, SNIPPETS } from './promptFixtures';

/**
 * Golden prompts: what the models are sent, for a fixed input. Regenerate with
 * UPDATE_GOLDENS=1 (npm run test:unit), then read the diff before committing.
 */
const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const GOLDENS = join(REPO_ROOT, 'test', 'fixtures', 'prompts');
const UPDATE = process.env.UPDATE_GOLDENS === '1';

function checkGolden(name: string, actual: string): void {
  const path = join(GOLDENS, `${name}.golden`);
  if (UPDATE || !existsSync(path)) {
    mkdirSync(GOLDENS, { recursive: true });
    writeFileSync(path, actual);
    if (!UPDATE) assert.fail(`wrote a new golden ${path}; review it and run again`);
  }
  assert.equal(actual, readFileSync(path, 'utf8'));
}

function describeChat(p: ChatPrompt | ExplainPrompt, budget: number): string {
  const out: string[] = [];
  for (const m of p.messages) out.push(`=== ${m.role}`, m.content);
  out.push('--- citations');
  for (const c of p.citations) out.push(`[${c.n}] ${c.path}:${c.startLine}-${c.endLine} (${c.source}) ${c.symbol}`);
  out.push(`--- ruleIds: ${p.ruleIds.join(', ')}`);
  out.push(`--- estimatedTokens: ${p.estimatedTokens} of ${budget}`);
  if ('selectionTruncated' in p) out.push(`--- selection: ${p.selectionLines.kept} of ${p.selectionLines.total} lines, truncated=${p.selectionTruncated}`);
  out.push(`--- dropped: ${p.dropped.join(', ')}`, `--- truncated: ${p.truncated.join(', ')}`, '--- notes', ...p.notes);
  return out.join('\n') + '\n';
}

function describeFim(p: FimPrompt, budget: number): string {
  return (
    [
      '=== prefix',
      p.prefix,
      '=== suffix',
      p.suffix,
      `--- contextIds: ${p.contextIds.join(', ')}`,
      `--- ruleIds: ${p.ruleIds.join(', ')}`,
      `--- window: lines ${p.window.startLine}-${p.window.endLine}`,
      `--- estimatedTokens: ${p.estimatedTokens} of ${budget}`,
      '--- notes',
      ...p.notes,
    ].join('\n') + '\n'
  );
}

const FIM_CASES: { name: string; input: Omit<FimPromptInput, 'snippets' | 'rules' | 'budget' | 'family'> }[] = [
  {
    name: 'fim-typescript',
    input: {
      path: 'src/billing/cart.ts',
      language: 'typescript',
      text: "import { addCents } from './money';\n\nexport class Cart {\n  items: Item[] = [];\n\n  total(): number {\n    let sum = 0;\n    for (const item of this.items) {\n      sum = \n    }\n    return sum;\n  }\n}\n",
      line: 9,
      column: 12,
    },
  },
  {
    name: 'fim-python',
    input: {
      path: 'billing/cart.py',
      language: 'python',
      text: '#!/usr/bin/env python3\nfrom acme.pricing import apply_coupon\n\n\nclass Cart:\n    def total_cents(self) -> int:\n        total = sum(i.price_cents * i.quantity for i in self.items)\n        return \n',
      line: 8,
      column: 15,
    },
  },
  {
    name: 'fim-php',
    input: {
      path: 'src/Cart.php',
      language: 'php',
      text: '<?php\n\nnamespace Acme\\Billing;\n\nfinal class Cart\n{\n    public function totalCents(): int\n    {\n        \n    }\n}\n',
      line: 9,
      column: 8,
    },
  },
  {
    name: 'fim-ruby',
    input: {
      path: 'app/models/cart.rb',
      language: 'ruby',
      text: 'class Cart\n  def total_cents\n    items.sum { |i| i.price_cents * i.quantity } - \n  end\nend\n',
      line: 3,
      column: 51,
    },
  },
  {
    name: 'fim-c',
    input: {
      path: 'src/ring.c',
      language: 'c',
      text: '#include "ring.h"\n\nint ring_push(struct ring *r, uint8_t b) {\n\tif (r->used == r->cap) return -1;\n\t\n}\n',
      line: 5,
      column: 1,
    },
  },
  {
    name: 'fim-markdown',
    input: {
      path: 'docs/billing.md',
      language: 'markdown',
      text: '# Billing\n\nAll amounts are stored as \n\n## Coupons\n',
      line: 3,
      column: 26,
    },
  },
  {
    name: 'fim-unknown',
    input: { path: 'notes/todo.txt', language: '', text: 'buy milk\ncall \n', line: 2, column: 5 },
  },
];

describe('prompt goldens', () => {
  it('chat', () => {
    const budget = 8192 - 1024;
    const p = buildChatPrompt({ question: 'How should I add a 10% coupon to Cart.total?', snippets: SNIPPETS, rules: RULES, history: HISTORY, budget, family: 'qwen', organization: 'Acme' });
    checkGolden('chat', describeChat(p, budget));
  });

  it('chat under a tight budget', () => {
    const budget = 360;
    const p = buildChatPrompt({ question: 'How should I add a 10% coupon to Cart.total?', snippets: SNIPPETS, rules: RULES, history: HISTORY, budget, family: 'qwen' });
    checkGolden('chat-tight', describeChat(p, budget));
  });

  it('explain', () => {
    const budget = 8192 - 1024;
    const [money, cart] = SNIPPETS;
    const p = buildExplainPrompt({ selection: SELECTION, enclosing: cart, definitions: [money], rules: RULES, budget, family: 'qwen', organization: 'Acme' });
    checkGolden('explain', describeChat(p, budget));
  });

  it('explain with a selection too large for the budget', () => {
    const budget = 600;
    const long = Array.from({ length: 80 }, (_, i) => `  const part${i} = this.items[${i}].priceCents * this.items[${i}].quantity;`).join('\n');
    const p = buildExplainPrompt({ selection: { ...SELECTION, text: long }, definitions: [SNIPPETS[0]], rules: RULES, budget, family: 'qwen' });
    checkGolden('explain-truncated', describeChat(p, budget));
  });

  for (const c of FIM_CASES) {
    it(c.name, () => {
      const budget = 2048;
      const p = buildFimPrompt({ ...c.input, snippets: SNIPPETS.slice(0, 2), rules: RULES, budget, family: 'qwen' });
      checkGolden(c.name, describeFim(p, budget));
    });
  }
});

import { strict as assert } from 'node:assert';
import { buildChatPrompt } from '../../../src/engine/prompts/chatPrompt';
import { buildExplainPrompt, EXPLAIN_CONTRACT } from '../../../src/engine/prompts/explainPrompt';
import { buildFimPrompt } from '../../../src/engine/prompts/fimPrompt';
import { MESSAGE_OVERHEAD, ANSWER_PRIMING } from '../../../src/engine/prompts/houseIdentity';
import type { ChatMessage, PromptSnippet } from '../../../src/engine/prompts/promptTypes';
import { estimateTokens } from '../../../src/engine/prompts/tokenEstimate';
import { HISTORY, numberedLines, RULES, SELECTION, SNIPPETS } from './promptFixtures';

const messageTokens = (ms: ChatMessage[]) => ms.reduce((a, m) => a + estimateTokens(m.content, 'qwen') + MESSAGE_OVERHEAD, ANSWER_PRIMING);

const longHistory = Array.from({ length: 12 }, (_, i) => ({
  role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
  content: `Turn ${i}: ${'we talked about the cart and its coupons at some length. '.repeat(6)}`,
}));

describe('chat prompt', () => {
  const base = { question: 'How do coupons work?', snippets: SNIPPETS, rules: RULES, family: 'qwen' as const };

  it('stays within the budget at every size', () => {
    for (const budget of [120, 200, 400, 800, 1600, 7168]) {
      const p = buildChatPrompt({ ...base, history: longHistory, budget });
      assert.ok(p.estimatedTokens <= budget, `${budget}: ${p.estimatedTokens}`);
      assert.equal(p.estimatedTokens, messageTokens(p.messages));
      assert.equal(p.messages[0].role, 'system');
      assert.match(p.messages[0].content, /^You are InHouse/);
      assert.equal(p.messages[p.messages.length - 1].role, 'user');
      assert.match(p.messages[p.messages.length - 1].content, /How do coupons work\?$/);
    }
  });

  it('trims history oldest first, keeps the latest turn, and starts it with a user message', () => {
    const p = buildChatPrompt({ ...base, history: longHistory, budget: 700 });
    const history = p.messages.slice(1, -1);
    assert.ok(history.length >= 2 && history.length < longHistory.length, `${history.length} kept`);
    assert.equal(history[history.length - 1].content, longHistory[11].content);
    assert.equal(history[history.length - 2].content, longHistory[10].content);
    assert.equal(history[0].role, 'user');
    // Contiguous: the kept messages are the tail of the conversation.
    assert.deepEqual(history.map((m) => m.content), longHistory.slice(longHistory.length - history.length).map((m) => m.content));
    const droppedHistory = p.dropped.filter((id) => id.startsWith('history:'));
    assert.deepEqual(droppedHistory.sort(), longHistory.slice(0, longHistory.length - history.length).map((_, i) => `history:${i}`).sort());
    assert.ok(p.notes.some((n) => /oldest/.test(n)));
  });

  it('numbers citations 1..n in prompt order, matching the content, even when a better snippet is dropped', () => {
    const huge: PromptSnippet = { ...SNIPPETS[0], path: 'src/huge.ts', startLine: 1, endLine: 400, text: numberedLines(400), symbol: 'huge' };
    const p = buildChatPrompt({ ...base, snippets: [SNIPPETS[0], huge, SNIPPETS[1], SNIPPETS[2]], history: [], budget: 900 });
    const user = p.messages[p.messages.length - 1].content;
    assert.deepEqual(p.citations.map((c) => c.n), p.citations.map((_, i) => i + 1));
    for (const c of p.citations) {
      const header = `[${c.n}] ${c.path}:${c.startLine}${c.endLine > c.startLine ? `-${c.endLine}` : ''} (${c.source})`;
      assert.ok(user.includes(header), `missing ${header}`);
    }
    const numbers = [...user.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1]));
    assert.deepEqual(numbers, p.citations.map((c) => c.n));
    // The huge one was cut to its first lines, and its citation says which lines were shown.
    const cited = p.citations.find((c) => c.path === 'src/huge.ts');
    if (cited) {
      assert.ok(cited.endLine < 400);
      const block = user.slice(user.indexOf(`] src/huge.ts:`));
      assert.ok(block.includes(`const line${cited.endLine} =`) && !block.includes(`const line${cited.endLine + 1} =`));
    } else {
      assert.ok(p.dropped.includes('snippet:2'));
    }
  });

  it('gives rules by id in the system message and reports exactly those', () => {
    const p = buildChatPrompt({ ...base, history: HISTORY, budget: 4000 });
    for (const id of p.ruleIds) assert.ok(p.messages[0].content.includes(`[${id}]`));
    assert.deepEqual(p.ruleIds, ['ts-money-cents', 'err-wrap', 'ts-no-default-export', 'doc-why']);
    const tight = buildChatPrompt({ ...base, history: HISTORY, budget: 330 });
    for (const r of RULES) assert.equal(tight.messages[0].content.includes(`[${r.id}]`), tight.ruleIds.includes(r.id));
  });

  it('sends the bare question when no context fits or none was found', () => {
    const p = buildChatPrompt({ ...base, snippets: [], rules: [], budget: 500 });
    assert.deepEqual(p.messages.map((m) => m.role), ['system', 'user']);
    assert.equal(p.messages[1].content, 'How do coupons work?');
    assert.ok(!p.messages[0].content.includes('House conventions'));
    assert.deepEqual(p.citations, []);
  });

  it('is deterministic', () => {
    const input = { ...base, history: longHistory, budget: 900 };
    assert.deepEqual(buildChatPrompt(input), buildChatPrompt(input));
  });
});

describe('explain prompt', () => {
  it('carries the answer contract, the selection and the numbered context', () => {
    const p = buildExplainPrompt({ selection: SELECTION, enclosing: SNIPPETS[1], definitions: [SNIPPETS[0]], rules: RULES, budget: 4000, family: 'qwen' });
    assert.ok(p.messages[0].content.includes(EXPLAIN_CONTRACT));
    assert.ok(p.messages[1].content.includes(SELECTION.text));
    assert.equal(p.selectionTruncated, false);
    assert.deepEqual(p.selectionLines, { kept: 5, total: 5 });
    assert.deepEqual(p.citations.map((c) => c.symbol), ['Cart.total', 'addCents']);
    assert.ok(p.estimatedTokens <= 4000);
  });

  it('truncates an oversize selection, flags it, and says so in the prompt', () => {
    const text = numberedLines(500);
    for (const budget of [400, 1000, 3000]) {
      const p = buildExplainPrompt({ selection: { ...SELECTION, text }, definitions: SNIPPETS, rules: RULES, budget, family: 'qwen' });
      assert.equal(p.selectionTruncated, true);
      assert.ok(p.selectionLines.kept > 0 && p.selectionLines.kept < 500, `${p.selectionLines.kept}`);
      assert.equal(p.selectionLines.total, 500);
      const user = p.messages[1].content;
      assert.ok(user.includes(`only the first ${p.selectionLines.kept} of 500 lines of the selection fit`));
      assert.ok(user.includes(`const line${p.selectionLines.kept} =`) && !user.includes(`const line${p.selectionLines.kept + 1} =`));
      assert.ok(p.notes[0].startsWith('The selection was truncated'));
      assert.ok(p.estimatedTokens <= budget, `${budget}: ${p.estimatedTokens}`);
      // The house identity and contract survive any budget.
      assert.ok(p.messages[0].content.includes(EXPLAIN_CONTRACT));
    }
  });
});

describe('fill-in-the-middle prompt', () => {
  const file = numberedLines(2000);
  const at = { path: 'src/big.ts', language: 'typescript', text: file, line: 1000, column: 10 };

  it('keeps the lines nearest the cursor, the prefix getting the larger share', () => {
    const p = buildFimPrompt({ ...at, snippets: [], rules: [], budget: 512, family: 'qwen' });
    const lines = file.split('\n');
    assert.ok(p.prefix.endsWith(`${lines[998]}\n${lines[999].slice(0, 10)}`));
    assert.ok(p.suffix.startsWith(`${lines[999].slice(10)}\n${lines[1000]}\n`));
    assert.ok(!p.prefix.includes(lines[0] + '\n'));
    assert.ok(p.estimatedTokens <= 512);
    const before = 1000 - p.window.startLine;
    const after = p.window.endLine - 1000;
    assert.ok(before > after && after > 0, `${before} before, ${after} after`);
    // Whole lines only: the prefix starts at a line boundary.
    assert.ok(p.prefix.startsWith(lines[p.window.startLine - 1] + '\n'));
    assert.ok(p.suffix.endsWith('\n' + lines[p.window.endLine - 1]));
  });

  it('stays within the budget with context and rules, and writes them as comments', () => {
    for (const budget of [64, 256, 1024, 2048]) {
      const p = buildFimPrompt({ ...at, snippets: SNIPPETS, rules: RULES, budget, family: 'qwen' });
      assert.ok(estimateTokens(p.prefix, 'qwen') + estimateTokens(p.suffix, 'qwen') <= budget, `${budget}`);
      assert.equal(p.estimatedTokens, estimateTokens(p.prefix, 'qwen') + estimateTokens(p.suffix, 'qwen'));
      const contextEnd = p.prefix.indexOf('const line');
      const contextLines = p.prefix.slice(0, contextEnd).split('\n').filter(Boolean);
      assert.ok(contextLines.every((l) => l.startsWith('//')), contextLines.join('\n'));
      for (const id of p.ruleIds) assert.ok(p.prefix.includes(`// ${id}: `));
      assert.ok(p.ruleIds.length <= 3);
      assert.ok(!/<\|fim|<fim_|<PRE>|<SUF>/.test(p.prefix + p.suffix), 'no FIM tokens');
    }
    const roomy = buildFimPrompt({ ...at, snippets: SNIPPETS, rules: RULES, budget: 2048, family: 'qwen' });
    assert.deepEqual(roomy.ruleIds, ['ts-money-cents', 'err-wrap', 'ts-no-default-export']);
    assert.equal(roomy.contextIds.length, 3);
    assert.ok(roomy.prefix.startsWith('// Path: src/billing/money.ts\n// /** Adds amounts'));
    assert.ok(roomy.prefix.includes('// Path: src/big.ts\n'));
  });

  it('escapes a block comment closer inside Markdown context', () => {
    const tricky: PromptSnippet = { ...SNIPPETS[0], language: 'markdown', text: 'before --> after' };
    const p = buildFimPrompt({ path: 'README.md', language: 'markdown', text: '# T\n\n', line: 3, column: 0, snippets: [tricky], rules: [], budget: 400, family: 'qwen' });
    assert.ok(p.prefix.startsWith('<!--\n'));
    assert.equal(p.prefix.split('-->').length, 2, p.prefix);
  });

  it('is deterministic, and handles cursors at the edges', () => {
    const input = { ...at, snippets: SNIPPETS, rules: RULES, budget: 700, family: 'qwen' as const };
    assert.deepEqual(buildFimPrompt(input), buildFimPrompt(input));
    const start = buildFimPrompt({ ...input, line: 1, column: 0 });
    assert.equal(start.window.startLine, 1);
    assert.ok(start.suffix.startsWith('const line1 ='));
    const end = buildFimPrompt({ ...input, line: 2000, column: 9999 });
    assert.equal(end.suffix, '');
    assert.ok(end.prefix.endsWith(file.split('\n')[1999]));
  });
});

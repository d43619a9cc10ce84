import type { ChatTurn, PromptRule, PromptSnippet } from '../../../src/engine/prompts/promptTypes';

/** Inputs shared by the prompt goldens and unit tests. */
export const RULES: PromptRule[] = [
  {
    id: 'ts-money-cents',
    title: 'Money is integer cents',
    text: 'Store and compute money as integer cents (`number`), never as floating-point euros.\nFormat only at the edge with `formatCents`.',
    severity: 'must',
    source: 'house',
    path: 'conventions/typescript.md',
  },
  {
    id: 'ts-no-default-export',
    title: 'Named exports only',
    text: 'Export by name; default exports make renames and grep harder.',
    severity: 'should',
    source: 'house',
    path: 'conventions/typescript.md',
  },
  {
    id: 'err-wrap',
    title: 'Wrap errors with context',
    text: 'Wrap an error from another layer with what was being done: `wrapErr(err, "loading the cart")`.',
    severity: 'must',
    source: 'house',
    path: 'conventions/errors.md',
  },
  {
    id: 'doc-why',
    title: 'Comments say why',
    text: 'A comment explains why the code is the way it is, not what it does.',
    severity: 'may',
    source: 'house',
    path: 'conventions/style.md',
  },
];

export const SNIPPETS: PromptSnippet[] = [
  {
    path: 'src/billing/money.ts',
    startLine: 3,
    endLine: 9,
    source: 'workspace',
    language: 'typescript',
    symbol: 'addCents',
    kind: 'function',
    reason: 'definition',
    text: '/** Adds amounts in cents; throws on non-integers. */\nexport function addCents(a: number, b: number): number {\n  if (!Number.isInteger(a) || !Number.isInteger(b)) {\n    throw new Error(`Not cents: ${a}, ${b}`);\n  }\n  return a + b;\n}',
  },
  {
    path: 'src/billing/cart.ts',
    startLine: 12,
    endLine: 20,
    source: 'workspace',
    language: 'typescript',
    symbol: 'Cart.total',
    kind: 'method',
    reason: 'enclosing',
    text: '  total(): number {\n    let sum = 0;\n    for (const item of this.items) {\n      sum = addCents(sum, item.priceCents * item.quantity);\n    }\n    return sum - this.discountCents();\n  }\n\n  // ...',
  },
  {
    path: 'lib/acme/pricing.py',
    startLine: 40,
    endLine: 45,
    source: 'acme-lib',
    language: 'python',
    symbol: 'apply_coupon',
    kind: 'function',
    reason: 'similar',
    text: 'def apply_coupon(total_cents: int, coupon) -> int:\n    """Percent coupons round half up."""\n    if not coupon.active:\n        return total_cents\n    off = (total_cents * coupon.percent + 50) // 100\n    return total_cents - off',
  },
];

export const HISTORY: ChatTurn[] = [
  { role: 'user', content: 'Where is the cart total computed?' },
  { role: 'assistant', content: 'In `Cart.total` [1], which sums the items with `addCents` [2].' },
  { role: 'user', content: 'Does it handle coupons?' },
  { role: 'assistant', content: 'Only through `discountCents()`; percent coupons live in `apply_coupon` in acme-lib [1].' },
];

export const SELECTION = {
  path: 'src/billing/cart.ts',
  language: 'typescript',
  startLine: 22,
  text: 'discountCents(): number {\n  if (!this.coupon) return 0;\n  const off = this.total() * this.coupon.percent / 100;\n  return Math.round(off);\n}',
};

/** A long text of numbered lines, for truncation tests. */
export function numberedLines(n: number, width = 60): string {
  return Array.from({ length: n }, (_, i) => `const line${i + 1} = computeSomething(${i + 1}); // ${'x'.repeat(Math.max(0, width - 40))}`).join('\n');
}

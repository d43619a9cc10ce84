import { strict as assert } from 'node:assert';
import type { FeedbackInput } from '../../../src/engine/feedback/feedbackEvents';
import { FEEDBACK_LIMITS, parseStoredEvent, prepareFeedbackEvent, textFieldsOf } from '../../../src/engine/feedback/feedbackSchema';

const STAMP = { id: '00000000-0000-4000-8000-000000000000', at: '2025-01-02T03:04:05.000Z' };
const BASE = { promptId: 'p1', model: 'qwen2.5-coder:1.5b', contextIds: ['chunk:a'], ruleIds: ['rule:1'], language: 'typescript', path: 'src/a.ts' };
const GH_TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

function ok(input: unknown) {
  const r = prepareFeedbackEvent(input, STAMP);
  if (!r.ok) assert.fail(`expected valid, got: ${r.errors.join('; ')}`);
  return r.event as unknown as Record<string, unknown>;
}

function errors(input: unknown): string[] {
  const r = prepareFeedbackEvent(input, STAMP);
  if (r.ok) assert.fail('expected the event to be refused');
  return r.errors;
}

const VALID: FeedbackInput[] = [
  { ...BASE, kind: 'completion.shown', latencyMs: 120, text: 'return x;' },
  { ...BASE, kind: 'completion.accepted', how: 'partial', text: 'return x + y;', acceptedText: 'return', latencyMs: 80 },
  { ...BASE, kind: 'completion.rejected', text: 'foo()', latencyMs: 0 },
  { ...BASE, kind: 'completion.survival', afterSeconds: 30, survived: 0.75, text: 'foo()' },
  { ...BASE, kind: 'chat.rating', surface: 'chat', rating: 'up', question: 'How?', answer: 'Like so.' },
  { ...BASE, kind: 'correction', surface: 'explain', prompt: 'Explain', original: 'wrong', corrected: 'right' },
  { promptId: 'p2', model: 'm', contextIds: [], ruleIds: [], language: '', kind: 'chat.rating', surface: 'explain', rating: 'down', question: '', answer: '' },
];

describe('feedback schema', () => {
  it('accepts every kind and stamps v, id and at', () => {
    for (const input of VALID) {
      const e = ok(input);
      assert.equal(e.v, 1);
      assert.equal(e.id, STAMP.id);
      assert.equal(e.at, STAMP.at);
      assert.equal(e.kind, input.kind);
      assert.equal(e.truncated, undefined);
      assert.equal(e.redactions, undefined);
      assert.deepEqual(parseStoredEvent(JSON.parse(JSON.stringify(e))), { ok: true, event: e });
    }
  });

  it('refuses bad events, naming the fields but never their values', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /must be an object/],
      [[], /must be an object/],
      [{ ...BASE }, /`kind` must be one of/],
      [{ ...BASE, kind: 'completion.ignored' }, /`kind` must be one of/],
      [{ ...BASE, kind: 'completion.shown', text: 'x' }, /`latencyMs` is required/],
      [{ ...BASE, kind: 'completion.shown', text: 'x', latencyMs: -1 }, /`latencyMs` must be between/],
      [{ ...BASE, kind: 'completion.shown', text: 'x', latencyMs: Number.NaN }, /`latencyMs` must be a finite number/],
      [{ ...BASE, kind: 'completion.shown', text: 'x', latencyMs: '5' }, /`latencyMs` must be a finite number/],
      [{ ...BASE, kind: 'completion.shown', text: '', latencyMs: 5 }, /`text` must not be empty/],
      [{ ...BASE, kind: 'completion.shown', text: 42, latencyMs: 5 }, /`text` must be a string/],
      [{ ...BASE, kind: 'completion.accepted', how: 'all', text: 'x', latencyMs: 5 }, /`how` must be one of full, partial/],
      [{ ...BASE, kind: 'completion.survival', afterSeconds: 30.5, survived: 1, text: 'x' }, /`afterSeconds` must be an integer/],
      [{ ...BASE, kind: 'completion.survival', afterSeconds: 30, survived: 1.5, text: 'x' }, /`survived` must be between 0 and 1/],
      [{ ...BASE, kind: 'chat.rating', surface: 'chat', rating: 'meh', question: 'q', answer: 'a' }, /`rating` must be one of up, down/],
      [{ ...BASE, kind: 'correction', surface: 'webview', prompt: 'p', original: 'o', corrected: 'c' }, /`surface` must be one of/],
      [{ ...BASE, promptId: '', kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`promptId` must not be empty/],
      [{ ...BASE, model: undefined, kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`model` is required/],
      [{ ...BASE, contextIds: [1], kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`contextIds` must be an array of strings/],
      [{ ...BASE, ruleIds: 'r', kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`ruleIds` must be an array of strings/],
      [{ ...BASE, language: 'x'.repeat(65), kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`language` must be at most 64/],
      [{ ...BASE, path: '/home/me/src/a.ts', kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`path` must be relative/],
      [{ ...BASE, path: 'C:\\src\\a.ts', kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`path` must be relative/],
      [{ ...BASE, path: 'file:///src/a.ts', kind: 'completion.rejected', text: 'x', latencyMs: 1 }, /`path` must be relative/],
      [{ ...BASE, kind: 'completion.rejected', text: 'x', latencyMs: 1, secretSauce: 1 }, /unknown field `secretSauce`/],
      [{ ...BASE, kind: 'completion.rejected', text: 'x', latencyMs: 1, id: 'mine' }, /unknown field `id`/],
    ];
    for (const [input, expected] of cases) {
      const errs = errors(input);
      assert.ok(errs.some((e) => expected.test(e)), `${JSON.stringify(input)} → ${errs.join('; ')}`);
      assert.ok(!errs.join(' ').includes('/home/me'), 'values stay out of messages');
    }
  });

  it('reports every problem of an event at once', () => {
    const errs = errors({ kind: 'completion.shown', latencyMs: -3 });
    assert.ok(errs.length >= 5, errs.join('; '));
  });

  it('keeps only known fields and copies id lists', () => {
    const ids = ['a'];
    const e = ok({ ...BASE, contextIds: ids, kind: 'completion.rejected', text: 'x', latencyMs: 1 });
    ids.push('b');
    assert.deepEqual(e.contextIds, ['a']);
    assert.deepEqual(Object.keys(e).sort(), ['at', 'contextIds', 'id', 'kind', 'language', 'latencyMs', 'model', 'path', 'promptId', 'ruleIds', 'text', 'v']);
  });

  it('redacts secrets in every text field and counts them', () => {
    const e = ok({ ...BASE, kind: 'correction', surface: 'chat', prompt: `use ${GH_TOKEN}`, original: `token = "${GH_TOKEN}"`, corrected: 'const apiKey = "Zx9#qL2$wP7!mK4v";' });
    const json = JSON.stringify(e);
    assert.ok(!json.includes(GH_TOKEN));
    assert.ok(!json.includes('Zx9#qL2$wP7!mK4v'));
    assert.match(e.prompt as string, /«redacted:github-token»/);
    assert.match(e.corrected as string, /«redacted:/);
    assert.equal(e.redactions, 3);
    assert.deepEqual(textFieldsOf('correction'), ['prompt', 'original', 'corrected']);
    assert.deepEqual(textFieldsOf('completion.accepted'), ['text', 'acceptedText']);
  });

  it('caps long text and marks the field instead of refusing the event', () => {
    const cap = FEEDBACK_LIMITS.textChars;
    const long = 'a'.repeat(cap + 500);
    const e = ok({ ...BASE, kind: 'chat.rating', surface: 'chat', rating: 'down', question: 'short', answer: long });
    assert.equal((e.answer as string).length, cap);
    assert.equal(e.question, 'short');
    assert.deepEqual(e.truncated, ['answer']);
  });

  it('keeps the end of a correction prompt (the code right before the cursor)', () => {
    const cap = FEEDBACK_LIMITS.textChars;
    const prompt = 'HEAD' + 'x'.repeat(cap * 3) + 'TAIL';
    const e = ok({ ...BASE, kind: 'correction', surface: 'completion', prompt, original: 'a', corrected: 'b' });
    assert.equal((e.prompt as string).length, cap);
    assert.ok((e.prompt as string).endsWith('TAIL'));
    assert.deepEqual(e.truncated, ['prompt']);
  });

  it('does not split a surrogate pair at the cap', () => {
    const cap = FEEDBACK_LIMITS.textChars;
    const text = 'a'.repeat(cap - 1) + '😀' + 'b';
    const e = ok({ ...BASE, kind: 'completion.shown', latencyMs: 1, text });
    assert.equal(e.text, 'a'.repeat(cap - 1));
  });

  it('redacts before capping, so a secret across the cap leaks no part of itself', () => {
    const cap = FEEDBACK_LIMITS.textChars;
    const text = 'a'.repeat(cap - 30) + ' ' + GH_TOKEN + ' tail';
    assert.ok(text.length > cap && text.indexOf(GH_TOKEN) < cap && text.indexOf(GH_TOKEN) + GH_TOKEN.length > cap);
    const e = ok({ ...BASE, kind: 'completion.shown', latencyMs: 1, text });
    assert.ok(!(e.text as string).includes('ghp_A1b2'));
    assert.equal(e.redactions, 1);
    assert.equal(e.truncated, undefined, 'the redacted text fits');
  });

  it('reads stored events leniently: unknown fields kept, long text kept', () => {
    const stored = { ...ok(VALID[0]), text: 'y'.repeat(FEEDBACK_LIMITS.textChars * 2), addedLater: { x: 1 } };
    const parsed = parseStoredEvent(stored);
    assert.ok(parsed.ok);
    assert.equal((parsed.event as unknown as Record<string, unknown>).addedLater !== undefined, true);
  });

  it('tells corrupt lines from lines of a newer version', () => {
    const good = ok(VALID[0]);
    assert.deepEqual(parseStoredEvent({ ...good, v: 2 }), { ok: false, reason: 'newer-version' });
    for (const bad of [null, 'x', [], { ...good, v: 0 }, { ...good, v: '1' }, { ...good, v: undefined }, { ...good, id: '' }, { ...good, at: 'yesterday' }, { ...good, kind: 'x' }, { ...good, latencyMs: 'slow' }, { ...good, truncated: 'text' }]) {
      assert.deepEqual(parseStoredEvent(bad), { ok: false, reason: 'corrupt' }, JSON.stringify(bad));
    }
  });
});

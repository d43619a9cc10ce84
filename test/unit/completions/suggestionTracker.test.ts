import { strict as assert } from 'node:assert';
import { SuggestionTracker, type SuggestionOutcome } from '../../../src/extension/completions/suggestionTracker';

const text = 'return items.map((i) => i.id);';

function setup() {
  const outcomes: SuggestionOutcome<string>[] = [];
  const tracker = new SuggestionTracker<string>((o) => outcomes.push(o));
  tracker.show({ id: 'g1', file: 'a.ts', offset: 100, text, meta: 'meta', latencyMs: 42 });
  return { tracker, outcomes };
}

const insert = (offset: number, t: string) => [{ offset, removed: 0, inserted: t.length, text: t }];

describe('suggestion tracker', () => {
  it('records a full acceptance from the item command', () => {
    const { tracker, outcomes } = setup();
    tracker.documentChanged('a.ts', insert(100, text));
    tracker.accepted('g1');
    assert.equal(outcomes.length, 1);
    assert.deepEqual(outcomes[0], { kind: 'accepted', how: 'full', acceptedText: text, suggestion: { id: 'g1', file: 'a.ts', anchor: 100, text, meta: 'meta', latencyMs: 42 } });
  });

  it('records a full acceptance from the command alone', () => {
    const { tracker, outcomes } = setup();
    tracker.accepted('g1');
    tracker.accepted('g1');
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].kind, 'accepted');
  });

  it('records a partial acceptance (accept word, accept line) when the suggestion goes away', () => {
    const { tracker, outcomes } = setup();
    tracker.documentChanged('a.ts', insert(100, 'return '));
    tracker.cursorMoved('a.ts', 107);
    assert.equal(tracker.show({ id: 'g1', file: 'a.ts', offset: 107, text: text.slice(7), meta: 'meta', latencyMs: 1 }), 'continued');
    tracker.documentChanged('a.ts', insert(107, 'items'));
    assert.equal(outcomes.length, 0);
    tracker.cursorMoved('a.ts', 0);
    assert.equal(outcomes.length, 1);
    assert.deepEqual(outcomes[0].kind === 'accepted' && [outcomes[0].how, outcomes[0].acceptedText], ['partial', 'return items']);
  });

  it('counts typing the whole suggestion as a full acceptance', () => {
    const { tracker, outcomes } = setup();
    let at = 100;
    for (const ch of text) tracker.documentChanged('a.ts', insert(at++, ch));
    assert.deepEqual(outcomes.map((o) => o.kind === 'accepted' && o.how), ['full']);
  });

  it('records a rejection when the user types something else', () => {
    const { tracker, outcomes } = setup();
    tracker.documentChanged('a.ts', insert(100, 'r'));
    tracker.documentChanged('a.ts', insert(101, 'x'));
    assert.deepEqual(outcomes.map((o) => o.kind), ['rejected']);
  });

  it('records a rejection when the cursor leaves, another suggestion replaces it or the editor changes', () => {
    const a = setup();
    a.tracker.cursorMoved('a.ts', 99);
    const b = setup();
    b.tracker.show({ id: 'g2', file: 'a.ts', offset: 100, text: 'other', meta: 'meta', latencyMs: 1 });
    const c = setup();
    c.tracker.cursorMoved(undefined, 100);
    for (const { outcomes } of [a, b, c]) assert.deepEqual(outcomes.map((o) => o.kind), ['rejected']);
  });

  it('ignores edits to other files and the cursor where the suggestion ends', () => {
    const { tracker, outcomes } = setup();
    tracker.documentChanged('b.ts', insert(0, 'zzz'));
    tracker.cursorMoved('a.ts', 100);
    tracker.accepted('other-id');
    assert.equal(outcomes.length, 0);
    assert.equal(tracker.current?.id, 'g1');
  });

  it('does not count deleting inside the suggestion place as consuming it', () => {
    const { tracker, outcomes } = setup();
    tracker.documentChanged('a.ts', [{ offset: 99, removed: 1, inserted: 0, text: '' }]);
    assert.deepEqual(outcomes.map((o) => o.kind), ['rejected']);
  });
});

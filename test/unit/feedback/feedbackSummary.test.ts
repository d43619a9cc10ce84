import { strict as assert } from 'node:assert';
import type { FeedbackEvent } from '../../../src/engine/feedback/feedbackEvents';
import { computeFeedbackStats } from '../../../src/engine/feedback/feedbackRecorder';
import { formatFeedbackSummary } from '../../../src/engine/feedback/feedbackSummary';

const EVENT: FeedbackEvent = {
  v: 1,
  id: 'e1',
  at: '2025-05-01T10:00:00.000Z',
  promptId: 'p1',
  model: 'house:1',
  contextIds: [],
  ruleIds: [],
  language: 'markdown',
  kind: 'completion.shown',
  latencyMs: 42,
  text: '```ts\nconst a = 1;\n```',
};

describe('feedback summary', () => {
  it('says where the events are, and shows an empty store plainly', () => {
    const md = formatFeedbackSummary(computeFeedbackStats({ events: [], corruptLines: 0, newerVersionLines: 0, files: 0, bytes: 0 }), [], { location: '/store' });
    assert.match(md, /Stored on this machine only, in `\/store`/);
    assert.match(md, /\| Events \| 0 in 0 files \(0 B\) \|/);
    assert.match(md, /\| 0 \| 0 \(0 \/ 0\) \| 0 \| – \| – \| – \|/);
    assert.match(md, /None yet/);
  });

  it('fences event JSON so code in the text cannot break out, shortens long text, lists skipped lines', () => {
    const long: FeedbackEvent = { ...EVENT, id: 'e2', text: 'x'.repeat(1000) };
    const stats = computeFeedbackStats({ events: [EVENT, long], corruptLines: 2, newerVersionLines: 1, files: 1, bytes: 2048 });
    const md = formatFeedbackSummary(stats, [EVENT, long], { location: '/store', displayChars: 100 });
    assert.match(md, /\| Skipped corrupt lines \| 2 \|/);
    assert.match(md, /\| Skipped \(newer InHouse version\) \| 1 \|/);
    assert.match(md, /2\.0 KB/);
    const open = md.indexOf('````json');
    assert.ok(open > 0, 'a fence longer than any backtick run in the events');
    const shown = JSON.parse(md.slice(open + '````json'.length, md.lastIndexOf('````')));
    assert.deepEqual(shown.map((e: { id: string }) => e.id), ['e2', 'e1'], 'newest first');
    assert.match(shown[0].text, /^x{100}… \(900 more characters\)$/);
  });
});

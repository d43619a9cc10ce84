import { strict as assert } from 'node:assert';
import { OllamaError } from '../../../src/engine/llm/ollamaError';
import { FailurePause, type PauseState } from '../../../src/extension/completions/failurePause';
import { FakeClock } from './fakeClock';

const unreachable = (): OllamaError => new OllamaError('Ollama is not reachable at http://127.0.0.1:11434.', 'unreachable');
const timeout = (): OllamaError => new OllamaError('Ollama did not answer within 30 s.', 'timeout');
const missing = (): OllamaError => new OllamaError('The model m is not pulled.', 'model-missing', 404);

function setup(): { pause: FailurePause; clock: FakeClock; states: PauseState[] } {
  const clock = new FakeClock();
  const states: PauseState[] = [];
  const pause = new FailurePause((s) => states.push(s), { threshold: 3, baseMs: 30_000, maxMs: 120_000 }, clock);
  return { pause, clock, states };
}

describe('failure pause', () => {
  it('pauses after three consecutive unreachable or timeout failures', () => {
    const { pause, states } = setup();
    assert.equal(pause.failed(unreachable(), 'm'), 'counted');
    assert.equal(pause.failed(timeout(), 'm'), 'counted');
    assert.ok(pause.allows());
    assert.equal(pause.failed(unreachable(), 'm'), 'backoff');
    assert.ok(!pause.allows());
    assert.deepEqual(states, [{ kind: 'backoff', reason: unreachable().message, until: 30_000 }]);
  });

  it('counts only consecutive failures', () => {
    const { pause } = setup();
    pause.failed(unreachable(), 'm');
    pause.failed(unreachable(), 'm');
    pause.succeeded();
    assert.equal(pause.failed(unreachable(), 'm'), 'counted');
    assert.ok(pause.allows());
  });

  it('ignores cancellations, server errors and errors that are not Ollama', () => {
    const { pause } = setup();
    for (let i = 0; i < 5; i++) {
      assert.equal(pause.failed(new OllamaError('cancelled', 'cancelled'), 'm'), 'ignored');
      assert.equal(pause.failed(new OllamaError('500', 'server', 500), 'm'), 'ignored');
      assert.equal(pause.failed(new Error('index busy'), 'm'), 'ignored');
    }
    assert.ok(pause.allows());
  });

  it('resumes after the back-off, and pauses again, for twice as long, when the retry fails', async () => {
    const { pause, clock, states } = setup();
    for (let i = 0; i < 3; i++) pause.failed(unreachable(), 'm');
    await clock.advance(29_999);
    assert.ok(!pause.allows());
    await clock.advance(1);
    assert.ok(pause.allows());
    assert.deepEqual(states.at(-1), { kind: 'running' });
    assert.equal(pause.failed(unreachable(), 'm'), 'backoff');
    assert.deepEqual(states.at(-1), { kind: 'backoff', reason: unreachable().message, until: 30_000 + 60_000 });
    await clock.advance(60_000);
    pause.failed(timeout(), 'm');
    await clock.advance(120_000);
    pause.failed(timeout(), 'm');
    assert.equal((pause.state as { until: number }).until - clock.now(), 120_000, 'capped at maxMs');
    pause.dispose();
    assert.equal(clock.pending, 0);
  });

  it('resumes when a health check succeeds or the settings change', async () => {
    const { pause, clock } = setup();
    for (let i = 0; i < 3; i++) pause.failed(unreachable(), 'm');
    pause.healthy('some-chat-model');
    assert.ok(pause.allows(), 'Ollama answered: reachable again');
    assert.equal(clock.pending, 0, 'the back-off timer is cleared');
    for (let i = 0; i < 3; i++) pause.failed(unreachable(), 'm');
    pause.reset();
    assert.ok(pause.allows());
  });

  it('blocks on a missing or unsupported model until the model is found or the settings change', () => {
    const { pause, states } = setup();
    assert.equal(pause.failed(missing(), 'm'), 'blocked');
    assert.equal(pause.failed(missing(), 'm'), 'counted', 'one notification per pause');
    assert.ok(!pause.allows());
    pause.healthy('other');
    assert.ok(!pause.allows(), 'another model answering says nothing about this one');
    pause.healthy('m');
    assert.ok(pause.allows());
    assert.equal(pause.failed(new OllamaError('cannot insert', 'unsupported', 501), 'm'), 'blocked');
    pause.reset();
    assert.ok(pause.allows());
    assert.deepEqual(
      states.map((s) => s.kind),
      ['blocked', 'running', 'blocked', 'running'],
    );
  });
});

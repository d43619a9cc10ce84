import * as assert from 'node:assert/strict';
import { MAX_TEXT_CHARS, parseWebviewMessage, REQUEST_TYPES } from '../../../src/protocol/chatProtocol';

function ok(raw: unknown) {
  const r = parseWebviewMessage(raw);
  assert.ok(r.ok, `refused: ${r.ok ? '' : r.error}`);
  return r.message;
}

function refused(raw: unknown, pattern?: RegExp) {
  const r = parseWebviewMessage(raw);
  assert.ok(!r.ok, `accepted: ${JSON.stringify(raw)}`);
  if (pattern) assert.match(r.error, pattern);
  return r;
}

describe('chat protocol validator', () => {
  it('accepts each well-formed request', () => {
    const samples: Record<string, Record<string, unknown>> = {
      'view/ready': {},
      'chat/ask': { question: 'How do we wrap errors?' },
      'chat/stop': {},
      'chat/rate': { turnId: 't1-2', rating: 'up' },
      'chat/correct': { turnId: 't1', corrected: 'Better answer' },
      'chat/newConversation': {},
      'model/list': {},
      'model/select': { model: 'qwen2.5-coder:1.5b' },
      'code/copy': { code: '' },
      'code/insert': { code: 'x' },
      'code/apply': { code: 'y' },
      'citation/open': { turnId: 't1', n: 2 },
      'context/addSelection': {},
      'context/addFile': {},
      'context/remove': { itemId: 'c1' },
      'history/restore': {},
      'fix/run': { action: 'openHostSetting' },
    };
    assert.deepEqual(Object.keys(samples).sort(), [...REQUEST_TYPES].sort());
    for (const [type, params] of Object.entries(samples)) {
      const m = ok({ id: 'w1', type, ...params });
      assert.equal(m.type, type);
      assert.equal(m.id, 'w1');
    }
  });

  it('refuses what is not a message', () => {
    for (const raw of [null, undefined, 'chat/ask', 42, [], [{ id: 'a', type: 'chat/ask' }]]) refused(raw, /not an object/);
  });

  it('needs a safe correlation id', () => {
    refused({ type: 'view/ready' }, /id must be a string/);
    refused({ id: 7, type: 'view/ready' }, /id must be a string/);
    refused({ id: 'a b', type: 'view/ready' }, /not allowed/);
    refused({ id: 'x'.repeat(101), type: 'view/ready' }, /at most/);
  });

  it('refuses unknown types, keeping the id for the reply', () => {
    const r = refused({ id: 'w9', type: 'workbench/runCommand', command: 'rm -rf' }, /unknown message type/);
    assert.equal(!r.ok && r.id, 'w9');
    refused({ id: 'w9', type: 'toString' }, /unknown message type/);
    refused({ id: 'w9', type: '__proto__' }, /unknown message type/);
    refused({ id: 'w9', type: 'constructor' }, /unknown message type/);
  });

  it('checks field types and values', () => {
    refused({ id: 'a', type: 'chat/ask' }, /question must be a string/);
    refused({ id: 'a', type: 'chat/ask', question: '   ' }, /must not be empty/);
    refused({ id: 'a', type: 'chat/ask', question: { toString: () => 'x' } }, /must be a string/);
    refused({ id: 'a', type: 'chat/ask', question: 'x'.repeat(MAX_TEXT_CHARS + 1) }, /at most/);
    refused({ id: 'a', type: 'chat/rate', turnId: 't1', rating: 'meh' }, /rating must be one of/);
    refused({ id: 'a', type: 'chat/rate', turnId: '../etc', rating: 'up' }, /not allowed/);
    refused({ id: 'a', type: 'model/select', model: 'a b' }, /not allowed/);
    refused({ id: 'a', type: 'model/select', model: '--help' }, /not allowed/);
    refused({ id: 'a', type: 'fix/run', action: 'command:workbench.action.terminal.new' }, /must be one of/);
    refused({ id: 'a', type: 'citation/open', turnId: 't1', n: 1.5 }, /positive integer/);
    refused({ id: 'a', type: 'citation/open', turnId: 't1', n: -1 }, /positive integer/);
    refused({ id: 'a', type: 'citation/open', turnId: 't1', n: '1' }, /positive integer/);
  });

  it('citation/open takes a number or a rule id, not a path', () => {
    assert.deepEqual(ok({ id: 'a', type: 'citation/open', turnId: 't1', ruleId: 'go/style/wrap-errors' }), { id: 'a', type: 'citation/open', turnId: 't1', ruleId: 'go/style/wrap-errors' });
    refused({ id: 'a', type: 'citation/open', turnId: 't1' }, /exactly one/);
    refused({ id: 'a', type: 'citation/open', turnId: 't1', n: 1, ruleId: 'x' }, /exactly one/);
    refused({ id: 'a', type: 'citation/open', turnId: 't1', ruleId: '/etc/passwd' }, /not allowed/);
    // a fileKey is never taken from the view
    const m = ok({ id: 'a', type: 'citation/open', turnId: 't1', n: 1, fileKey: '/etc/passwd' });
    assert.ok(!('fileKey' in m));
  });

  it('drops unknown fields and prototype tricks', () => {
    const raw = JSON.parse('{"id":"a","type":"chat/ask","question":"q","__proto__":{"admin":true},"extra":1}');
    const m = ok(raw);
    assert.deepEqual(Object.keys(m).sort(), ['id', 'question', 'type']);
    assert.equal((m as unknown as { admin?: boolean }).admin, undefined);
    assert.equal(Object.getPrototypeOf(m), Object.prototype);
  });

  it('does not inherit fields from the prototype chain', () => {
    const proto = { question: 'inherited' };
    const raw = Object.assign(Object.create(proto), { id: 'a', type: 'chat/ask' });
    refused(raw, /question must be a string/);
  });
});

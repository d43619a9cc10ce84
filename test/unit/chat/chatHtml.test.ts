import * as assert from 'node:assert/strict';
import { chatHtml, contentSecurityPolicy, newNonce } from '../../../src/extension/chat/chatHtml';
import { fixesFor } from '../../../src/extension/chat/errorFixes';
import { OllamaError } from '../../../src/engine/llm/ollamaError';

describe('chat view page', () => {
  it('uses a fresh, unguessable nonce per load', () => {
    const a = newNonce();
    const b = newNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9]{20,}$/);
  });

  it('locks the page down', () => {
    const csp = contentSecurityPolicy('https://*.vscode-cdn.net', 'N0NCE');
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'(;|$)/);
    assert.ok(!/unsafe-(inline|eval)/.test(csp));
    assert.ok(!/\*(?!\.)/.test(csp.replace('https://*.vscode-cdn.net', '')), 'no wildcard sources');
    assert.match(csp, /connect-src 'none'/);
  });

  it('loads only its own nonce-tagged script and escapes what it embeds', () => {
    const html = chatHtml({ cspSource: 'vscode-resource:', nonce: 'abc', scriptUri: 'https://x/webview.js?a="b"', styleUri: 'https://x/chat.css' });
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], /nonce="abc"/);
    assert.ok(html.includes('webview.js?a=&#34;b&#34;'));
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline handlers');
    for (const id of ['chat-input', 'chat-send', 'chat-stop', 'model-picker']) assert.ok(html.includes(`data-testid="${id}"`), id);
  });
});

describe('chat error fixes', () => {
  it('offers the obvious fix', () => {
    assert.deepEqual(fixesFor(new OllamaError('x', 'unreachable')), ['openHostSetting', 'openLogs']);
    assert.deepEqual(fixesFor(new OllamaError('x', 'model-missing')), ['selectModel', 'openModelSetting']);
    assert.deepEqual(fixesFor(new OllamaError('x', 'cancelled')), []);
    assert.deepEqual(fixesFor(new Error('boom')), ['openLogs']);
  });
});

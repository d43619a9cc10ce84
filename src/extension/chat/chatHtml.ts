/**
 * The chat view's page: a static skeleton, one stylesheet and one script, locked down by a CSP
 * with a fresh nonce per load. No `vscode` here, so the policy is unit-tested.
 */
import { randomBytes } from 'node:crypto';

export interface ChatHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Fresh per load; see {@link newNonce}. */
  nonce: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    // Answers never load images (the renderer shows them as links); this is for our own icons.
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function chatHtml(p: ChatHtmlParts): string {
  const nonce = attr(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${attr(p.styleUri)}">
<title>InHouse Chat</title>
</head>
<body>
<div class="toolbar" role="toolbar" aria-label="Chat settings">
  <label for="model-picker" class="model-label">Model</label>
  <select id="model-picker" data-testid="model-picker" aria-label="Chat model"><option value="">Loading…</option></select>
  <button type="button" id="new-conversation" data-testid="new-conversation" aria-label="New conversation" title="New conversation">New</button>
</div>
<main id="messages" data-testid="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Conversation" tabindex="-1">
  <p id="empty" class="empty">Ask about your code base. Answers cite the code [n] and house rules [rule-id] they rely on.<br>Type <code>#file</code> to attach a file; Enter sends, Shift+Enter adds a line, Escape stops.</p>
</main>
<form id="composer" class="composer" aria-label="Ask a question">
  <div id="context-chips" class="chips" data-testid="context-chips" aria-label="Attached context"></div>
  <textarea id="question" data-testid="chat-input" rows="3" placeholder="Ask about the code (#file to attach a file)" aria-label="Question"></textarea>
  <div class="composer-actions">
    <button type="button" id="add-selection" data-testid="add-selection" aria-label="Attach the editor selection" title="Attach the editor selection">+ Selection</button>
    <button type="button" id="add-file" data-testid="add-file" aria-label="Attach a file" title="Attach a file (#file)">+ File</button>
    <span class="spacer"></span>
    <button type="button" id="stop" data-testid="chat-stop" aria-label="Stop the answer (Escape)" title="Stop (Escape)" hidden>Stop</button>
    <button type="submit" id="send" data-testid="chat-send" aria-label="Send (Enter)" title="Send (Enter)">Send</button>
  </div>
</form>
<script nonce="${nonce}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}

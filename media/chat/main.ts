/**
 * The chat view's script (bundled by esbuild to dist/webview.js). It draws what the extension
 * sends and sends requests (src/protocol/chatProtocol.ts); it decides nothing on its own that
 * touches files or settings. Model output goes through renderAnswer (markdown.ts) and DOMPurify.
 */
import DOMPurify from 'dompurify';
import type {
  ChatState,
  ContextItemView,
  ExtensionEvent,
  FixAction,
  RequestParams,
  RequestResult,
  RequestType,
  TurnView,
} from '../../src/protocol/chatProtocol';
import { renderAnswer, type CodeBlock } from './markdown';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

interface SavedState {
  draft: string;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

let nextId = 0;
const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request<K extends RequestType>(type: K, params: RequestParams<K>): Promise<RequestResult<K>> {
  const id = `w${++nextId}`;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscode.postMessage({ ...params, id, type });
  });
}

/** A request whose failure is shown in the view's status line rather than thrown. */
function send<K extends RequestType>(type: K, params: RequestParams<K>): Promise<RequestResult<K> | undefined> {
  return request(type, params).catch((err: Error) => {
    showStatus(err.message);
    return undefined;
  });
}

// ---------------------------------------------------------------------------------------------
// Elements
// ---------------------------------------------------------------------------------------------

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const messages = $<HTMLElement>('messages');
const empty = $<HTMLElement>('empty');
const input = $<HTMLTextAreaElement>('question');
const form = $<HTMLFormElement>('composer');
const sendButton = $<HTMLButtonElement>('send');
const stopButton = $<HTMLButtonElement>('stop');
const chips = $<HTMLElement>('context-chips');
const picker = $<HTMLSelectElement>('model-picker');

const statusLine = document.createElement('div');
statusLine.className = 'status-line';
statusLine.setAttribute('role', 'status');
statusLine.dataset.testid = 'status-line';
form.prepend(statusLine);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { testid?: string } = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { testid, ...rest } = props;
  Object.assign(node, rest);
  if (testid) node.dataset.testid = testid;
  for (const c of children) node.append(c);
  return node;
}

function button(label: string, aria: string, onClick: () => void, testid?: string): HTMLButtonElement {
  const b = el('button', { type: 'button', textContent: label, title: aria, testid });
  b.setAttribute('aria-label', aria);
  b.addEventListener('click', onClick);
  return b;
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;
function showStatus(text: string): void {
  statusLine.textContent = text;
  if (statusTimer) clearTimeout(statusTimer);
  statusTimer = setTimeout(() => (statusLine.textContent = ''), 8000);
}

// ---------------------------------------------------------------------------------------------
// Turns
// ---------------------------------------------------------------------------------------------

interface TurnUi {
  turn: TurnView;
  root: HTMLElement;
  body: HTMLElement;
  notes: HTMLElement;
  sources: HTMLElement;
  footer: HTMLElement;
  codeBlocks: CodeBlock[];
  renderQueued: boolean;
  editing: boolean;
}

const turns = new Map<string, TurnUi>();

const PURIFY: Parameters<typeof DOMPurify.sanitize>[1] = {
  ALLOWED_TAGS: [
    'a', 'b', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'li',
    'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
  ],
  ALLOWED_ATTR: ['href', 'title', 'class', 'type', 'rel', 'role', 'aria-label', 'start'],
  ALLOW_DATA_ATTR: true,
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  FORBID_ATTR: ['style'],
};

function safeHtml(markdown: string, turn: TurnView): { html: string; codeBlocks: CodeBlock[] } {
  const rendered = renderAnswer(markdown, { citations: turn.citations, rules: turn.rules });
  return { html: DOMPurify.sanitize(rendered.html, PURIFY) as string, codeBlocks: rendered.codeBlocks };
}

function addTurn(turn: TurnView): TurnUi {
  turns.get(turn.id)?.root.remove();
  const question = el('div', { className: 'question', testid: 'question' }, [el('span', { className: 'who', textContent: turn.surface === 'explain' ? 'Explain' : 'You' }), el('span', { className: 'question-text', textContent: turn.question })]);
  if (turn.context.length) question.append(el('div', { className: 'question-context', textContent: `with ${turn.context.join(', ')}` }));
  const body = el('div', { className: 'answer-body markdown', testid: 'answer-body' });
  const notes = el('ul', { className: 'notes', testid: 'answer-notes' });
  const sources = el('div', { className: 'sources', testid: 'answer-sources' });
  const footer = el('div', { className: 'answer-footer' });
  const root = el('article', { className: 'turn', testid: 'answer' }, [question, el('div', { className: 'answer' }, [body, notes, sources, footer])]);
  root.dataset.turnId = turn.id;
  root.setAttribute('aria-label', `${turn.surface === 'explain' ? 'Explanation' : 'Answer'}: ${turn.question.slice(0, 80)}`);
  const ui: TurnUi = { turn, root, body, notes, sources, footer, codeBlocks: [], renderQueued: false, editing: false };
  turns.set(turn.id, ui);
  messages.append(root);
  empty.hidden = true;
  drawTurn(ui);
  return ui;
}

function drawTurn(ui: TurnUi): void {
  drawBody(ui);
  drawNotes(ui);
  drawSources(ui);
  drawFooter(ui);
  updateBusy();
}

function drawBody(ui: TurnUi): void {
  if (ui.editing) return;
  const stick = nearBottom();
  const { html, codeBlocks } = safeHtml(ui.turn.answer, ui.turn);
  ui.body.innerHTML = html;
  ui.codeBlocks = codeBlocks;
  ui.root.dataset.status = ui.turn.status;
  ui.root.setAttribute('aria-busy', String(ui.turn.status === 'streaming'));
  if (ui.turn.status === 'streaming' && !ui.turn.answer) ui.body.append(el('span', { className: 'thinking', textContent: 'Thinking…' }));
  if (stick) scrollToBottom();
}

function queueBody(ui: TurnUi): void {
  if (ui.renderQueued) return;
  ui.renderQueued = true;
  requestAnimationFrame(() => {
    ui.renderQueued = false;
    drawBody(ui);
  });
}

function drawNotes(ui: TurnUi): void {
  ui.notes.replaceChildren(...ui.turn.notes.map((n) => el('li', { textContent: n })));
}

function drawSources(ui: TurnUi): void {
  const { citations, rules } = ui.turn;
  ui.sources.replaceChildren();
  if (citations.length) {
    const list = el('ol', { className: 'source-list' });
    for (const c of citations) {
      const b = el('button', { type: 'button', className: 'citation', textContent: `[${c.n}] ${c.path}:${c.startLine}-${c.endLine}`, title: `${c.source}: ${c.path}` });
      b.dataset.cite = String(c.n);
      b.dataset.testid = 'source-link';
      b.setAttribute('aria-label', `Open source ${c.n}: ${c.path} lines ${c.startLine} to ${c.endLine}`);
      const item = el('li', {}, [b]);
      if (c.symbol) item.append(el('span', { className: 'symbol', textContent: ` ${c.symbol}` }));
      if (c.source !== 'workspace') item.append(el('span', { className: 'source-name', textContent: ` (${c.source})` }));
      list.append(item);
    }
    ui.sources.append(el('details', { open: false }, [el('summary', { textContent: `Sources (${citations.length})` }), list]));
  }
  if (rules.length) {
    const list = el('ul', { className: 'rule-list' });
    for (const r of rules) {
      const b = el('button', { type: 'button', className: 'citation rule-ref', textContent: `[${r.id}]`, title: `${r.path} (${r.source})` });
      b.dataset.rule = r.id;
      b.dataset.testid = 'rule-source-link';
      b.setAttribute('aria-label', `Open house rule ${r.id}: ${r.title}`);
      list.append(el('li', {}, [b, el('span', { textContent: ` ${r.title} ` }), el('span', { className: `severity severity-${r.severity}`, textContent: r.severity })]));
    }
    ui.sources.append(el('details', { open: false }, [el('summary', { textContent: `House rules (${rules.length})` }), list]));
  }
}

function drawFooter(ui: TurnUi): void {
  const t = ui.turn;
  ui.footer.replaceChildren();
  if (t.status === 'streaming') return;
  if (t.error) {
    const box = el('div', { className: 'error', testid: 'answer-error' }, [el('p', { textContent: t.error.message })]);
    box.setAttribute('role', 'alert');
    if (t.answer) box.append(el('p', { className: 'incomplete', textContent: 'The text above is incomplete.' }));
    const fixes = el('div', { className: 'fixes' });
    for (const f of t.error.fixes) fixes.append(button(FIX_LABELS[f], FIX_LABELS[f], () => runFix(f), `fix-${f}`));
    box.append(fixes);
    ui.footer.append(box);
    return;
  }
  if (t.status === 'stopped') ui.footer.append(el('p', { className: 'incomplete', testid: 'answer-stopped', textContent: t.answer ? 'Stopped: the text above is incomplete.' : 'Stopped.' }));
  if (t.status !== 'done') return;
  const bar = el('div', { className: 'answer-actions', role: 'toolbar' });
  bar.setAttribute('aria-label', 'Answer feedback');
  const up = button('Helpful', 'Helpful answer', () => rate(ui, 'up'), 'thumbs-up');
  const down = button('Not helpful', 'Unhelpful answer', () => rate(ui, 'down'), 'thumbs-down');
  up.setAttribute('aria-pressed', String(t.rating === 'up'));
  down.setAttribute('aria-pressed', String(t.rating === 'down'));
  bar.append(up, down, button(t.corrected ? 'Edit correction' : 'Correct this answer', 'Correct this answer', () => startCorrection(ui), 'correct-answer'));
  if (t.corrected) bar.append(el('span', { className: 'corrected', textContent: 'Corrected' }));
  if (t.model) bar.append(el('span', { className: 'model-name', textContent: t.model }));
  ui.footer.append(bar);
}

const FIX_LABELS: Record<FixAction, string> = {
  openHostSetting: 'Open Settings',
  openModelSetting: 'Open Model Setting',
  selectModel: 'Select Model',
  openLogs: 'Open Logs',
  reindex: 'Reindex',
};

function runFix(action: FixAction): void {
  if (action === 'selectModel') {
    void refreshModels(true);
    picker.focus();
    return;
  }
  void send('fix/run', { action });
}

async function rate(ui: TurnUi, rating: 'up' | 'down'): Promise<void> {
  const done = await send('chat/rate', { turnId: ui.turn.id, rating });
  if (done) showStatus('Thanks: feedback recorded.');
}

function startCorrection(ui: TurnUi): void {
  if (ui.editing) return;
  ui.editing = true;
  const area = el('textarea', { className: 'correction', value: ui.turn.answer, rows: Math.min(20, Math.max(6, ui.turn.answer.split('\n').length + 1)), testid: 'correction-input' });
  area.setAttribute('aria-label', 'Corrected answer');
  const finish = () => {
    ui.editing = false;
    drawBody(ui);
    drawFooter(ui);
  };
  const save = async () => {
    const corrected = area.value;
    if (!corrected.trim()) return showStatus('The correction is empty.');
    const ok = await send('chat/correct', { turnId: ui.turn.id, corrected });
    if (!ok) return;
    ui.turn.answer = corrected;
    ui.turn.corrected = true;
    finish();
    showStatus('Thanks: correction recorded.');
  };
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      finish();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  });
  ui.body.replaceChildren(area, el('div', { className: 'correction-actions' }, [
    button('Save correction', 'Save correction (Ctrl+Enter)', () => void save(), 'correction-save'),
    button('Cancel', 'Cancel (Escape)', finish, 'correction-cancel'),
  ]));
  ui.footer.replaceChildren();
  area.focus();
}

// ---------------------------------------------------------------------------------------------
// Clicks inside answers: citations and code-block buttons (delegated; the HTML is rendered)
// ---------------------------------------------------------------------------------------------

messages.addEventListener('click', (e) => {
  const target = (e.target as HTMLElement).closest('button');
  const root = target?.closest<HTMLElement>('article.turn');
  const ui = root?.dataset.turnId ? turns.get(root.dataset.turnId) : undefined;
  if (!target || !ui) return;
  if (target.dataset.cite) {
    e.preventDefault();
    void send('citation/open', { turnId: ui.turn.id, n: Number(target.dataset.cite) });
  } else if (target.dataset.rule) {
    e.preventDefault();
    void send('citation/open', { turnId: ui.turn.id, ruleId: target.dataset.rule });
  } else if (target.dataset.action && target.dataset.block !== undefined) {
    e.preventDefault();
    const block = ui.codeBlocks[Number(target.dataset.block)];
    if (!block) return;
    const action = target.dataset.action;
    if (action === 'copy') void send('code/copy', { code: block.code }).then((r) => r && flash(target, 'Copied'));
    else if (action === 'insert') void send('code/insert', { code: block.code }).then((r) => r?.inserted && flash(target, 'Inserted'));
    else if (action === 'apply') void send('code/apply', { code: block.code }).then((r) => r?.applied && flash(target, 'Applied'));
  }
});

function flash(b: HTMLButtonElement, text: string): void {
  const before = b.textContent;
  b.textContent = text;
  setTimeout(() => (b.textContent = before), 1500);
}

// ---------------------------------------------------------------------------------------------
// Composer
// ---------------------------------------------------------------------------------------------

function streaming(): boolean {
  for (const ui of turns.values()) if (ui.turn.status === 'streaming') return true;
  return false;
}

function updateBusy(): void {
  const busy = streaming();
  stopButton.hidden = !busy;
  sendButton.disabled = busy;
}

async function ask(): Promise<void> {
  const question = input.value.trim();
  if (!question || streaming()) return;
  input.value = '';
  saveDraft();
  const r = await send('chat/ask', { question });
  if (!r) input.value = question;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void ask();
});
stopButton.addEventListener('click', () => void send('chat/stop', {}));
$<HTMLButtonElement>('new-conversation').addEventListener('click', () => void send('chat/newConversation', {}));
$<HTMLButtonElement>('add-selection').addEventListener('click', () => void send('context/addSelection', {}));
$<HTMLButtonElement>('add-file').addEventListener('click', () => void send('context/addFile', {}));

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    void ask();
  }
});

// `#file` typed at a word start opens the file picker, and the chip replaces the text.
input.addEventListener('input', () => {
  const caret = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, caret);
  const m = /(^|\s)#file$/.exec(before);
  if (m) {
    input.value = before.slice(0, before.length - '#file'.length) + input.value.slice(caret);
    const at = caret - '#file'.length;
    input.setSelectionRange(at, at);
    void send('context/addFile', {}).then(() => input.focus());
  }
  saveDraft();
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && streaming()) {
    e.preventDefault();
    void send('chat/stop', {});
  }
});

function drawChips(items: ContextItemView[]): void {
  chips.replaceChildren(
    ...items.map((item) => {
      const remove = button('×', `Remove ${item.label}`, () => void send('context/remove', { itemId: item.id }), 'context-chip-remove');
      const chip = el('span', { className: `chip chip-${item.kind}`, title: item.detail, testid: 'context-chip' }, [el('span', { textContent: item.label }), remove]);
      return chip;
    }),
  );
  chips.hidden = items.length === 0;
}

function saveDraft(): void {
  vscode.setState({ draft: input.value } satisfies SavedState);
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

let currentModel = '';
let modelsLoadedAt = 0;

function drawPicker(models: string[], current: string, unavailable?: string): void {
  currentModel = current;
  const names = models.includes(current) ? models : [current, ...models];
  picker.replaceChildren(
    ...names.map((m) => {
      const o = el('option', { value: m, textContent: m === current && !models.includes(m) ? `${m} (not pulled)` : m });
      o.selected = m === current;
      return o;
    }),
  );
  picker.title = unavailable ?? `Chat model: ${current}`;
}

async function refreshModels(force = false): Promise<void> {
  if (!force && Date.now() - modelsLoadedAt < 10_000) return;
  modelsLoadedAt = Date.now();
  try {
    const { models, current } = await request('model/list', {});
    drawPicker(models, current);
  } catch (err) {
    drawPicker([], currentModel, (err as Error).message);
    showStatus((err as Error).message);
  }
}

picker.addEventListener('focus', () => void refreshModels());
picker.addEventListener('change', () => {
  const model = picker.value;
  if (model && model !== currentModel) void send('model/select', { model }).then((r) => r && showStatus(`Chat model: ${r.current}`));
});

// ---------------------------------------------------------------------------------------------
// Events from the extension
// ---------------------------------------------------------------------------------------------

function reset(state: ChatState): void {
  for (const ui of turns.values()) ui.root.remove();
  turns.clear();
  for (const t of state.turns) addTurn(t);
  empty.hidden = state.turns.length > 0;
  drawChips(state.context);
  drawPicker([], state.model);
  updateBusy();
  scrollToBottom();
}

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data as ExtensionEvent;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
  switch (m.type) {
    case 'reply': {
      const p = pending.get(m.re);
      if (!p) return;
      pending.delete(m.re);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
      return;
    }
    case 'answer/start':
      addTurn(m.turn);
      scrollToBottom();
      return;
    case 'answer/sources': {
      const ui = turns.get(m.turnId);
      if (!ui) return;
      Object.assign(ui.turn, { citations: m.citations, rules: m.rules, notes: m.notes });
      drawTurn(ui);
      return;
    }
    case 'answer/chunk': {
      const ui = turns.get(m.turnId);
      if (!ui) return;
      ui.turn.answer += m.text;
      queueBody(ui);
      return;
    }
    case 'answer/done': {
      const ui = turns.get(m.turnId);
      if (!ui) return;
      Object.assign(ui.turn, { status: 'done', model: m.model, notes: m.notes });
      drawTurn(ui);
      return;
    }
    case 'answer/error': {
      const ui = turns.get(m.turnId);
      if (!ui) return;
      ui.turn.status = m.stopped ? 'stopped' : 'error';
      if (!m.stopped) ui.turn.error = { message: m.message, fixes: m.fixes };
      drawTurn(ui);
      return;
    }
    case 'turn/updated': {
      const ui = turns.get(m.turnId);
      if (!ui) return;
      if (m.rating) ui.turn.rating = m.rating;
      if (m.corrected) ui.turn.corrected = true;
      drawFooter(ui);
      return;
    }
    case 'state/reset':
      reset(m.state);
      return;
    case 'context/changed':
      drawChips(m.items);
      return;
    case 'model/changed':
      drawPicker([...picker.options].map((o) => o.value).filter((v) => v !== currentModel || v === m.current), m.current);
      return;
    case 'composer/focus':
      input.focus();
      return;
  }
});

function nearBottom(): boolean {
  return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
}

function scrollToBottom(): void {
  messages.scrollTop = messages.scrollHeight;
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

const saved = vscode.getState() as SavedState | undefined;
if (saved && typeof saved.draft === 'string') input.value = saved.draft;
drawChips([]);
void request('view/ready', {}).then(
  (state) => {
    reset(state);
    void refreshModels(true);
  },
  (err: Error) => showStatus(err.message),
);

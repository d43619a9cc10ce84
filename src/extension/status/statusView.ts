// What the status bar says and which fixes it offers, as a pure function of the state: no
// `vscode` here, so the mapping is unit-tested in plain Node (test/unit/extension).
import type { SharedState } from '../../engine/shared/sharedIndex';
import { isCredentialProblem } from '../sharedIndex/outageNotice';
import type { CompletionState, IndexState, ModelState } from './statusModel';

export interface StatusSnapshot {
  index: IndexState;
  model: ModelState;
  completions: CompletionState;
  /** The configured models, named in the tooltip and the pull fixes. */
  models: { chat: string; completion: string; embedding: string };
  /** The Ollama address in use (resolved), for the tooltip. */
  ollamaHost?: string;
  /** The team's shared index; absent or `off` when none is configured. */
  shared?: SharedState;
}

export type FixId =
  | 'reindex'
  | 'showIndexStatus'
  | 'openLogs'
  | 'searchCode'
  | 'startOllama'
  | 'recheckOllama'
  | 'copyPull'
  | 'runPull'
  | 'selectModel'
  | 'openHostSetting'
  | 'upgradeOllama'
  | 'toggleCompletions'
  | 'trustWorkspace'
  | 'openFolder'
  | 'addLibrary'
  | 'setSharedCredentials'
  | 'openSharedSettings'
  | 'walkthrough';

export interface Fix {
  id: FixId;
  /** With a leading codicon, as a quick pick label. */
  label: string;
  detail?: string;
  /** The model a pull fix is about. */
  model?: string;
}

export type Severity = 'normal' | 'warning' | 'error';

export interface StatusView {
  /** Status bar text with codicons; the index part always reads `InHouse: …` (the smoke test reads it). */
  text: string;
  /** Plain text, one line per part: index, then Ollama, completions and models (absent when untrusted). */
  lines: string[];
  /** The lines as markdown, plus a hint to click. */
  tooltip: string;
  severity: Severity;
  /** Most useful first. */
  fixes: Fix[];
}

/** Ollama model names are `[namespace/]name[:tag]`; anything else is not put in a terminal command. */
export function isSafeModelName(model: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._\-/]*(:[A-Za-z0-9._-]+)?$/.test(model) && model.length <= 200;
}

export function pullCommand(model: string): string {
  return `ollama pull ${model}`;
}

function indexPart(index: IndexState): { text: string; line: string; severity: Severity } {
  switch (index.kind) {
    case 'starting':
      return { text: '$(loading~spin) InHouse: starting', line: 'Index: starting', severity: 'normal' };
    case 'indexing':
      return index.total > 0
        ? { text: `$(sync~spin) InHouse: indexing ${index.done}/${index.total}`, line: `Index: indexing, ${index.done} of ${index.total} files`, severity: 'normal' }
        : { text: '$(sync~spin) InHouse: indexing', line: 'Index: looking for files', severity: 'normal' };
    case 'ready':
      return {
        text: `$(database) InHouse: ${index.chunks} chunks`,
        line: `Index: ready, ${index.files} files, ${index.chunks} chunks${index.note ? ` (${index.note})` : ''}`,
        severity: 'normal',
      };
    case 'error':
      return { text: '$(error) InHouse: index error', line: `Index: failed. ${index.message}`, severity: 'error' };
    case 'untrusted':
      return {
        text: '$(shield) InHouse: untrusted',
        line: 'This workspace is not trusted, so InHouse does not index it and makes no model calls. Trust the workspace to start.',
        severity: 'warning',
      };
    case 'no-folder':
      return {
        text: '$(folder) InHouse: no folder',
        line: 'No folder is open and no internal library is configured (inhouse.libraries), so there is nothing to index.',
        severity: 'normal',
      };
  }
}

function modelPart(model: ModelState, host: string | undefined): { suffix?: string; line: string; severity: Severity } {
  const at = host ? ` at ${host}` : '';
  switch (model.kind) {
    case 'unknown':
      return { line: `Ollama${at}: not checked yet` , severity: 'normal' };
    case 'ok':
      return { line: `Ollama${at}: reachable, ${model.model} ready`, severity: 'normal' };
    case 'unreachable':
      return { suffix: '$(debug-disconnect) Ollama unreachable', line: `Ollama: unreachable. ${model.message}`, severity: 'warning' };
    case 'model-missing':
      return { suffix: '$(cloud-download) model missing', line: `Ollama: model ${model.model} is not pulled. ${model.message}`, severity: 'warning' };
    case 'unsupported':
      return { suffix: '$(warning) model unsuitable', line: `Ollama: ${model.message}`, severity: 'warning' };
    case 'outdated':
      return { suffix: '$(warning) Ollama outdated', line: `Ollama: ${model.message}`, severity: 'warning' };
  }
}

function completionPart(c: CompletionState): { suffix?: string; line: string; severity: Severity } {
  switch (c.kind) {
    case 'on':
      return { line: 'Inline completions: on', severity: 'normal' };
    case 'off':
      return { suffix: '$(circle-slash) completions off', line: 'Inline completions: off (inhouse.completion.enabled)', severity: 'normal' };
    case 'paused':
      return { suffix: '$(debug-pause) completions paused', line: `Inline completions: paused. ${c.reason}`, severity: 'warning' };
  }
}

/** Libraries named in the status line at most; the rest are counted. */
const MAX_LIBRARIES_NAMED = 5;

function sharedPart(shared: SharedState | undefined): { suffix?: string; line: string; severity: Severity } | undefined {
  switch (shared?.state) {
    case undefined:
    case 'off':
      return undefined;
    case 'connecting':
      return { line: `Shared index ${shared.uri}: connecting`, severity: 'normal' };
    case 'ready': {
      const named = shared.sources.slice(0, MAX_LIBRARIES_NAMED).join(', ');
      const more = shared.sources.length > MAX_LIBRARIES_NAMED ? ` and ${shared.sources.length - MAX_LIBRARIES_NAMED} more` : '';
      const libraries = shared.sources.length ? ` (${named}${more})` : '';
      return {
        line: `Shared index ${shared.uri}: ready, ${shared.sources.length} ${shared.sources.length === 1 ? 'library' : 'libraries'}${libraries}, ${shared.chunks} chunks`,
        severity: 'normal',
      };
    }
    case 'unavailable':
      return {
        suffix: '$(cloud) shared index unavailable',
        line: `Shared index ${shared.uri}: unavailable, searching the local index only. ${shared.message}`,
        severity: 'warning',
      };
  }
}

const worst = (...s: Severity[]): Severity => (s.includes('error') ? 'error' : s.includes('warning') ? 'warning' : 'normal');

/** Escapes what markdown would read as markup in a message we did not write. */
function md(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

export function describeStatus(s: StatusSnapshot): StatusView {
  const index = indexPart(s.index);
  // Untrusted and no-folder: nothing calls a model, so Ollama's state is not news.
  const quiet = s.index.kind === 'untrusted';
  const model = quiet ? undefined : modelPart(s.model, s.ollamaHost);
  const completions = quiet ? undefined : completionPart(s.completions);
  const shared = quiet ? undefined : sharedPart(s.shared);
  const text = [index.text, shared?.suffix, model?.suffix, completions?.suffix].filter(Boolean).join(' · ');
  const lines = [index.line, shared?.line, model?.line, completions?.line].filter((l): l is string => !!l);
  if (!quiet) {
    const m = s.models;
    lines.push(`Models: chat ${m.chat || '(none)'}, completions ${m.completion || '(none)'}, embeddings ${m.embedding || '(none: keyword and symbol search)'}`);
  }
  return {
    text,
    lines,
    tooltip: [...lines.map(md), '', 'Click for status and fixes.'].join('  \n'),
    severity: worst(index.severity, shared?.severity ?? 'normal', model?.severity ?? 'normal', completions?.severity ?? 'normal'),
    fixes: fixesFor(s),
  };
}

/** The fixes for the current state, most pressing first, without duplicates. */
export function fixesFor(s: StatusSnapshot): Fix[] {
  const out: Fix[] = [];
  const add = (f: Fix) => {
    if (!out.some((o) => o.id === f.id && o.model === f.model)) out.push(f);
  };
  switch (s.index.kind) {
    case 'untrusted':
      add({ id: 'trustWorkspace', label: '$(shield) Trust Workspace', detail: 'InHouse indexes and calls models only in trusted workspaces.' });
      add({ id: 'openLogs', label: '$(output) Open Logs' });
      return out;
    case 'no-folder':
      add({ id: 'openFolder', label: '$(folder-opened) Open Folder', detail: 'InHouse indexes the open workspace folders.' });
      add({ id: 'addLibrary', label: '$(library) Add Internal Library', detail: 'Index a library folder (inhouse.libraries).' });
      break;
    case 'error':
      add({ id: 'reindex', label: '$(refresh) Reindex', detail: s.index.message });
      add({ id: 'openLogs', label: '$(output) Open Logs' });
      add({ id: 'showIndexStatus', label: '$(database) Show Index Status' });
      break;
    default:
      break;
  }
  switch (s.model.kind) {
    case 'unreachable':
      add({ id: 'startOllama', label: '$(play) Start Ollama…', detail: 'Install Ollama or start it with `ollama serve` (opens the walkthrough step).' });
      add({ id: 'openHostSetting', label: '$(settings-gear) Open Settings: inhouse.ollama.host', detail: 'If Ollama runs elsewhere, point InHouse at it.' });
      add({ id: 'recheckOllama', label: '$(debug-restart) Check Ollama Again' });
      break;
    case 'model-missing':
      if (s.model.model) {
        add({ id: 'copyPull', label: `$(copy) Copy \`${pullCommand(s.model.model)}\``, model: s.model.model, detail: 'Then run it in a terminal.' });
        if (isSafeModelName(s.model.model)) {
          add({ id: 'runPull', label: `$(terminal) Run \`${pullCommand(s.model.model)}\` in a Terminal`, model: s.model.model });
        }
      }
      add({ id: 'selectModel', label: '$(hubot) Select Model…', detail: 'Pick one of the models Ollama already has.' });
      add({ id: 'recheckOllama', label: '$(debug-restart) Check Ollama Again' });
      break;
    case 'unsupported':
      add({ id: 'selectModel', label: '$(hubot) Select Model…', detail: s.model.message });
      break;
    case 'outdated':
      add({ id: 'upgradeOllama', label: '$(link-external) Download a newer Ollama', detail: s.model.message });
      add({ id: 'recheckOllama', label: '$(debug-restart) Check Ollama Again' });
      break;
    default:
      break;
  }
  if (s.shared?.state === 'unavailable') {
    const credentials = isCredentialProblem(s.shared.message);
    const setCredentials: Fix = { id: 'setSharedCredentials', label: '$(key) Set Shared Index Credentials…', detail: 'Stored in the editor\'s secret storage, never in settings.' };
    const openSettings: Fix = { id: 'openSharedSettings', label: '$(settings-gear) Open Settings: inhouse.sharedIndex', detail: s.shared.message };
    for (const f of credentials ? [setCredentials, openSettings] : [openSettings, setCredentials]) add(f);
    add({ id: 'openLogs', label: '$(output) Open Logs' });
  }
  if (s.completions.kind === 'paused') {
    add({ id: 'toggleCompletions', label: '$(sparkle) Toggle Inline Completions (turn off)', detail: s.completions.reason });
  } else if (s.completions.kind === 'off') {
    add({ id: 'toggleCompletions', label: '$(sparkle) Toggle Inline Completions (turn on)' });
  }
  if (s.index.kind === 'indexing' || s.index.kind === 'starting') {
    add({ id: 'showIndexStatus', label: '$(database) Show Index Status', detail: 'Indexing runs in the background; cancel it from its notification.' });
  }
  if (s.index.kind === 'ready') {
    add({ id: 'searchCode', label: '$(search) Search Code' });
    add({ id: 'showIndexStatus', label: '$(database) Show Index Status' });
    add({ id: 'reindex', label: '$(refresh) Reindex' });
  }
  if (s.completions.kind === 'on') add({ id: 'toggleCompletions', label: '$(sparkle) Toggle Inline Completions (turn off)' });
  add({ id: 'selectModel', label: '$(hubot) Select Model…' });
  add({ id: 'openHostSetting', label: '$(settings-gear) Open Settings: inhouse.ollama.host' });
  add({ id: 'walkthrough', label: '$(book) Get Started with InHouse' });
  add({ id: 'openLogs', label: '$(output) Open Logs' });
  return out;
}

import { createHash } from 'node:crypto';
import { completionLimits, completionMode } from '../completion/completionMode';
import { FIM_STOP_TOKENS } from '../completion/fimTokens';
import { postProcessCompletion } from '../completion/postProcess';
import type { ConventionRule } from '../conventions/conventionRule';
import { complete as fillInMiddle } from '../llm/fim';
import { keepAliveValue, numCtxFor } from '../llm/modelOptions';
import type { OllamaClient } from '../llm/ollamaClient';
import type { AnswerStream } from '../llm/answerStream';
import type { Logger } from '../log';
import { buildChatPrompt } from '../prompts/chatPrompt';
import { buildExplainPrompt } from '../prompts/explainPrompt';
import { buildFimPrompt } from '../prompts/fimPrompt';
import type { ChatMessage, ChatTurn, Citation as PromptCitation, PromptSnippet } from '../prompts/promptTypes';
import { tokenizerFamily } from '../prompts/tokenEstimate';
import type { ContextSnippet } from '../retrieval/completionContext';
import { QueryError } from '../retrieval/queryText';
import type { SearchHit, SearchOptions } from '../retrieval/retriever';
import type { Settings } from '../settings';
import type { AnswerEvent, Citation, CompletionResult, RuleSource } from './answerTypes';

/** A file as answers see it: its text, language and place in the index's roots. */
export interface SourceFile {
  fileKey: string;
  /** Relative to its root ('' root: the absolute path). */
  relPath: string;
  /** The root it lies under, if any. */
  root?: string;
  source: string;
  language: string;
  text: string;
}

/** What the answerer needs from the index; the engine provides it. */
export interface KnowledgeBase {
  search(query: string, options: SearchOptions): Promise<SearchHit[]>;
  context(
    fileKey: string,
    position: { line: number; column: number },
    options: { limit: number; maxChars: number; text?: string; scanStartLine?: number; similarBudgetMs?: number },
  ): Promise<ContextSnippet[]>;
  /** Reads a file answers can work on; refuses binary and unknown files with a QueryError. */
  readSource(absPath: string, text?: string): Promise<SourceFile>;
  /** The innermost function or class around lines A..B, with its text. */
  enclosingSymbol(fileKey: string, startLine: number, endLine: number): Promise<PromptSnippet & { id: string; fileKey: string } | undefined>;
  rules(query: { fileKey?: string; relPath?: string; language?: string; query?: string; limit: number }): Promise<ConventionRule[]>;
}

export interface AskOptions {
  /** Earlier turns, oldest first. */
  history?: ChatTurn[];
  /** Retrieved chunks to offer the model (default 8). */
  limit?: number;
  /** Code the user attached (the selection, `#file`): shown before anything retrieved. */
  attachments?: { fileKey: string; startLine?: number; endLine?: number; text?: string }[];
  /** The file the user is looking at: its conventions apply. */
  activeFile?: string;
  model?: string;
  signal?: AbortSignal;
}

export interface ExplainOptions {
  /** The file's unsaved text, if any. */
  text?: string;
  question?: string;
  model?: string;
  signal?: AbortSignal;
}

export interface CompleteOptions {
  text?: string;
  model?: string;
  signal?: AbortSignal;
}

const DEFAULT_ASK_LIMIT = 8;
const CHAT_RULES = 6;
const FIM_RULES = 3;
const FIM_CONTEXT_SNIPPETS = 6;
/** Roughly what the FIM prompt's context share can hold; context is cut to fit later anyway. */
const FIM_CONTEXT_CHARS_PER_TOKEN = 3;
const EXPLAIN_DEFINITIONS = 8;
/**
 * How long an inline completion's context may wait for similar code (the lowest-priority part),
 * from the start of the context request. Definitions and the outline are always waited for.
 */
const FIM_SIMILAR_BUDGET_MS = 10;
const CHAT_TEMPERATURE = 0.2;
const FIM_TEMPERATURE = 0.1;

/**
 * The three answer surfaces over one index and one Ollama: chat, explain and fill-in-the-middle.
 * It gathers what the prompt needs (retrieved code, definitions, conventions), builds the prompt
 * within the budget the settings give, and streams or post-processes what comes back.
 */
export class Answerer {
  constructor(
    private readonly kb: KnowledgeBase,
    private readonly client: OllamaClient,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {}

  /** A chat answer about the code base, streamed, with its sources first. */
  async *ask(question: string, options: AskOptions = {}): AsyncGenerator<AnswerEvent> {
    if (!question.trim()) throw new AnswerInputError('The question is empty: type what you want to know.');
    const model = options.model ?? this.settings['chat.model'];
    const started = performance.now();
    const active = options.activeFile ? await this.kb.readSource(options.activeFile).catch(() => undefined) : undefined;
    const [, hits, attached, rules] = await Promise.all([
      this.client.checkVersion(options.signal),
      this.kb.search(question, { limit: options.limit ?? DEFAULT_ASK_LIMIT }),
      Promise.all((options.attachments ?? []).map((a) => this.attachment(a))),
      this.kb.rules({ fileKey: active?.fileKey, relPath: active?.relPath, language: active?.language, query: question, limit: CHAT_RULES }),
    ]);
    const seen = new Set(attached.map((a) => a.id));
    const snippets: Snippet[] = [...attached, ...hits.filter((h) => !seen.has(h.id)).map(hitSnippet)];
    const prompt = buildChatPrompt({
      question,
      snippets,
      rules,
      history: options.history,
      budget: this.chatBudget(),
      family: tokenizerFamily(model),
    });
    yield* this.streamChat(model, prompt.messages, prompt.citations, prompt.ruleIds, snippets, rules, prompt.notes, started, options.signal);
  }

  /** "Explain with House Conventions" for lines A..B of a file, streamed. */
  async *explain(absPath: string, range: { startLine: number; endLine: number }, options: ExplainOptions = {}): AsyncGenerator<AnswerEvent> {
    const model = options.model ?? this.settings['chat.model'];
    const started = performance.now();
    const file = await this.kb.readSource(absPath, options.text);
    const lines = file.text.split('\n');
    if (range.startLine < 1 || range.endLine < range.startLine || range.startLine > lines.length) {
      throw new AnswerInputError(`Lines ${range.startLine}-${range.endLine} are not in ${file.relPath}: it has ${lines.length} lines (lines count from 1).`);
    }
    const endLine = Math.min(range.endLine, lines.length);
    const selected = lines.slice(range.startLine - 1, endLine).join('\n');
    if (!selected.trim()) throw new AnswerInputError(`Lines ${range.startLine}-${endLine} of ${file.relPath} are blank: select the code to explain.`);
    const lastLine = lines[endLine - 1].replace(/\r$/, '');
    const [, context, enclosing, rules] = await Promise.all([
      this.client.checkVersion(options.signal),
      this.kb.context(file.fileKey, { line: endLine, column: lastLine.length }, {
        limit: EXPLAIN_DEFINITIONS,
        maxChars: this.settings['chat.contextTokens'] * 2,
        text: file.text,
        scanStartLine: range.startLine,
      }),
      this.kb.enclosingSymbol(file.fileKey, range.startLine, endLine),
      this.kb.rules({ fileKey: file.fileKey, relPath: file.relPath, language: file.language, query: selected, limit: CHAT_RULES }),
    ]);
    // The enclosing symbol is the selection when the user selected exactly it.
    const around = enclosing && (enclosing.startLine < range.startLine || enclosing.endLine > endLine) ? enclosing : undefined;
    const definitions = context.filter((s) => s.reason === 'definition');
    const prompt = buildExplainPrompt({
      selection: { path: file.relPath, language: file.language, startLine: range.startLine, text: selected },
      enclosing: around,
      definitions,
      rules,
      question: options.question,
      budget: this.chatBudget(),
      family: tokenizerFamily(model),
    });
    const snippets: Snippet[] = [...(around ? [around] : []), ...definitions];
    yield* this.streamChat(model, prompt.messages, prompt.citations, prompt.ruleIds, snippets, rules, prompt.notes, started, options.signal);
  }

  /** The inline completion at a position: '' when the model offered nothing worth showing. */
  async complete(absPath: string, position: { line: number; column: number }, options: CompleteOptions = {}): Promise<CompletionResult> {
    const started = performance.now();
    const model = options.model ?? this.settings['completion.model'];
    const budget = this.settings['completion.contextTokens'];
    // The context is asked for at once, not after the file is read: its own reads (the file,
    // the index's generation) then overlap this one. A bad position is reported from the
    // checks below, never from the context.
    const context = this.kb.context(absPath, position, {
      limit: FIM_CONTEXT_SNIPPETS,
      maxChars: Math.floor(budget * FIM_CONTEXT_CHARS_PER_TOKEN * 0.3),
      text: options.text,
      similarBudgetMs: FIM_SIMILAR_BUDGET_MS,
    });
    context.catch(() => undefined);
    const file = await this.kb.readSource(absPath, options.text);
    const lines = file.text.split('\n');
    if (!Number.isInteger(position.line) || position.line < 1 || position.line > lines.length) {
      throw new AnswerInputError(`Line ${position.line} is not in ${file.relPath}: it has ${lines.length} lines (lines count from 1).`);
    }
    const current = lines[position.line - 1].replace(/\r$/, '');
    if (!Number.isInteger(position.column) || position.column < 0 || position.column > current.length) {
      throw new AnswerInputError(`Column ${position.column} is out of range: line ${position.line} has ${current.length} characters (columns count from 0).`);
    }
    const near = lines.slice(Math.max(0, position.line - 6), position.line).join('\n');
    // The model's capabilities (cached after the first call) are learnt while the index is read.
    // Ollama's version and the model's capabilities (both cached by the client) are learnt while
    // the index is read. A failure surfaces below, after the index work; fill-in-the-middle asks
    // for the model again then, and names the setting to fix.
    const versionOk = this.client.checkVersion(options.signal);
    versionOk.catch(() => undefined);
    this.client.modelInfo(model, options.signal).catch(() => undefined);
    const [snippets, rules] = await Promise.all([
      context,
      this.kb.rules({ fileKey: file.fileKey, relPath: file.relPath, language: file.language, query: near, limit: FIM_RULES }),
    ]);
    const prompt = buildFimPrompt({
      path: file.relPath,
      language: file.language,
      text: file.text,
      line: position.line,
      column: position.column,
      snippets,
      rules,
      budget,
      family: tokenizerFamily(model),
      maxRules: FIM_RULES,
    });
    // The mode looks at the file, not at the prompt (whose prefix starts with context comments),
    // and only at the cursor's line: no need to join the whole file on every keystroke.
    const mode = completionMode(current.slice(0, position.column), current.slice(position.column), file.language);
    const limits = completionLimits(mode);
    const promptMs = performance.now() - started;
    await versionOk;
    const { plan, stream } = await fillInMiddle(
      this.client,
      {
        model,
        prefix: prompt.prefix,
        suffix: prompt.suffix,
        numCtx: numCtxFor(budget, this.settings['completion.maxTokens']),
        numPredict: Math.min(limits.numPredict, this.settings['completion.maxTokens']),
        keepAlive: keepAliveValue(this.settings['ollama.keepAlive']),
        temperature: FIM_TEMPERATURE,
        stop: [...limits.stop, ...FIM_STOP_TOKENS],
      },
      options.signal,
    );
    const raw = await stream.text();
    const text = postProcessCompletion(raw, {
      prefix: prompt.prefix,
      suffix: prompt.suffix,
      languageId: file.language,
      stop: plan.template?.stop ? [...plan.template.stop] : undefined,
      specialTokens: [...plan.specialTokens],
      mode,
    });
    return {
      text,
      model,
      promptId: promptId(model, [prompt.prefix, '\u0000', prompt.suffix]),
      mode,
      contextIds: prompt.contextIds,
      ruleIds: prompt.ruleIds,
      raw,
      ms: { prompt: round(promptMs), total: round(performance.now() - started) },
    };
  }

  private chatBudget(): number {
    return Math.max(256, this.settings['chat.contextTokens'] - this.settings['chat.maxTokens']);
  }

  private async *streamChat(
    model: string,
    messages: ChatMessage[],
    citations: PromptCitation[],
    ruleIds: string[],
    snippets: Snippet[],
    rules: ConventionRule[],
    notes: string[],
    started: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<AnswerEvent> {
    const ruleById = new Map(rules.map((r) => [r.id, r]));
    yield {
      type: 'sources',
      sources: {
        citations: citations.map((c) => citationOf(c, snippets)),
        rules: ruleIds.flatMap((id) => {
          const r = ruleById.get(id);
          return r ? [ruleSource(r)] : [];
        }),
      },
      notes,
    };
    const stream: AnswerStream = this.client.chatStream(
      {
        model,
        messages,
        numCtx: numCtxFor(this.settings['chat.contextTokens'], this.settings['chat.maxTokens']),
        numPredict: this.settings['chat.maxTokens'],
        keepAlive: keepAliveValue(this.settings['ollama.keepAlive']),
        temperature: CHAT_TEMPERATURE,
      },
      signal,
    );
    let firstTokenMs: number | undefined;
    for await (const piece of stream) {
      if (!piece) continue;
      firstTokenMs ??= round(performance.now() - started);
      yield { type: 'text', text: piece };
    }
    const cutShort = stream.summary?.truncated ?? false;
    if (cutShort) this.log.info(`answer from ${model} reached inhouse.chat.maxTokens (${this.settings['chat.maxTokens']})`);
    yield { type: 'done', model, promptId: promptId(model, messages.map((m) => `${m.role}\u0000${m.content}`)), cutShort, notes: [], firstTokenMs };
  }

  private async attachment(a: { fileKey: string; startLine?: number; endLine?: number; text?: string }): Promise<Snippet> {
    const file = await this.kb.readSource(a.fileKey, a.text);
    const lines = file.text.split('\n');
    const startLine = Math.max(1, a.startLine ?? 1);
    const endLine = Math.min(lines.length, a.endLine ?? lines.length);
    return {
      id: `${file.fileKey}:${startLine}-${endLine}`,
      fileKey: file.fileKey,
      path: file.relPath,
      startLine,
      endLine,
      source: file.source,
      language: file.language,
      symbol: '',
      kind: 'selection',
      text: lines.slice(startLine - 1, endLine).join('\n'),
    };
  }
}

/** Bad input to an answer surface (an empty question, lines outside the file): a QueryError, so every host reports it as such. */
export class AnswerInputError extends QueryError {}

type Snippet = PromptSnippet & { id: string; fileKey: string };

function hitSnippet(h: SearchHit): Snippet {
  return {
    id: h.id,
    fileKey: h.fileKey,
    path: h.path,
    startLine: h.startLine,
    endLine: h.endLine,
    source: h.source,
    language: h.language,
    symbol: h.symbol,
    kind: h.kind,
    text: h.text,
  };
}

/** The prompt's citation (what it numbered), with the chunk's file key for opening it. */
function citationOf(c: PromptCitation, snippets: readonly Snippet[]): Citation {
  const s = snippets.find((x) => x.id === c.id);
  return {
    n: c.n,
    fileKey: s?.fileKey ?? c.path,
    path: c.path,
    startLine: c.startLine,
    endLine: c.endLine,
    source: c.source,
    symbol: c.symbol,
    id: c.id,
  };
}

function ruleSource(r: ConventionRule): RuleSource {
  return { id: r.id, title: r.title, severity: r.severity, source: r.source, path: r.path };
}

/** Same prompt, same id: feedback on identical prompts is grouped. */
function promptId(model: string, parts: string[]): string {
  const h = createHash('sha1').update(model);
  for (const p of parts) h.update('\u0001').update(p);
  return h.digest('hex').slice(0, 16);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Answer-path latency (part of the retrieval benchmark, which owns the large index). It runs in a
 * child process of its own, as an editor's extension host would: the benchmark process holds
 * hundreds of megabytes of rows whose garbage collection would show up in these tails.
 *   - engine.context at the call sites the benchmark picked, p50/p95;
 *   - completion prompt assembly, context included (engine.complete's `ms.prompt`: read the
 *     file, completion context, conventions, the FIM prompt), p50/p95;
 *   - the time-to-first-token overhead the engine adds over a raw client call to the Ollama
 *     test server: chat (engine.ask's first text vs client.chatStream's first piece with the
 *     same messages) and completion (engine.complete's total vs client.generateStream's total
 *     with the same prompt). Both sides run back to back per probe, so machine noise hits both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetsIn, createEngine, type Engine } from '../../src/engine/engine';
import { silentLogger } from '../../src/engine/log';
import { createNodeHost } from '../../src/engine/nodeHost';
import { DEFAULTS, validateSettings } from '../../src/engine/settings';
import { OllamaClient, type ChatMessage } from '../../src/engine/llm/ollamaClient';
import { OllamaTestServer, standardModels } from '../support/ollamaTestServer';
import { distribution, type Distribution } from './stats';

export interface AnswerProbe {
  fileKey: string;
  line: number;
  column: number;
}

export interface AnswersLatency {
  /** engine.context with the benchmark's options (limit 10, 6000 characters), in this process. */
  context: Distribution;
  completions: number;
  questions: number;
  promptAssembly: Distribution;
  completionTotal: Distribution;
  rawGenerate: Distribution;
  completionOverhead: Distribution;
  askFirstToken: Distribution;
  rawChatFirstToken: Distribution;
  askOverhead: Distribution;
  errors: string[];
}

export const CHAT_MODEL = 'llama3.2:3b';
export const COMPLETION_MODEL = 'qwen2.5-coder:1.5b';

/** A test server with one-chunk replies for every request, and its address for the engine. */
export async function answersServer(): Promise<OllamaTestServer> {
  const server = await OllamaTestServer.start({ models: standardModels() });
  server.script({ endpoint: 'chat', chunks: ['Answer', ' text.'], repeat: true }, { endpoint: 'generate', chunks: ['x'], repeat: true });
  return server;
}

/**
 * `contextProbes` and `probes` must be different places: engine.context caches what it fetched,
 * and completions at places it just visited would measure the cache.
 */
export async function measureAnswers(
  engine: Engine,
  server: OllamaTestServer,
  contextProbes: AnswerProbe[],
  probes: AnswerProbe[],
  questions: string[],
): Promise<AnswersLatency> {
  const client = new OllamaClient({ host: server.url, timeoutMs: 30_000 });
  const errors: string[] = [];
  const context: number[] = [];
  for (const p of contextProbes.slice(0, 10)) await engine.context(p.fileKey, { line: p.line, column: p.column }, { limit: 10, maxChars: 6000 }).catch(() => undefined);
  for (const p of contextProbes.slice(10)) {
    const t0 = performance.now();
    try {
      await engine.context(p.fileKey, { line: p.line, column: p.column }, { limit: 10, maxChars: 6000 });
      context.push(performance.now() - t0);
    } catch (err) {
      errors.push(`context ${p.fileKey}:${p.line}:${p.column}: ${(err as Error).message}`);
    }
  }
  const prompt: number[] = [];
  const total: number[] = [];
  const raw: number[] = [];
  const overhead: number[] = [];
  // Warm both paths (model info cache, version check, HTTP keep-alive).
  for (const p of probes.slice(0, 5)) await engine.complete(p.fileKey, { line: p.line, column: p.column }).catch(() => undefined);
  for (const p of probes) {
    try {
      const t0 = performance.now();
      const r = await engine.complete(p.fileKey, { line: p.line, column: p.column });
      const engineMs = performance.now() - t0;
      const body = server.lastRequest('/api/generate')!.body;
      const t1 = performance.now();
      await client
        .generateStream({ model: COMPLETION_MODEL, prompt: body.prompt, suffix: body.suffix, raw: body.raw, numCtx: body.options.num_ctx, numPredict: body.options.num_predict, stop: body.options.stop })
        .text();
      const rawMs = performance.now() - t1;
      prompt.push(r.ms.prompt);
      total.push(engineMs);
      raw.push(rawMs);
      overhead.push(engineMs - rawMs);
    } catch (err) {
      errors.push(`complete ${p.fileKey}:${p.line}:${p.column}: ${(err as Error).message}`);
    }
    server.clearRequests();
  }
  const ask: number[] = [];
  const rawChat: number[] = [];
  const askOverhead: number[] = [];
  for (const q of questions.slice(0, 3)) for await (const _ of engine.ask(q)) void _;
  for (const q of questions) {
    try {
      const t0 = performance.now();
      let first: number | undefined;
      for await (const e of engine.ask(q)) if (e.type === 'text' && first === undefined) first = performance.now() - t0;
      const messages = server.lastRequest('/api/chat')!.body.messages as ChatMessage[];
      const t1 = performance.now();
      let rawFirst: number | undefined;
      for await (const _ of client.chatStream({ model: CHAT_MODEL, messages, numCtx: 10240, numPredict: 1024 })) rawFirst ??= performance.now() - t1;
      if (first === undefined || rawFirst === undefined) throw new Error('no text');
      ask.push(first);
      rawChat.push(rawFirst);
      askOverhead.push(first - rawFirst);
    } catch (err) {
      errors.push(`ask "${q}": ${(err as Error).message}`);
    }
    server.clearRequests();
  }
  return {
    context: distribution(context),
    completions: prompt.length,
    questions: ask.length,
    promptAssembly: distribution(prompt),
    completionTotal: distribution(total),
    rawGenerate: distribution(raw),
    completionOverhead: distribution(overhead),
    askFirstToken: distribution(ask),
    rawChatFirstToken: distribution(rawChat),
    askOverhead: distribution(askOverhead),
    errors,
  };
}

/** What the benchmark hands the child process. */
export interface AnswersJob {
  dbDir: string;
  distDir: string;
  /** Call sites for engine.context. */
  contextProbes: AnswerProbe[];
  /** Other call sites, for completions. */
  probes: AnswerProbe[];
  questions: string[];
}

/** Child process: `node answersBench.js job.json` prints the AnswersLatency as JSON on stdout. */
async function main(jobPath: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as AnswersJob;
  const server = await answersServer();
  const settings = validateSettings({ ...DEFAULTS, 'ollama.host': server.url, 'chat.model': CHAT_MODEL, 'completion.model': COMPLETION_MODEL });
  const engine = createEngine(createNodeHost(), settings, { dbDir: job.dbDir, assets: assetsIn(job.distDir) }, silentLogger);
  try {
    const result = await measureAnswers(engine, server, job.contextProbes, job.probes, job.questions);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await engine.dispose();
    await server.close();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? join(process.cwd(), 'answers-job.json')).catch((err) => {
    process.stderr.write(`answers benchmark failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  });
}

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runEvalCommand } from '../../../src/cli/evalCommand';
import { buildTrainingSet, exportTrainingSet, loadInputs, type DatasetInputs } from '../../../src/engine/dataset/exportTrainingSet';
import { editSimilarity } from '../../../src/engine/eval/editSimilarity';
import { runEval, type EvalOptions } from '../../../src/engine/eval/evalRun';
import { EvalError } from '../../../src/engine/eval/evalRunStore';
import { heldOutTasks } from '../../../src/engine/eval/evalTasks';
import type { EvalTask, TaskResult } from '../../../src/engine/eval/evalTypes';
import { OllamaClient, OllamaError } from '../../../src/engine/llm/ollamaClient';
import { DEFAULTS, validateSettings } from '../../../src/engine/settings';
import { makeTmp, removeTmp, withEngine, writeTree } from '../../support/indexKit';
import { OllamaTestServer, type ModelSpec } from '../../support/ollamaTestServer';

const BIG = 'big-coder:7b';
const HOUSE = 'house-coder:1.5b';
const TINY = 'tiny-coder:0.5b';
const JUNK = 'eval(input)';
const SPLIT = { seed: 3, validShare: 0.3 };

function coder(name: string, parameterSize: string): ModelSpec {
  return { name, family: 'qwen2', capabilities: ['completion', 'insert'], parameterSize, contextLength: 32768 };
}

/** Twelve small house files, three functions each: enough for a validation split with several files. */
function houseCode(): Record<string, string> {
  const files: Record<string, string> = {
    '.inhouse/conventions/safety.md': [
      '# No dynamic code {#no-eval severity=must applies="typescript"}',
      '',
      'Never evaluate strings as code.',
      '',
      '```inhouse-check',
      'banned: [eval, new Function]',
      'naming.function: camelCase',
      '```',
      '',
    ].join('\n'),
  };
  const nouns = ['order', 'invoice', 'account', 'parcel', 'ledger', 'ticket', 'voucher', 'refund', 'basket', 'coupon', 'payment', 'shipment'];
  nouns.forEach((noun, i) => {
    const cap = noun[0].toUpperCase() + noun.slice(1);
    files[`src/${noun}/${noun}Store.ts`] = [
      `export interface ${cap} {`,
      '  id: string;',
      '  amountCents: number;',
      '}',
      '',
      `export function total${cap}Cents(items: ${cap}[]): number {`,
      '  let sum = 0;',
      '  for (const item of items) {',
      `    sum += item.amountCents * ${i + 2};`,
      '  }',
      '  return sum;',
      '}',
      '',
      `export function find${cap}(items: ${cap}[], id: string): ${cap} | undefined {`,
      `  const wanted = id.trim().toLowerCase();`,
      `  const found = items.find((item) => item.id === wanted);`,
      '  return found;',
      '}',
      '',
      `export function describe${cap}(item: ${cap}): string {`,
      `  const amount = (item.amountCents / 100).toFixed(2);`,
      `  const label = '${noun}-' + item.id;`,
      '  return label + amount;',
      '}',
      '',
    ].join('\n');
  });
  return files;
}

/** What each model answers on a task: the middle, the middle one character off, junk. */
function scriptModels(server: OllamaTestServer, tasks: readonly EvalTask[]): void {
  const load = 1_000_000;
  for (const t of tasks) {
    const when = (r: { body: { prompt?: string; suffix?: string } }) => r.body?.prompt === t.prefix;
    const stats = (chunks: number) => ({ load_duration: load, total_duration: load + 10_000_000 * chunks });
    const half = Math.ceil(t.middle.length / 2);
    server.script({ endpoint: 'generate', model: BIG, when, chunks: [t.middle.slice(0, half), t.middle.slice(half)], stats: stats(2), repeat: true });
    server.script({ endpoint: 'generate', model: HOUSE, when, chunks: [nearly(t.middle)], stats: stats(1), repeat: true });
    server.script({ endpoint: 'generate', model: TINY, when, chunks: [JUNK], stats: stats(1), repeat: true });
  }
}

/** The middle with its last non-space character replaced (`;` → `,`, else → `;`); a short one as it is. */
function nearly(middle: string): string {
  if (middle.trim().length < 6) return middle;
  const m = /(\S)(\s*)$/.exec(middle)!;
  const swap = m[1] === ';' ? ',' : ';';
  return middle.slice(0, m.index) + swap + m[2];
}

function readResultLines(runDir: string): TaskResult[] {
  return fs
    .readFileSync(path.join(runDir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as TaskResult);
}

describe('model evaluation', function () {
  this.timeout(120_000);
  let tmp: string;
  let dbDir: string;
  let inputs: DatasetInputs;
  let server: OllamaTestServer;
  let client: OllamaClient;
  let tasks: EvalTask[];
  let clock = 0;
  const now = () => (clock += 50);

  /** Just wide enough for the house model's near misses (the best scores 1). */
  const houseMargin = () => Math.ceil((1 - tasks.reduce((n, t) => n + editSimilarity(nearly(t.middle), t.middle), 0) / tasks.length) * 1000) / 1000 + 0.005;

  const options = (extra: Partial<EvalOptions> = {}): EvalOptions => ({
    ...SPLIT,
    outDir: path.join(tmp, 'eval'),
    runId: 'run-1',
    models: [BIG, HOUSE, TINY],
    tasks: 6,
    settings: DEFAULTS,
    now,
    ...extra,
  });

  before(async () => {
    tmp = makeTmp('eval');
    const ws = path.join(tmp, 'ws');
    writeTree(ws, houseCode());
    dbDir = path.join(tmp, 'db');
    await withEngine(dbDir, (e) => e.index([{ root: ws, source: 'workspace' }]));
    inputs = await loadInputs(dbDir, undefined);
    tasks = heldOutTasks(inputs, { ...SPLIT, count: 6 }).tasks;
    server = await OllamaTestServer.start({ models: [coder(BIG, '7B'), coder(HOUSE, '1.5B'), coder(TINY, '0.5B'), { name: 'llama3.2:3b', family: 'llama', capabilities: ['completion'], parameterSize: '3.2B' }] });
    client = new OllamaClient({ host: server.url, timeoutMs: 10_000 });
    scriptModels(server, tasks);
  });
  after(async () => {
    await server?.close();
    removeTmp(tmp);
  });

  it('draws tasks only from the validation split, deterministically', () => {
    assert.equal(tasks.length, 6);
    const built = buildTrainingSet({ ...inputs, events: [] }, SPLIT);
    const valid = new Set(built.splits.valid);
    const train = new Set(built.splits.train);
    assert.ok(train.size >= 5 && valid.size >= 2, `split: ${train.size} train, ${valid.size} valid files`);
    for (const t of tasks) {
      assert.ok(valid.has(t.splitKey) && !train.has(t.splitKey), `${t.splitKey} is a validation file`);
      assert.ok(t.middle.trim() && t.prefix.length > 0);
    }
    // The middles are what the validation samples ask for.
    const validCompletions = built.valid.filter((s) => s.format === 'completion').map((s) => (s.format === 'completion' ? s.completion : ''));
    for (const t of tasks) assert.ok(validCompletions.includes(`${t.middle}<|endoftext|>`) || validCompletions.includes(`${t.middle}\n<|endoftext|>`));
    assert.deepEqual(heldOutTasks(inputs, { ...SPLIT, count: 6 }).tasks, tasks, 'same seed, same tasks');
    assert.notDeepEqual(heldOutTasks(inputs, { ...SPLIT, seed: 4, count: 6 }).tasks.map((t) => t.id), tasks.map((t) => t.id));
    // Files an earlier export trained on are never tasks, whatever the split here says.
    const excluded = heldOutTasks(inputs, { ...SPLIT, trainKeys: [tasks[0].splitKey] }).tasks;
    assert.ok(!excluded.some((t) => t.splitKey === tasks[0].splitKey));
  });

  it('measures each model exactly and recommends the smallest within the margin', async () => {
    const progress: number[] = [];
    const report = await runEval(client, dbDir, options({ runId: 'full', margin: houseMargin(), onProgress: (p) => p.phase === 'running' && progress.push(p.done) }));
    assert.equal(report.tasks, 6);
    assert.equal(report.ran, 18);
    assert.equal(report.cancelled, false);
    assert.deepEqual(progress, [0, ...Array.from({ length: 18 }, (_, i) => i + 1)]);
    const [big, house, tiny] = report.models;
    assert.deepEqual([big.model, house.model, tiny.model], [BIG, HOUSE, TINY]);
    assert.deepEqual([big.parameterSize, house.parameterSize, tiny.parameterSize], ['7B', '1.5B', '0.5B']);

    assert.equal(big.exactMatch, 1);
    assert.equal(big.editSimilarity, 1);
    assert.equal(big.violations, 0);
    const changed = tasks.filter((t) => nearly(t.middle) !== t.middle).length;
    assert.ok(changed >= 1, `${changed} tasks long enough to get a near miss`);
    assert.equal(house.exactMatch, (tasks.length - changed) / tasks.length);
    const houseSim = tasks.reduce((n, t) => n + editSimilarity(nearly(t.middle), t.middle), 0) / tasks.length;
    assert.ok(Math.abs(house.editSimilarity - houseSim) < 1e-12, `${house.editSimilarity} vs ${houseSim}`);
    assert.ok(houseSim > 0.5 && houseSim < 1);
    assert.ok(tiny.editSimilarity < 0.5);
    // Clock: 50 ms per request, less Ollama's 1 ms load; 10 ms per generated chunk.
    for (const m of report.models) {
      assert.equal(m.latencyP50Ms, 49);
      assert.equal(m.latencyP95Ms, 49);
      assert.equal(m.tokensPerSecond, 100);
      assert.equal(m.failed, 0);
    }
    assert.equal(report.recommendation?.model, HOUSE);
    assert.equal(report.recommendation?.best, BIG);
    assert.deepEqual(report.checkedRules, ['no-eval']);

    const lines = readResultLines(report.runDir);
    assert.equal(lines.length, 18);
    // Where the tiny model's eval survives post-processing as a name of its own, the no-eval rule
    // flags it; glued to the word before the cursor (`return|` + `eval(`) it is another name.
    const tinyLines = lines.filter((l) => l.model === TINY);
    for (const l of tinyLines) {
      const task = tasks.find((t) => t.id === l.taskId)!;
      const standalone = l.completion.startsWith('eval(') && !/[\w$]$/.test(task.prefix);
      assert.deepEqual(l.violations, standalone ? [{ ruleId: 'no-eval', check: 'banned', text: 'eval' }] : [], JSON.stringify(l));
    }
    assert.ok(tinyLines.filter((l) => l.completion === JUNK).length >= 1);
    assert.ok(tiny.violations >= 1);
    assert.equal(tiny.tasksWithViolations, tiny.violations);
    // The same FIM path as the product: insert mode with the suffix, greedy, the completion stops.
    const req = server.requestsTo('/api/generate').find((r) => r.body.model === BIG)!;
    assert.equal(req.body.options.temperature, 0);
    assert.ok(req.body.options.stop.includes('<|endoftext|>'));
    assert.equal(req.body.options.num_ctx, 4096);

    // A tighter margin keeps the best.
    const strict = await runEval(client, dbDir, options({ runId: 'full', margin: 0 }));
    assert.equal(strict.ran, 0, 'nothing re-run');
    assert.equal(strict.resumed, 18);
    assert.equal(strict.recommendation?.model, BIG);
  });

  it('a cancel stops at once and keeps what finished; resume does only the rest', async () => {
    const abort = new AbortController();
    server.clearRequests();
    const report = await runEval(
      client,
      dbDir,
      options({
        runId: 'cancel-me',
        signal: abort.signal,
        onProgress: (p) => {
          if (p.phase === 'running' && p.done === 4) {
            // The fifth task is in flight when the cancel comes: it is dropped, not recorded.
            server.faults.chunkDelayMs = 2_000;
            setTimeout(() => abort.abort(), 100);
          }
        },
      }),
    );
    server.faults.chunkDelayMs = 0;
    assert.equal(report.cancelled, true);
    assert.equal(report.ran, 4);
    assert.equal(server.requestsTo('/api/generate').length, 5);
    assert.ok(server.requestsTo('/api/generate')[4].aborted, 'the request in flight was hung up');
    const runDir = path.join(tmp, 'eval', 'cancel-me');
    const kept = readResultLines(runDir);
    assert.equal(kept.length, 4);
    assert.ok(JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')).cancelled);

    // A crash mid-write leaves half a line: it is skipped and that task runs again.
    fs.appendFileSync(path.join(runDir, 'results.jsonl'), '{"v":1,"model":"big-co');
    server.clearRequests();
    const resumed = await runEval(client, dbDir, options({ runId: 'cancel-me' }));
    assert.equal(resumed.cancelled, false);
    assert.equal(resumed.resumed, 4);
    assert.equal(resumed.ran, 14);
    assert.equal(resumed.corruptLines, 1);
    assert.equal(server.requestsTo('/api/generate').length, 14, 'finished pairs are not asked again');
    const done = new Set(kept.map((l) => `${l.model}/${l.taskId}`));
    for (const r of server.requestsTo('/api/generate')) {
      const task = tasks.find((t) => t.prefix === r.body.prompt)!;
      assert.ok(!done.has(`${r.body.model}/${task.id}`));
    }
    assert.ok(resumed.recommendation);
    assert.equal(readResultLines(runDir).length, 18);
  });

  it('names the fix: Ollama unreachable, a model not pulled, a model that cannot fill in', async () => {
    const dead = new OllamaClient({ host: 'http://127.0.0.1:9', timeoutMs: 2_000, retry: { retries: 0, delayMs: 1 } });
    await assert.rejects(runEval(dead, dbDir, options({ runId: 'dead' })), (err: unknown) => {
      assert.ok(err instanceof OllamaError && err.kind === 'unreachable');
      assert.match(err.message, /Ollama is not reachable at http:\/\/127\.0\.0\.1:9\. Start it with `ollama serve`/);
      return true;
    });

    const report = await runEval(client, dbDir, options({ runId: 'partly', models: ['missing-coder:1b', 'llama3.2:3b', BIG], tasks: 2 }));
    assert.deepEqual(report.models.map((m) => m.model), [BIG]);
    assert.equal(report.skipped.length, 2);
    assert.match(report.skipped[0].reason, /The model missing-coder:1b is not pulled in Ollama at .*: run `ollama pull missing-coder:1b`, or leave it out of the candidates\./);
    assert.match(report.skipped[1].reason, /llama3\.2:3b cannot fill in the middle.*Leave it out of the candidates/);

    await assert.rejects(runEval(client, dbDir, options({ runId: 'none', models: ['missing-coder:1b'] })), (err: unknown) => {
      assert.ok(err instanceof EvalError);
      assert.match(err.message, /No candidate model can be evaluated\. .*ollama pull missing-coder:1b/);
      return true;
    });
  });

  it('`inhouse eval` prints the table and the recommendation, honouring a training export', async () => {
    const datasetDir = path.join(tmp, 'dataset');
    await exportTrainingSet(dbDir, undefined, { outDir: datasetDir, ...SPLIT, writeRecipe: false });
    const splits = JSON.parse(fs.readFileSync(path.join(datasetDir, 'splits.json'), 'utf8')) as { train: string[]; valid: string[] };
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), isTty: false };
    const settings = validateSettings({ 'completion.model': BIG, 'chat.model': HOUSE });
    const code = await runEvalCommand(
      [],
      { db: dbDir, models: TINY, tasks: '6', margin: String(houseMargin()), out: path.join(tmp, 'cli-eval'), dataset: datasetDir },
      io,
      tmp,
      { client, settings, now },
    );
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.match(out, /^InHouse model evaluation: run eval-\d{8}-\d{6}, 6 held-out tasks from \d+ validation files?, seed 3\./);
    assert.match(out, /house-coder:1\.5b \*\s+1\.5B\s+6\s+\d+\.\d%\s+0\.\d{3}\s+0\s+49\s+49\s+100\.0\s+0\n/);
    assert.match(out, /Recommendation: house-coder:1\.5b\. /);
    assert.match(out, /tiny-coder:0\.5b\s+0\.5B\s+6\s+0\.0%\s+0\.\d{3}\s+\d\s+49\s+49\s+100\.0\s+0/);
    // eslint-disable-next-line no-console
    if (process.env.SHOW_EVAL_REPORT) console.log(out);
    const runs = fs.readdirSync(path.join(tmp, 'cli-eval'));
    const report = JSON.parse(fs.readFileSync(path.join(tmp, 'cli-eval', runs[0], 'report.json'), 'utf8')) as { files: string[] };
    for (const f of report.files) assert.ok(splits.valid.includes(f) && !splits.train.includes(f));

    // --resume finds that run; nothing is left to do.
    out = '';
    const again = await runEvalCommand([], { db: dbDir, resume: true, json: true, out: path.join(tmp, 'cli-eval'), dataset: datasetDir }, io, tmp, { client, settings, now });
    assert.equal(again, 0);
    const json = JSON.parse(out);
    assert.equal(json.ran, 0);
    assert.equal(json.resumed, 18);

    err = '';
    assert.equal(await runEvalCommand([], { db: dbDir, margin: '2' }, io, tmp, { client, settings }), 2);
    assert.match(err, /--margin must be an edit similarity from 0 to 1/);
    err = '';
    assert.equal(await runEvalCommand([], { db: dbDir, resume: true, out: path.join(tmp, 'nothing-here') }, io, tmp, { client, settings }), 1);
    assert.match(err, /There is no eval run in .* to resume/);
  });
});

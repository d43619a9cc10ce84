import { parentPort, workerData } from 'node:worker_threads';
import { Grammars } from '../languages/grammars';
import { languageById } from '../languages/registry';
import { FileAnalyzer } from './fileAnalyzer';
import type { AnalyzeJob, AnalyzeOutcome, AnalyzeReply, WorkerInit } from './parseProtocol';
import { CHUNK_COLUMNS, encodeRows, transferables } from '../store/columns';
import { chunkRows } from './rows';

/** Worker entry: parses files off the host's main thread, one job at a time. */
const init = workerData as WorkerInit;
const grammars = new Grammars(init.assets);
const analyzer = new FileAnalyzer(grammars, init.analyzer);
let queue: Promise<void> = Promise.resolve();

async function handle(job: AnalyzeJob): Promise<AnalyzeReply> {
  const lang = languageById(job.language);
  if (!lang) return { id: job.id, error: `unknown language ${job.language}` };
  try {
    const analysis = await analyzer.analyze(job.bytes, lang, job.path);
    const outcome: AnalyzeOutcome = analysis.ok
      ? {
          ok: true,
          language: lang.id,
          imports: analysis.file.imports,
          packageName: analysis.file.packageName,
          hasErrors: analysis.file.hasErrors,
          redactions: analysis.file.redactions,
          rows: encodeRows(CHUNK_COLUMNS, chunkRows(job, lang.id, analysis.file.chunks)),
          ...(analysis.file.warnings ? { warnings: analysis.file.warnings } : {}),
        }
      : analysis;
    return { id: job.id, outcome };
  } catch (err) {
    return { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.on('message', (job: AnalyzeJob) => {
  queue = queue.then(async () => {
    const reply = await handle(job);
    // The rows' buffers move to the indexer without a copy.
    parentPort?.postMessage(reply, reply.outcome?.ok ? transferables(reply.outcome.rows) : []);
  });
});

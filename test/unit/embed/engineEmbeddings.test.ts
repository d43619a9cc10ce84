import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../../src/engine/settings';
import { embedPending } from '../../../src/engine/embed/embedRunner';
import { OllamaEmbedder } from '../../../src/engine/embed/ollamaEmbedder';
import { OllamaClient } from '../../../src/engine/llm/ollamaClient';
import { silentLogger } from '../../../src/engine/log';
import { IndexStore } from '../../../src/engine/store/indexStore';
import { makeTmp, removeTmp, withEngine, writeTree } from '../../support/indexKit';
import { cosineSimilarity, hashedEmbedding, OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import {
  distinctChunkInputs,
  EMBED,
  EMBED_DIM,
  embedInputs,
  embedSettings,
  metaEmbedding,
  probeCount,
  readEmbeddings,
  RecordingLogger,
  usingEngine,
} from './embedKit';

/**
 * The search case: "round invoice tax" appears nowhere as words. `settle` holds all three only
 * as subtokens of identifiers (invoiceTax, roundHalfEven); `placeholder` holds none in its code,
 * but its path (src/invoice/tax/round.ts) gives BM25 all three in a tiny document. Keyword
 * search ranks the placeholder first; the vectors (which see code, not paths) rank settle first,
 * and the fused list does too.
 */
const QUERY = 'round invoice tax';
const SETTLE = 'export function settle(amount: number): number {\n  const invoiceTax = amount * RATE;\n  return roundHalfEven(invoiceTax);\n}\n';
const CLAMP = 'export function clamp(v: number, lo: number, hi: number): number {\n  return Math.min(hi, Math.max(lo, v));\n}\n';

const TREE: Record<string, string> = {
  'src/invoice/tax/round.ts': 'export function placeholder(): void {}\n',
  'src/billing/settle.ts': SETTLE,
  'src/billing/invoice.ts':
    'export function createInvoice(customer: Customer, lines: Line[]): Invoice {\n  return { customer, lines, total: sumLines(lines) };\n}\n\n' +
    '/** Mails the invoice to its customer. */\nexport function sendInvoice(invoice: Invoice, mailer: Mailer): void {\n  mailer.send(invoice.customer.email, renderInvoice(invoice));\n}\n',
  'src/util/math.ts':
    'export function roundToCents(value: number): number {\n  return Math.round(value * 100) / 100;\n}\n\n' +
    'export function roundUp(value: number): number {\n  return Math.ceil(value);\n}\n',
  // Two files with the same function: one content, one vector.
  'src/util/clampA.ts': CLAMP,
  'src/util/clampB.ts': CLAMP,
};
/** Chunks of TREE, and their distinct contents (the two clamps share one). */
const CHUNKS = 8;
const CONTENTS = 7;

describe('embeddings in the engine (Ollama test server)', function () {
  this.timeout(120_000);
  let server: OllamaTestServer;
  let tmp: string;
  let ws: string;
  let db: string;
  let log: RecordingLogger;
  const roots = () => [{ root: ws, source: 'workspace' }];

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: standardModels() });
    tmp = makeTmp('embed');
    ws = path.join(tmp, 'ws');
    db = path.join(tmp, 'db');
    writeTree(ws, TREE);
    log = new RecordingLogger();
  });
  afterEach(async () => {
    await server.close();
    removeTmp(tmp);
  });

  /** Indexes TREE with the embedding model, then forgets the requests and log lines it caused. */
  async function indexedWithVectors(): Promise<void> {
    await usingEngine(db, embedSettings(server), log, async (e) => {
      const s = await e.index(roots());
      assert.equal(s.embeddings?.embedded, CONTENTS, JSON.stringify({ ...s, roots: undefined }));
    });
    server.clearRequests();
    log.clear();
  }

  const keywordTop = async (query: string) => withEngine(db, async (e) => (await e.search(query, { limit: 5 })).map((h) => h.symbol));

  describe('indexing', () => {
    it('embeds every distinct chunk content exactly once, after one probe of the new model', async () => {
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.files, 6);
      assert.equal(summary.chunks, CHUNKS);
      assert.deepEqual(summary.embeddings, { model: EMBED, pending: CONTENTS, embedded: CONTENTS, modelChanged: false, ann: 'none' });

      const sent = embedInputs(server);
      assert.equal(sent.length, CONTENTS, 'no content sent twice');
      assert.deepEqual([...sent].sort(), await distinctChunkInputs(db));
      assert.ok(sent.includes(CLAMP.trimEnd()), 'the shared clamp body is sent (once)');
      assert.ok(sent.includes(`Mails the invoice to its customer.\n${TREE['src/billing/invoice.ts'].split('\n').slice(5, 8).join('\n')}`), 'the doc comment is part of the input');
      assert.equal(probeCount(server), 1);
      for (const r of server.requestsTo('/api/embed')) assert.equal(r.body.model, EMBED);

      const vectors = await readEmbeddings(db);
      assert.equal(vectors?.length, CONTENTS);
      for (const v of vectors ?? []) assert.equal(v.vector.length, EMBED_DIM);
      // The vector stored is the model's for exactly that input.
      const settleVector = vectors?.find((v) => v.vector.length && cosineSimilarity(v.vector, hashedEmbedding(SETTLE.trimEnd(), EMBED_DIM)) > 0.9999);
      assert.ok(settleVector, 'the vector of settle is stored');
      assert.deepEqual(metaEmbedding(db), { model: EMBED, dim: EMBED_DIM });
      assert.deepEqual(log.warnings, []);
    });

    it('re-indexing an unchanged tree sends nothing to Ollama', async () => {
      await indexedWithVectors();
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.unchanged, 6);
      assert.deepEqual(summary.embeddings, { model: EMBED, pending: 0, embedded: 0, modelChanged: false, ann: 'none' });
      assert.deepEqual(server.requests.map((r) => r.path), [], 'not even a probe: the model is the one the index holds');
      assert.deepEqual(log.warnings, []);
    });

    it('renaming a file re-embeds nothing: the cache is by content hash', async () => {
      await indexedWithVectors();
      fs.renameSync(path.join(ws, 'src/billing/settle.ts'), path.join(ws, 'src/billing/settlement.ts'));
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.added, 1);
      assert.equal(summary.removed, 1);
      assert.equal(summary.embeddings?.pending, 0);
      assert.deepEqual(embedInputs(server), []);
      assert.equal((await readEmbeddings(db))?.length, CONTENTS);
    });

    it('keeps vectors of removed content for a while, and drops them once they pass the stale limit', async () => {
      await indexedWithVectors();
      fs.rmSync(path.join(ws, 'src/billing/settle.ts'));
      fs.rmSync(path.join(ws, 'src/invoice/tax/round.ts'));
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.removed, 2);
      assert.equal(summary.embeddings?.dropped, undefined, 'two stale vectors are under the default limit');
      assert.equal((await readEmbeddings(db))?.length, CONTENTS);

      const store = await IndexStore.openForWrite(db, silentLogger);
      try {
        const embedder = new OllamaEmbedder(new OllamaClient({ host: server.url, timeoutMs: 2000 }), EMBED);
        const pruned = await embedPending(store, embedder, silentLogger, { staleLimit: 1 });
        assert.equal(pruned.dropped, 2);
        assert.equal(pruned.pending, 0);
      } finally {
        store.close();
      }
      const left = await readEmbeddings(db);
      assert.equal(left?.length, CONTENTS - 2);
      assert.ok(!left?.some((v) => cosineSimilarity(v.vector, hashedEmbedding(SETTLE.trimEnd(), EMBED_DIM)) > 0.9999), 'the removed settle vector is gone');
    });

    it('editing one function sends only that chunk’s new content', async () => {
      await indexedWithVectors();
      const edited = TREE['src/util/math.ts'].replace('Math.ceil(value)', 'Math.ceil(value - 1e-9)');
      fs.writeFileSync(path.join(ws, 'src/util/math.ts'), edited);
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.changed, 1);
      assert.deepEqual(summary.embeddings, { model: EMBED, pending: 1, embedded: 1, modelChanged: false, ann: 'none' });
      assert.deepEqual(embedInputs(server), ['export function roundUp(value: number): number {\n  return Math.ceil(value - 1e-9);\n}']);
      assert.equal(probeCount(server), 0);
    });

    it('changing only a doc comment re-embeds that chunk (the hash covers doc and text)', async () => {
      await indexedWithVectors();
      const edited = TREE['src/billing/invoice.ts'].replace('Mails the invoice to its customer.', 'Emails the invoice to the billing contact.');
      fs.writeFileSync(path.join(ws, 'src/billing/invoice.ts'), edited);
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.embeddings?.pending, 1);
      assert.deepEqual(embedInputs(server), [
        'Emails the invoice to the billing contact.\nexport function sendInvoice(invoice: Invoice, mailer: Mailer): void {\n  mailer.send(invoice.customer.email, renderInvoice(invoice));\n}',
      ]);
    });

    it('a chunk longer than the input cap is sent cut to 2,000 characters', async () => {
      await indexedWithVectors();
      const body = Array.from({ length: 120 }, (_, i) => `  const value${i} = compute${i}(input);`).join('\n');
      fs.writeFileSync(path.join(ws, 'src/long.ts'), `export function longOne(input: number): void {\n${body}\n}\n`);
      await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      const sent = embedInputs(server);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].length, 2_000);
      assert.ok(sent[0].startsWith('export function longOne(input: number): void {'));
    });

    it('sends batches of at most 32 inputs', async () => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 70; i++) many[`src/gen/f${i}.ts`] = `export function generated${i}(): number {\n  return ${i};\n}\n`;
      writeTree(ws, many);
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.embeddings?.embedded, CONTENTS + 70);
      const sizes = server.requestsTo('/api/embed').map((r) => (r.body.input as string[]).length);
      assert.deepEqual(sizes, [1, 32, 32, 13], 'the probe, then full batches');
    });

    it('switching to another embedding model re-embeds everything, warns, and drops the old vectors', async () => {
      await indexedWithVectors();
      server.addModel({ name: 'mxbai-embed-large:latest', family: 'bert', capabilities: ['embedding'], embeddingDim: 1024 });
      const summary = await usingEngine(db, embedSettings(server, 'mxbai-embed-large'), log, (e) => e.index(roots()));
      assert.deepEqual(summary.embeddings, { model: 'mxbai-embed-large', pending: CONTENTS, embedded: CONTENTS, modelChanged: true, ann: 'none' });
      assert.deepEqual(log.warnings, ['The embedding model is now mxbai-embed-large: re-embedding every chunk.']);
      assert.equal(probeCount(server), 1, 'the new model is probed before anything is dropped');
      assert.deepEqual([...embedInputs(server)].sort(), await distinctChunkInputs(db));
      for (const r of server.requestsTo('/api/embed')) assert.equal(r.body.model, 'mxbai-embed-large');

      const vectors = await readEmbeddings(db);
      assert.equal(vectors?.length, CONTENTS, 'the old model’s vectors are gone, not kept beside the new ones');
      assert.deepEqual([...new Set(vectors?.map((v) => v.vector.length))], [1024]);
      assert.deepEqual(metaEmbedding(db), { model: 'mxbai-embed-large', dim: 1024 });

      // Search now embeds the query with the new model.
      server.clearRequests();
      const hits = await usingEngine(db, embedSettings(server, 'mxbai-embed-large'), log, (e) => e.search(QUERY, { limit: 5 }));
      assert.equal(hits[0].symbol, 'settle');
      assert.deepEqual(server.requestsTo('/api/embed').map((r) => [r.body.model, r.body.input]), [['mxbai-embed-large', [QUERY]]]);
    });

    it('switching to a model that is not pulled drops nothing; the summary carries the error; going back needs no re-embedding', async () => {
      await indexedWithVectors();
      const before = await readEmbeddings(db);
      const summary = await usingEngine(db, embedSettings(server, 'all-minilm'), log, async (e) => {
        const s = await e.index(roots());
        // Search with the unusable model configured: keyword and symbols only, no query embedding.
        server.clearRequests();
        const hits = await e.search(QUERY, { limit: 5 });
        assert.equal(hits[0].symbol, 'placeholder');
        assert.deepEqual(server.requestsTo('/api/embed'), []);
        return s;
      });
      assert.equal(summary.files, 6, 'the index run itself completed');
      assert.equal(summary.embeddings?.model, 'all-minilm');
      assert.equal(summary.embeddings?.embedded, 0);
      assert.equal(summary.embeddings?.modelChanged, false);
      assert.ok(summary.embeddings?.error?.includes('`ollama pull all-minilm`'), summary.embeddings?.error);
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.match(log.warnings[0], /`ollama pull all-minilm`.*Keyword and symbol search still work\./s);

      assert.deepEqual(metaEmbedding(db), { model: EMBED, dim: EMBED_DIM });
      assert.deepEqual(await readEmbeddings(db), before, 'the old vectors are untouched');

      // Back to the old model: nothing to re-embed, and search uses the kept vectors.
      server.clearRequests();
      log.clear();
      await usingEngine(db, embedSettings(server), log, async (e) => {
        const s = await e.index(roots());
        assert.deepEqual(s.embeddings, { model: EMBED, pending: 0, embedded: 0, modelChanged: false, ann: 'none' });
        assert.deepEqual(embedInputs(server), []);
        const hits = await e.search(QUERY, { limit: 5 });
        assert.equal(hits[0].symbol, 'settle', 'vector similarity decides the top result again');
      });
      assert.deepEqual(log.warnings, []);
    });

    it('with Ollama down, the index completes for keyword search, and one warning names the fix', async () => {
      await server.refuseConnections();
      const summary = await usingEngine(db, embedSettings(server), log, async (e) => {
        const s = await e.index(roots());
        const hits = await e.search(QUERY, { limit: 5 });
        assert.equal(hits[0].symbol, 'placeholder', 'keyword search works without vectors');
        assert.ok(hits.some((h) => h.symbol === 'settle'));
        return s;
      });
      assert.equal(summary.files, 6);
      assert.equal(summary.chunks, CHUNKS);
      assert.equal(summary.embeddings?.embedded, 0);
      assert.equal(summary.embeddings?.error, `Ollama is not reachable at ${server.url}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`);
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.match(log.warnings[0], /^Embeddings not updated: Ollama is not reachable .*`ollama serve`.* Keyword and symbol search still work\.$/);
      assert.deepEqual(log.errors, []);
      assert.equal(await readEmbeddings(db), undefined, 'no vectors yet');
      assert.equal(metaEmbedding(db), undefined, 'the index does not claim a model it has no vectors of');

      // Ollama back: the next run embeds everything.
      await server.acceptConnections();
      const again = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.deepEqual(again.embeddings, { model: EMBED, pending: CONTENTS, embedded: CONTENTS, modelChanged: false, ann: 'none' });
    });

    it('with Ollama down on a later run, the new chunk is left for next time, with one warning', async () => {
      await indexedWithVectors();
      fs.writeFileSync(path.join(ws, 'src/util/extra.ts'), 'export function extraHelper(): number {\n  return 42;\n}\n');
      await server.refuseConnections();
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.added, 1);
      assert.equal(summary.embeddings?.pending, 1);
      assert.equal(summary.embeddings?.embedded, 0);
      assert.match(summary.embeddings?.error ?? '', /`ollama serve`/);
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.match(log.warnings[0], /^Embeddings stopped after 0 of 1: Ollama is not reachable/);
      assert.equal((await readEmbeddings(db))?.length, CONTENTS, 'the vectors made before are kept');

      await server.acceptConnections();
      server.clearRequests();
      const next = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(next.embeddings?.embedded, 1);
      assert.deepEqual(embedInputs(server), ['export function extraHelper(): number {\n  return 42;\n}']);
    });

    it('with Ollama hung, the index run still ends, with a timeout error naming inhouse.ollama.timeoutSeconds', async () => {
      server.faults.delayMs = 60_000;
      const summary = await usingEngine(db, embedSettings(server, EMBED, 1), log, (e) => e.index(roots()));
      assert.equal(summary.chunks, CHUNKS);
      assert.match(summary.embeddings?.error ?? '', /did not answer within 1 s.*inhouse\.ollama\.timeoutSeconds/);
      assert.equal(log.warnings.length, 1);
    });
  });

  describe('search', () => {
    it('ranks by vector similarity: the fused top result differs from keyword-only search', async () => {
      await indexedWithVectors();
      const keyword = await keywordTop(QUERY);
      assert.equal(keyword[0], 'placeholder', 'keyword-only search is fooled by the path');
      const hybrid = await usingEngine(db, embedSettings(server), log, (e) => e.search(QUERY, { limit: 5 }));
      assert.equal(hybrid[0].symbol, 'settle');
      assert.equal(hybrid[0].path, 'src/billing/settle.ts');
      assert.deepEqual(server.requestsTo('/api/embed').map((r) => r.body.input), [[QUERY]], 'the query is embedded once');
      assert.deepEqual(log.warnings, []);
    });

    it('with Ollama down mid-session, search degrades to keyword results with one warning, not one per query', async () => {
      await indexedWithVectors();
      const keyword = await keywordTop(QUERY);
      await usingEngine(db, embedSettings(server), log, async (e) => {
        assert.equal((await e.search(QUERY, { limit: 5 }))[0].symbol, 'settle');
        await server.refuseConnections();
        for (let i = 0; i < 3; i++) {
          const hits = await e.search(QUERY, { limit: 5 });
          assert.deepEqual(hits.map((h) => h.symbol), keyword, `query ${i + 1} gives the keyword results`);
        }
        assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
        assert.equal(log.warnings[0], `Searching without embeddings: Ollama is not reachable at ${server.url}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`);

        // Back up: vectors count again, and a later failure streak warns once more.
        await server.acceptConnections();
        assert.equal((await e.search(QUERY, { limit: 5 }))[0].symbol, 'settle');
        await server.refuseConnections();
        await e.search(QUERY, { limit: 5 });
        await e.search(QUERY, { limit: 5 });
        assert.equal(log.warnings.length, 2, log.warnings.join('\n'));
      });
      assert.deepEqual(log.errors, []);
    });

    it('updateFile then settle() embeds the new chunk, and search finds it by vector', async () => {
      await indexedWithVectors();
      await usingEngine(db, embedSettings(server), log, async (e) => {
        await e.search(QUERY, { limit: 5 }); // a warm session
        server.clearRequests();
        const file = path.join(ws, 'src/billing/refund.ts');
        const text = 'export function issueRefund(order: Order): Refund {\n  const refundTotal = order.paid - order.kept;\n  return makeRefund(refundTotal);\n}\n';
        fs.writeFileSync(file, text);
        assert.equal(await e.updateFile(file), 1);
        await e.settle();
        assert.deepEqual(embedInputs(server), [text.trimEnd()]);
        assert.equal(probeCount(server), 0);
        assert.equal((await readEmbeddings(db))?.length, CONTENTS + 1);
        const hits = await e.search('refund total', { limit: 3 });
        assert.equal(hits[0].symbol, 'issueRefund');
      });
      assert.deepEqual(log.warnings, []);
    });

    it('with Ollama down, saves keep the keyword index current and warn once, not once per save', async () => {
      await indexedWithVectors();
      await usingEngine(db, embedSettings(server), log, async (e) => {
        await server.refuseConnections();
        for (let i = 0; i < 3; i++) {
          const file = path.join(ws, `src/saved${i}.ts`);
          fs.writeFileSync(file, `export function savedWhileDown${i}(): number {\n  return ${i};\n}\n`);
          assert.equal(await e.updateFile(file), 1);
          await e.settle();
        }
        const hits = await e.search('saved while down 2', { limit: 3 });
        assert.equal(hits[0].symbol, 'savedWhileDown2', 'keyword search sees the saved files');
        const embedWarnings = log.warnings.filter((w) => w.startsWith('Embeddings'));
        assert.equal(embedWarnings.length, 1, log.warnings.join('\n'));
        assert.match(embedWarnings[0], /^Embeddings stopped after 0 of 1: Ollama is not reachable .*`ollama serve`/);

        // Ollama back: the next settle embeds everything the saves left behind.
        await server.acceptConnections();
        server.clearRequests();
        const file = path.join(ws, 'src/saved3.ts');
        fs.writeFileSync(file, 'export function savedWhileUp(): number {\n  return 3;\n}\n');
        await e.updateFile(file);
        await e.settle();
        assert.deepEqual(embedInputs(server).sort(), [0, 1, 2].map((i) => `export function savedWhileDown${i}(): number {\n  return ${i};\n}`).concat('export function savedWhileUp(): number {\n  return 3;\n}').sort());

        // That ended the failure streak: the next outage warns again.
        await server.refuseConnections();
        fs.writeFileSync(file, 'export function savedWhileUp(): number {\n  return 4;\n}\n');
        await e.updateFile(file);
        await e.settle();
        assert.equal(log.warnings.filter((w) => w.startsWith('Embeddings')).length, 2, log.warnings.join('\n'));
      });
    });

    it('a reply of the wrong dimension mid-life stops embedding with a message naming the fix, keeping the old vectors', async () => {
      await indexedWithVectors();
      fs.writeFileSync(path.join(ws, 'src/util/extra.ts'), 'export function extraHelper(): number {\n  return 42;\n}\n');
      server.faults.wrongEmbeddingDim = 17;
      const summary = await usingEngine(db, embedSettings(server), log, (e) => e.index(roots()));
      assert.equal(summary.embeddings?.embedded, 0);
      assert.match(summary.embeddings?.error ?? '', /now returns 17-dimensional vectors, not 384.*inhouse\.embedding\.model/);
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.equal((await readEmbeddings(db))?.length, CONTENTS);
      assert.deepEqual(metaEmbedding(db), { model: EMBED, dim: EMBED_DIM });
    });

    it('a query vector of the wrong dimension degrades search to keyword results with one warning', async () => {
      await indexedWithVectors();
      const keyword = await keywordTop(QUERY);
      server.faults.wrongEmbeddingDim = 17;
      await usingEngine(db, embedSettings(server), log, async (e) => {
        for (let i = 0; i < 2; i++) assert.deepEqual((await e.search(QUERY, { limit: 5 })).map((h) => h.symbol), keyword);
      });
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.match(log.warnings[0], /^Searching without embeddings: The embedding model nomic-embed-text now returns 17-dimensional vectors, not 384\. Re-embed with `inhouse index <folder> --rebuild`/);
    });

    it('without a model configured, search never talks to Ollama', async () => {
      await indexedWithVectors();
      await withEngine(db, (e) => e.search(QUERY, { limit: 5 }), DEFAULTS);
      assert.deepEqual(server.requests, []);
    });
  });
});

import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { embedInput } from '../../../src/engine/embed/embedRunner';
import { OllamaEmbedder } from '../../../src/engine/embed/ollamaEmbedder';
import { OllamaClient } from '../../../src/engine/llm/ollamaClient';
import { silentLogger } from '../../../src/engine/log';
import { StoreVectorSearch } from '../../../src/engine/retrieval/vectorSearch';
import { IndexStore } from '../../../src/engine/store/indexStore';
import { makeTmp, removeTmp, writeTree } from '../../support/indexKit';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { EMBED, embedInputs, embedSettings, RecordingLogger, usingEngine } from './embedKit';

/** The store builds its IVF_PQ index from this many vectors (ANN_MIN_ROWS in indexStore.ts). */
const ANN_MIN_ROWS = 20_000;

/** A small deterministic PRNG (mulberry32), so the random vectors are the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUnitVectors(count: number, dim: number, seed: number): number[][] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: dim }, () => rand() * 2 - 1);
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => Math.fround(x / norm));
  });
}

describe('the ANN index over embeddings', function () {
  this.timeout(180_000);

  describe('IndexStore.maintainEmbeddings, fed directly', () => {
    let tmp: string;
    let store: IndexStore;
    const DIM = 32;

    before(async () => {
      tmp = makeTmp('ann-store');
      store = await IndexStore.openForWrite(path.join(tmp, 'db'), silentLogger);
    });
    after(() => {
      store?.close();
      removeTmp(tmp);
    });

    /** The nearest stored hashes to `vector`, with the search parameters vectorSearch.ts uses. */
    async function nearest(vector: number[], limit = 3): Promise<string[]> {
      const table = await store.embeddingsTable();
      assert.ok(table);
      const rows = (await table.vectorSearch(vector).distanceType('cosine').nprobes(40).refineFactor(10).select(['text_hash']).limit(limit).toArray()) as {
        text_hash: string;
      }[];
      return rows.map((r) => String(r.text_hash));
    }

    it('builds no index below 20,000 vectors, and an IVF_PQ index from there; an exact stored vector comes back first', async () => {
      assert.equal(await store.maintainEmbeddings(), 'none', 'no embeddings table yet');
      assert.equal(await store.useEmbeddingModel('synthetic-embed'), false, 'no previous model to drop');
      const vectors = randomUnitVectors(ANN_MIN_ROWS, DIM, 7);
      await store.addEmbeddings(vectors.slice(0, ANN_MIN_ROWS - 1).map((vector, i) => ({ text_hash: `h${i}`, vector })));
      assert.equal(await store.maintainEmbeddings(), 'none', `${ANN_MIN_ROWS - 1} vectors are searched exactly`);
      await store.addEmbeddings([{ text_hash: `h${ANN_MIN_ROWS - 1}`, vector: vectors[ANN_MIN_ROWS - 1] }]);
      assert.equal(await store.maintainEmbeddings(), 'built');
      assert.deepEqual(store.embedding, { model: 'synthetic-embed', dim: DIM });

      const table = await store.embeddingsTable();
      const indices = (await table?.listIndices()) ?? [];
      const vectorIndex = indices.find((i) => i.columns.includes('vector'));
      assert.ok(vectorIndex, JSON.stringify(indices));
      assert.equal(vectorIndex.indexType, 'IvfPq');

      for (const i of [0, 4_321, 12_345, ANN_MIN_ROWS - 1]) {
        assert.equal((await nearest(vectors[i]))[0], `h${i}`, `vector ${i} finds itself first`);
      }
      assert.equal(await store.maintainEmbeddings(), 'none', 'built once; nothing new to fold');
    });

    it('folds a large enough batch of new vectors into the index (5 % of the rows), which then finds them', async () => {
      const few = randomUnitVectors(500, DIM, 98);
      await store.addEmbeddings(few.map((vector, i) => ({ text_hash: `few${i}`, vector })));
      assert.equal(await store.maintainEmbeddings(), 'none', '500 unindexed vectors are not worth a fold');
      const more = randomUnitVectors(1_000, DIM, 99);
      await store.addEmbeddings(more.map((vector, i) => ({ text_hash: `new${i}`, vector })));
      // Unindexed vectors are still searched (exactly) before they are folded in.
      assert.equal((await nearest(more[500]))[0], 'new500');
      assert.equal(await store.maintainEmbeddings(), 'folded');
      assert.equal((await nearest(more[500]))[0], 'new500');
      assert.equal((await nearest(more[999]))[0], 'new999');
      assert.equal((await nearest(few[0]))[0], 'few0');
      const table = await store.embeddingsTable();
      const name = (await table?.listIndices())?.find((i) => i.columns.includes('vector'))?.name ?? '';
      assert.equal((await table?.indexStats(name))?.numUnindexedRows, 0);
      assert.equal(await store.maintainEmbeddings(), 'none');
    });

    it('refuses vectors of another dimension under the same model, naming the fix', async () => {
      await assert.rejects(store.addEmbeddings([{ text_hash: 'odd', vector: [1, 0, 0] }]), /3-dimensional vectors, not 32.*--rebuild/);
    });
  });

  describe('the engine past 20,000 chunks (20,050 small functions)', () => {
    const N = 20_050;
    const FILES = 10;
    let server: OllamaTestServer;
    let tmp: string;
    let ws: string;
    let db: string;
    /**
     * Each body carries three numbers of its own. The test server's vectors are hashed bags of
     * subtokens over 384 buckets, so with one number per body (`return ${i}`) about 26 bodies
     * share each vector and "finds itself first" would be a coin toss among identical vectors.
     */
    const fn = (i: number) => `export function fn${i}(): number { return k${(i * 7919) % 100_003} + m${(i * 104_729) % 1_000_003}; }`;

    before(async () => {
      server = await OllamaTestServer.start({ models: standardModels() });
      tmp = makeTmp('ann-engine');
      ws = path.join(tmp, 'ws');
      db = path.join(tmp, 'db');
      const files: Record<string, string> = {};
      for (let f = 0; f < FILES; f++) {
        const lines: string[] = [];
        for (let i = f; i < N; i += FILES) lines.push(fn(i));
        files[`src/gen${f}.ts`] = `${lines.join('\n')}\n`;
      }
      writeTree(ws, files);
    });
    after(async () => {
      await server.close();
      removeTmp(tmp);
    });

    it('embeds every chunk once and builds the ANN index; vector search finds a chunk by its exact content', async () => {
      const log = new RecordingLogger();
      const summary = await usingEngine(db, embedSettings(server, EMBED, 30), log, (e) => e.index([{ root: ws, source: 'workspace' }]));
      assert.equal(summary.chunks, N);
      assert.deepEqual(summary.embeddings, { model: EMBED, pending: N, embedded: N, modelChanged: false, ann: 'built' });
      assert.equal(embedInputs(server).length, N);
      assert.deepEqual(log.warnings, []);

      const store = await IndexStore.open(db, silentLogger);
      try {
        const table = await store.embeddingsTable();
        assert.equal(await table?.countRows(), N);
        assert.equal((await table?.listIndices())?.find((i) => i.columns.includes('vector'))?.indexType, 'IvfPq');
        const embedder = new OllamaEmbedder(new OllamaClient({ host: server.url, timeoutMs: 30_000 }), EMBED);
        const vectors = new StoreVectorSearch(store, embedder, silentLogger);
        for (const i of [7, 12_345, N - 1]) {
          // The query is the chunk's own embedding input, so its vector is the stored one.
          const hits = await vectors.search(embedInput('', fn(i)), {}, 5);
          assert.equal(hits[0]?.name, `fn${i}`, `fn${i} first; got ${hits.map((h) => h.name).join(', ')}`);
        }
      } finally {
        store.close();
      }
    });

    it('a second run sends nothing and leaves the built index alone', async () => {
      server.clearRequests();
      const log = new RecordingLogger();
      const summary = await usingEngine(db, embedSettings(server, EMBED, 30), log, async (e) => {
        const s = await e.index([{ root: ws, source: 'workspace' }]);
        const hits = await e.search('fn12345', { limit: 3 });
        assert.equal(hits[0].symbol, 'fn12345');
        return s;
      });
      assert.deepEqual(summary.embeddings, { model: EMBED, pending: 0, embedded: 0, modelChanged: false, ann: 'none' });
      assert.deepEqual(
        server.requestsTo('/api/embed').map((r) => r.body.input),
        [['fn12345']],
        'only the query is embedded',
      );
    });
  });
});

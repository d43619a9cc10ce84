import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../../src/engine/engine';
import type { SharedView } from '../../../src/engine/shared/sharedIndex';
import { silentLogger, type Logger } from '../../../src/engine/log';
import { createNodeHost } from '../../../src/engine/nodeHost';
import { DEFAULTS } from '../../../src/engine/settings';
import type { Table } from '@lancedb/lancedb';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { remoteLocation } from '../../../src/engine/store/location';
import { makeTmp, removeTmp, writeTree } from '../../support/indexKit';
import { S3TestServer } from '../../support/s3TestServer';
import { testAssets } from '../../support/testAssets';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { EMBED, embedSettings } from '../embed/embedKit';

/** A library as a CI job checks it out. */
function paymentsLibrary(root: string): void {
  writeTree(root, {
    'src/charge.ts': [
      'import { Money } from "./money";',
      '',
      '/** Charges a card and returns the receipt. Retries once on a network error. */',
      'export function chargeCard(cardToken: string, amount: Money): Receipt {',
      '  return new Receipt(cardToken, amount);',
      '}',
      '',
      '/** Proof of a payment. */',
      'export class Receipt {',
      '  constructor(readonly cardToken: string, readonly amount: Money) {}',
      '  /** The amount as shown to customers. */',
      '  display(): string {',
      '    return `${this.amount.cents / 100} ${this.amount.currency}`;',
      '  }',
      '}',
      '',
    ].join('\n'),
    'src/money.ts': 'export interface Money {\n  cents: number;\n  currency: string;\n}\n\nexport function refundMoney(m: Money): Money {\n  return { ...m, cents: -m.cents };\n}\n',
    'CONTRIBUTING.md': '# Contributing\n\n## Amounts are integer cents\n\nNever use floating point for money: amounts are integer cents in a Money value.\n',
  });
}

function ledgerLibrary(root: string, files = 12): void {
  const tree: Record<string, string> = {};
  for (let i = 0; i < files; i++) {
    tree[`ledger/book${i}.py`] = Array.from(
      { length: 6 },
      (_, j) => `def post_entry_${i}_${j}(account, amount):\n    """Posts entry ${j} of book ${i}."""\n    return account.balance + amount * ${j}\n`,
    ).join('\n');
  }
  writeTree(root, tree);
}

/** A developer's workspace that calls the library. */
function workspace(root: string): void {
  writeTree(root, {
    'src/checkout.ts': [
      'import { chargeCard } from "payments";',
      '',
      'export function checkout(cart: Cart, token: string) {',
      '  const total = cart.total();',
      '  return chargeCard(token, ',
      '}',
      '',
    ].join('\n'),
    'src/cart.ts': 'export class Cart {\n  items: number[] = [];\n  total() {\n    return { cents: this.items.reduce((a, b) => a + b, 0), currency: "EUR" };\n  }\n}\n',
  });
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warn: (m: string) => warnings.push(m), warnings };
}

describe('shared index in object storage', function () {
  this.timeout(180_000);
  let s3: S3TestServer;
  let tmp: string;
  const engines: Engine[] = [];

  before(async () => {
    s3 = await S3TestServer.start({ buckets: ['team'] });
  });
  after(async () => {
    await s3?.close();
  });
  beforeEach(() => {
    tmp = makeTmp('shared');
  });
  afterEach(async () => {
    while (engines.length) await engines.pop()!.dispose();
    removeTmp(tmp);
  });

  let prefixes = 0;
  const newPrefix = () => `idx${++prefixes}`;

  /** An engine writing the shared index at `prefix`, as `inhouse index --db s3://…` does. */
  function writer(prefix: string, log: Logger = silentLogger): Engine {
    const location = remoteLocation(s3.uri('team', prefix), s3.storageOptions());
    const engine = createEngine(createNodeHost(), DEFAULTS, { dbDir: location.uri, location, assets: testAssets() }, log);
    engines.push(engine);
    return engine;
  }

  /** An editor's engine: a local index plus the shared one. */
  function reader(dbDir: string, prefix: string, log: Logger = silentLogger, refreshSeconds = 300): Engine {
    const engine = createEngine(
      createNodeHost(),
      DEFAULTS,
      { dbDir, assets: testAssets(), shared: { uri: s3.uri('team', prefix), storageOptions: s3.storageOptions(), refreshSeconds } },
      log,
    );
    engines.push(engine);
    return engine;
  }

  /** Reads one table of the shared index at `prefix` directly. */
  async function onTable<T>(prefix: string, name: string, read: (t: Table) => Promise<T>): Promise<T> {
    const db = await loadLanceDb().connect(s3.uri('team', prefix), { storageOptions: s3.storageOptions() });
    try {
      const t = await db.openTable(name);
      try {
        return await read(t);
      } finally {
        t.close();
      }
    } finally {
      db.close();
    }
  }
  const countRows = (prefix: string, table: string) => onTable(prefix, table, (t) => t.countRows());


  const chunksVersion = (prefix: string) => onTable(prefix, 'chunks', (t) => t.version());


  it('CI writes the libraries, an editor searches them with its local index, and a re-run is incremental', async () => {
    const prefix = newPrefix();
    const lib = path.join(tmp, 'ci-checkout', 'payments');
    paymentsLibrary(lib);
    const first = await writer(prefix).index([{ root: lib, source: 'payments' }]);
    assert.equal(first.added, 3);
    assert.ok(first.chunks >= 5, `chunks: ${first.chunks}`);

    const ws = path.join(tmp, 'ws');
    workspace(ws);
    const dbDir = path.join(ws, '.inhouse', 'index');
    const editor = reader(dbDir, prefix);
    await editor.index([{ root: ws, source: 'workspace' }]);

    const hits = await editor.search('charge card receipt', { limit: 10 });
    const shared = hits.find((h) => h.symbol === 'chargeCard');
    assert.ok(shared, `hits: ${hits.map((h) => `${h.source}:${h.symbol}`).join(', ')}`);
    assert.equal(shared.source, 'payments');
    assert.equal(shared.path, 'src/charge.ts');
    assert.equal(shared.fileKey, 'shared:payments/src/charge.ts');
    assert.ok(hits.some((h) => h.source === 'workspace'), 'local hits are fused in');
    // Source filters reach the shared index too.
    assert.deepEqual([...new Set((await editor.search('money', { limit: 10, source: 'payments' })).map((h) => h.source))], ['payments']);

    // Completion context: the call being typed is defined only in the shared library.
    const context = await editor.context(path.join(ws, 'src/checkout.ts'), { line: 5, column: 24 }, { limit: 6, maxChars: 4000 });
    const def = context.find((s) => s.reason === 'definition' && s.symbol === 'chargeCard');
    assert.ok(def, `context: ${context.map((s) => `${s.reason}:${s.source}:${s.symbol}`).join(', ')}`);
    assert.equal(def.source, 'payments');
    assert.match(def.text, /export function chargeCard/);

    // The library's conventions apply beside the workspace's.
    const rules = await editor.rules({ relPath: 'src/checkout.ts', language: 'typescript', query: 'money amount', limit: 5 });
    assert.ok(rules.some((r) => r.source === 'payments' && /integer cents/.test(r.text)), rules.map((r) => r.id).join(', '));

    const status = await editor.status();
    assert.equal(status.shared?.state, 'ready');
    assert.deepEqual(status.shared?.state === 'ready' && status.shared.sources, ['payments']);

    // CI runs again from another checkout folder: same keys, nothing changes...
    const lib2 = path.join(tmp, 'other-runner', 'payments');
    paymentsLibrary(lib2);
    const again = await writer(prefix).index([{ root: lib2, source: 'payments' }]);
    assert.equal(again.added + again.changed + again.removed, 0, JSON.stringify(again));
    assert.equal(again.chunks, first.chunks);
    // ...and an edit re-indexes only that file.
    fs.appendFileSync(path.join(lib2, 'src/money.ts'), '\nexport function zeroMoney(currency: string): Money {\n  return { cents: 0, currency };\n}\n');
    const third = await writer(prefix).index([{ root: lib2, source: 'payments' }]);
    assert.deepEqual({ added: third.added, changed: third.changed, removed: third.removed }, { added: 0, changed: 1, removed: 0 });
    assert.equal(third.chunks, first.chunks + 1);
    assert.equal(await countRows(prefix, 'chunks'), third.chunks);
  });

  it('two CI jobs writing the same shared index at once lose nothing', async () => {
    const prefix = newPrefix();
    const payments = path.join(tmp, 'payments');
    const ledger = path.join(tmp, 'ledger');
    paymentsLibrary(payments);
    ledgerLibrary(ledger, 40);
    // What each library alone gives, in a prefix of its own.
    const alone = await Promise.all([
      writer(newPrefix()).index([{ root: payments, source: 'payments' }]),
      writer(newPrefix()).index([{ root: ledger, source: 'ledger' }]),
    ]);
    const expected = alone[0].chunks + alone[1].chunks;
    const expectedFiles = alone[0].files + alone[1].files;

    // Both jobs start on an empty prefix at the same moment (each also creates the tables).
    await Promise.all([writer(prefix).index([{ root: payments, source: 'payments' }]), writer(prefix).index([{ root: ledger, source: 'ledger' }])]);
    assert.equal(await countRows(prefix, 'chunks'), expected);
    assert.equal(await countRows(prefix, 'files'), expectedFiles);

    // The same library from two jobs at once: one copy, not two.
    const ledgerAgain = path.join(tmp, 'ledger-2');
    ledgerLibrary(ledgerAgain, 40);
    for (let i = 0; i < 40; i += 3) fs.appendFileSync(path.join(ledgerAgain, `ledger/book${i}.py`), `\ndef extra_${i}(x):\n    return x\n`);
    await Promise.all([writer(prefix).index([{ root: ledgerAgain, source: 'ledger' }]), writer(prefix).index([{ root: ledgerAgain, source: 'ledger' }])]);
    assert.equal(await countRows(prefix, 'chunks'), expected + 14);
    assert.equal(await countRows(prefix, 'files'), expectedFiles);

    // Every row is there exactly once.
    const db = await loadLanceDb().connect(s3.uri('team', prefix), { storageOptions: s3.storageOptions() });
    const t = await db.openTable('chunks');
    const ids = ((await t.query().select(['id']).toArray()) as { id: string }[]).map((r) => r.id);
    t.close();
    db.close();
    assert.equal(new Set(ids).size, ids.length, 'duplicate chunk ids');
  });

  it('a reader only ever sees complete published versions while a writer commits', async () => {
    const prefix = newPrefix();
    const ledger = path.join(tmp, 'ledger');
    ledgerLibrary(ledger, 30);
    const before = await writer(prefix).index([{ root: ledger, source: 'ledger' }]);
    const ws = path.join(tmp, 'ws');
    workspace(ws);
    const editor = reader(path.join(ws, '.inhouse', 'index'), prefix);
    await editor.index([{ root: ws, source: 'workspace' }]);
    const shared = editor.sharedIndex!;
    await shared.view();

    // A second job adds a library, in several commits (small batches force many).
    const more = path.join(tmp, 'more');
    ledgerLibrary(more, 30);
    const versionBefore = await chunksVersion(prefix);
    // What a view holds: its chunk rows and its catalog rows, which separate commits write.
    const counts = async (v: SharedView) => `${await v.store.chunksTable.countRows()}/${(await v.store.stats()).files}`;
    const seen = new Set<string>();
    let errors = 0;
    let done = false;
    const writing = writer(prefix)
      .index([{ root: more, source: 'ledger-two' }])
      .finally(() => (done = true));
    for (let i = 0; i < 400 && !done; i++) {
      try {
        await shared.refresh();
        const view = await shared.view();
        if (view) seen.add(await counts(view));
        else errors++;
      } catch {
        errors++;
      }
    }
    const after = await writing;
    await shared.refresh();
    const view = await shared.view();
    assert.ok(view);
    seen.add(await counts(view));
    assert.equal(errors, 0);
    // The run went through versions no reader saw: rows first, then the catalog, then the index.
    assert.ok((await chunksVersion(prefix)) - versionBefore >= 2, 'the writer made several commits');
    const complete = [`${before.chunks}/${before.files}`, `${after.chunks}/${after.files}`];
    for (const c of seen) assert.ok(complete.includes(c), `saw ${c} (chunks/files): neither ${complete.join(' nor ')}`);
    assert.ok(seen.has(complete[1]));
    assert.deepEqual([...view.sources].sort(), ['ledger', 'ledger-two']);
  });

  it('keeps working on the local index when the store is unreachable, and says so once', async () => {
    const prefix = newPrefix();
    const lib = path.join(tmp, 'payments');
    paymentsLibrary(lib);
    await writer(prefix).index([{ root: lib, source: 'payments' }]);
    const ws = path.join(tmp, 'ws');
    workspace(ws);
    const log = recordingLogger();
    const editor = reader(path.join(ws, '.inhouse', 'index'), prefix, log);
    await editor.index([{ root: ws, source: 'workspace' }]);
    assert.ok((await editor.search('chargeCard', { limit: 5 })).some((h) => h.source === 'payments'));

    await s3.refuseConnections();
    try {
      // The open handle's next read fails; later ones do not try again until the next refresh.
      for (let i = 0; i < 3; i++) {
        const hits = await editor.search('cart total', { limit: 5 });
        assert.ok(hits.some((h) => h.symbol === 'Cart.total'), `local hits: ${hits.map((h) => h.symbol).join(', ')}`);
      }
      await editor.sharedIndex!.refresh();
      const context = await editor.context(path.join(ws, 'src/checkout.ts'), { line: 4, column: 20 }, { limit: 4, maxChars: 2000 });
      assert.ok(Array.isArray(context));
      const state = editor.sharedIndex!.state;
      assert.equal(state.state, 'unavailable');
      assert.match(state.state === 'unavailable' ? state.message : '', /Cannot reach|could not be read/);
      assert.equal(log.warnings.filter((w) => /Shared index unavailable/.test(w)).length, 1, log.warnings.join('\n'));
    } finally {
      await s3.acceptConnections();
    }
    await editor.sharedIndex!.refresh();
    assert.equal(editor.sharedIndex!.state.state, 'ready');
    assert.ok((await editor.search('chargeCard', { limit: 5 })).some((h) => h.source === 'payments'));
  });

  it('a store that stops answering delays neither completions nor searches for long', async () => {
    const prefix = newPrefix();
    const lib = path.join(tmp, 'payments');
    paymentsLibrary(lib);
    await writer(prefix).index([{ root: lib, source: 'payments' }]);
    const ws = path.join(tmp, 'ws');
    workspace(ws);
    const editor = reader(path.join(ws, '.inhouse', 'index'), prefix);
    await editor.index([{ root: ws, source: 'workspace' }]);
    assert.ok((await editor.search('chargeCard', { limit: 5 })).some((h) => h.source === 'payments'));

    await s3.refuseConnections('hang');
    try {
      // A new query the store must answer (not cached): the completion gives up on the shared
      // part within its deadline and keeps its local context.
      const started = performance.now();
      const context = await editor.context(path.join(ws, 'src/checkout.ts'), { line: 4, column: 28 }, { limit: 4, maxChars: 2000, similarBudgetMs: 10 });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 3_000, `a completion waited ${Math.round(elapsed)} ms for a hung store`);
      assert.ok(context.length > 0 && context.every((c) => c.source === 'workspace'), context.map((c) => `${c.source}:${c.symbol}`).join(', '));
    } finally {
      await s3.acceptConnections();
    }
  });

  it('searches the shared vectors when the editor uses the embedding model CI used', async () => {
    const ollama = await OllamaTestServer.start({ models: standardModels() });
    try {
      const prefix = newPrefix();
      const lib = path.join(tmp, 'payments');
      paymentsLibrary(lib);
      const location = remoteLocation(s3.uri('team', prefix), s3.storageOptions());
      const ci = createEngine(createNodeHost(), embedSettings(ollama), { dbDir: location.uri, location, assets: testAssets() }, silentLogger);
      engines.push(ci);
      const summary = await ci.index([{ root: lib, source: 'payments' }]);
      assert.ok((summary.embeddings?.embedded ?? 0) > 0, JSON.stringify(summary.embeddings));

      const ws = path.join(tmp, 'ws');
      workspace(ws);
      const shared = { uri: s3.uri('team', prefix), storageOptions: s3.storageOptions(), refreshSeconds: 300 };
      const editor = createEngine(createNodeHost(), embedSettings(ollama), { dbDir: path.join(ws, '.inhouse', 'index'), assets: testAssets(), shared }, silentLogger);
      engines.push(editor);
      const view = await editor.sharedIndex!.view();
      assert.equal(view?.store.embedding?.model, EMBED);
      assert.ok(view?.snapshot?.embeddings !== undefined, 'the published snapshot pins the vectors too');
      ollama.clearRequests();
      // The exact text of a chunk embeds to its own vector: the vector list finds it.
      const hits = await editor.search('Proof of a payment.', { limit: 5 });
      assert.ok(ollama.requestsTo('/api/embed').length >= 1, 'the query was embedded for the shared vectors');
      assert.ok(hits.some((h) => h.source === 'payments'), hits.map((h) => `${h.source}:${h.symbol}`).join(', '));
    } finally {
      await ollama.close();
    }
  });

  it('refuses a shared index of another schema version clearly and still answers from the local index', async () => {
    const prefix = newPrefix();
    const lib = path.join(tmp, 'payments');
    paymentsLibrary(lib);
    await writer(prefix).index([{ root: lib, source: 'payments' }]);
    // A newer InHouse rebuilt the shared index with another schema.
    const db = await loadLanceDb().connect(s3.uri('team', prefix), { storageOptions: s3.storageOptions() });
    const meta = await db.openTable('inhouse_meta');
    const rows = (await meta.query().toArray()) as { seq: number; meta: string }[];
    const newest = rows.sort((a, b) => b.seq - a.seq)[0];
    await meta.add([{ seq: newest.seq + 1, meta: JSON.stringify({ ...JSON.parse(newest.meta), schemaVersion: 99 }) }]);
    meta.close();
    db.close();

    const ws = path.join(tmp, 'ws');
    workspace(ws);
    const log = recordingLogger();
    const editor = reader(path.join(ws, '.inhouse', 'index'), prefix, log);
    await editor.index([{ root: ws, source: 'workspace' }]);
    const hits = await editor.search('cart total', { limit: 5 });
    assert.ok(hits.length > 0 && hits.every((h) => h.source === 'workspace'));
    const state = editor.sharedIndex!.state;
    assert.equal(state.state, 'unavailable');
    assert.match(state.state === 'unavailable' ? state.message : '', /newer InHouse \(schema 99/);
    assert.equal(log.warnings.length, 1);

    // Writing to it without --rebuild is refused the same way.
    await assert.rejects(writer(prefix).index([{ root: lib, source: 'payments' }]), /schema 99.*--rebuild/);
  });

  it('names the fix for wrong credentials and a missing bucket', async () => {
    const lib = path.join(tmp, 'payments');
    paymentsLibrary(lib);
    const wrongKey = remoteLocation(s3.uri('team', 'x'), s3.storageOptions({ aws_access_key_id: 'NOPE' }));
    const e1 = createEngine(createNodeHost(), DEFAULTS, { dbDir: wrongKey.uri, location: wrongKey, assets: testAssets() }, silentLogger);
    engines.push(e1);
    await assert.rejects(e1.index([{ root: lib, source: 'payments' }]), /denied \(unknown access key\).*AWS_ACCESS_KEY_ID/);
    const wrongSecret = remoteLocation(s3.uri('team', 'x'), s3.storageOptions({ aws_secret_access_key: 'nope' }));
    const e2 = createEngine(createNodeHost(), DEFAULTS, { dbDir: wrongSecret.uri, location: wrongSecret, assets: testAssets() }, silentLogger);
    engines.push(e2);
    await assert.rejects(e2.index([{ root: lib, source: 'payments' }]), /denied \(wrong secret key\).*AWS_SECRET_ACCESS_KEY/);
    const noBucket = remoteLocation(s3.uri('no-such-bucket', 'x'), s3.storageOptions());
    const e3 = createEngine(createNodeHost(), DEFAULTS, { dbDir: noBucket.uri, location: noBucket, assets: testAssets() }, silentLogger);
    engines.push(e3);
    await assert.rejects(e3.index([{ root: lib, source: 'payments' }]), /bucket "no-such-bucket".*does not exist/);
  });
});

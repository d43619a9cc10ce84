import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { makeTmp, removeTmp, withEngine, writeTree } from '../../support/indexKit';

/**
 * Stemming end to end: the parse workers write stemmed search text, LanceDB indexes it as it
 * is (no stemmer of its own), and queries are stemmed the same way on their side. Each query
 * below shares no word form with its target, only stems.
 */
describe('stemmed full-text search (integration)', function () {
  this.timeout(60_000);
  let tmp: string;
  let root: string;
  let dbDir: string;

  before(async () => {
    tmp = makeTmp('stemmed');
    root = path.join(tmp, 'repo');
    dbDir = path.join(tmp, 'db');
    writeTree(root, {
      'store.py': [
        'def load_records(path):',
        '    """Reads every record of the ledger file."""',
        '    return open(path).readlines()',
        '',
        'def shipping_quote(weight):',
        '    """Prices a parcel by its weight."""',
        '    return weight * 2',
        '',
      ].join('\n'),
    });
    await withEngine(dbDir, (e) => e.index([{ root, source: 'workspace' }]));
  });
  after(() => removeTmp(tmp));

  it('an inflected query meets the words as written in the doc and the code', async () => {
    await withEngine(dbDir, async (e) => {
      const hits = await e.search('reading ledgers', { limit: 5 });
      assert.equal(hits[0]?.symbol, 'load_records', JSON.stringify(hits.map((h) => h.symbol)));
      const priced = await e.search('pricing parcels', { limit: 5 });
      assert.equal(priced[0]?.symbol, 'shipping_quote', JSON.stringify(priced.map((h) => h.symbol)));
    });
  });

  it('the index holds stems, not the words as written, and LanceDB does not stem them again', async () => {
    const db = await loadLanceDb().connect(dbDir);
    const table = await db.openTable('chunks');
    const rows = (await table.query().where("name = 'load_records'").select(['search_text']).toArray()) as { search_text: string }[];
    const words = new Set(rows[0].search_text.split(' '));
    assert.ok(words.has('read') && words.has('ledger') && words.has('record'), rows[0].search_text);
    assert.ok(!words.has('Reads') && !words.has('records'), rows[0].search_text);
    // The raw word form is not in the index: a query LanceDB would have to stem finds nothing.
    const raw = await table.query().fullTextSearch('ledgers', { columns: ['search_text'] }).limit(5).toArray();
    assert.equal(raw.length, 0);
    table.close();
  });
});

import { strict as assert } from 'node:assert';
import { stem } from 'porter2';
import { Stemmer, stemQuery } from '../../../src/engine/indexing/stemming';

/**
 * The rule stemInPlace implements, written the slow way: stem each word; from `distinctFrom`
 * on, drop a plain ASCII word (of at most 40 characters) met there before, case aside, and
 * the space after it when a space or nothing comes before it. With `stems` false, words stay
 * as written.
 */
function reference(text: string, distinctFrom = text.length, stems = true): string {
  const plain = (t: string) => t.length <= 40 && !/[^\x00-\x7f]/.test(t);
  const stemmed = (t: string) => (!stems || t.length < 3 || !plain(t) ? t : stem(t.toLowerCase()));
  const seen = new Set<string>();
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/[A-Za-z0-9\u0080-\uffff]+/g)) {
    const at = m.index ?? 0;
    const t = m[0];
    if (at < last) continue; // its leading space went with a dropped word
    out += text.slice(last, at);
    last = at + t.length;
    if (at >= distinctFrom && plain(t)) {
      const key = t.toLowerCase();
      if (seen.has(key)) {
        if (text[last] === ' ' && (out === '' || out.endsWith(' '))) last++;
        continue;
      }
      seen.add(key);
    }
    out += stemmed(t);
  }
  return out + text.slice(last);
}

function viaStemmer(stemmer: Stemmer, text: string, distinctFrom?: number, stems?: boolean): string {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  const n = stemmer.stemInPlace(units, units.length, distinctFrom, stems);
  return Buffer.from(units.buffer, 0, 2 * n).toString('utf16le');
}

/** A deterministic pseudo-random generator (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const WORDS = ['parsing', 'Parsers', 'items', 'ITEMS', 'running', 'getItems', 'http', 'generalization', 'happiness', 'a', 'of', 'naïve', 'déjà', 'x1', 'abc123', 'conditional', 'agreed', 'flies', 'dying', 'news'];
const SEPARATORS = [' ', '  ', '_', '$', '-', '\u00a0', '—', '\n'];

describe('stemming for the full-text index', () => {
  it('stems ASCII words of 3 to 40 characters, lowercased, and leaves the rest as written', () => {
    const stemmer = new Stemmer();
    assert.equal(viaStemmer(stemmer, 'getItems running_fast HTTPServer ab naïve'), 'getitem run_fast httpserver ab naïve');
    const long = 'x'.repeat(41) + 'ings';
    assert.equal(viaStemmer(stemmer, `${long} parses`), `${long} pars`);
    assert.equal(viaStemmer(stemmer, ''), '');
  });

  it('matches the slow reference on random text, with the table grown, rehashed and started over', () => {
    const next = lcg(7);
    // A small cap makes the table start over many times in this run.
    const stemmer = new Stemmer(5000);
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let k = 0; k < 200; k++) {
        const r = next();
        // Known words, and made-up ones so the table holds tens of thousands of words.
        const word = r < 0.5 ? WORDS[Math.floor(next() * WORDS.length)] : `w${Math.floor(next() * 40000).toString(36)}ing${r < 0.75 ? 's' : 'ed'}`;
        text += word + SEPARATORS[Math.floor(next() * SEPARATORS.length)];
      }
      // Two rounds in three keep the words after a point distinct; one in five leaves them
      // unstemmed.
      const from = round % 3 !== 2 ? Math.floor(next() * text.length) : undefined;
      const stems = round % 5 !== 0;
      assert.equal(viaStemmer(stemmer, text, from, stems), reference(text, from, stems), `round ${round}`);
    }
    // The table starts over between calls only: at most one call's words past the cap.
    assert.ok(stemmer.size <= 5000 + 200, String(stemmer.size));
  });

  it('keeps each word once from distinctFrom on, the first occurrence, whatever its case or stem', () => {
    const stemmer = new Stemmer();
    const head = 'Items items parse ';
    const text = `${head}parse Items parsing id x id ITEMS x naïve naïve ${'q'.repeat(41)} ${'q'.repeat(41)} end`;
    const long = 'q'.repeat(41);
    assert.equal(viaStemmer(stemmer, text, head.length), `item item pars pars item pars id x naïve naïve ${long} ${long} end`);
    // A second call starts afresh.
    assert.equal(viaStemmer(stemmer, 'id id', 0), 'id ');
    assert.equal(viaStemmer(stemmer, 'id id', 0), 'id ');
    // Without distinctFrom, nothing is dropped.
    assert.equal(viaStemmer(stemmer, 'id id'), 'id id');
  });

  it('a query holds the stem of each of its words, so it meets the stemmed index, and the words as typed for an older index', () => {
    assert.equal(stemQuery('parsing config files'), 'parsing pars config files file');
    const stemmer = new Stemmer();
    for (const q of ['returns the parsed items', 'getUserById user by id', 'HTTPServer naïve flies']) {
      // LanceDB lowercases both sides.
      const indexed = new Set(viaStemmer(stemmer, q).toLowerCase().split(/[^A-Za-z0-9\u0080-\uffff]+/));
      const queried = new Set(stemQuery(q).toLowerCase().split(/[^A-Za-z0-9\u0080-\uffff]+/));
      for (const t of indexed) assert.ok(queried.has(t), `"${t}" of "${q}" is missing from the query`);
      for (const t of q.toLowerCase().split(/[^A-Za-z0-9\u0080-\uffff]+/)) assert.ok(queried.has(t), `"${t}" as typed is missing`);
    }
  });
});

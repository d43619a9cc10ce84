import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDatasetCommand } from '../../../src/cli/datasetCommand';
import { buildTrainingSet, exportTrainingSet, loadInputs, type DatasetInputs } from '../../../src/engine/dataset/exportTrainingSet';
import { fimLayoutFor, fimPrompt } from '../../../src/engine/dataset/fimFormat';
import { dedupe, jaccard, shingles } from '../../../src/engine/dataset/nearDuplicates';
import type { FeedbackEvent } from '../../../src/engine/feedback/feedbackEvents';
import { makeTmp, removeTmp, withEngine, writeTree } from '../../support/indexKit';
import { REPO_ROOT } from '../../support/testAssets';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'dataset');
// Built at run time so no key-shaped string is committed.
const AWS_KEY = 'AKIA' + 'Q3ZJ7K2M9XWRT4PB';
const QWEN = { pre: '<|fim_prefix|>', suf: '<|fim_suffix|>', mid: '<|fim_middle|>', eos: '<|endoftext|>' };

let n = 0;
function event(kind: string, fields: Record<string, unknown>): FeedbackEvent {
  n++;
  return {
    v: 1,
    id: `e${n}`,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    kind,
    promptId: 'p0',
    model: 'qwen2.5-coder:1.5b-base',
    contextIds: [],
    ruleIds: [],
    language: 'typescript',
    ...fields,
  } as unknown as FeedbackEvent;
}

const ACCEPTED = '  const subtotal = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);\n';
const CORRECTED_COMPLETION = "const padded = String(sequence).padStart(6, '0');";
const CORRECTED_ANSWER = 'Round with Math.round(total * 100) / 100, as [errors-name-the-fix] asks for clear failures.';

function feedbackEvents(): FeedbackEvent[] {
  return [
    event('completion.accepted', { promptId: 'keep', path: 'src/billing/invoice.ts', how: 'full', text: ACCEPTED, latencyMs: 120 }),
    event('completion.survival', { promptId: 'keep', path: 'src/billing/invoice.ts', afterSeconds: 30, survived: 0.5, text: ACCEPTED }),
    event('completion.survival', { promptId: 'keep', path: 'src/billing/invoice.ts', afterSeconds: 300, survived: 0.96, text: ACCEPTED }),
    event('completion.accepted', { promptId: 'rewritten', path: 'src/text/slug.ts', how: 'full', text: "  return words.join('-');", latencyMs: 90 }),
    event('completion.survival', { promptId: 'rewritten', path: 'src/text/slug.ts', afterSeconds: 300, survived: 0.2, text: 'x' }),
    event('completion.accepted', { promptId: 'gone', path: 'src/deleted/old.ts', how: 'full', text: 'return 1;', latencyMs: 90 }),
    event('completion.survival', { promptId: 'gone', path: 'src/deleted/old.ts', afterSeconds: 300, survived: 1, text: 'return 1;' }),
    event('correction', {
      promptId: 'fix-completion',
      path: 'src/billing/invoice.ts',
      surface: 'completion',
      prompt: 'export function invoiceNumber(year: number, sequence: number): string {\n  ',
      original: 'const padded = sequence;',
      corrected: CORRECTED_COMPLETION,
    }),
    event('correction', {
      promptId: 'fix-chat',
      language: '',
      surface: 'chat',
      prompt: `How do we round invoice totals? My key is ${AWS_KEY}`,
      original: 'Use toFixed.',
      corrected: CORRECTED_ANSWER,
      ruleIds: ['errors-name-the-fix'],
    }),
  ];
}

function lines(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('training-set export', function () {
  this.timeout(120_000);
  let tmp: string;
  let dbDir: string;
  let inputs: DatasetInputs;

  before(async () => {
    tmp = makeTmp('dataset');
    const ws = path.join(tmp, 'ws');
    fs.cpSync(path.join(FIXTURE, 'workspace'), ws, { recursive: true });
    fs.renameSync(path.join(ws, 'dot-inhouse'), path.join(ws, '.inhouse'));
    fs.cpSync(path.join(FIXTURE, 'library'), path.join(tmp, 'acme'), { recursive: true });
    writeTree(ws, {
      'src/config/awsClient.ts':
        `/** The client for the archive bucket. */\nexport function archiveClient(region: string): { region: string; key: string } {\n  const key = '${AWS_KEY}';\n  const bucket = \`archive-\${region}\`;\n  return { region: bucket, key };\n}\n`,
      '.gitignore': 'generated/\n',
      'generated/skipMe.ts': 'export function skipMe(): number {\n  const x = 41;\n  return x + 1;\n}\n',
    });
    dbDir = path.join(tmp, 'db');
    await withEngine(dbDir, (e) => e.index([{ root: ws, source: 'workspace' }, { root: path.join(tmp, 'acme'), source: 'acme' }]));
    inputs = await loadInputs(dbDir, feedbackEvents());
  });
  after(() => removeTmp(tmp));

  const exportTo = (name: string, extra: Record<string, unknown> = {}) =>
    exportTrainingSet(dbDir, feedbackEvents(), { outDir: path.join(tmp, name), seed: 7, fimRate: 0.9, spmRate: 0.5, validShare: 0.2, ...extra });

  it('writes every format, each line parsing with the required keys and the FIM tokens in order', async () => {
    const result = await exportTo('out');
    for (const f of ['train.chat.jsonl', 'valid.chat.jsonl', 'train.completion.jsonl', 'valid.completion.jsonl', 'dataset_info.json', 'stats.json', 'splits.json', 'train_lora.py', 'requirements.txt', 'README.md']) {
      assert.ok(result.files.includes(f), `${f} written`);
    }
    const forms = { psm: 0, spm: 0, plain: 0 };
    for (const split of ['train', 'valid']) {
      for (const row of lines(path.join(result.outDir, `${split}.completion.jsonl`))) {
        assert.deepEqual(Object.keys(row).sort(), ['completion', 'prompt', 'text']);
        const prompt = row.prompt as string;
        const completion = row.completion as string;
        assert.equal(row.text, prompt + completion);
        if (prompt.startsWith(QWEN.pre + QWEN.suf)) {
          forms.spm++;
          assert.ok(prompt.indexOf(QWEN.mid) > QWEN.pre.length + QWEN.suf.length - 1, 'SPM: <PRE><SUF>suffix<MID>prefix');
          assert.equal(prompt.split(QWEN.mid).length, 2);
          assert.ok(completion.endsWith(QWEN.eos));
        } else if (prompt.startsWith(QWEN.pre)) {
          forms.psm++;
          const p = prompt.indexOf(QWEN.pre);
          const s = prompt.indexOf(QWEN.suf);
          const m = prompt.indexOf(QWEN.mid);
          assert.ok(p === 0 && p < s && s < m && prompt.endsWith(QWEN.mid), 'PSM: <PRE>prefix<SUF>suffix<MID>');
          assert.ok(completion.endsWith(QWEN.eos) && !completion.slice(0, -QWEN.eos.length).includes('<|'));
        } else {
          forms.plain++;
          assert.ok(!prompt.includes('<|fim_') && !completion.includes(QWEN.eos), 'plain samples carry no FIM tokens');
        }
      }
      for (const row of lines(path.join(result.outDir, `${split}.chat.jsonl`))) {
        assert.deepEqual(Object.keys(row), ['messages']);
        const messages = row.messages as { role: string; content: string }[];
        assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant']);
        for (const m of messages) assert.ok(typeof m.content === 'string' && m.content.length > 0);
      }
    }
    assert.ok(forms.psm > 0 && forms.spm > 0, `both FIM forms present: ${JSON.stringify(forms)}`);
    const info = JSON.parse(fs.readFileSync(path.join(result.outDir, 'dataset_info.json'), 'utf8'));
    assert.equal(info.fim.prefix, QWEN.pre);
    assert.equal(info.fim.eos, QWEN.eos);
    assert.equal(info.hfBaseModel, 'Qwen/Qwen2.5-Coder-1.5B');
    assert.equal(info.seed, 7);
  });

  it('splits by file with no leakage, and every group has validation data', () => {
    const built = buildTrainingSet(inputs, { seed: 7, validShare: 0.2 });
    const trainKeys = new Set(built.train.map((s) => s.splitKey));
    const validKeys = new Set(built.valid.map((s) => s.splitKey));
    assert.deepEqual([...trainKeys].filter((k) => validKeys.has(k)), []);
    assert.deepEqual(built.stats.leakage, { sharedFiles: 0, sharedTexts: 0 });
    assert.ok(built.valid.some((s) => s.format === 'completion') && built.valid.some((s) => s.format === 'chat'));
    assert.ok(built.train.some((s) => s.format === 'completion') && built.train.some((s) => s.format === 'chat'));
    assert.deepEqual(built.splits.train.filter((k) => built.splits.valid.includes(k)), []);
    for (const s of built.train.concat(built.valid)) {
      if (s.source === 'convention') assert.match(s.splitKey, /^rule:workspace:\.inhouse\/conventions\//);
    }
  });

  it('scrubs secrets from the index and from feedback events', async () => {
    const result = await exportTo('secrets');
    for (const f of fs.readdirSync(result.outDir)) {
      assert.ok(!fs.readFileSync(path.join(result.outDir, f), 'utf8').includes(AWS_KEY), `${f} holds no key`);
    }
    assert.ok(result.stats.secretsRedacted >= 1, 'the feedback event key was redacted and counted');
    const all = fs.readFileSync(path.join(result.outDir, 'train.chat.jsonl'), 'utf8') + fs.readFileSync(path.join(result.outDir, 'valid.chat.jsonl'), 'utf8');
    assert.ok(all.includes('«redacted:'), 'the marker stands where the key was');
  });

  it('removes near-duplicates, keeping the first copy', () => {
    const built = buildTrainingSet(inputs, { seed: 7 });
    assert.ok(built.stats.duplicatesRemoved.near + built.stats.duplicatesRemoved.exact >= 1);
    const all = built.train.concat(built.valid);
    assert.ok(!all.some((s) => s.source === 'index' && s.path === 'src/billing/legacyInvoice.ts'), 'the copy in legacyInvoice.ts is gone');
    assert.ok(all.some((s) => s.source === 'index' && s.path === 'src/billing/invoice.ts'));
    const a = 'function total(lines) {\n  const subtotal = lines.reduce((s, l) => s + l.qty * l.price, 0);\n  return Math.round(subtotal * 100) / 100;\n}';
    const b = a.replace('total(', 'sumAll(').replace(/\n {2}/g, '\n    ');
    const c = 'def unrelated():\n    return [x for x in range(10) if x % 2]';
    assert.ok(jaccard(shingles(a), shingles(b)) >= 0.85);
    const r = dedupe([a, b, c, `${a}\n`], (t) => t);
    assert.deepEqual(r.kept, [a, c]);
    assert.equal(r.near + r.exact, 2);
  });

  it('is deterministic for a seed, and the seed matters', async () => {
    const one = await exportTo('seed-a');
    const two = await exportTo('seed-b');
    const three = await exportTo('seed-c', { seed: 8 });
    const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    for (const f of ['train.completion.jsonl', 'valid.completion.jsonl', 'train.chat.jsonl', 'valid.chat.jsonl', 'dataset_info.json', 'stats.json']) {
      assert.equal(read(one.outDir, f), read(two.outDir, f), `${f} is the same for the same seed`);
    }
    assert.notEqual(read(one.outDir, 'train.completion.jsonl') + read(one.outDir, 'valid.completion.jsonl'), read(three.outDir, 'train.completion.jsonl') + read(three.outDir, 'valid.completion.jsonl'));
  });

  it('includes accepted-and-surviving completions and expert corrections; drops the rest with a reason', () => {
    const built = buildTrainingSet(inputs, { seed: 7 });
    const all = built.train.concat(built.valid);
    const accepted = all.filter((s) => s.source === 'accepted');
    assert.equal(accepted.length, 1);
    const a = accepted[0];
    assert.ok(a.format === 'completion' && a.completion === ACCEPTED + QWEN.eos);
    assert.ok(a.format === 'completion' && a.prompt.includes('export function invoiceTotal(') && a.prompt.includes('const tax = subtotal * taxRate;'));
    const fixes = all.filter((s) => s.source === 'correction');
    const fim = fixes.find((s) => s.format === 'completion');
    assert.ok(fim && fim.format === 'completion' && fim.completion === CORRECTED_COMPLETION + QWEN.eos);
    assert.ok(fim.prompt.includes('export function invoiceNumber('));
    assert.ok(fim.prompt.includes('if (sequence < 0)'), 'the suffix comes from the file, which shows the correction');
    const chat = fixes.find((s) => s.format === 'chat');
    assert.ok(chat && chat.format === 'chat' && chat.messages[2].content === CORRECTED_ANSWER && chat.messages[1].content.startsWith('How do we round'));
    assert.deepEqual(built.stats.feedback.dropped, { 'stale-path': 2, 'not-surviving': 1 });
    assert.equal(built.stats.feedback.used, 3);
    assert.ok(!all.some((s) => s.path?.startsWith('generated/')), 'ignored files never reach the data');
  });

  it('turns each convention into a chat pair that cites the rule id', async () => {
    const result = await exportTo('rules');
    const chats = ['train', 'valid'].flatMap((s) => lines(path.join(result.outDir, `${s}.chat.jsonl`))).map((r) => r.messages as { role: string; content: string }[]);
    for (const id of ['errors-name-the-fix', 'money-in-cents', 'python-snake-case']) {
      const pair = chats.find((m) => m[2].content.startsWith(`Follow the house convention [${id}]`));
      assert.ok(pair, `a pair for ${id}`);
      assert.ok(pair[1].content.endsWith('?'));
    }
    assert.equal(result.stats.bySource.convention, 3);
  });

  it('reports figures that match the files', async () => {
    const result = await exportTo('stats');
    const s = result.stats;
    const count = (f: string) => lines(path.join(result.outDir, f)).length;
    assert.equal(s.chat.train, count('train.chat.jsonl'));
    assert.equal(s.chat.valid, count('valid.chat.jsonl'));
    assert.equal(s.completion.train, count('train.completion.jsonl'));
    assert.equal(s.completion.valid, count('valid.completion.jsonl'));
    assert.equal(s.samples.total, s.chat.train + s.chat.valid + s.completion.train + s.completion.valid);
    assert.equal(Object.values(s.bySource).reduce((a, b) => a + b, 0), s.samples.total);
    assert.equal(Object.values(s.byKind).reduce((a, b) => a + b, 0), s.samples.total);
    assert.ok(s.byLanguage.typescript > 0 && s.byLanguage.python > 0);
    assert.ok(s.bySource.index > 0 && s.code.functions > 5);
    assert.ok(s.tokens.train > 0 && s.tokens.total === s.tokens.train + s.tokens.valid);
    assert.ok(s.files.train > 0 && s.files.valid > 0);
    assert.ok(result.stats.code.filesFromDisk > 0);
  });

  it('writes a training script that compiles', async function () {
    const result = await exportTo('recipe');
    try {
      execFileSync('python3', ['--version']);
    } catch {
      this.skip();
    }
    execFileSync('python3', ['-m', 'py_compile', path.join(result.outDir, 'train_lora.py')]);
    const readme = fs.readFileSync(path.join(result.outDir, 'README.md'), 'utf8');
    assert.match(readme, /FROM qwen2\.5-coder:1\.5b-base\nADAPTER \.\/adapter/);
    assert.match(readme, /convert_lora_to_gguf\.py/);
    assert.match(fs.readFileSync(path.join(result.outDir, 'requirements.txt'), 'utf8'), /^trl==\d/m);
  });

  it('runs as `inhouse dataset`, skipping corrupt event lines', async () => {
    const events = path.join(tmp, 'events.jsonl');
    fs.writeFileSync(events, feedbackEvents().map((e) => JSON.stringify(e)).join('\n') + '\n{"v":1,"torn\n');
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), isTty: false };
    const code = await runDatasetCommand([], { db: dbDir, out: 'cli-out', feedback: events, seed: '7', 'fim-rate': '0.9', json: true }, io, tmp);
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.feedback.corruptLines, 1);
    assert.equal(json.feedback.used, 3);
    assert.equal(json.leakage.sharedFiles, 0);
    assert.ok(fs.existsSync(path.join(tmp, 'cli-out', 'train.completion.jsonl')));
    await assert.rejects(runDatasetCommand([], { db: dbDir, 'fim-rate': '2' }, io, tmp), /--fim-rate must be a number from 0 to 1/);
    await assert.rejects(runDatasetCommand([], { db: dbDir, 'base-model': 'llama3:8b' }, io, tmp), /fill-in-the-middle tokens/);
  });
});

describe('FIM layouts', () => {
  it('builds PSM and SPM from each family template', () => {
    const qwen = fimLayoutFor({ baseModel: 'qwen2.5-coder:1.5b-base' });
    assert.equal(fimPrompt(qwen, 'P', 'S', 'psm'), '<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>');
    assert.equal(fimPrompt(qwen, 'P', 'S', 'spm'), '<|fim_prefix|><|fim_suffix|>S<|fim_middle|>P');
    const llama = fimLayoutFor({ baseModel: 'codellama:7b-code' });
    assert.equal(fimPrompt(llama, 'P', 'S', 'psm'), '<PRE> P <SUF>S <MID>');
    assert.equal(fimPrompt(llama, 'P', 'S', 'spm'), '<PRE> <SUF>S <MID>P');
    assert.equal(llama.eos, '<EOT>');
    const deepseek = fimLayoutFor({ family: 'deepseek-coder' });
    assert.equal(fimPrompt(deepseek, 'P', 'S', 'spm'), '<｜fim▁begin｜><｜fim▁hole｜>S<｜fim▁end｜>P');
    const codestral = fimLayoutFor({ baseModel: 'codestral:22b' });
    assert.ok(codestral.suffixFirst);
    assert.equal(fimPrompt(codestral, 'P', 'S', 'psm'), '[SUFFIX]S[PREFIX]P');
    assert.throws(() => fimLayoutFor({ baseModel: 'llama3:8b' }), /fill-in-the-middle tokens/);
  });
});

import { strict as assert } from 'node:assert';
import { checksOf, ConventionChecker } from '../../../src/engine/eval/conventionChecks';
import type { ConventionRule } from '../../../src/engine/conventions/conventionRule';
import { editSimilarity, exactMatch, levenshtein, normaliseCode } from '../../../src/engine/eval/editSimilarity';
import { parseParameterSize, percentile, recommend, summarise } from '../../../src/engine/eval/evalStats';
import { fimParts } from '../../../src/engine/eval/evalTasks';
import type { EvalReport, ModelSummary, TaskResult } from '../../../src/engine/eval/evalTypes';
import { fimLayoutFor, fimPrompt } from '../../../src/engine/dataset/fimFormat';
import { latencyChart, qualityChart } from '../../../src/extension/eval/evalChart';
import { evalContentSecurityPolicy, evalReportHtml } from '../../../src/extension/eval/evalHtml';

function rule(id: string, text: string, applies: string[] = []): ConventionRule {
  return { id, title: id, text, severity: 'must', applies, source: 'workspace', path: `.inhouse/conventions/${id}.md`, startLine: 1, endLine: 10 };
}

function result(model: string, taskId: string, fields: Partial<TaskResult>): TaskResult {
  return { v: 1, model, taskId, completion: '', exact: false, similarity: 0, violations: [], latencyMs: 0, outputTokens: 0, evalMs: 0, tokensPerSecond: 0, at: '', ...fields };
}

function summary(model: string, size: string, sim: number): ModelSummary {
  return { model, parameterSize: size, parameters: parseParameterSize(size), tasks: 10, failed: 0, exactMatch: sim / 2, editSimilarity: sim, violations: 0, tasksWithViolations: 0, latencyP50Ms: 100, latencyP95Ms: 200, tokensPerSecond: 50 };
}

describe('eval metrics', () => {
  it('Levenshtein and edit similarity on known pairs', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('flaw', 'lawn'), 2);
    assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
    assert.equal(editSimilarity('', ''), 1);
    assert.equal(editSimilarity('abc', ''), 0);
    // Trailing spaces, CRLF and trailing blank lines do not count.
    assert.equal(normaliseCode('  a = 1;  \r\n  b = 2;\n\n'), '  a = 1;\n  b = 2;');
    assert.ok(exactMatch('  return x;', '  return x;\n'));
    assert.ok(!exactMatch('return x;', '  return x;'));
  });

  it('nearest-rank percentiles', () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 100);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), 0);
    assert.equal(percentile([300, 100, 200], 50), 200);
  });

  it('parameter sizes', () => {
    assert.equal(parseParameterSize('1.5B'), 1.5e9);
    assert.equal(parseParameterSize('137M'), 137e6);
    assert.equal(parseParameterSize('7b'), 7e9);
    assert.equal(parseParameterSize(''), undefined);
    assert.equal(parseParameterSize('big'), undefined);
  });

  it('summarises: failures score 0, tokens/s over total time, latency over the answered', () => {
    const s = summarise('m', '1.5B', [
      result('m', 'a', { exact: true, similarity: 1, latencyMs: 100, outputTokens: 10, evalMs: 100 }),
      result('m', 'b', { similarity: 0.5, latencyMs: 300, outputTokens: 30, evalMs: 500, violations: [{ ruleId: 'r', check: 'banned', text: 'eval' }] }),
      result('m', 'c', { error: 'timeout', similarity: 0.9 }),
    ]);
    assert.equal(s.tasks, 3);
    assert.equal(s.failed, 1);
    assert.equal(s.exactMatch, 1 / 3);
    assert.equal(s.editSimilarity, 0.5);
    assert.equal(s.violations, 1);
    assert.equal(s.tasksWithViolations, 1);
    assert.equal(s.latencyP50Ms, 100);
    assert.equal(s.latencyP95Ms, 300);
    assert.equal(s.tokensPerSecond, 40 / 0.6);
  });

  it('recommends the smallest model within the margin of the best', () => {
    const models = [summary('big:7b', '7B', 0.9), summary('house:1.5b', '1.5B', 0.885), summary('tiny:0.5b', '0.5B', 0.6)];
    const r = recommend(models, 0.02)!;
    assert.equal(r.model, 'house:1.5b');
    assert.equal(r.best, 'big:7b');
    assert.match(r.reason, /within 2\.0 points of the best, big:7b/);
    assert.equal(recommend(models, 0.01)!.model, 'big:7b');
    assert.equal(recommend(models, 0.3)!.model, 'tiny:0.5b');
    // Exactly on the margin counts as within it.
    assert.equal(recommend([summary('a', '7B', 0.9), summary('b', '1B', 0.88)], 0.02)!.model, 'b');
    // Unknown size counts as the largest.
    assert.equal(recommend([summary('known', '7B', 0.9), summary('unknown', '', 0.9)], 0.02)!.model, 'known');
    assert.equal(recommend([], 0.02), undefined);
  });

  it('reads a prompt back into prefix and suffix, for every layout', () => {
    for (const baseModel of ['qwen2.5-coder:1.5b', 'codellama:7b-code', 'deepseek-coder:1.3b-base', 'starcoder2:3b', 'codestral:22b', 'codegemma:2b']) {
      const layout = fimLayoutFor({ baseModel });
      for (const form of ['psm', 'spm'] as const) {
        const prefix = 'function f() {\n  const a = 1; ';
        const suffix = ' \n  return a;\n}\n';
        const parts = fimParts(fimPrompt(layout, prefix, suffix, form), layout, layout.suffixFirst ? 'spm' : form);
        assert.deepEqual(parts, { prefix, suffix }, `${baseModel} ${form}`);
      }
    }
  });
});

describe('convention checks', () => {
  const banned = rule(
    'no-eval',
    [
      '## No dynamic code',
      'Never build code from strings.',
      '```inhouse-check',
      'banned: [eval, "new Function", console.log]  # whole names',
      'forbid: /\\bvar\\s/',
      '```',
    ].join('\n'),
    ['typescript'],
  );
  const naming = rule('names', ['# Names', '~~~inhouse-check', 'naming.function: camelCase', 'naming.class: PascalCase', 'naming.variable: camelCase', '~~~'].join('\n'));
  const plain = rule('plain', '# Plain\nNo checks here.\n```ts\nbanned: [x]\n```');

  it('parses the inhouse-check block and reports what it cannot read', () => {
    const { check, problems } = checksOf(banned);
    assert.deepEqual(problems, []);
    assert.deepEqual(check!.banned.map((b) => b.name), ['eval', 'new Function', 'console.log']);
    assert.equal(check!.forbid.length, 1);
    assert.equal(checksOf(plain).check, undefined);
    const bad = checksOf(rule('bad', '```inhouse-check\nnaming.module: camelCase\nforbid: /(/\nwhatever\nnaming.class: Fancy\n```'));
    assert.equal(bad.check, undefined);
    assert.equal(bad.problems.length, 4);
  });

  it('charges a completion only with what it touches, where the rule applies', () => {
    const checker = new ConventionChecker([banned, naming, plain]);
    assert.deepEqual(checker.ruleIds, ['names', 'no-eval']);
    const where = { path: 'src/a.ts', language: 'typescript', prefix: 'const x = eval(a);\nconst y = ', suffix: ';\nconsole.log(y);\n' };
    // The prefix's eval and the suffix's console.log are not the completion's.
    assert.deepEqual(checker.check(where, '1'), []);
    const v = checker.check(where, 'eval(input) + evaluate(z)');
    assert.deepEqual(v, [{ ruleId: 'no-eval', check: 'banned', text: 'eval' }]);
    // Across the cursor: `console.` written, `log(` already there.
    assert.deepEqual(checker.check({ ...where, prefix: '  ', suffix: 'log(1);\n' }, 'console.'), [{ ruleId: 'no-eval', check: 'banned', text: 'console.log' }]);
    assert.deepEqual(checker.check({ ...where, prefix: '', suffix: '' }, 'var a = 1;'), [{ ruleId: 'no-eval', check: 'forbid', text: 'var ' }]);
    // Naming: functions, classes, variables; an UPPER_CASE const is a constant, not a violation.
    const names = checker.check({ path: 'src/a.ts', language: 'typescript', prefix: '', suffix: '' }, 'function Make_thing() {}\nclass lower {}\nconst MAX_SIZE = 3;\nlet Bad_name = 1;\nconst goodName = 2;');
    assert.deepEqual(names, [
      { ruleId: 'names', check: 'naming.function', text: 'Make_thing' },
      { ruleId: 'names', check: 'naming.class', text: 'lower' },
      { ruleId: 'names', check: 'naming.variable', text: 'Bad_name' },
    ]);
    // no-eval applies to typescript only.
    assert.deepEqual(checker.check({ path: 'tool.py', language: 'python', prefix: '', suffix: '' }, 'eval(x)'), []);
  });
});

describe('eval report view', () => {
  const report: EvalReport = {
    runId: 'eval-1',
    runDir: '/tmp/eval/eval-1',
    seed: 1,
    margin: 0.02,
    tasks: 10,
    files: ['workspace:src/a.ts'],
    models: [summary('big:7b', '7B', 0.9), summary('house<1.5b>', '1.5B', 0.885)],
    skipped: [{ model: 'gone:1b', reason: 'run `ollama pull gone:1b`' }],
    recommendation: { model: 'house<1.5b>', best: 'big:7b', margin: 0.02, reason: 'smallest <within> margin' },
    cancelled: false,
    ran: 20,
    resumed: 0,
    corruptLines: 0,
    checkedRules: ['no-eval'],
  };

  it('is locked down: no script, one nonce-bearing stylesheet, theme colours only, escaped text', () => {
    const html = evalReportHtml(report, 'abc123');
    assert.equal(evalContentSecurityPolicy('abc123').split('; ')[0], "default-src 'none'");
    assert.ok(html.includes(`content="default-src &#39;none&#39;; style-src &#39;nonce-abc123&#39;; img-src &#39;none&#39;; script-src &#39;none&#39;`));
    assert.ok(!/<script/i.test(html));
    assert.ok(!/\sstyle="/.test(html), 'no inline style attributes');
    assert.ok(!/<link/i.test(html) && !/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'nothing loaded from elsewhere');
    assert.ok(!/#[0-9a-f]{3,6}\b|rgb\(/i.test(html.replace(/&#\d+;/g, '')), 'no literal colours');
    for (const m of html.match(/var\(--[\w-]+\)/g) ?? []) assert.match(m, /^var\(--vscode-/);
    assert.ok(html.includes('house&#60;1.5b&#62;') && !html.includes('house<1.5b>'));
    assert.ok(html.includes('Recommendation: house&#60;1.5b&#62;'));
    assert.ok(html.includes('ollama pull gone:1b'));
  });

  it('draws one bar per model and series, scaled to the axis', () => {
    const svg = qualityChart(report.models, 'big:7b');
    assert.equal((svg.match(/class="bar-a"/g) ?? []).length, 3, 'two models plus the legend');
    assert.ok(svg.includes('width="324"'), '90% of 360');
    assert.ok(svg.includes('big:7b ★'));
    const lat = latencyChart(report.models);
    assert.ok(lat.includes('width="360"'), 'the slowest p95 fills the axis');
  });
});

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IGrammar } from 'vscode-textmate';
import { dump, loadGrammar, scopesOf, tokenize, type Token } from './grammarTestKit';

const SAMPLE = [
  /* 0 */ '# The house model',
  /* 1 */ 'FROM qwen2.5-coder:1.5b-base',
  /* 2 */ 'ADAPTER ./adapter',
  /* 3 */ 'PARAMETER num_ctx 8192',
  /* 4 */ 'PARAMETER temperature 0.2',
  /* 5 */ 'PARAMETER stop "<|im_end|>"',
  /* 6 */ 'PARAMETER stop <|endoftext|>',
  /* 7 */ 'PARAMETER top_kk 40',
  /* 8 */ 'SYSTEM """You are InHouse.',
  /* 9 */ '# not a comment inside the string',
  /* 10 */ 'FROM also not an instruction here"""',
  /* 11 */ 'TEMPLATE """{{- if .System }}<|im_start|>system',
  /* 12 */ '{{ .System }}<|im_end|>{{ end }}',
  /* 13 */ '{{ range $i, $m := .Messages }}{{ $m.Content | printf "%s" }}{{ end -}}',
  /* 14 */ '{{ .Prompt }}{{ .Suffix }}{{ .Response }}"""',
  /* 15 */ 'LICENSE MIT',
  /* 16 */ 'MESSAGE user How do we name errors?',
  /* 17 */ 'MESSAGE robot hello',
  /* 18 */ 'parameter seed 42',
  /* 19 */ 'WHATEVER value',
  /* 20 */ 'PARAMETER penalize_newline true',
  /* 21 */ 'FROM /models/base.gguf',
  /* 22 */ 'SYSTEM plain words to the end',
  /* 23 */ '  # indented comment',
  /* 24 */ 'TEMPLATE {{ .Prompt }}',
].join('\n');

const has = (scopes: string[], scope: string): boolean => scopes.some((s) => s === scope || s.startsWith(`${scope}.`) || s.split(' ').includes(scope));

describe('syntaxes/modelfile.tmLanguage.json', () => {
  let grammar: IGrammar;
  let tokens: Token[];

  before(async () => {
    grammar = await loadGrammar('source.modelfile');
    tokens = tokenize(grammar, SAMPLE);
  });

  const expectScope = (line: number, text: string, scope: string): void => {
    const scopes = scopesOf(tokens, line, text);
    assert.ok(has(scopes, scope), `${JSON.stringify(text)} on line ${line} should be ${scope}, is ${scopes.join(' ')}\n${dump(tokens, line)}`);
  };
  const expectNotScope = (line: number, text: string, scope: string): void => {
    const scopes = scopesOf(tokens, line, text);
    assert.ok(!has(scopes, scope), `${JSON.stringify(text)} on line ${line} should not be ${scope}, is ${scopes.join(' ')}`);
  };

  it('is source.modelfile and every token starts there', () => {
    assert.equal(grammar !== undefined, true);
    assert.ok(tokens.every((t) => t.scopes[0] === 'source.modelfile'));
  });

  it('marks comments at the start of a line, indented too', () => {
    expectScope(0, '#', 'punctuation.definition.comment.modelfile');
    expectScope(0, ' The house model', 'comment.line.number-sign.modelfile');
    expectScope(23, '#', 'punctuation.definition.comment.modelfile');
    expectScope(23, ' indented comment', 'comment.line.number-sign.modelfile');
  });

  it('marks the instructions, case-insensitively', () => {
    for (const [line, word] of [[1, 'FROM'], [2, 'ADAPTER'], [3, 'PARAMETER'], [8, 'SYSTEM'], [11, 'TEMPLATE'], [15, 'LICENSE'], [16, 'MESSAGE'], [18, 'parameter']] as const) {
      expectScope(line, word, 'keyword.control.instruction.modelfile');
    }
    expectScope(19, 'WHATEVER', 'invalid.illegal.instruction.modelfile');
  });

  it('splits FROM into model name and tag, and marks paths', () => {
    expectScope(1, 'qwen2.5-coder', 'entity.name.type.model.modelfile');
    expectScope(1, ':', 'punctuation.separator.tag.modelfile');
    expectScope(1, '1.5b-base', 'constant.other.tag.modelfile');
    expectScope(2, './adapter', 'string.unquoted.path.modelfile');
    expectScope(21, '/models/base.gguf', 'string.unquoted.path.modelfile');
  });

  it('marks known parameter keys and their values, and unknown keys as invalid', () => {
    expectScope(3, 'num_ctx', 'support.type.property-name.parameter.modelfile');
    expectScope(3, '8192', 'constant.numeric.modelfile');
    expectScope(4, 'temperature', 'support.type.property-name.parameter.modelfile');
    expectScope(4, '0.2', 'constant.numeric.modelfile');
    expectScope(5, 'stop', 'support.type.property-name.parameter.modelfile');
    expectScope(5, '<|im_end|>', 'string.quoted.double.modelfile');
    expectScope(6, '<|endoftext|>', 'string.unquoted.modelfile');
    expectScope(7, 'top_kk', 'invalid.illegal.parameter.modelfile');
    expectScope(18, 'seed', 'support.type.property-name.parameter.modelfile');
    expectScope(20, 'penalize_newline', 'invalid.deprecated.parameter.modelfile');
    expectScope(20, 'true', 'constant.language.boolean.modelfile');
  });

  it('keeps a triple-quoted SYSTEM one string across lines: no comment, no instruction inside', () => {
    expectScope(8, '"""', 'punctuation.definition.string.begin.modelfile');
    expectScope(8, 'You are InHouse.', 'string.quoted.triple.modelfile');
    expectScope(9, '# not a comment inside the string', 'string.quoted.triple.modelfile');
    expectNotScope(9, '# not a comment inside the string', 'comment');
    expectScope(10, 'FROM also not an instruction here', 'string.quoted.triple.modelfile');
    expectNotScope(10, 'FROM also not an instruction here', 'keyword.control.instruction.modelfile');
    expectScope(10, '"""', 'punctuation.definition.string.end.modelfile');
    // And the line after the string is an instruction again.
    expectScope(11, 'TEMPLATE', 'keyword.control.instruction.modelfile');
  });

  it('marks Go-template actions inside TEMPLATE', () => {
    expectScope(11, '{{', 'punctuation.section.embedded.begin.go-template');
    expectScope(11, '-', 'keyword.operator.trim.go-template');
    expectScope(11, 'if', 'keyword.control.go-template');
    expectScope(11, '.System', 'variable.language.template.go-template');
    expectScope(11, '<|im_start|>system', 'string.quoted.triple.template.modelfile');
    expectNotScope(11, '<|im_start|>system', 'meta.embedded.action.go-template');
    expectScope(12, 'end', 'keyword.control.go-template');
    expectScope(13, 'range', 'keyword.control.go-template');
    expectScope(13, '$i', 'variable.other.go-template');
    expectScope(13, ':=', 'keyword.operator.assignment.go-template');
    expectScope(13, '.Messages', 'variable.language.template.go-template');
    expectScope(13, '.Content', 'variable.other.member.go-template');
    expectScope(13, '|', 'keyword.operator.pipe.go-template');
    expectScope(13, 'printf', 'support.function.builtin.go-template');
    expectScope(13, '%s', 'string.quoted.double.go-template');
    expectScope(14, '.Prompt', 'variable.language.template.go-template');
    expectScope(14, '.Suffix', 'variable.language.template.go-template');
    expectScope(14, '.Response', 'variable.language.template.go-template');
    expectScope(14, '}}', 'punctuation.section.embedded.end.go-template');
    expectScope(24, '.Prompt', 'variable.language.template.go-template');
  });

  it('marks LICENSE and plain SYSTEM values as strings, and MESSAGE roles', () => {
    expectScope(15, 'MIT', 'string.unquoted.modelfile');
    expectScope(22, 'plain words to the end', 'string.unquoted.modelfile');
    expectScope(16, 'user', 'support.constant.role.modelfile');
    expectScope(16, 'How do we name errors?', 'string.unquoted.modelfile');
    expectScope(17, 'robot', 'invalid.illegal.role.modelfile');
  });

  it('tokenizes the golden Modelfile InHouse writes without an invalid scope', () => {
    const golden = readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'houseModel', 'golden.Modelfile'), 'utf8');
    const bad = tokenize(grammar, golden).filter((t) => t.scopes.some((s) => s.startsWith('invalid')));
    assert.deepEqual(bad, []);
  });

  it('ships a language configuration with # comments and {{ }} brackets', () => {
    const config = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'syntaxes', 'modelfile.language-configuration.json'), 'utf8'));
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.brackets[0], ['{{', '}}']);
  });
});

/**
 * Special tokens of fill-in-the-middle code models, as they leak into generated text.
 *
 * Ollama's stop list catches most of them, but not all: a model may emit a token spelled in a
 * way the list misses (ASCII bars instead of fullwidth ones, a family we did not detect), and a
 * model that fills in the middle through its own template echoes its "middle" marker. Everything
 * a model writes after it starts a new document (`<|file_sep|>`), ends one (`<|endoftext|>`) or
 * restates the prompt layout (`<|fim_suffix|>`) is not part of the gap, so we cut there rather
 * than just deleting the token.
 */

/**
 * Generic spellings, so a family's unlisted tokens are caught too. Kept narrow enough not to
 * match real code: `<|name|>` and `<｜name｜>` never occur in the languages we complete, the
 * StarCoder names are listed (a generic `<word>` would eat generics and JSX), and `[PREFIX]`
 * preceded by an identifier or `]`/`)` is an index expression (`opts[PREFIX]`), not a token.
 */
const TOKEN_PATTERN = new RegExp(
  [
    String.raw`<\|[A-Za-z0-9_.\-▁]{1,40}\|>`, // qwen, codegemma, starcoder's <|endoftext|>, deepseek with ASCII bars
    String.raw`<｜[^｜<>\n]{1,40}｜>`, // deepseek (fullwidth bars)
    String.raw`<(?:fim_[a-z]+|file_sep|repo_name|reponame|filename|gh_stars|issue_[a-z]+|jupyter_[a-z]+|empty_output|commit_[a-z]+|end_of_turn|eos)>`, // starcoder, codegemma
    String.raw`<(?:PRE|SUF|MID|EOT)>`, // codellama
    String.raw`(?<![\w\])])\[(?:PREFIX|SUFFIX|MIDDLE|INST|\/INST)\]`, // codestral / mistral
    String.raw`<\/?s>`, // sentencepiece BOS/EOS; guarded against HTML below
  ].join('|'),
  'g',
);

/**
 * Tokens that may open the output harmlessly: the model echoing the "now write the middle"
 * marker of its prompt, or a beginning-of-sequence token. Only at the very start are they
 * dropped and the text after kept; anywhere else they are cut like the rest.
 */
const LEADING_ECHO = /^(?:<\|fim_middle\|>|<fim_middle>|<MID>|<｜fim▁end｜>|<\|fim▁end\|>|\[MIDDLE\]|<s>|<｜begin▁of▁sentence｜>|<\|begin▁of▁sentence\|>)$/;

/**
 * Stop strings worth sending to Ollama with any FIM request, whatever the family: ends of text
 * and the tokens that start another prompt part. Middle markers are left out on purpose: a model
 * that echoes one first would otherwise stop before writing anything.
 */
export const FIM_STOP_TOKENS: readonly string[] = [
  '<|endoftext|>',
  '<|file_sep|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|file_separator|>',
  '<fim_prefix>',
  '<fim_suffix>',
  '<file_sep>',
  '<PRE>',
  '<SUF>',
  '<EOT>',
  '<|EOT|>',
  '<｜fim▁begin｜>',
  '<｜fim▁hole｜>',
  '<｜end▁of▁sentence｜>',
  '<end_of_turn>',
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `<s>`/`</s>` are also HTML's strikethrough (JSX, PHP, Markdown). A BOS token only ever comes
 * first, and an EOS `</s>` is content when markup before it opened an `<s>`.
 */
function isHtmlStrike(token: string, textBefore: string, context: string): boolean {
  if (token === '<s>') return textBefore.trim() !== '';
  if (token === '</s>') return /<s[\s>]/.test(context.slice(-2000) + textBefore);
  return false;
}

/**
 * Cuts `raw` at the first caller stop string and at the first special token after any real
 * text; drops echoed middle markers at the start. `context` is text before `raw` (the prefix),
 * used only to tell HTML `<s>` from the sentencepiece token.
 */
export function cutAtSpecialTokens(raw: string, stop: readonly string[] = [], specialTokens: readonly string[] = [], context = ''): string {
  let text = raw;
  for (const s of stop) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0) text = text.slice(0, at);
  }
  const extra = specialTokens.filter((t) => t.length > 0).map(escapeRegExp);
  const pattern = extra.length > 0 ? new RegExp(`${extra.join('|')}|${TOKEN_PATTERN.source}`, 'g') : new RegExp(TOKEN_PATTERN.source, 'g');
  let start = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const token = m[0];
    if (isHtmlStrike(token, text.slice(start, m.index), context)) continue;
    const before = text.slice(start, m.index);
    if (before.trim() === '' && LEADING_ECHO.test(token)) {
      // Nothing real yet: an echo of the prompt's marker. Whitespace before it belongs to the
      // token's spelling (Code Llama's " <MID>"), not to the completion.
      start = m.index + token.length;
      continue;
    }
    return text.slice(start, m.index);
  }
  return text.slice(start);
}

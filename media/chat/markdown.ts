/**
 * Model output (markdown) → HTML that is safe to put in the chat view, with no DOM, so it runs
 * (and is tested) in Node as well as in the webview.
 *
 * Model output is untrusted: raw HTML is shown as text (markdown-it `html: false`), links are
 * kept only when they are http(s) (anything else renders as plain text), images render as
 * text links, and code is highlighted by highlight.js, which escapes what it emits. Citations
 * `[n]` and rule ids `[rule-id]` the answer actually carried become buttons the view handles
 * itself. The webview passes the result through DOMPurify as a second layer.
 */
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import scss from 'highlight.js/lib/languages/scss';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

// Derived rather than imported: markdown-it's CJS and ESM typings name these differently.
type Md = InstanceType<typeof MarkdownIt>;
type Token = ReturnType<Md['parse']>[number];
type StateInline = Parameters<Parameters<Md['inline']['ruler']['before']>[2]>[0];
type StateCore = Parameters<Parameters<Md['core']['ruler']['push']>[1]>[0];

const LANGUAGES = {
  bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, markdown,
  php, python, ruby, rust, scss, shell, sql, swift, typescript, xml, yaml,
};
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
// Names models write in fences that highlight.js knows under another name or not at all.
hljs.registerAliases(['tsx', 'mts', 'cts'], { languageName: 'typescript' });
hljs.registerAliases(['jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
hljs.registerAliases(['html', 'svg', 'vue'], { languageName: 'xml' });
hljs.registerAliases(['toml'], { languageName: 'ini' });

/** What an answer may cite; anything else in brackets stays text. */
export interface CitationTargets {
  citations: readonly { n: number; path: string; startLine: number; endLine: number }[];
  rules: readonly { id: string; title: string }[];
}

export interface CodeBlock {
  /** The fence's language word, lower-case ('' when none). */
  language: string;
  code: string;
}

export interface RenderedAnswer {
  html: string;
  /** Each code block's text, in order; the block's buttons carry its index (`data-block`). */
  codeBlocks: CodeBlock[];
}

interface RenderEnv {
  targets: CitationTargets;
  codeBlocks: CodeBlock[];
}

/** Only web links survive; citations are buttons, not links, so they need no scheme. */
export function isSafeHref(href: string): boolean {
  return /^https?:\/\/[^\s]/i.test(href.trim());
}

const md: Md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
md.validateLink = isSafeHref;
// A remote image would load as the answer streams (a tracking pixel); show its link instead.
md.disable('image');
md.inline.ruler.before('link', 'inhouse_citation', citationRule);
md.core.ruler.push('inhouse_safety', safetyRule);
md.renderer.rules.inhouse_citation = renderCitation;
md.renderer.rules.fence = (tokens, idx, _options, env: RenderEnv) => renderCode(tokens[idx].content, fenceLanguage(tokens[idx].info), env);
md.renderer.rules.code_block = (tokens, idx, _options, env: RenderEnv) => renderCode(tokens[idx].content, '', env);
const renderLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('rel', 'noopener noreferrer');
  return renderLinkOpen(tokens, idx, options, env, self);
};

/** Renders a whole answer (or the part streamed so far: open fences and lists are fine). */
export function renderAnswer(text: string, targets: CitationTargets): RenderedAnswer {
  const env: RenderEnv = { targets, codeBlocks: [] };
  const html = md.render(text, env);
  return { html, codeBlocks: env.codeBlocks };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

const CITATION_LIST = /^\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]/;
const RULE_REF = /^\[([A-Za-z0-9][A-Za-z0-9_./-]{0,199})\]/;

/**
 * `[3]`, `[1, 4]` and `[rule-id]` when the answer's sources hold them; a link (`[x](url)`), a
 * reference (`[x][y]`) or an unknown id stays for the other rules.
 */
function citationRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x5b /* [ */) return false;
  const rest = state.src.slice(state.pos, state.posMax);
  const targets = (state.env as RenderEnv).targets;
  let refs: { kind: 'cite' | 'rule'; key: string }[] | undefined;
  let length = 0;
  const list = CITATION_LIST.exec(rest);
  if (list) {
    const ns = list[1].split(',').map((s) => Number(s.trim()));
    if (ns.every((n) => targets.citations.some((c) => c.n === n))) {
      refs = ns.map((n) => ({ kind: 'cite', key: String(n) }));
      length = list[0].length;
    }
  } else {
    const rule = RULE_REF.exec(rest);
    if (rule && targets.rules.some((r) => r.id === rule[1])) {
      refs = [{ kind: 'rule', key: rule[1] }];
      length = rule[0].length;
    }
  }
  if (!refs) return false;
  const next = rest.charAt(length);
  if (next === '(' || next === '[') return false;
  if (!silent) {
    refs.forEach((ref, i) => {
      const token = state.push('inhouse_citation', '', 0);
      token.meta = ref;
      token.content = i === 0 ? '' : ' ';
    });
  }
  state.pos += length;
  return true;
}

function renderCitation(tokens: Token[], idx: number, _options: unknown, env: RenderEnv): string {
  const token = tokens[idx];
  const { kind, key } = token.meta as { kind: 'cite' | 'rule'; key: string };
  const sep = token.content;
  if (kind === 'cite') {
    const c = env.targets.citations.find((x) => String(x.n) === key);
    const title = c ? `${c.path}:${c.startLine}-${c.endLine}` : '';
    return `${sep}<button type="button" class="citation" data-testid="citation-link" data-cite="${escapeHtml(key)}" title="${escapeHtml(`Open ${title}`)}" aria-label="${escapeHtml(`Source ${key}: ${title}`)}">[${escapeHtml(key)}]</button>`;
  }
  const r = env.targets.rules.find((x) => x.id === key);
  const title = r ? r.title : key;
  return `${sep}<button type="button" class="citation rule-ref" data-testid="rule-link" data-rule="${escapeHtml(key)}" title="${escapeHtml(title)}" aria-label="${escapeHtml(`House rule ${key}: ${title}`)}">[${escapeHtml(key)}]</button>`;
}

/**
 * After parsing: a link whose target failed validation still becomes `<a href="">`; make it
 * plain text. Table alignment arrives as `style` attributes, which the CSP refuses anyway.
 */
function safetyRule(state: StateCore): void {
  for (const block of state.tokens) {
    if (block.attrs) block.attrs = block.attrs.filter(([name]) => name !== 'style');
    const children = block.children;
    if (!children) continue;
    let blocked = false;
    for (const t of children) {
      if (t.type === 'link_open' && !isSafeHref(t.attrGet('href') ?? '')) {
        blocked = true;
        t.type = 'inhouse_blocked_open';
      } else if (t.type === 'link_close' && blocked) {
        blocked = false;
        t.type = 'inhouse_blocked_close';
      }
    }
  }
}
md.renderer.rules.inhouse_blocked_open = () => '<span class="blocked-link" title="Link removed: only http(s) links are allowed">';
md.renderer.rules.inhouse_blocked_close = () => '</span>';

function fenceLanguage(info: string): string {
  const word = info.trim().split(/\s+/)[0] ?? '';
  return /^[A-Za-z0-9_+#.-]{1,30}$/.test(word) ? word.toLowerCase() : '';
}

function renderCode(code: string, language: string, env: RenderEnv): string {
  const index = env.codeBlocks.length;
  env.codeBlocks.push({ language, code });
  let body: string;
  if (language && hljs.getLanguage(language)) {
    body = hljs.highlight(code, { language, ignoreIllegals: true }).value;
  } else {
    body = escapeHtml(code);
  }
  const langClass = language && hljs.getLanguage(language) ? ` language-${escapeHtml(language)}` : '';
  const label = language ? `<span class="code-lang">${escapeHtml(language)}</span>` : '';
  return (
    `<div class="code-block" data-testid="code-block" data-block="${index}">` +
    `<div class="code-actions" role="toolbar" aria-label="Code block actions">${label}` +
    `<button type="button" data-action="copy" data-block="${index}" data-testid="code-copy" aria-label="Copy code">Copy</button>` +
    `<button type="button" data-action="insert" data-block="${index}" data-testid="code-insert" aria-label="Insert code at the cursor">Insert</button>` +
    `<button type="button" data-action="apply" data-block="${index}" data-testid="code-apply" aria-label="Apply code to the selection, with a diff preview">Apply…</button>` +
    `</div><pre><code class="hljs${langClass}">${body}</code></pre></div>\n`
  );
}

import * as assert from 'node:assert/strict';
import { isSafeHref, renderAnswer, type CitationTargets } from '../../../media/chat/markdown';

const NONE: CitationTargets = { citations: [], rules: [] };
const TARGETS: CitationTargets = {
  citations: [
    { n: 1, path: 'src/api.ts', startLine: 3, endLine: 9 },
    { n: 2, path: 'lib/util.go', startLine: 10, endLine: 20 },
  ],
  rules: [
    { id: 'errors', title: 'Wrap errors' },
    { id: 'go/style/wrap-errors', title: 'Wrap with %w' },
  ],
};

/** Every tag and attribute in the HTML, to assert nothing executable survived. */
function tags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>/g)].map((m) => `${m[1].toLowerCase()}${m[2]}`);
}

function assertInert(html: string): void {
  for (const t of tags(html)) {
    assert.ok(!/^(script|iframe|object|embed|img|style|link|meta|form|input|svg|math|base)\b/.test(t), `dangerous tag: <${t}>`);
    assert.ok(!/\son[a-z]+\s*=/i.test(t), `event handler attribute: <${t}>`);
    assert.ok(!/\sstyle\s*=/i.test(t), `style attribute: <${t}>`);
    const href = /\shref="([^"]*)"/.exec(t);
    if (href) assert.ok(/^https?:\/\//i.test(href[1]), `unsafe href: ${href[1]}`);
    assert.ok(!/(javascript|vbscript|data):/i.test(t.replace(/title="[^"]*"|aria-label="[^"]*"/g, '')), `script URL in <${t}>`);
  }
}

describe('chat markdown rendering', () => {
  describe('hostile model output', () => {
    const hostile: [string, string][] = [
      ['script tag', 'Hello <script>alert(1)</script> world'],
      ['script block', '<script>\nalert(document.cookie)\n</script>'],
      ['img onerror', 'See <img src=x onerror="alert(1)"> here'],
      ['svg onload', '<svg onload=alert(1)><circle/></svg>'],
      ['iframe', '<iframe src="javascript:alert(1)"></iframe>'],
      ['javascript link', '[click](javascript:alert(1))'],
      ['JavaScript mixed case link', '[click](JaVaScRiPt:alert(1))'],
      ['entity-encoded javascript link', '[click](&#x6a;avascript:alert(1))'],
      ['whitespace-prefixed javascript link', '[click](  javascript:alert(1))'],
      ['data link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
      ['vbscript link', '[click](vbscript:msgbox(1))'],
      ['file link', '[click](file:///etc/passwd)'],
      ['command link', '[click](command:workbench.action.terminal.new)'],
      ['autolink javascript', '<javascript:alert(1)>'],
      ['reference javascript', '[x][y]\n\n[y]: javascript:alert(1)'],
      ['image javascript', '![a](javascript:alert(1))'],
      ['image remote', '![pixel](https://evil.example/p.gif)'],
      ['html attribute in link title', '[a](https://ok.example "x\" onmouseover=\"alert(1))'],
      ['style tag', '<style>body{display:none}</style>'],
      ['inline html in table', '| a | b |\n|:-|-:|\n| <b onclick=x>1</b> | 2 |'],
      ['form', '<form action="https://evil"><input name=a></form>'],
      ['nested', '<<script>script>alert(1)<</script>/script>'],
    ];
    for (const [name, input] of hostile) {
      it(`renders ${name} inert`, () => {
        const { html } = renderAnswer(input, NONE);
        assertInert(html);
      });
    }

    it('shows raw HTML as text', () => {
      const { html } = renderAnswer('Hello <script>alert(1)</script>', NONE);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });

    it('keeps a blocked link as plain text', () => {
      const { html } = renderAnswer('[click me](javascript:alert(1))', NONE);
      assert.ok(html.includes('click me'));
      assert.ok(!html.includes('<a '));
    });

    it('keeps http(s) links, with rel', () => {
      const { html } = renderAnswer('[docs](https://example.com/a?b=1) and http://x.example', NONE);
      assert.match(html, /<a href="https:\/\/example\.com\/a\?b=1" rel="noopener noreferrer">docs<\/a>/);
      assert.match(html, /<a href="http:\/\/x\.example"/);
    });

    it('decodes HTML entities into text, never into markup', () => {
      const { html } = renderAnswer('&lt;img src=x onerror=alert(1)&gt; &amp; &#60;b&#62; &quot;', NONE);
      assertInert(html);
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(html.includes('&lt;b&gt;'));
    });

    it('escapes HTML inside code blocks and inline code', () => {
      const { html, codeBlocks } = renderAnswer('`<b>x</b>`\n\n```html\n<script>alert(1)</script>\n```\n', NONE);
      assertInert(html);
      assert.equal(codeBlocks[0].code, '<script>alert(1)</script>\n');
      assert.ok(html.includes('<code>&lt;b&gt;x&lt;/b&gt;</code>'));
    });

    it('escapes a hostile fence language', () => {
      const { html } = renderAnswer('```"><script>alert(1)</script>\nx\n```', NONE);
      assertInert(html);
    });

    it('is safe with unicode and control characters', () => {
      const { html } = renderAnswer('[a](java\u0000script:alert(1)) [b](\u202ejavascript:alert(1)) [c](java\nscript:alert(1))', NONE);
      assertInert(html);
    });
  });

  describe('code blocks', () => {
    it('highlights a known language and collects the code', () => {
      const { html, codeBlocks } = renderAnswer('Try:\n\n```ts\nconst a: number = 1;\n```\n', NONE);
      assert.deepEqual(codeBlocks, [{ language: 'ts', code: 'const a: number = 1;\n' }]);
      assert.match(html, /<code class="hljs language-ts">/);
      assert.match(html, /<span class="hljs-keyword">const<\/span>/);
      assert.match(html, /data-testid="code-copy"/);
      assert.match(html, /data-action="apply" data-block="0"/);
    });

    it('numbers several blocks, unknown languages escaped', () => {
      const { codeBlocks, html } = renderAnswer('```\na\n```\n\n```brainfuck\n<+>\n```\n\n    indented\n', NONE);
      assert.deepEqual(codeBlocks.map((b) => b.language), ['', 'brainfuck', '']);
      assert.match(html, /data-block="2"/);
      assert.ok(html.includes('&lt;+&gt;'));
    });

    it('keeps nested backticks inside a longer fence', () => {
      const input = '````md\nUse ```ts\nx\n``` here\n````\n';
      const { codeBlocks } = renderAnswer(input, NONE);
      assert.equal(codeBlocks.length, 1);
      assert.equal(codeBlocks[0].code, 'Use ```ts\nx\n``` here\n');
    });

    it('handles inline code with backticks inside', () => {
      const { html } = renderAnswer('Run `` a`b `` now', NONE);
      assert.ok(html.includes('<code>a`b</code>'));
    });

    it('renders an unterminated fence mid-stream as code', () => {
      const partial = 'Here:\n\n```python\ndef f():\n    return "<b>"';
      const { html, codeBlocks } = renderAnswer(partial, NONE);
      assert.equal(codeBlocks.length, 1);
      assert.equal(codeBlocks[0].code, 'def f():\n    return "<b>"');
      assertInert(html);
      // and once the rest arrives, text after the fence is prose again
      const done = renderAnswer(`${partial}\n\`\`\`\n\nDone [1].`, TARGETS);
      assert.equal(done.codeBlocks.length, 1);
      assert.match(done.html, /<p>Done <button[^>]*data-cite="1"/);
    });

    it('every prefix of a streamed answer renders inert', () => {
      const answer = 'Use `x` [1].\n\n```ts\nconst s = "<script>";\n```\n\n<img src=x onerror=alert(1)> [click](javascript:alert(1)) [errors]';
      for (let i = 0; i <= answer.length; i++) assertInert(renderAnswer(answer.slice(0, i), TARGETS).html);
    });
  });

  describe('citations', () => {
    it('turns known [n] into buttons with the cited place', () => {
      const { html } = renderAnswer('The API validates input [1] and wraps errors [2].', TARGETS);
      assert.match(html, /<button type="button" class="citation" data-testid="citation-link" data-cite="1" title="Open src\/api\.ts:3-9"/);
      assert.match(html, /data-cite="2"/);
    });

    it('splits [1, 2] into two links', () => {
      const { html } = renderAnswer('See [1, 2].', TARGETS);
      assert.equal((html.match(/data-testid="citation-link"/g) ?? []).length, 2);
    });

    it('leaves unknown numbers, links and references alone', () => {
      const { html } = renderAnswer('Not a source [7]; a link [1](https://a.example); array[0].', TARGETS);
      assert.ok(!html.includes('data-cite="7"'));
      assert.ok(html.includes('[7]'));
      assert.match(html, /<a href="https:\/\/a\.example"[^>]*>1<\/a>/);
      assert.ok(html.includes('array[0]'));
    });

    it('renders known rule ids, including ones with slashes', () => {
      const { html } = renderAnswer('This follows [errors] and [go/style/wrap-errors] but not [other].', TARGETS);
      assert.match(html, /data-testid="rule-link" data-rule="errors" title="Wrap errors"/);
      assert.match(html, /data-rule="go\/style\/wrap-errors"/);
      assert.ok(!html.includes('data-rule="other"'));
    });

    it('does not cite inside code', () => {
      const { html } = renderAnswer('`a[1]`\n\n```\nb[1]\n```', TARGETS);
      assert.ok(!html.includes('data-cite'));
    });

    it('without sources, [1] is text', () => {
      assert.ok(!renderAnswer('see [1]', NONE).html.includes('<button'));
    });
  });

  it('isSafeHref accepts only http(s)', () => {
    assert.ok(isSafeHref('https://a.example'));
    assert.ok(isSafeHref('HTTP://a.example'));
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'vbscript:x', '//evil.example', '#x', 'mailto:a@b', 'https://', '']) {
      assert.ok(!isSafeHref(bad), bad);
    }
  });
});

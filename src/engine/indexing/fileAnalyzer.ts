import { conventionFileKind } from '../conventions/conventionFiles';
import { parseConventionFile } from '../conventions/conventionParser';
import type { Grammars } from '../languages/grammars';
import type { LanguageSpec } from '../languages/registry';
import type { ParsedFile } from './chunk';
import { chunkTree } from './chunker';
import type { SkipReason } from './crawler';
import { blockChunks, FileLines } from './lineBlocks';
import { chunkMarkdown } from './markdownChunker';
import { redactSecrets } from './secrets';

export interface AnalyzerOptions {
  maxLineLength: number;
  maxChunkLines: number;
  /** A file whose parse takes longer is chunked as plain line blocks instead. */
  parseTimeoutMs: number;
}

export type Analysis = { ok: true; file: ParsedFile } | { ok: false; reason: SkipReason; detail: string };

const BINARY_PROBE = 8192;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes in, chunks out: classification, secret redaction, parse, chunk. */
export class FileAnalyzer {
  constructor(
    private readonly grammars: Grammars,
    private readonly options: AnalyzerOptions,
  ) {}

  /** `relPath` (relative to the root) marks convention files, which are chunked into rules. */
  async analyze(bytes: Uint8Array, lang: LanguageSpec, relPath?: string): Promise<Analysis> {
    if (bytes.subarray(0, BINARY_PROBE).includes(0)) return { ok: false, reason: 'binary', detail: 'contains NUL bytes' };
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, reason: 'invalid-utf8', detail: 'not valid UTF-8 text' };
    }
    const redaction = redactSecrets(text);
    const lines = redaction.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
      // Prose wraps long paragraphs on one line; only code with huge lines is generated.
      if (lang.wasm && line.length > this.options.maxLineLength) {
        return { ok: false, reason: 'minified', detail: `line ${i + 1} has ${line.length} characters` };
      }
    }
    const base = { language: lang.id, redactions: redaction.count };
    if (!lang.wasm) {
      const convention = relPath === undefined ? undefined : conventionFileKind(relPath);
      if (convention && relPath !== undefined) {
        const { chunks, warnings } = parseConventionFile(relPath, lines, convention, this.options.maxChunkLines);
        const file: ParsedFile = { ...base, imports: [], packageName: '', chunks, hasErrors: false };
        if (warnings.length) file.warnings = warnings;
        return { ok: true, file };
      }
      return { ok: true, file: { ...base, imports: [], packageName: '', chunks: chunkMarkdown(lines, this.options.maxChunkLines), hasErrors: false } };
    }
    const { parser, query } = await this.grammars.get(lang);
    const deadline = performance.now() + this.options.parseTimeoutMs;
    const tree = parser.parse(redaction.text, null, { progressCallback: () => performance.now() > deadline });
    if (!tree) {
      parser.reset();
      const chunks = blockChunks(new FileLines(redaction.text, lines), [], this.options.maxChunkLines);
      return { ok: true, file: { ...base, imports: [], packageName: '', chunks, hasErrors: true } };
    }
    try {
      const remaining = Math.max(1, deadline - performance.now());
      const { chunks, imports, packageName } = chunkTree(tree, query, lang, new FileLines(redaction.text, lines), {
        maxChunkLines: this.options.maxChunkLines,
        queryTimeoutMicros: Math.round(remaining * 1000),
      });
      return { ok: true, file: { ...base, imports, packageName, chunks, hasErrors: tree.rootNode.hasError } };
    } finally {
      tree.delete();
    }
  }
}

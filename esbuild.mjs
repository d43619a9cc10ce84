// Builds the extension, the CLI, the parse worker and the webview into dist/, and copies
// the tree-sitter runtime, grammar wasm files and symbol queries beside them.
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const out = 'dist';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  outdir: out,
  // vscode is provided by the editor; LanceDB is a native module loaded from node_modules.
  external: ['vscode', '@lancedb/lancedb', 'apache-arrow'],
  // web-tree-sitter's ESM build reads import.meta.url, which is empty in a CJS bundle.
  alias: { 'web-tree-sitter': require.resolve('web-tree-sitter').replace(/tree-sitter\.js$/, 'tree-sitter.cjs') },
};

const targets = [
  { ...node, entryPoints: { extension: 'src/extension/main.ts' } },
  { ...node, entryPoints: { cli: 'src/cli/inhouse.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { parseWorker: 'src/engine/indexing/parseWorker.ts' } },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    outdir: out,
    entryPoints: { webview: 'media/chat/main.ts' },
  },
].filter((t) => Object.values(t.entryPoints).every((entry) => existsSync(entry)));

function copyAssets() {
  mkdirSync(join(out, 'wasm'), { recursive: true });
  const runtime = join(dirname(require.resolve('web-tree-sitter')), 'tree-sitter.wasm');
  cpSync(runtime, join(out, 'wasm', 'tree-sitter.wasm'));
  const grammars = JSON.parse(readFileSync('src/engine/languages/grammarSources.json', 'utf8'));
  for (const [file, source] of Object.entries(grammars)) {
    cpSync(require.resolve(source), join(out, 'wasm', file));
  }
  rmSync(join(out, 'queries'), { recursive: true, force: true });
  cpSync('src/engine/languages/queries', join(out, 'queries'), { recursive: true });
  return readdirSync(join(out, 'wasm')).length;
}

/** `inhouse` runs dist/cli.js through its shebang (npm's bin link, npx): it must be executable. */
function markExecutable() {
  if (existsSync(join(out, 'cli.js'))) chmodSync(join(out, 'cli.js'), 0o755);
}

if (watch) {
  copyAssets();
  for (const t of targets) await (await esbuild.context(t)).watch();
  markExecutable();
} else {
  // A production build must not ship stale source maps from a development build.
  if (production) rmSync(out, { recursive: true, force: true });
  await Promise.all(targets.map((t) => esbuild.build(t)));
  markExecutable();
  copyAssets();
}

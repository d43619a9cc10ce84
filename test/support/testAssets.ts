import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineAssets } from '../../src/engine/engine';

/** Repository root, from out/test/support. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * Tests run the compiled sources in out/, with the grammars the build copied to dist/ and
 * the query files straight from src/ (so a query edit needs no rebuild).
 */
export function testAssets(): EngineAssets {
  const wasmDir = join(REPO_ROOT, 'dist', 'wasm');
  if (!existsSync(join(wasmDir, 'tree-sitter.wasm'))) {
    throw new Error('dist/wasm is missing: run `npm run build` before the unit tests (npm test does).');
  }
  return {
    wasmDir,
    queryDir: join(REPO_ROOT, 'src', 'engine', 'languages', 'queries'),
    workerScript: join(REPO_ROOT, 'out', 'src', 'engine', 'indexing', 'parseWorker.js'),
  };
}

/**
 * The import specifiers written in a file's text, in the form the index records them (the
 * language queries' `@import` captures), for text the index has not seen: a file not indexed
 * yet, or imports typed since the last save. Covers the languages whose imports are one line
 * each and carry the module in a string or a dotted name: TypeScript/JavaScript and Python.
 * Other languages rely on the indexed imports alone.
 */

/** Imports sit at the top: lines past this are not scanned on every keystroke. */
const MAX_LINES = 300;

const JS_IMPORT = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"\n]+)['"]|\bimport\s*\(?\s*['"]([^'"\n]+)['"]|\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;
const PY_FROM = /^\s*from\s+(\.*[\w.]*)\s+import\s+\(?([^#\n]*)/;
const PY_IMPORT = /^\s*import\s+([^#\n]+)/;

export function bufferImports(text: string, language: string): string[] {
  const head = firstLines(text, MAX_LINES);
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript':
      return [...head.matchAll(JS_IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]).filter((s): s is string => Boolean(s));
    case 'python':
      return pythonImports(head);
    default:
      return [];
  }
}

function pythonImports(head: string): string[] {
  const out: string[] = [];
  for (const line of head.split('\n')) {
    const from = PY_FROM.exec(line);
    if (from) {
      const module = from[1];
      if (!module) continue;
      out.push(module);
      // `from pkg import module` may import the module pkg/module.py: recorded as pkg.module.
      for (const name of names(from[2])) out.push(module.endsWith('.') ? `${module}${name}` : `${module}.${name}`);
      continue;
    }
    const plain = PY_IMPORT.exec(line);
    if (plain) out.push(...names(plain[1]));
  }
  return out;
}

/** `a, b as c, d.e` → a, b, d.e */
function names(list: string): string[] {
  return list
    .replace(/[()\\]/g, ' ')
    .split(',')
    .map((part) => part.trim().split(/\s+as\s+/)[0]?.trim() ?? '')
    .filter((n) => /^[\w.]+$/.test(n) && n !== '*');
}

function firstLines(text: string, n: number): string {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf('\n', at + 1);
    if (at < 0) return text;
  }
  return text.slice(0, at);
}

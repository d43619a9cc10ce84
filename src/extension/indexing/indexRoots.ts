// Which folders the extension indexes, which file events it acts on, and which library names
// are allowed: pure functions (no `vscode`), unit-tested in plain Node.
import * as path from 'node:path';
import { conventionFileKind } from '../../engine/conventions/conventionFiles';
import type { CrawlRoot } from '../../engine/indexing/crawler';
import { languageForPath } from '../../engine/languages/registry';

/** Search sources that are not libraries (see RESERVED_SOURCES in engine/settings.ts). */
const RESERVED = ['workspace', 'conventions'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface RootPlan {
  roots: CrawlRoot[];
  /** One line per configured root left out, naming the setting to fix. */
  warnings: string[];
}

const within = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

/**
 * A library path as written in inhouse.libraries: absolute, `~/…`, or relative to the first
 * workspace folder.
 */
export function resolveLibraryPath(raw: string, base: string | undefined, home: string): string | undefined {
  const p = raw.trim();
  if (!p) return undefined;
  if (p === '~' || p.startsWith('~/')) return path.normalize(path.join(home, p.slice(1)));
  if (path.isAbsolute(p)) return path.normalize(p);
  return base ? path.normalize(path.join(base, p)) : undefined;
}

/**
 * The roots to index: every workspace folder, then each library. A root equal to, inside,
 * or containing one already kept is left out with a warning, since its files would be
 * indexed twice under two sources.
 */
export function planRoots(folders: readonly string[], libraries: Record<string, string>, home: string, exists: (dir: string) => boolean): RootPlan {
  const roots: CrawlRoot[] = [];
  const warnings: string[] = [];
  const clash = (dir: string) => roots.find((r) => within(dir, r.root) || within(r.root, dir));
  for (const f of folders) {
    const dir = path.normalize(f);
    const other = clash(dir);
    if (other) {
      if (!within(dir, other.root)) warnings.push(`Workspace folder ${dir} contains ${other.root}; only ${other.root} is indexed.`);
      continue;
    }
    roots.push({ root: dir, source: 'workspace' });
  }
  for (const [name, raw] of Object.entries(libraries)) {
    const problem = libraryNameProblem(name, []);
    if (problem) {
      warnings.push(`Library "${name}" in inhouse.libraries is not indexed: ${problem}`);
      continue;
    }
    const dir = resolveLibraryPath(raw, folders[0], home);
    if (!dir) {
      warnings.push(`Library "${name}" in inhouse.libraries has the relative path "${raw}" and no folder is open to resolve it; use an absolute path.`);
      continue;
    }
    if (!exists(dir)) {
      warnings.push(`Library "${name}" in inhouse.libraries points at ${dir}, which is not a folder; fix the path or remove the entry.`);
      continue;
    }
    const other = clash(dir);
    if (other) {
      warnings.push(
        within(dir, other.root)
          ? `Library "${name}" (${dir}) is inside ${other.root}, which is already indexed as "${other.source}"; remove it from inhouse.libraries or exclude it with inhouse.index.exclude.`
          : `Library "${name}" (${dir}) contains ${other.root}, which is already indexed; point inhouse.libraries at a folder that does not overlap.`,
      );
      continue;
    }
    roots.push({ root: dir, source: name });
  }
  return { roots, warnings };
}

/** Why `name` cannot name a new library, or undefined when it can. */
export function libraryNameProblem(name: string, existing: readonly string[]): string | undefined {
  const n = name.trim();
  if (!n) return 'Give the library a name.';
  if (RESERVED.includes(n.toLowerCase())) return `"${n}" is reserved (${RESERVED.join(' and ')} are search sources); pick another name.`;
  if (!NAME.test(n)) return 'Use letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit).';
  if (existing.some((e) => e.toLowerCase() === n.toLowerCase())) return `A library named "${n}" is already in inhouse.libraries; pick another name.`;
  return undefined;
}

/** A name to suggest for a library folder: its base name, made valid and unique. */
export function suggestLibraryName(folder: string, existing: readonly string[]): string {
  let base = path.basename(folder).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60) || 'library';
  if (RESERVED.includes(base.toLowerCase())) base = `${base}-lib`;
  let name = base;
  for (let i = 2; libraryNameProblem(name, existing); i++) name = `${base}-${i}`;
  return name;
}

export type ChangeAction = 'ignore' | 'file' | 'rescan';

/**
 * What a watcher event at `absPath` calls for: nothing (the index's own writes, VCS and
 * dependency folders, files InHouse does not index), a one-file update, or an incremental
 * run over the roots (an ignore file changed, or a folder was created, deleted or renamed:
 * the watcher reports only the folder).
 */
export function changeAction(absPath: string, event: 'change' | 'create' | 'delete', roots: readonly CrawlRoot[], dbDir: string): ChangeAction {
  if (within(absPath, path.normalize(dbDir))) return 'ignore';
  let root: CrawlRoot | undefined;
  for (const r of roots) if (within(absPath, r.root) && (!root || r.root.length > root.root.length)) root = r;
  if (!root || absPath === root.root) return 'ignore';
  const rel = path.relative(root.root, absPath).split(path.sep).join('/');
  const parts = rel.split('/');
  if (parts.some((p) => p === '.git' || p === 'node_modules')) return 'ignore';
  if (parts[0] === '.inhouse' && parts[1] !== 'conventions') return 'ignore';
  const name = parts[parts.length - 1];
  if (name === '.gitignore' || name === '.inhouseignore') return 'rescan';
  if (languageForPath(rel) || conventionFileKind(rel)) return 'file';
  if (event === 'change') return 'ignore';
  // Created or deleted, with no extension (or a dot folder such as .github): likely a folder.
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? 'rescan' : 'ignore';
}

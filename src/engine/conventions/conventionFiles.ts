/**
 * Which files hold house conventions, decided from the path alone (relative to its root,
 * forward slashes), so the crawler, the parse workers and tests agree without reading a byte.
 *
 * - `house`: markdown under `.inhouse/conventions/` at the root (sub-folders allowed). The
 *   place meant for conventions: frontmatter, one or many rules per file.
 * - `docs`: `docs/conventions*.md` or markdown under a `docs/conventions*` folder, at any
 *   depth. Written like house files.
 * - `wellKnown`: CONTRIBUTING, STYLEGUIDE, STYLE_GUIDE, STYLE-GUIDE, CODING_STANDARDS,
 *   CODING-STANDARDS or CONVENTIONS (.md, any case, any depth). Every heading section is a rule.
 *
 * Library roots hold the same files; their rules carry the library's name as `source`.
 */
export type ConventionFileKind = 'house' | 'docs' | 'wellKnown';

export const CONVENTIONS_DIR = '.inhouse/conventions';

const MARKDOWN = /\.(md|markdown|mdx)$/i;
const WELL_KNOWN = /^(contributing|style[-_]?guide|coding[-_]standards|conventions)\.(md|markdown|mdx)$/i;
/** `docs/conventions*` as a file or a folder; the captured prefix is the folder above `docs`. */
const DOCS = /^(?:(.*)\/)?docs\/(conventions[^/]*)(\/.*)?$/i;

export function conventionFileKind(relPath: string): ConventionFileKind | undefined {
  if (!MARKDOWN.test(relPath)) return undefined;
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  // A README in a conventions folder explains the folder; it is not a rule.
  const readme = /^readme\./i.test(name);
  if (relPath.startsWith(`${CONVENTIONS_DIR}/`)) return readme ? undefined : 'house';
  const docs = DOCS.exec(relPath);
  if (docs) return readme && docs[3] ? undefined : 'docs';
  return WELL_KNOWN.test(name) ? 'wellKnown' : undefined;
}

/** True for `.inhouse/conventions` and everything under it. */
export function isInConventionsDir(relPath: string): boolean {
  return relPath === CONVENTIONS_DIR || relPath.startsWith(`${CONVENTIONS_DIR}/`);
}

/**
 * The file's part of every rule id it holds (see conventionParser for the whole scheme):
 * - house: the path under `.inhouse/conventions/` without extension (`go/errors`);
 * - docs: the path under `docs/` without extension (`conventions`, `conventions/api`);
 * - well-known: the lower-cased base name (`contributing`, `styleguide`).
 * A docs or well-known file below the root is prefixed with its folder above `docs`
 * (`packages/api/contributing`), so two packages' guides never share ids.
 */
export function conventionFileId(relPath: string, kind: ConventionFileKind): string {
  const noExt = relPath.replace(MARKDOWN, '');
  if (kind === 'house') return noExt.slice(CONVENTIONS_DIR.length + 1);
  if (kind === 'docs') {
    const m = DOCS.exec(noExt);
    if (m) return [m[1], `${m[2]}${m[3] ?? ''}`].filter(Boolean).join('/');
  }
  const slash = noExt.lastIndexOf('/');
  const base = noExt.slice(slash + 1).toLowerCase();
  const dir = scopeDir(relPath, kind);
  return dir ? `${dir}/${base}` : base;
}

/**
 * Where a file's rules apply when it says nothing: house files everywhere; a docs or
 * well-known file in a sub-project to that sub-project (`packages/api/**`), ignoring a
 * trailing `docs` or `.github` folder, which hold guides for the folder above them.
 */
export function defaultApplies(relPath: string, kind: ConventionFileKind): string[] {
  const dir = scopeDir(relPath, kind);
  return dir ? [`${dir}/**`] : [];
}

function scopeDir(relPath: string, kind: ConventionFileKind): string {
  if (kind === 'house') return '';
  if (kind === 'docs') return DOCS.exec(relPath)?.[1] ?? '';
  const parts = relPath.split('/').slice(0, -1);
  const last = parts[parts.length - 1]?.toLowerCase();
  if (last === 'docs' || last === '.github') parts.pop();
  return parts.join('/');
}

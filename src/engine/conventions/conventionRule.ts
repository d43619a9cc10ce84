/** How strongly a rule binds: RFC 2119's MUST, SHOULD and MAY. */
export type Severity = 'must' | 'should' | 'may';

export const SEVERITIES: readonly Severity[] = ['must', 'should', 'may'];
export const DEFAULT_SEVERITY: Severity = 'should';

/** One house convention, as answers cite it. */
export interface ConventionRule {
  /** Stable id (see conventionParser): `errors`, `go/style/wrap-errors`, `contributing/tests`. */
  id: string;
  title: string;
  /** The rule's markdown, heading included. */
  text: string;
  severity: Severity;
  /** Globs over root-relative paths, or language ids; empty means everywhere. */
  applies: string[];
  /** 'workspace' or the library it came from. */
  source: string;
  /** The file, relative to its root. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** A problem with the rule's file (broken frontmatter), kept so it is reported on every load. */
  problem?: string;
}

/** Linter and LSP words map onto the RFC 2119 ones. */
const SEVERITY_ALIASES: Record<string, Severity> = {
  must: 'must', required: 'must', error: 'must', shall: 'must',
  should: 'should', recommended: 'should', warning: 'should', warn: 'should',
  may: 'may', optional: 'may', info: 'may', information: 'may', hint: 'may',
};

export function parseSeverity(value: string): Severity | undefined {
  return SEVERITY_ALIASES[value.trim().toLowerCase()];
}

export function severityRank(s: Severity): number {
  return s === 'must' ? 0 : s === 'should' ? 1 : 2;
}

/** What a rule chunk's `doc` column holds, besides the id (name), title (signature) and text. */
export interface RuleMeta {
  severity: Severity;
  applies: string[];
  problem?: string;
}

/**
 * Rule chunks keep their meta in the `doc` column as one canonical line: a tag, then JSON
 * (globs hold commas and braces, so no ad-hoc list syntax survives them). The tag makes
 * decoding unambiguous and keeps a plain chunk's doc from ever passing for a rule's.
 */
const META_TAG = 'inhouse-rule ';

export function encodeRuleMeta(meta: RuleMeta): string {
  const out: RuleMeta = { severity: meta.severity, applies: meta.applies };
  if (meta.problem) out.problem = meta.problem;
  return META_TAG + JSON.stringify(out);
}

export function decodeRuleMeta(doc: string): RuleMeta | undefined {
  if (!doc.startsWith(META_TAG)) return undefined;
  try {
    const raw = JSON.parse(doc.slice(META_TAG.length)) as Partial<RuleMeta>;
    const severity = typeof raw.severity === 'string' ? parseSeverity(raw.severity) : undefined;
    if (!severity || !Array.isArray(raw.applies)) return undefined;
    const meta: RuleMeta = { severity, applies: raw.applies.filter((a): a is string => typeof a === 'string') };
    if (typeof raw.problem === 'string' && raw.problem) meta.problem = raw.problem;
    return meta;
  } catch {
    return undefined;
  }
}

/** The chunk columns a rule is rebuilt from (a ChunkHit or a store row mapped to one). */
export interface RuleChunkLike {
  kind: string;
  name: string;
  signature: string;
  doc: string;
  text: string;
  source: string;
  path: string;
  startLine: number;
  endLine: number;
}

/** The rule a `rule` chunk holds; undefined for any other chunk or an undecodable meta. */
export function ruleFromChunk(c: RuleChunkLike): ConventionRule | undefined {
  if (c.kind !== 'rule') return undefined;
  const meta = decodeRuleMeta(c.doc);
  if (!meta || !c.name) return undefined;
  const rule: ConventionRule = {
    id: c.name,
    title: c.signature || c.name,
    text: c.text,
    severity: meta.severity,
    applies: meta.applies,
    source: c.source,
    path: c.path,
    startLine: c.startLine,
    endLine: c.endLine,
  };
  if (meta.problem) rule.problem = meta.problem;
  return rule;
}

/**
 * Keeps credentials out of the index. Whole files whose names say they hold secrets are never
 * read; in everything else, secret values are masked before chunking so they never reach the
 * store, the embedding model or a prompt. Masking is per value, not per line, so the code
 * around a secret stays searchable, and it never adds or removes a line, so line numbers
 * recorded for chunks still point at the right place in the file.
 */

// ---------------------------------------------------------------------------------------------
// Secret files

const ENV_FILE = 'env-file';
const KEY_FILE = 'key-file';
const KEYSTORE = 'keystore';
const CREDENTIALS_FILE = 'credentials-file';
const SECRETS_FILE = 'secrets-file';

const SECRET_FILE_NAMES: ReadonlyMap<string, string> = new Map([
  // .envrc (direnv) is almost always a list of `export NAME=value` lines, i.e. an env file.
  ['.envrc', ENV_FILE],
  ['.netrc', CREDENTIALS_FILE],
  ['_netrc', CREDENTIALS_FILE],
  ['.pypirc', CREDENTIALS_FILE],
  ['.git-credentials', CREDENTIALS_FILE],
  ['credentials', CREDENTIALS_FILE],
  ['credentials.json', CREDENTIALS_FILE],
  ['secrets.yml', SECRETS_FILE],
  ['secrets.yaml', SECRETS_FILE],
  ['secrets.json', SECRETS_FILE],
]);

const SECRET_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['.pem', KEY_FILE],
  ['.key', KEY_FILE],
  ['.ppk', KEY_FILE],
  ['.p12', KEYSTORE],
  ['.pfx', KEYSTORE],
  ['.jks', KEYSTORE],
  ['.keystore', KEYSTORE],
  ['.kdbx', KEYSTORE],
  ['.credentials', CREDENTIALS_FILE],
]);

// ssh-keygen's default names; the .pub halves are flagged too because they sit next to the
// private key and are named after it, and indexing a public key is worth nothing anyway.
const SSH_KEY_PREFIXES = ['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519'];

/** Reason a file must never be indexed because its name says it holds secrets, or undefined. relPath uses forward slashes. */
export function secretFileReason(relPath: string): string | undefined {
  // File systems on Windows and macOS are case-insensitive, so `.ENV` is just as secret.
  const base = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  if (base === '.env' || base.startsWith('.env.')) return ENV_FILE;
  const named = SECRET_FILE_NAMES.get(base);
  if (named !== undefined) return named;
  if (SSH_KEY_PREFIXES.some((prefix) => base.startsWith(prefix))) return KEY_FILE;
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? SECRET_EXTENSIONS.get(base.slice(dot)) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Secret values

export interface Redaction { text: string; count: number; kinds: Record<string, number> }

// Non-ASCII on purpose: a marker can never be read as code, and no rule here (the assignment
// rule wants printable ASCII) will take a masked value for a fresh secret.
const MARKER_OPEN = '«redacted:';

function marker(kind: string): string {
  return `${MARKER_OPEN}${kind}»`;
}

type Note = (kind: string) => void;

/**
 * Superset of every trigger below, so the common case (a file with nothing secret-looking)
 * costs one scan. Case-insensitive on purpose: a false hit only costs the full pass.
 */
const SECRET_HINT =
  /AKIA|ASIA|gh[pousr]_|github_pat_|xox|xapp-|hooks\.slack\.com|eyJ|LS0tLS1CRUdJTi|PRIVATE KEY|passw|pwd|secret|token|api[_-]?key|access[_-]?key|auth|credential|private[_-]?key/i;

/** Replaces secret values inside lines; line count and line numbers never change. */
export function redactSecrets(text: string): Redaction {
  const result: Redaction = { text, count: 0, kinds: {} };
  if (!SECRET_HINT.test(text)) return result;
  const note: Note = (kind) => {
    result.count++;
    result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
  };
  let out = text;
  // PEM blocks go first: their bodies are long base64 runs that later rules would chew into
  // several partial redactions.
  if (out.includes('PRIVATE KEY')) out = redactPrivateKeys(out, note);
  out = redactTokens(out, note);
  out = redactAssignments(out, note);
  result.text = out;
  return result;
}

// --- Private key blocks -----------------------------------------------------------------------

const KEY_BEGIN_RE = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_END_RE = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
// Where masking starts: a run long enough to be key material, not a word. The lookbehinds
// keep the `n` of an escaped `\n` (keys inside JSON strings) out of a run.
const KEY_MATERIAL_RE = /(?<!\\)[A-Za-z0-9+/]{16,}/g;
// Where it ends: the last run of any length, as a key's final line can be a few characters.
const KEY_RUN_RE = /(?<!\\)[A-Za-z0-9+/=]+/g;
// A line that can sit inside a key block: base64 (PGP checksum lines start with `=`),
// optionally wrapped as a string literal being concatenated. Each part is deterministic so a
// megabyte-long line cannot make it backtrack.
const KEY_BODY_LINE_RE = /^\s*(?:\+\s*)?["'`]?[A-Za-z0-9+/=]*(?:\\[nr])*["'`]?[\s,;)]*(?:\+\s*)?$/;
// PEM and PGP armor headers, e.g. `Proc-Type: 4,ENCRYPTED`, `Comment: ...`.
const KEY_HEADER_LINE_RE = /^\s*[A-Za-z][A-Za-z-]*: /;

/**
 * Masks the stretch of base64 in a piece of a key line, or returns undefined if it has none.
 * `anyRun` is for pieces already known to be inside a key, where a short run is the key's last
 * few characters rather than a word of code.
 */
function maskKeyMaterial(segment: string, anyRun = false): string | undefined {
  let first = -1;
  let last = -1;
  if (!anyRun) {
    KEY_MATERIAL_RE.lastIndex = 0;
    const m = KEY_MATERIAL_RE.exec(segment);
    if (m === null) return undefined;
    first = last = m.index;
  }
  KEY_RUN_RE.lastIndex = Math.max(first, 0);
  for (let m = KEY_RUN_RE.exec(segment); m !== null; m = KEY_RUN_RE.exec(segment)) {
    // A lone `+` is string concatenation, not base64.
    if (!/[A-Za-z0-9]/.test(m[0])) continue;
    if (first < 0) first = m.index;
    last = m.index + m[0].length;
  }
  return first < 0 ? undefined : segment.slice(0, first) + marker('private-key') + segment.slice(last);
}

/** Masks a whole inner line, keeping its indentation and a CRLF's `\r`. Lines of bare
 * punctuation (`" +`, `);`) hold no key material and are kept. */
function maskKeyLine(line: string): string {
  if (!/[A-Za-z0-9]/.test(line)) return line;
  let start = 0;
  while (start < line.length && (line[start] === ' ' || line[start] === '\t')) start++;
  const end = line.endsWith('\r') ? line.length - 1 : line.length;
  return start >= end ? line : line.slice(0, start) + marker('private-key') + line.slice(end);
}

interface KeyLineScan {
  line: string;
  /** Blocks opened and closed on this line that had key material in them. */
  blocks: number;
  /** Index in `line` just past a header whose footer is not on this line, or -1. */
  openAt: number;
}

/** Handles blocks that open and close on one line (keys in JSON strings with `\n` escapes). */
function scanKeyLine(line: string, from: number): KeyLineScan {
  let out = line.slice(0, from);
  let pos = from;
  let blocks = 0;
  for (;;) {
    KEY_BEGIN_RE.lastIndex = pos;
    const begin = KEY_BEGIN_RE.exec(line);
    if (begin === null) break;
    const bodyStart = begin.index + begin[0].length;
    KEY_END_RE.lastIndex = bodyStart;
    const end = KEY_END_RE.exec(line);
    if (end === null) {
      return { line: out + line.slice(pos), blocks, openAt: out.length + bodyStart - pos };
    }
    const body = line.slice(bodyStart, end.index);
    const masked = maskKeyMaterial(body);
    if (masked !== undefined) blocks++;
    out += line.slice(pos, bodyStart) + (masked ?? body) + end[0];
    pos = end.index + end[0].length;
  }
  return { line: out + line.slice(pos), blocks, openAt: -1 };
}

function redactPrivateKeys(text: string, note: Note): string {
  const lines = text.split('\n');
  let changed = false;
  let i = 0;
  let from = 0;
  while (i < lines.length) {
    if (!lines[i].includes('PRIVATE KEY')) {
      i++;
      from = 0;
      continue;
    }
    const scan = scanKeyLine(lines[i], from);
    if (scan.line !== lines[i]) changed = true;
    lines[i] = scan.line;
    for (let b = 0; b < scan.blocks; b++) note('private-key');
    if (scan.openAt < 0) {
      i++;
      from = 0;
      continue;
    }

    // Walk the body. A line that cannot be part of a key ends the walk, so a header kept as a
    // string constant in ordinary code never swallows the code after it.
    let k = i + 1;
    let closed = false;
    for (; k < lines.length; k++) {
      KEY_END_RE.lastIndex = 0;
      if (KEY_END_RE.test(lines[k])) {
        closed = true;
        break;
      }
      if (!KEY_BODY_LINE_RE.test(lines[k]) && !KEY_HEADER_LINE_RE.test(lines[k])) break;
    }

    let masked = false;
    const head = lines[i].slice(0, scan.openAt);
    const tail = maskKeyMaterial(lines[i].slice(scan.openAt));
    if (tail !== undefined) {
      lines[i] = head + tail;
      masked = true;
    }
    for (let j = i + 1; j < k; j++) {
      const inner = maskKeyLine(lines[j]);
      if (inner !== lines[j]) {
        lines[j] = inner;
        masked = true;
      }
    }
    if (closed) {
      KEY_END_RE.lastIndex = 0;
      const end = KEY_END_RE.exec(lines[k]);
      if (end === null) throw new Error('unreachable: footer vanished');
      const prefix = lines[k].slice(0, end.index);
      const maskedPrefix = maskKeyMaterial(prefix, masked) ?? prefix;
      if (maskedPrefix !== prefix) masked = true;
      lines[k] = maskedPrefix + lines[k].slice(end.index);
      // The footer line may open another key after this one closes.
      from = maskedPrefix.length + end[0].length;
      i = k;
    } else {
      from = 0;
      i = k;
    }
    if (masked) {
      changed = true;
      note('private-key');
    }
  }
  return changed ? lines.join('\n') : text;
}

// --- Tokens with a recognisable shape ---------------------------------------------------------

// The lookbehinds anchor each token at the start of its run of token characters. Besides
// avoiding matches inside longer words, that keeps the scan linear: a long run is only tried
// from its first character instead of from every one.
const TOKEN_RE = new RegExp(
  [
    String.raw`(?<awsKeyId>(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9]))`,
    String.raw`(?<github>(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))`,
    // Every Slack token format has a digit right after its prefix; requiring it spares prose
    // such as a Slack prefix followed by "your-token-here".
    String.raw`(?<slack>(?<![A-Za-z0-9-])(?:xox[abeoprs](?:\.xox[abprs])?|xapp)-[0-9][A-Za-z0-9-]{9,})`,
    String.raw`(?<hook>https?://hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/-]{8,}`,
    String.raw`(?<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})`,
    // A whole PEM file, base64-encoded, as in kubeconfig's `client-key-data:` or a Kubernetes
    // Secret, under a name no keyword rule would catch. `LS0tLS1CRUdJTi` is "-----BEGIN".
    String.raw`(?<pem64>(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{50,}={0,2})`,
  ].join('|'),
  'g',
);

function redactTokens(text: string, note: Note): string {
  return text.replace(TOKEN_RE, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    if (groups.awsKeyId !== undefined) return redactAs('aws-access-key-id', note);
    if (groups.github !== undefined) return redactAs('github-token', note);
    if (groups.slack !== undefined) return redactAs('slack-token', note);
    // The host and path prefix are not secret and tell a reader what the value was.
    if (groups.hook !== undefined) return groups.hook + redactAs('slack-webhook', note);
    if (groups.pem64 !== undefined) return isEncodedPrivateKey(groups.pem64) ? redactAs('private-key', note) : groups.pem64;
    return redactAs('jwt', note);
  });
}

/** Whether base64 of a PEM file is a private key rather than, say, a certificate. */
function isEncodedPrivateKey(base64: string): boolean {
  // 64 characters decode to 48 bytes, enough for the longest header ("-----BEGIN ENCRYPTED
  // PRIVATE KEY-----" is 37), and a multiple of 4 so atob accepts the slice.
  return atob(base64.slice(0, 64)).includes('PRIVATE KEY');
}

function redactAs(kind: string, note: Note): string {
  note(kind);
  return marker(kind);
}

// --- Secrets assigned to telling names --------------------------------------------------------

// `auth` but not `author`/`authority`; `authorization` stays in.
const KEYWORD_RE = /passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|auth(?!or(?!iz))|credential|private[_-]?key/gi;

const MIN_SECRET_LENGTH = 8;
const MIN_SECRET_ENTROPY = 3.0;
// Only this much of a value is looked at to judge it, which caps the work per keyword hit; a
// longer value that looks secret is masked whole (a base64 service-account token, say).
const MAX_JUDGED_LENGTH = 1024;

// `token: string = '...'` and `def f(password: str = '...')`: skip the annotation to reach the
// value. No quotes, parentheses or `#`, and a blank before the `=`, so that a YAML value
// (`secret: c2VjcmV0=`) or a comment is never taken for a type.
const TYPE_ANNOTATION_RE = /[ \t]*[A-Za-z_$][^=\r\n;(){}'"`#]{0,120}[ \t]=(?![=>])/y;
// Unbounded, yet linear over a file: a quoted value's scan stops at the next quote of its kind,
// and every other hit quoted that way supplies one.
const QUOTED_VALUE_RE: Readonly<Record<string, RegExp>> = {
  '"': /"([^"\r\n]*)"/y,
  "'": /'([^'\r\n]*)'/y,
  '`': /`([^`\r\n]*)`/y,
};
// Linear too: the caller skips past every unquoted run it has read.
const UNQUOTED_VALUE_RE = /[^\s'"`,;()[\]{}<>]+/y;
// Authorization header values carry the credential after the scheme word. (`Token` is left
// out: it starts too much ordinary prose, and GitHub's `token ghp_...` has its own rule.)
const SCHEME_RE = /^(?:Bearer|Basic)[ \t]+/i;
const SCHEME_STICKY_RE = /(?:Bearer|Basic)[ \t]+/iy;

const PLACEHOLDER_RE =
  /^[$%#@*<{]|\$\{|\{\{|%\(|%[sd]|\(\?|<[^<>]*>|change[_-]?me|placeholder|example|^your|[_-]your|dummy|sample|redacted|x{4,}|\*{3,}|\.{3}/i;
// Words and names rather than values: `unauthorized`, `_RSAPrivateKey`, `ResultV2`,
// `refresh_token`, `X-Auth-Token`, `username:password`, `token_sha256_to_refresh`,
// `GITHUB_TOKEN_2` (an env var name). Random tokens of any useful length nearly always have a
// digit inside a word and mix case, so these shapes are taken for names.
const NAME_LIKE_RE =
  /^(?:[A-Za-z_$]+[0-9]*(?:[-.:][A-Za-z_$]+[0-9]*)*|[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$/;
const PRINTABLE_RE = /^[\x21-\x7e]+$/;
// A URL is an address unless it carries `user:password@`.
const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^@]*$/;
const PATH_RE = /^(?:~|\.{1,2})?\/[\w.@-]+(?:\/[\w.@-]*)+$/;
// `process.env.TOKEN`, `Config::TOKEN`, `req.headers?.authorization`, `this.#token`,
// `t.tokens.length-1`: an expression starting with a member access.
const MEMBER_ACCESS_RE = /^#?[A-Za-z_$][\w$]*(?:[?!]?\.|::)#?[A-Za-z_$]/;
// `nextToken`, and `token2` as bundlers and code generators rename it; secrets put digits
// anywhere.
const PLAIN_IDENTIFIER_RE = /^#?[A-Za-z_$][A-Za-z_$]*[0-9]*[?!]?$/;
/**
 * `/secret|token|password/i`: a JS or Ruby regular expression literal, told from a base64 or
 * path-like secret by an operator neither holds (| \ ^ $ * ?). Masking one broke the file's
 * parse: the marker is not code.
 */
const REGEX_LITERAL_RE = /^\/(?=[^/]*[|\\^$*?])(?:[^/\\]|\\.)+\/[dgimsuvy]*$/;
const WORDS_RE = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g;

// Final words that make a secret-sounding name describe something about the secret rather than
// hold it: `tokenUrl`, `PASSWORD_MIN_LENGTH`, `secret_name`, `auth_type`.
const NON_SECRET_SUFFIXES: ReadonlySet<string> = new Set([
  'alg', 'algorithm', 'audience', 'callback', 'class', 'count', 'description', 'dir', 'directory',
  'endpoint', 'env', 'error', 'expiration', 'expires', 'expiry', 'field', 'file', 'filename',
  'files', 'folder', 'format', 'handler', 'hint', 'host', 'hostname', 'issuer', 'kind', 'label',
  'len', 'length', 'limit', 'max', 'message', 'method', 'min', 'mode', 'name', 'names', 'param',
  'path', 'paths', 'pattern', 'placeholder', 'policy', 'port', 'prefix', 'provider', 'redirect',
  'ref', 'regex', 'scheme', 'scope', 'scopes', 'service', 'size', 'storage', 'store', 'strategy',
  'suffix', 'text', 'timeout', 'title', 'ttl', 'type', 'types', 'uri', 'url', 'urls', 'var',
  'variable',
]);

function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const LETTERS_DIGITS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// Dots and dashes join the parts of `config.db.password`, `--auth-token`, `X-Api-Key`.
const NAME_CHARS = charTable(LETTERS_DIGITS + '_$.-');
const QUOTES = charTable('"\'`');
// Python's r"", b"", u"", f"" and their pairs.
const STRING_PREFIXES = charTable('rRbBuUfF');
const BLANKS = charTable(' \t');

const is = (table: Uint8Array, c: number): boolean => c < 128 && table[c] === 1;
const CH_RBRACKET = ']'.charCodeAt(0);
const CH_QMARK = '?'.charCodeAt(0);
const CH_BANG = '!'.charCodeAt(0);
const CH_COLON = ':'.charCodeAt(0);
const CH_EQ = '='.charCodeAt(0);
const CH_GT = '>'.charCodeAt(0);

function skipBlanks(text: string, p: number): number {
  while (is(BLANKS, text.charCodeAt(p))) p++;
  return p;
}

interface Edit { start: number; end: number; kind: string }

/** One pass over keyword hits; each hit's name is extended to whole-name bounds by hand, as
 * a regex with `\w*` on both sides of the keyword backtracks quadratically on long words. */
function redactAssignments(text: string, note: Note): string {
  const edits: Edit[] = [];
  KEYWORD_RE.lastIndex = 0;
  for (let m = KEYWORD_RE.exec(text); m !== null; m = KEYWORD_RE.exec(text)) {
    let start = m.index;
    while (start > 0 && is(NAME_CHARS, text.charCodeAt(start - 1))) start--;
    let end = m.index + m[0].length;
    while (end < text.length && is(NAME_CHARS, text.charCodeAt(end))) end++;
    // Later hits in the same name are the same name.
    KEYWORD_RE.lastIndex = end;
    const found = assignedSecret(text, text.slice(start, end), end);
    if (found === undefined) continue;
    if (found.skipTo > end) KEYWORD_RE.lastIndex = found.skipTo;
    if (found.edit !== undefined) edits.push(found.edit);
  }
  if (edits.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const edit of edits) {
    out += text.slice(pos, edit.start) + marker(edit.kind);
    note(edit.kind);
    pos = edit.end;
  }
  return out + text.slice(pos);
}

/**
 * Looks for `name <sep> value` right after a name. `skipTo` lets the caller jump past a value
 * it need not search for keywords again: a masked value, or an unquoted run (no hit inside
 * `a&token=b` deserves a second look once the run as a whole has been judged).
 */
function assignedSecret(text: string, name: string, at: number): { edit?: Edit; skipTo: number } | undefined {
  let p = at;
  let c = text.charCodeAt(p);
  if (is(QUOTES, c)) c = text.charCodeAt(++p); // closing quote of a quoted key: "api_key": ...
  if (c === CH_RBRACKET) c = text.charCodeAt(++p); // ENV['TOKEN'] = ...
  p = skipBlanks(text, p);
  c = text.charCodeAt(p);
  if (c === CH_QMARK || c === CH_BANG) {
    p = skipBlanks(text, p + 1); // TypeScript `token?: string`, `token!: string`
    c = text.charCodeAt(p);
  }
  if (c === CH_COLON) {
    const next = text.charCodeAt(p + 1);
    if (next === CH_COLON) return undefined; // a scope operator, not a separator
    if (next === CH_EQ) p += 2;
    else {
      p++;
      TYPE_ANNOTATION_RE.lastIndex = p;
      if (TYPE_ANNOTATION_RE.test(text)) p = TYPE_ANNOTATION_RE.lastIndex;
    }
  } else if (c === CH_EQ) {
    p++;
    // `=>`, `==`, `===`: comparing with or mapping to a literal still spells the literal out.
    if (text.charCodeAt(p) === CH_GT) p++;
    else while (text.charCodeAt(p) === CH_EQ) p++;
  } else {
    return undefined;
  }
  p = skipBlanks(text, p);
  c = text.charCodeAt(p);
  if (is(STRING_PREFIXES, c)) {
    if (is(QUOTES, text.charCodeAt(p + 1))) c = text.charCodeAt(++p);
    else if (is(STRING_PREFIXES, text.charCodeAt(p + 1)) && is(QUOTES, text.charCodeAt(p + 2))) c = text.charCodeAt((p += 2));
  }

  if (is(QUOTES, c)) {
    const re = QUOTED_VALUE_RE[text[p]];
    re.lastIndex = p;
    const q = re.exec(text);
    if (q === null) return undefined;
    let value = q[1];
    let start = p + 1;
    const scheme = SCHEME_RE.exec(value);
    if (scheme !== null) {
      value = value.slice(scheme[0].length);
      start += scheme[0].length;
    }
    const kind = secretKind(name, value, true, '');
    if (kind === undefined) return undefined;
    return { edit: { start, end: start + value.length, kind }, skipTo: start + value.length };
  }

  SCHEME_STICKY_RE.lastIndex = p;
  if (SCHEME_STICKY_RE.test(text)) p = SCHEME_STICKY_RE.lastIndex;
  UNQUOTED_VALUE_RE.lastIndex = p;
  const u = UNQUOTED_VALUE_RE.exec(text);
  if (u === null) return undefined;
  const runEnd = p + u[0].length;
  const after = text[runEnd] ?? '';
  // A statement's end, as in Python's `if token == current:`, is not part of the value.
  let value = u[0];
  while (value.endsWith(':')) value = value.slice(0, -1);
  const kind = secretKind(name, value, false, after);
  return { edit: kind === undefined ? undefined : { start: p, end: p + value.length, kind }, skipTo: runEnd };
}

function isAwsSecretName(name: string): boolean {
  return name.toLowerCase().replace(/[^a-z]/g, '').includes('secretaccesskey');
}

function secretKind(name: string, whole: string, quoted: boolean, after: string): string | undefined {
  if (whole.length < MIN_SECRET_LENGTH) return undefined;
  // Already masked by a more specific rule.
  if (whole.includes(MARKER_OPEN)) return undefined;
  // The format is exact enough that no heuristic is needed (and AWS's documented example key
  // is masked too, which costs nothing).
  if (whole.length === 40 && /^[A-Za-z0-9/+]{40}$/.test(whole) && isAwsSecretName(name)) return 'aws-secret-access-key';
  // Credentials are printable ASCII. Passphrases with spaces are rare in source; messages and
  // labels, often translated, are not. (A plain character class, so safe on any length.)
  if (!PRINTABLE_RE.test(whole)) return undefined;
  const value = whole.length > MAX_JUDGED_LENGTH ? whole.slice(0, MAX_JUDGED_LENGTH) : whole;
  const words = name.match(WORDS_RE);
  if (words !== null && NON_SECRET_SUFFIXES.has(words[words.length - 1].toLowerCase())) return undefined;
  if (!quoted && isCodeReference(value, after)) return undefined;
  if (PLACEHOLDER_RE.test(value) || NAME_LIKE_RE.test(value)) return undefined;
  if (URL_RE.test(value) || PATH_RE.test(value)) return undefined;
  if (shannonEntropy(value) < MIN_SECRET_ENTROPY) return undefined;
  return 'secret-assignment';
}

/** An unquoted value that is code: a call, an index, a generic, a negation or reference, a
 * member path, a plain identifier, or a regular expression literal. */
function isCodeReference(value: string, after: string): boolean {
  if (after === '(' || after === '[' || after === '{' || after === '<') return true;
  const first = value[0];
  if (first === '!' || first === '&' || first === '*') return true;
  return MEMBER_ACCESS_RE.test(value) || PLAIN_IDENTIFIER_RE.test(value) || REGEX_LITERAL_RE.test(value);
}

/** Bits per character. */
function shannonEntropy(value: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

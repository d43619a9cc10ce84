import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { redactSecrets, secretFileReason } from '../../../src/engine/indexing/secrets';

// Every fake credential is assembled at run time so this file never trips a secret scanner
// (including ours, should the repository index itself).
const AWS_KEY_ID = 'AK' + 'IA' + 'IOSFODNN7EXAMPLE';
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/');
const GITHUB_CLASSIC = 'gh' + 'p_' + 'a1B2c3D4e5F6g7H8i9J0' + 'k1L2m3N4o5P6q7R8';
const GITHUB_FINE = 'github' + '_pat_' + '11ABCDEFG0123456789abc' + '_' + 'Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7';
const SLACK_BOT = 'xo' + 'xb-' + '1234567890-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_HOOK_PREFIX = 'https://hooks.' + 'slack.com/services/';
const SLACK_HOOK = SLACK_HOOK_PREFIX + 'T01AB2CD3EF/B04GH5IJ6KL/' + 'q7R8s9T0u1V2w3X4y5Z6a7B8';
const JWT = ['ey' + 'JhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.');
const HIGH = ['Zx81', 'kLp0', 'Qw2n', 'Mv7r'].join('');
const HEX = ['a8f5f167', 'f44f4964', 'e6c998de', 'e827110c'].join('');
const B64 = ['Q3xT9', 'mZ2kW', 'p8vL4', 'nR7s='].join('');
const KEY_BODY = [
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '9z+tQ==',
];
const pemLine = (edge: 'BEGIN' | 'END', label = 'RSA PRIVATE') => `-----${edge} ${label} KEY-----`;

const M = (kind: string) => `«redacted:${kind}»`;
const ASSIGNED = M('secret-assignment');

function expectRedacted(input: string, expected: string, kinds: Record<string, number>): void {
  const result = redactSecrets(input);
  assert.equal(result.text, expected);
  assert.deepEqual(result.kinds, kinds);
  assert.equal(result.count, Object.values(kinds).reduce((a, b) => a + b, 0));
}

function expectUntouched(input: string): void {
  const result = redactSecrets(input);
  assert.equal(result.text, input, `should not redact: ${input}`);
  assert.equal(result.count, 0);
  assert.deepEqual(result.kinds, {});
}

describe('secretFileReason', () => {
  it('flags env files, including .envrc, at any depth and in any case', () => {
    for (const p of ['.env', 'services/api/.env', '.env.local', 'deploy/.env.production', '.ENV', '.envrc']) {
      assert.equal(secretFileReason(p), 'env-file', p);
    }
  });

  it('flags key files and keystores', () => {
    const keyFiles = ['certs/server.pem', 'tls/server.KEY', 'putty.ppk', '.ssh/id_rsa', 'id_rsa.pub', 'id_dsa', 'id_ecdsa'];
    for (const p of [...keyFiles, 'id_ed25519', 'id_ed25519.pub']) {
      assert.equal(secretFileReason(p), 'key-file', p);
    }
    for (const p of ['client.p12', 'client.pfx', 'android/release.jks', 'keystore.jks', 'debug.keystore', 'team.kdbx']) {
      assert.equal(secretFileReason(p), 'keystore', p);
    }
  });

  it('flags credential and secrets files', () => {
    const credentialFiles = ['.netrc', '_netrc', '.pypirc', '.git-credentials', '.aws/credentials', 'gcp/credentials.json'];
    for (const p of [...credentialFiles, 'ci/deploy.credentials']) {
      assert.equal(secretFileReason(p), 'credentials-file', p);
    }
    for (const p of ['config/secrets.yml', 'secrets.yaml', 'Secrets.json']) {
      assert.equal(secretFileReason(p), 'secrets-file', p);
    }
  });

  it('leaves ordinary files alone, including ones named after secrets', () => {
    for (const p of [
      'src/env.ts',
      'environment.py',
      'src/config/environment.ts',
      '.environment',
      '.npmrc',
      'src/secrets.ts',
      'src/credentials.ts',
      'credentials.md',
      'keyboard.ts',
      'src/keys.ts',
      'README.md',
      // A virtualenv called .env is a directory, not an env file.
      '.env/lib/site.py',
    ]) {
      assert.equal(secretFileReason(p), undefined, p);
    }
  });
});

describe('redactSecrets', () => {
  it('returns ordinary code unchanged with nothing counted', () => {
    expectUntouched('export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    expectUntouched('');
  });

  describe('tokens with a known shape', () => {
    it('masks AWS access key ids but not longer words that contain one', () => {
      expectRedacted(`const id = "${AWS_KEY_ID}";`, `const id = "${M('aws-access-key-id')}";`, { 'aws-access-key-id': 1 });
      expectRedacted(`id: ${AWS_KEY_ID.replace('AKIA', 'ASIA')}`, `id: ${M('aws-access-key-id')}`, { 'aws-access-key-id': 1 });
      expectUntouched(`const id = "X${AWS_KEY_ID}";`);
      expectUntouched(`const id = "${AWS_KEY_ID}1";`);
    });

    it('masks AWS secret access keys by name and shape', () => {
      expectRedacted(`aws_secret_access_key = ${AWS_SECRET}`, `aws_secret_access_key = ${M('aws-secret-access-key')}`, {
        'aws-secret-access-key': 1,
      });
      expectRedacted(`  "SecretAccessKey": "${AWS_SECRET}",`, `  "SecretAccessKey": "${M('aws-secret-access-key')}",`, {
        'aws-secret-access-key': 1,
      });
    });

    it('masks GitHub tokens, classic and fine-grained, but not bare prefixes', () => {
      expectRedacted(`GITHUB_TOKEN=${GITHUB_CLASSIC}`, `GITHUB_TOKEN=${M('github-token')}`, { 'github-token': 1 });
      expectRedacted(`curl -H "Authorization: token ${GITHUB_FINE}"`, `curl -H "Authorization: token ${M('github-token')}"`, {
        'github-token': 1,
      });
      expectUntouched(`if (value.startsWith('ghp_')) return 'github';`);
    });

    it('masks Slack tokens and the secret part of Slack webhook URLs', () => {
      expectRedacted(`slack_bot = ${SLACK_BOT}`, `slack_bot = ${M('slack-token')}`, { 'slack-token': 1 });
      expectRedacted(`hook = '${SLACK_HOOK}'`, `hook = '${SLACK_HOOK_PREFIX}${M('slack-webhook')}'`, { 'slack-webhook': 1 });
      expectUntouched("const prefix = 'xoxb-your-token-here';");
    });

    it('masks JWTs', () => {
      const call = (token: string) => `fetch(url, { headers: { Authorization: 'Bearer ${token}' } });`;
      expectRedacted(call(JWT), call(M('jwt')), { jwt: 1 });
      expectUntouched("const header = 'eyJhbGciOi';");
    });
  });

  describe('private key blocks', () => {
    it('masks each body line, keeps header, footer, blank lines and the line count, and counts the block once', () => {
      const masked = M('private-key');
      const input = ['const a = 1;', pemLine('BEGIN'), 'Proc-Type: 4,ENCRYPTED', '', ...KEY_BODY, pemLine('END'), 'const b = 2;'];
      const expected = ['const a = 1;', pemLine('BEGIN'), masked, '', masked, masked, masked, pemLine('END'), 'const b = 2;'];
      expectRedacted(input.join('\n'), expected.join('\n'), { 'private-key': 1 });
    });

    it('keeps indentation and CRLF line endings', () => {
      const yaml = (body: string[]) =>
        ['key: |', pemLine('BEGIN', 'OPENSSH PRIVATE'), ...body, pemLine('END', 'OPENSSH PRIVATE'), 'next: 1']
          .map((line, i) => (i === 0 || i === body.length + 3 ? line : `  ${line}`))
          .join('\r\n');
      const input = yaml(KEY_BODY);
      const expected = yaml(KEY_BODY.map(() => M('private-key')));
      expectRedacted(input, expected, { 'private-key': 1 });
    });

    it('masks keys held on one line with escaped newlines, as in service-account JSON', () => {
      const input = `  "private_key": "${pemLine('BEGIN', 'PRIVATE')}\\n${KEY_BODY.join('\\n')}\\n${pemLine('END', 'PRIVATE')}\\n",`;
      const expected = `  "private_key": "${pemLine('BEGIN', 'PRIVATE')}\\n${M('private-key')}\\n${pemLine('END', 'PRIVATE')}\\n",`;
      expectRedacted(input, expected, { 'private-key': 1 });
    });

    it('masks keys built from concatenated string literals, down to a short last line', () => {
      const input = [
        'const pem =',
        `  "${pemLine('BEGIN')}\\n${KEY_BODY[0]}\\n" +`,
        `  "${KEY_BODY[1]}\\n" +`,
        `  "${KEY_BODY[2]}\\n${pemLine('END')}";`,
      ].join('\n');
      const expected = [
        'const pem =',
        `  "${pemLine('BEGIN')}\\n${M('private-key')}\\n" +`,
        `  ${M('private-key')}`,
        `  "${M('private-key')}\\n${pemLine('END')}";`,
      ].join('\n');
      expectRedacted(input, expected, { 'private-key': 1 });
    });

    it('masks a key body even when the footer is missing', () => {
      const input = [pemLine('BEGIN', 'EC PRIVATE'), ...KEY_BODY, 'const after = 1;'].join('\n');
      const expected = [pemLine('BEGIN', 'EC PRIVATE'), ...KEY_BODY.map(() => M('private-key')), 'const after = 1;'].join('\n');
      expectRedacted(input, expected, { 'private-key': 1 });
    });

    it('masks base64-encoded private keys, as in kubeconfig, but not encoded certificates', () => {
      const encode = (begin: string, end: string) => Buffer.from([begin, ...KEY_BODY, end, ''].join('\n')).toString('base64');
      const cert = encode('-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----');
      const key = encode(pemLine('BEGIN'), pemLine('END'));
      const input = ['users:', `    client-certificate-data: ${cert}`, `    client-key-data: ${key}`].join('\n');
      const expected = ['users:', `    client-certificate-data: ${cert}`, `    client-key-data: ${M('private-key')}`].join('\n');
      expectRedacted(input, expected, { 'private-key': 1 });
    });

    it('does not swallow code between header and footer constants in a PEM parser', () => {
      const parser = [
        `const BEGIN = '${pemLine('BEGIN')}';`,
        'function strip(pem: string): string {',
        '  return pem.trim();',
        '}',
        `const END = '${pemLine('END')}';`,
      ];
      expectUntouched(parser.join('\n'));
      // `);` could sit inside a key wrapped in code, but holds nothing to mask.
      const assertions = ['expect(pem).toContain(', `  '${pemLine('BEGIN')}'`, ');', 'expect(pem).toContain(', `  '${pemLine('END')}'`, ');'];
      expectUntouched(assertions.join('\n'));
    });
  });

  describe('secrets assigned to telling names', () => {
    const positives: Array<[string, string]> = [
      [`password = "${HIGH}"`, `password = "${ASSIGNED}"`],
      [`password: '${HIGH}'`, `password: '${ASSIGNED}'`],
      [`  "api_key": "${HEX}",`, `  "api_key": "${ASSIGNED}",`],
      [`API_KEY=${HEX}`, `API_KEY=${ASSIGNED}`],
      [`export DB_PASSWORD="${HIGH}"`, `export DB_PASSWORD="${ASSIGNED}"`],
      [`const apiToken = '${HIGH}';`, `const apiToken = '${ASSIGNED}';`],
      [`const apiToken: string = '${HIGH}';`, `const apiToken: string = '${ASSIGNED}';`],
      [`def login(user, pwd: str = "${HIGH}"):`, `def login(user, pwd: str = "${ASSIGNED}"):`],
      [`passwd := "${HIGH}"`, `passwd := "${ASSIGNED}"`],
      [`'client_secret' => '${HIGH}',`, `'client_secret' => '${ASSIGNED}',`],
      [`settings['accessKey'] = r"${HIGH}"`, `settings['accessKey'] = r"${ASSIGNED}"`],
      [`run --auth-token=${HIGH} --verbose`, `run --auth-token=${ASSIGNED} --verbose`],
      [`spring.datasource.credential=${HIGH}`, `spring.datasource.credential=${ASSIGNED}`],
      [`PRIVATE_KEY: ${HEX}`, `PRIVATE_KEY: ${ASSIGNED}`],
      // Base64 padding is part of the value, not an annotated default.
      [`  client_secret: ${B64}`, `  client_secret: ${ASSIGNED}`],
      [`Authorization: Bearer ${HEX}`, `Authorization: Bearer ${ASSIGNED}`],
      [`if (token === '${HIGH}') {`, `if (token === '${ASSIGNED}') {`],
      // Slashes alone do not make a regular expression.
      [`client_secret: /${HIGH}/${B64}`, `client_secret: ${ASSIGNED}`],
    ];
    for (const [input, expected] of positives) {
      it(`masks the value in ${JSON.stringify(input.replace(HIGH, 'HIGH').replace(HEX, 'HEX').replace(B64, 'B64'))}`, () => {
        expectRedacted(input, expected, { 'secret-assignment': 1 });
      });
    }

    const negatives = [
      // Code, not values.
      'const token = nextToken();',
      'password: string;',
      'token?: string | undefined;',
      'password = getPassword()',
      'secret = os.environ["X"]',
      'token = process.env.TOKEN',
      'const exclamationToken = !questionToken;',
      'if cache_token != current_token:',
      'const tokenizer = this.#tokenizer;',
      'let authToken = session2;',
      'delimiters.push({ marker, token: t.tokens.length-1, end: -1 });',
      'export const FLOW_PASSWORD_REQUIRED_V2 = "FlowPasswordRequiredResultV2";',
      // Regular expression literals (masking one broke the file's parse).
      'const SECRET_OPTION = /secret|token|password|access_key|account_key|service_account|sas|credential/i;',
      'const SECRET_KEY = /^x-amz-|secret$|key$/iu;',
      "TOKEN_LINE = /\\btoken\\s*=\\s*\\S+/",
      // Placeholders.
      'password = "changeme"',
      'token = "<your-token>"',
      'token: `${TOKEN}`',
      'API_KEY=${API_KEY}',
      'api_key = "your-api-key-here"',
      'password = "********"',
      // Too short or too regular to be a secret.
      'password = "x9!kQ2"',
      'password = "aaaaaaaaaaaa"',
      // Names, words, prose, addresses.
      'tokenizer = "bert-base-uncased"',
      `author = "${HIGH}"`,
      `tokenUrl = "${HIGH}"`,
      `PASSWORD_MIN_LENGTH = "${HIGH}"`,
      'const authHeader = "X-Auth-Token";',
      'tokenSource = "GITHUB_TOKEN"',
      'passwordHelp = "Use 12+ characters, mixed case"',
      'auth_url = "https://login.example.org/oauth2/v2.0/authorize"',
      "PWD: '/Users/someone/projects'",
      'password: "unauthorized"',
    ];
    for (const input of negatives) {
      it(`leaves ${JSON.stringify(input.replace(HIGH, 'HIGH'))} alone`, () => expectUntouched(input));
    }

    it('masks a long secret value whole, judging it by its start', () => {
      const long = Array.from({ length: 40 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join('');
      expectRedacted(`token: ${long}\nsecret = "${long}"`, `token: ${ASSIGNED}\nsecret = "${ASSIGNED}"`, { 'secret-assignment': 2 });
    });

    it('does not mask a value a specific rule already masked', () => {
      expectRedacted(`token = "${JWT}"`, `token = "${M('jwt')}"`, { jwt: 1 });
      expectRedacted(`SLACK_TOKEN: ${SLACK_BOT}`, `SLACK_TOKEN: ${M('slack-token')}`, { 'slack-token': 1 });
    });
  });

  it('masks many secrets across a file, counts them by kind and keeps every line in place', () => {
    const lines = [
      '# deploy settings',
      `AWS_ACCESS_KEY_ID=${AWS_KEY_ID}`,
      `aws_secret_access_key=${AWS_SECRET}`,
      `GITHUB_TOKEN=${GITHUB_CLASSIC}`,
      pemLine('BEGIN'),
      ...KEY_BODY,
      pemLine('END'),
      `db_password = "${HIGH}"`,
      `api_key = "${HEX}"  # rotated monthly`,
      'const token = nextToken();',
      '',
    ];
    const result = redactSecrets(lines.join('\n'));
    const out = result.text.split('\n');
    assert.equal(out.length, lines.length);
    assert.deepEqual(out, [
      '# deploy settings',
      `AWS_ACCESS_KEY_ID=${M('aws-access-key-id')}`,
      `aws_secret_access_key=${M('aws-secret-access-key')}`,
      `GITHUB_TOKEN=${M('github-token')}`,
      pemLine('BEGIN'),
      M('private-key'),
      M('private-key'),
      M('private-key'),
      pemLine('END'),
      `db_password = "${ASSIGNED}"`,
      `api_key = "${ASSIGNED}"  # rotated monthly`,
      'const token = nextToken();',
      '',
    ]);
    assert.deepEqual(result.kinds, {
      'aws-access-key-id': 1,
      'aws-secret-access-key': 1,
      'github-token': 1,
      'private-key': 1,
      'secret-assignment': 2,
    });
    assert.equal(result.count, 6);
  });

  // Mocha's default 2 s timeout is the guard here: a regex that backtracks on these inputs
  // takes minutes, not milliseconds.
  describe('megabyte-long lines', () => {
    const MB = 1 << 20;

    it('passes lines without secrets through', () => {
      for (const input of [
        'a'.repeat(MB),
        '='.repeat(MB),
        'token' + 'a'.repeat(MB),
        'password=' + '='.repeat(MB),
        'token='.repeat(MB / 6),
        'token:'.repeat(MB / 6),
        'token="'.repeat(MB / 7),
        'secret' + ' '.repeat(MB) + 'x',
        'eyJ'.repeat(MB / 3),
        'AKIA'.repeat(MB / 4),
        pemLine('BEGIN').repeat(MB / 32),
      ]) {
        expectUntouched(input);
      }
    });

    it('still masks what is there', () => {
      expectRedacted('ghp_' + 'a'.repeat(MB), M('github-token'), { 'github-token': 1 });
      expectRedacted(pemLine('BEGIN') + 'A'.repeat(MB), pemLine('BEGIN') + M('private-key'), { 'private-key': 1 });
      expectRedacted(`${'='.repeat(MB)} password="${HIGH}"`, `${'='.repeat(MB)} password="${ASSIGNED}"`, { 'secret-assignment': 1 });
      expectRedacted('github_pat_'.repeat(MB / 11), M('github-token'), { 'github-token': 1 });
      // Not a key body (the space), so the header must not claim it; the walk must say so fast.
      expectUntouched([pemLine('BEGIN'), '+'.repeat(MB) + ' x', pemLine('END')].join('\n'));
    });
  });
});

import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/main.ts';

const TOPOLOGY = resolve('infra/topologies/local.yaml');

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function verifiesAsClient(caFile: string, cert: string): boolean {
  return spawnSync('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslclient', cert]).status === 0;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('cli - fedgate device issue and app token', () => {
  let root: string;
  let pkiDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fedgate-pki-cli-'));
    pkiDir = join(root, 'pki');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('device issue --json prints one line with the files; the certificate verifies against the CA bundle beside it', async () => {
    const out = join(root, 'devices');
    const first = await run(['device', 'issue', 'sensor-1', '-f', TOPOLOGY, '--out', out, '--pki-dir', pkiDir, '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.split('\n').filter(Boolean).length, 1);
    assert.deepEqual(JSON.parse(first.stdout), {
      ok: true,
      device: 'sensor-1',
      key: join(out, 'sensor-1.key'),
      cert: join(out, 'sensor-1.pem'),
      ca: join(out, 'ca.pem'),
    });
    assert.match(first.stderr, /created the fleet CA of topology "local" in .*pki/);
    assert.equal(mode(join(out, 'sensor-1.key')), 0o600);
    assert.equal(mode(join(pkiDir, 'ca.key')), 0o600);
    assert.equal(mode(pkiDir), 0o700);
    assert.ok(verifiesAsClient(join(out, 'ca.pem'), join(out, 'sensor-1.pem')));

    // A second device: the same CA, not created again.
    const second = await run(['device', 'issue', 'sensor-2', '-f', TOPOLOGY, '--out', out, '--pki-dir', pkiDir]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, '');
    assert.match(
      second.stdout,
      /^device sensor-2: key .*sensor-2\.key \(mode 0600\), certificate .*sensor-2\.pem \(serial [0-9A-F]+, 825 days\), CA .*ca\.pem\n$/,
    );
    assert.ok(verifiesAsClient(join(pkiDir, 'ca.pem'), join(out, 'sensor-1.pem')));
    assert.ok(verifiesAsClient(join(pkiDir, 'ca.pem'), join(out, 'sensor-2.pem')));
  });

  it('device issue without --out writes under .fedgate/<topology>/ and keeps an all-digit id as it was typed', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { code, stdout, stderr } = await run(['device', 'issue', '0042', '-f', TOPOLOGY, '--json']);
      assert.equal(code, 0, stderr);
      const report = JSON.parse(stdout) as { device: string; key: string; cert: string; ca: string };
      assert.equal(report.device, '0042');
      assert.equal(report.key, join('.fedgate', 'local', 'devices', '0042.key'));
      assert.ok(existsSync(join(root, '.fedgate', 'local', 'pki', 'ca.key')));
      assert.equal(mode(join(root, '.fedgate', 'local', 'devices')), 0o700);
      assert.ok(verifiesAsClient(join(root, report.ca), join(root, report.cert)));
    } finally {
      process.chdir(cwd);
    }
  });

  it('device issue exits 2 with the rule for a bad id, before any CA is created', async () => {
    const plain = await run(['device', 'issue', '.hidden', '-f', TOPOLOGY, '--pki-dir', pkiDir]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /^fedgate: invalid device id "\.hidden": expected 1 to 64 characters of letters, digits, "_" and "-", not starting with "-"/);
    const json = await run(['device', 'issue', 'a.b', '-f', TOPOLOGY, '--pki-dir', pkiDir, '--json']);
    assert.equal(json.code, 2);
    const report = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(report.ok, false);
    assert.equal(report.error.code, 'PKI_INVALID_DEVICE_ID');
    assert.match(report.error.message, /no "\.": the id is one routing-key word/);
    assert.ok(!existsSync(pkiDir));
  });

  it("app token prints only the token on stdout, its scopes on stderr; the token carries them and verifies with the fleet's public key", async () => {
    const { code, stdout, stderr } = await run(['app', 'token', 'dashboard', '-f', TOPOLOGY, '--ttl', '15m', '--pki-dir', pkiDir]);
    assert.equal(code, 0, stderr);
    const token = stdout.trim();
    assert.equal(stdout, `${token}\n`);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(stderr, /x-queue-name: fedgate\.app\.dashboard\.commands/);
    assert.match(stderr, /^ {2}fedgate\.read:%2F\/fedgate\.devices\/devices\.dashboard\.commands\.\*$/m);
    assert.match(stderr, /^ {2}fedgate\.write:%2F\/fedgate\.devices\/devices\.dashboard\.events\.\*$/m);

    const claims = claimsOf(token);
    assert.equal(claims.sub, 'dashboard');
    assert.equal(claims.aud, 'fedgate');
    assert.equal((claims.exp as number) - (claims.iat as number), 900);
    assert.equal((claims.scope as string).split(' ').length, 11); // 3 on fedgate.app.dashboard.*, 6 on its two MQTT session queues, 2 topics
    const [header, payload, signature] = token.split('.');
    const publicKey = readFileSync(join(pkiDir, 'token-signing.pub.pem'), 'utf8');
    assert.ok(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature!, 'base64url')));
    assert.equal(mode(join(pkiDir, 'token-signing.key')), 0o600);
  });

  it('app token --json reports the token, kid, scopes, expiry and the queue name to subscribe with', async () => {
    const { code, stdout, stderr } = await run(['app', 'token', 'dashboard', '-f', TOPOLOGY, '--pki-dir', pkiDir, '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      app: string;
      token: string;
      kid: string;
      scopes: string[];
      expiresAt: string;
      subscriptionQueue: string;
    };
    assert.equal(report.ok, true);
    assert.equal(report.subscriptionQueue, 'fedgate.app.dashboard.commands');
    assert.match(report.kid, /^fedgate-[0-9a-f]{16}$/);
    const ttl = (Date.parse(report.expiresAt) - Date.now()) / 1000;
    assert.ok(ttl > 3500 && ttl <= 3600, `default ttl 1h, got ${ttl} s`);
    assert.equal(claimsOf(report.token).scope, report.scopes.join(' '));
  });

  it('app token exits 2 for a ttl beyond 30 days, a ttl without a unit, and a bad app name', async () => {
    const long = await run(['app', 'token', 'dashboard', '-f', TOPOLOGY, '--ttl', '31d', '--pki-dir', pkiDir]);
    assert.equal(long.code, 2);
    assert.equal(long.stdout, '');
    assert.match(long.stderr, /^fedgate: invalid ttl "31d": a token lives from 1 second to 30 days/);
    const unitless = await run(['app', 'token', 'dashboard', '-f', TOPOLOGY, '--ttl', '3600', '--pki-dir', pkiDir, '--json']);
    assert.equal(unitless.code, 2);
    assert.equal((JSON.parse(unitless.stdout) as { error: { code: string } }).error.code, 'PKI_INVALID_TTL');
    const badName = await run(['app', 'token', 'dash.board', '-f', TOPOLOGY, '--pki-dir', pkiDir]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /invalid app name "dash\.board"/);
    assert.ok(!existsSync(pkiDir), 'no key is created for refused input');
  });
});

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildRelease, type ReleaseReport } from '../src/release/index.ts';
import { tarArchive } from '../src/release/tar-archive.ts';
import { SecretsManagerAccount } from './secrets-manager-account.ts';
import { SecretsManagerEndpoint } from './secrets-manager-endpoint.ts';

const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the unpacked release's launcher with plain node on PATH, from a directory with no node_modules anywhere above. */
async function launch(root: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(join(root, 'bin/fedgate'), args, {
      cwd: root,
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function ancestorsWithNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(d);
    if (dirname(d) === d) return found;
  }
}

describe('infra - npm run release: the self-contained bundle the instances download', function () {
  // Bundling and starting bundled Node processes takes seconds each on a busy machine.
  this.timeout(180_000);
  let out: string;
  let unpacked: string;
  let report: ReleaseReport;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'fedgate-release-'));
    unpacked = mkdtempSync(join(tmpdir(), 'fedgate-opt-'));
    report = await buildRelease({ outDir: out });
    execFileSync('tar', ['-xzf', join(out, 'fedgate-linux-x64.tar.gz'), '-C', unpacked]);
  });
  after(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(unpacked, { recursive: true, force: true });
  });

  it('writes a tarball per architecture, each with a .sha256 that sha256sum accepts', () => {
    assert.deepEqual(
      report.files.map((f) => f.arch),
      ['x64', 'arm64'],
    );
    for (const file of report.files) {
      const body = readFileSync(file.bundle);
      assert.equal(createHash('sha256').update(body).digest('hex'), file.sha256);
      assert.equal(readFileSync(file.checksum, 'utf8'), `${file.sha256}  fedgate-linux-${file.arch}.tar.gz\n`);
      execFileSync('sha256sum', ['--check', '--strict', '--quiet', file.checksum], { cwd: out });
    }
  });

  it('unpacks into the launcher and one file per entry with its dependencies inlined: no node_modules', () => {
    const listing = execFileSync('tar', ['-tzvf', join(out, 'fedgate-linux-arm64.tar.gz')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.deepEqual(
      listing.map((l) => l.split(/\s+/).pop()),
      ['bin/', 'bin/fedgate', 'lib/', 'lib/boot.mjs', 'lib/device-authz.mjs', 'lib/gateway-health.mjs', 'lib/router.mjs', 'lib/release.json'],
    );
    assert.ok(
      listing.every((l) => l.includes('root/root')),
      'owned by uid/gid 0 whoever built it',
    );
    assert.match(listing[1]!, /^-rwxr-xr-x /);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'lib/release.json'), 'utf8')) as { arch: string; node: string; commands: string[] };
    assert.deepEqual(manifest, { ...manifest, arch: 'x64', node: '>=20', commands: ['router', 'gateway-health', 'device-authz', 'boot'] });
    for (const entry of ['router', 'gateway-health', 'device-authz', 'boot']) {
      const code = readFileSync(join(unpacked, `lib/${entry}.mjs`), 'utf8');
      const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([@\w./:-]+)["']/g)].map((m) => m[1]!);
      assert.ok(specifiers.length > 0, `${entry}.mjs has imports to check`);
      assert.deepEqual(
        specifiers.filter((s) => !isBuiltin(s)),
        [],
        `${entry}.mjs imports only Node built-ins`,
      );
    }
  });

  it('runs router, gateway-health, device-authz and boot --help with plain node from a directory with no node_modules above it', async () => {
    assert.deepEqual(ancestorsWithNodeModules(unpacked), []);
    const router = await launch(unpacked, ['router', '--help']);
    assert.equal(router.code, 0, router.stderr);
    assert.match(router.stdout, /^fedgate router\n\nRun the location-aware router/);
    const health = await launch(unpacked, ['gateway-health', '--help']);
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout, /--node-address/);
    const authz = await launch(unpacked, ['device-authz', '--help']);
    assert.equal(authz.code, 0, authz.stderr);
    assert.match(authz.stdout, /--gateway/);
    const boot = await launch(unpacked, ['boot', '--help']);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(boot.stdout, /^usage: fedgate boot secret-value/);
    const unknown = await launch(unpacked, ['apply']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /this release has no command "apply" \(commands: router, gateway-health, device-authz, boot\)/);
  });

  it('the bundled services reach their handlers: gateway-health and device-authz refuse an unknown gateway, the router names the one password it lacks (exit 2)', async () => {
    const topology = join(process.cwd(), 'infra/topologies/acme.example.yaml');
    const health = await launch(unpacked, ['gateway-health', '--gateway', 'nordics', '-f', topology]);
    assert.equal(health.code, 2);
    assert.match(health.stderr, /no gateway "nordics" .* \(gateways: us, eu, ap\)/);
    const authz = await launch(unpacked, ['device-authz', '--gateway', 'nordics', '-f', topology]);
    assert.equal(authz.code, 2);
    assert.match(authz.stderr, /no gateway "nordics" .* \(gateways: us, eu, ap\)/);
    const router = await launch(unpacked, ['router', '-f', topology]);
    assert.equal(router.code, 2);
    assert.match(router.stderr, /missing 1 password\(s\): FEDGATE_CORE_ROUTER_PASSWORD/);
  });

  it('the bundled boot helper reads a secret through the AWS SDK it carries (a local Secrets Manager endpoint)', async () => {
    const account = new SecretsManagerAccount();
    const definitions = gzipSync('{"vhosts":[]}');
    account.secrets.set('fedgate/acme/core/definitions', { region: 'eu-west-1', binary: definitions, versions: 1 });
    const endpoint = new SecretsManagerEndpoint(account);
    const url = await endpoint.start();
    try {
      const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_REGION: 'eu-west-1' };
      const { stdout } = await execFileAsync(
        join(unpacked, 'bin/fedgate'),
        ['boot', 'secret-value', '--secret-id', 'fedgate/acme/core/definitions', '--field', 'binary'],
        {
          cwd: unpacked,
          encoding: 'buffer',
          env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...env },
        },
      );
      assert.deepEqual(stdout, definitions);
      const empty = await launch(unpacked, ['boot', 'secret-value', '--secret-id', 'fedgate/acme/core/runtime', '--field', 'string'], env);
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /GetSecretValue fedgate\/acme\/core\/runtime failed: ResourceNotFoundException/);
      assert.doesNotMatch(empty.stderr, /NodeVersionSupportWarning/, "the SDK's Node 22 notice is off on instances");
    } finally {
      await endpoint.stop();
    }
  });

  it('is reproducible: building the same tree again gives the same bytes (so a second push uploads nothing)', async () => {
    const again = mkdtempSync(join(tmpdir(), 'fedgate-release-again-'));
    try {
      const second = await buildRelease({ outDir: again });
      assert.deepEqual(
        second.files.map((f) => f.sha256),
        report.files.map((f) => f.sha256),
      );
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('tar archives refuse paths that could escape the directory they unpack into', () => {
    assert.throws(() => tarArchive([{ path: '../etc/passwd', mode: 0o644, content: Buffer.from('x') }], 0), RangeError);
    assert.throws(() => tarArchive([{ path: '/etc/passwd', mode: 0o644, content: Buffer.from('x') }], 0), RangeError);
  });
});

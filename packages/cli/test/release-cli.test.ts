import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Endpoint, TEST_S3_CREDENTIALS } from '../../../infra/test/s3-endpoint.ts';
import { fakeBundleDir } from '../../../infra/test/fake-bundle-dir.ts';
import { main } from '../src/main.ts';

const EXAMPLE = 'infra/topologies/acme.example.yaml';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('cli - fedgate release push against a local S3 endpoint (AWS_ENDPOINT_URL_S3)', () => {
  const ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
  const saved: Partial<Record<(typeof ENV)[number], string>> = {};
  let s3: S3Endpoint;
  let bundle: ReturnType<typeof fakeBundleDir>;

  beforeEach(async () => {
    bundle = fakeBundleDir();
    s3 = new S3Endpoint();
    s3.createBucket('fedgate-artifacts-acme', 'eu-west-1');
    s3.createBucket('acme-releases', 'eu-west-1');
    const url = await s3.start();
    for (const key of ENV) saved[key] = process.env[key];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: url,
      AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });
  afterEach(async () => {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await s3.stop();
    rmSync(bundle.dir, { recursive: true, force: true });
  });

  it('uploads with progress, then a second push changes nothing (--json); credentials never printed', async () => {
    const dry = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /4 object\(s\) in s3:\/\/fedgate-artifacts-acme \(eu-west-1\), 4 would change/);
    assert.equal(s3.object('fedgate-artifacts-acme', 'fedgate-linux-x64.tar.gz'), undefined);

    const first = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /^release: \[1\/4\] uploading fedgate-linux-x64\.tar\.gz \(\d+ bytes\) to s3:\/\/fedgate-artifacts-acme\/fedgate-linux-x64\.tar\.gz$/m,
    );
    assert.match(first.stdout, /^ {2}uploaded +s3:\/\/fedgate-artifacts-acme\/fedgate-linux-arm64\.tar\.gz\.sha256 \(\d+ bytes\)$/m);
    assert.ok(!(first.stdout + first.stderr).includes(TEST_S3_CREDENTIALS.secretAccessKey));

    const second = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { ok: boolean; objects: { action: string; sha256: string }[] };
    assert.equal(report.ok, true);
    assert.deepEqual([...new Set(report.objects.map((o) => o.action))], ['unchanged']);
    assert.equal(report.objects[0]!.sha256, bundle.sha256.x64);
  });

  it('pushes to the keys of the --bundle-uri given to synth', async () => {
    const r = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir, '--bundle-uri', 's3://acme-releases/v2/fedgate-{arch}.tgz']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(s3.object('acme-releases', 'v2/fedgate-arm64.tgz'));
    assert.ok(s3.object('acme-releases', 'v2/fedgate-x64.tgz.sha256'));
  });

  it('exits 2 for a missing or inconsistent build and a bundle URI without {arch}; 1 when S3 refuses', async () => {
    const missing = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', join(bundle.dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist: build the release with `npm run release`/);
    const noArch = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir, '--bundle-uri', 's3://acme-releases/fedgate.tgz', '--json']);
    assert.equal(noArch.code, 2);
    assert.match(JSON.parse(noArch.stdout).error.message, /expected \{arch\} in the key/);
    writeFileSync(join(bundle.dir, 'fedgate-linux-arm64.tar.gz.sha256'), 'garbage\n');
    const inconsistent = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', bundle.dir]);
    assert.equal(inconsistent.code, 2);
    assert.match(inconsistent.stderr, /fedgate-linux-arm64\.tar\.gz\.sha256 says nothing readable/);

    const fresh = fakeBundleDir();
    try {
      const noBucket = await run(['release', 'push', '-f', EXAMPLE, '--bundle-dir', fresh.dir, '--bundle-uri', 's3://no-such-bucket/fedgate-{arch}.tgz']);
      assert.equal(noBucket.code, 1);
      assert.match(
        noBucket.stderr,
        /S3 HeadObject s3:\/\/no-such-bucket\/fedgate-x64\.tgz failed: .*\(HTTP 404\)|S3 PutObject s3:\/\/no-such-bucket\/fedgate-x64\.tgz failed: NoSuchBucket/,
      );
    } finally {
      rmSync(fresh.dir, { recursive: true, force: true });
    }
  });
});

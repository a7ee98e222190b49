import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { planFleet } from '../src/index.ts';
import { ReleaseError, SHA256_METADATA, pushRelease, type PushReleaseOptions } from '../src/release/index.ts';
import { acme } from './synthesized-fleet.ts';
import { S3Endpoint, TEST_S3_CREDENTIALS } from './s3-endpoint.ts';
import { fakeBundleDir } from './fake-bundle-dir.ts';

const plan = planFleet(acme());
const KEYS = ['fedgate-linux-x64.tar.gz', 'fedgate-linux-x64.tar.gz.sha256', 'fedgate-linux-arm64.tar.gz', 'fedgate-linux-arm64.tar.gz.sha256'];

describe('infra - fedgate release push at the SDK boundary', () => {
  let mock: AwsClientStub<S3Client>;
  let bundle: ReturnType<typeof fakeBundleDir>;
  const stored = new Map<string, Record<string, string>>();
  const options = (extra: Partial<PushReleaseOptions> = {}): PushReleaseOptions => ({
    uriTemplate: plan.release.uriTemplate,
    region: plan.release.region,
    bundleDir: bundle.dir,
    client: new S3Client({ region: plan.release.region }),
    ...extra,
  });

  beforeEach(() => {
    bundle = fakeBundleDir();
    stored.clear();
    mock = mockClient(S3Client);
    mock.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const metadata = stored.get(`${input.Bucket}/${input.Key}`);
      if (metadata === undefined)
        throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Not Found' });
      return { Metadata: metadata };
    });
    mock.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Metadata: Record<string, string> }) => {
      stored.set(`${input.Bucket}/${input.Key}`, input.Metadata);
      return {};
    });
  });
  afterEach(() => {
    mock.restore();
    rmSync(bundle.dir, { recursive: true, force: true });
  });

  it("uploads each architecture's tarball, then its checksum, to the keys the instances download, with the SHA-256 as metadata and as S3 checksum", async () => {
    const report = await pushRelease(options());
    assert.equal(report.bucket, 'fedgate-artifacts-acme');
    assert.deepEqual(
      report.objects.map((o) => [o.uri, o.action]),
      KEYS.map((k) => [`s3://fedgate-artifacts-acme/${k}`, 'uploaded']),
    );
    const puts = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      puts.map((p) => p.Key),
      KEYS,
    );
    const x64 = puts[0]!;
    assert.equal(x64.Metadata?.[SHA256_METADATA], bundle.sha256.x64);
    assert.equal(x64.ChecksumSHA256, Buffer.from(bundle.sha256.x64!, 'hex').toString('base64'));
    // What the synthesized user data of an x64 router and an arm64 gateway download.
    assert.equal(`s3://${report.bucket}/${puts[0]!.Key}`, plan.router.bundle.uri);
    assert.equal(`s3://${report.bucket}/${puts[2]!.Key}`, plan.gateways[0]!.bundle.uri);
  });

  it('is idempotent: a second push finds every sha256 in place and uploads nothing; a changed tarball uploads only itself and its checksum', async () => {
    await pushRelease(options());
    mock.resetHistory();
    const again = await pushRelease(options());
    assert.deepEqual([...new Set(again.objects.map((o) => o.action))], ['unchanged']);
    assert.equal(mock.commandCalls(PutObjectCommand).length, 0);

    const body = randomBytes(100);
    const sha = createHash('sha256').update(body).digest('hex');
    writeFileSync(join(bundle.dir, 'fedgate-linux-arm64.tar.gz'), body);
    writeFileSync(join(bundle.dir, 'fedgate-linux-arm64.tar.gz.sha256'), `${sha}  fedgate-linux-arm64.tar.gz\n`);
    const changed = await pushRelease(options());
    assert.deepEqual(
      changed.objects.filter((o) => o.action === 'uploaded').map((o) => o.file),
      ['fedgate-linux-arm64.tar.gz', 'fedgate-linux-arm64.tar.gz.sha256'],
    );
  });

  it('dry run compares and uploads nothing', async () => {
    const progress: string[] = [];
    const report = await pushRelease(options({ dryRun: true, onProgress: (l) => progress.push(l) }));
    assert.deepEqual([...new Set(report.objects.map((o) => o.action))], ['would-upload']);
    assert.equal(mock.commandCalls(PutObjectCommand).length, 0);
    assert.match(progress.join('\n'), /\[4\/4\] s3:\/\/fedgate-artifacts-acme\/fedgate-linux-arm64\.tar\.gz\.sha256: would upload/);
  });

  it('refuses a tarball that does not match its checksum file, and a missing build, before any request', async () => {
    writeFileSync(join(bundle.dir, 'fedgate-linux-x64.tar.gz'), 'truncated');
    await assert.rejects(
      pushRelease(options()),
      (err: unknown) => err instanceof ReleaseError && err.code === 'RELEASE_BUNDLE_INVALID' && /npm run release/.test(err.message),
    );
    await assert.rejects(
      pushRelease(options({ bundleDir: join(bundle.dir, 'nope') })),
      (err: unknown) => err instanceof ReleaseError && err.code === 'RELEASE_BUNDLE_MISSING',
    );
    assert.equal(mock.calls().length, 0);
  });

  it('names the AWS error and the object when S3 refuses', async () => {
    mock
      .on(HeadObjectCommand)
      .rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    await assert.rejects(
      pushRelease(options()),
      (err: unknown) =>
        err instanceof ReleaseError &&
        err.code === 'RELEASE_AWS_REQUEST_FAILED' &&
        err.message === 'S3 HeadObject s3://fedgate-artifacts-acme/fedgate-linux-x64.tar.gz failed: AccessDenied (HTTP 403): Access Denied' &&
        err.cause instanceof S3ServiceException,
    );
  });
});

describe('infra - fedgate release push on the wire against a local S3 (AWS_ENDPOINT_URL_S3, path-style, signatures checked)', () => {
  const ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
  const saved: Partial<Record<(typeof ENV)[number], string>> = {};
  let s3: S3Endpoint;
  let bundle: ReturnType<typeof fakeBundleDir>;

  beforeEach(async () => {
    bundle = fakeBundleDir();
    s3 = new S3Endpoint();
    s3.createBucket(plan.release.bucket, plan.release.region);
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

  it('stores every object with its sha256 metadata, and a second push sends only HEAD requests', async () => {
    const push = () => pushRelease({ uriTemplate: plan.release.uriTemplate, region: plan.release.region, bundleDir: bundle.dir });
    await push();
    const x64 = s3.object(plan.release.bucket, 'fedgate-linux-x64.tar.gz')!;
    assert.equal(createHash('sha256').update(x64.body).digest('hex'), bundle.sha256.x64);
    assert.equal(x64.metadata[SHA256_METADATA], bundle.sha256.x64);
    assert.equal(s3.object(plan.release.bucket, 'fedgate-linux-arm64.tar.gz.sha256')!.body.toString(), `${bundle.sha256.arm64}  fedgate-linux-arm64.tar.gz\n`);
    s3.requests.length = 0;
    const again = await push();
    assert.deepEqual([...new Set(again.objects.map((o) => o.action))], ['unchanged']);
    assert.deepEqual(
      s3.requests.map((r) => r.split(' ')[0]),
      ['HEAD', 'HEAD', 'HEAD', 'HEAD'],
    );
  });

  it('fails naming the status when the credentials are wrong (the stand-in checks signatures)', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
    await assert.rejects(
      pushRelease({ uriTemplate: plan.release.uriTemplate, region: plan.release.region, bundleDir: bundle.dir }),
      (err: unknown) => err instanceof ReleaseError && err.code === 'RELEASE_AWS_REQUEST_FAILED' && /HeadObject .* failed: .*\(HTTP 403\)/.test(err.message),
    );
  });
});

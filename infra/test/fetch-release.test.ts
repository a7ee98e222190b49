import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
// @ts-expect-error plain JavaScript without declarations: it runs on instances before the bundle (and TypeScript) is there
import { objectUrl, signedGetHeaders } from '../src/boot/fetch-release.mjs';
import { S3Endpoint, TEST_S3_CREDENTIALS } from './s3-endpoint.ts';
import { InstanceMetadataEndpoint } from './instance-metadata-endpoint.ts';

const FETCHER = 'infra/src/boot/fetch-release.mjs';
const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stderr: string;
}

/** Runs fetch-release.mjs as the boot does: plain node, its own environment only. */
async function fetchRelease(args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stderr } = await execFileAsync(process.execPath, [FETCHER, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

/** The SDK's own SigV4 signer over node:crypto, as the S3 client configures it. */
class Sha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array));
  }
  update(data: unknown): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

describe('infra - fetch-release.mjs signs like the AWS SDK and downloads the release before the bundle is there', function () {
  // Each case starts Node processes.
  this.timeout(60_000);
  it("computes the same SigV4 signature as the SDK's signer, with and without a session token, for keys that need escaping", async () => {
    const date = new Date('2026-03-04T05:06:07Z');
    for (const [key, sessionToken] of [
      ['fedgate-linux-x64.tar.gz', undefined],
      ['releases/v1 (rc)/fedgate+linux*arm64.tar.gz', 'IQoJb3JpZ2luX2VjEJr//token=='],
    ] as const) {
      const url: URL = objectUrl('fedgate-artifacts-acme', key, 'eu-west-1', {});
      const credentials = { ...TEST_S3_CREDENTIALS, ...(sessionToken ? { sessionToken } : {}) };
      const ours = signedGetHeaders(url, 'eu-west-1', credentials, date) as Record<string, string>;
      const { authorization, ...signedHeaders } = ours;
      const sdk = await new SignatureV4({ credentials, region: 'eu-west-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign(
        {
          method: 'GET',
          protocol: 'https:',
          hostname: url.hostname,
          path: url.pathname,
          query: {},
          headers: { host: url.host, 'x-amz-content-sha256': signedHeaders['x-amz-content-sha256']! },
        },
        { signingDate: date },
      );
      assert.equal(authorization, sdk.headers.authorization, key);
      assert.equal(ours['x-amz-security-token'], sessionToken);
    }
  });

  it('addresses buckets as AWS serves them: virtual-hosted, path-style for dotted names or a custom endpoint', () => {
    assert.equal(
      objectUrl('fedgate-artifacts-acme', 'a/fedgate-linux-x64.tar.gz', 'eu-west-1', {}).href,
      'https://fedgate-artifacts-acme.s3.eu-west-1.amazonaws.com/a/fedgate-linux-x64.tar.gz',
    );
    assert.equal(objectUrl('releases.acme.com', 'k', 'us-east-1', {}).href, 'https://s3.us-east-1.amazonaws.com/releases.acme.com/k');
    assert.equal(objectUrl('b', 'k', 'us-east-1', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/' }).href, 'http://127.0.0.1:9000/b/k');
  });

  describe('against a local S3 and instance metadata service', () => {
    let s3: S3Endpoint;
    let endpoint: string;
    let dir: string;
    let imds: InstanceMetadataEndpoint;
    let imdsUrl: string;
    const bundle = randomBytes(50_000);
    const checksum = `${createHash('sha256').update(bundle).digest('hex')}  fedgate-linux-arm64.tar.gz\n`;
    const staticEnv = () => ({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey,
    });

    before(async () => {
      s3 = new S3Endpoint();
      s3.createBucket('fedgate-artifacts-acme', 'eu-west-1');
      s3.putObject('fedgate-artifacts-acme', 'rel/fedgate-linux-arm64.tar.gz', { body: bundle, contentType: 'application/gzip', metadata: {} });
      s3.putObject('fedgate-artifacts-acme', 'rel/fedgate-linux-arm64.tar.gz.sha256', { body: Buffer.from(checksum), contentType: 'text/plain', metadata: {} });
      endpoint = await s3.start();
      imds = new InstanceMetadataEndpoint('fedgate-acme-us-node', { ...TEST_S3_CREDENTIALS, sessionToken: 'session-token-from-imds' });
      imdsUrl = await imds.start();
    });
    after(async () => {
      await s3.stop();
      await imds.stop();
    });
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'fedgate-fetch-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('downloads the bundle and its .sha256 into the directory, byte for byte, with credentials from the environment', async () => {
      const run = await fetchRelease(['s3://fedgate-artifacts-acme/rel/fedgate-linux-arm64.tar.gz', 'eu-west-1', dir], staticEnv());
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readFileSync(join(dir, 'fedgate-linux-arm64.tar.gz')), bundle);
      assert.equal(readFileSync(join(dir, 'fedgate-linux-arm64.tar.gz.sha256'), 'utf8'), checksum);
    });

    it("takes the instance role's credentials from IMDSv2 (token first) when the environment has none", async () => {
      const run = await fetchRelease(['s3://fedgate-artifacts-acme/rel/fedgate-linux-arm64.tar.gz', 'eu-west-1', dir], {
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readFileSync(join(dir, 'fedgate-linux-arm64.tar.gz')), bundle);
      assert.deepEqual(
        imds.requests.slice(0, 2).map((r) => r.request),
        ['PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/'],
      );
      assert.ok(
        imds.requests.slice(1).every((r) => r.withToken),
        'IMDSv2: every read carries the token',
      );
    });

    it("fails with S3's error code (exit 1) for a missing release or the wrong region, and leaves no partial file; exit 2 for a bad URI", async () => {
      const missing = await fetchRelease(['s3://fedgate-artifacts-acme/rel/fedgate-linux-x64.tar.gz', 'eu-west-1', dir], staticEnv());
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /GET s3:\/\/fedgate-artifacts-acme\/rel\/fedgate-linux-x64\.tar\.gz\.sha256 \(eu-west-1\) failed: HTTP 404 NoSuchKey/);
      const region = await fetchRelease(['s3://fedgate-artifacts-acme/rel/fedgate-linux-arm64.tar.gz', 'us-east-1', dir], staticEnv());
      assert.equal(region.code, 1);
      assert.match(region.stderr, /HTTP 403 AuthorizationHeaderMalformed/);
      const wrongKey = await fetchRelease(['s3://fedgate-artifacts-acme/rel/fedgate-linux-arm64.tar.gz', 'eu-west-1', dir], {
        ...staticEnv(),
        AWS_SECRET_ACCESS_KEY: 'wrong',
      });
      assert.match(wrongKey.stderr, /HTTP 403 SignatureDoesNotMatch/);
      assert.equal((await fetchRelease(['https://example.com/x.tgz', 'eu-west-1', dir], staticEnv())).code, 2);
      assert.deepEqual(readdirSync(dir), []);
    });
  });
});

/**
 * Test support: a tiny S3 served over HTTP, path-style (`/bucket/key`), for the three object operations the release
 * uses: PutObject (`fedgate release push`), HeadObject (its idempotency check) and GetObject (the boot's
 * fetch-release.mjs). Every request's SigV4 signature is recomputed with the AWS SDK's own signer and refused when it
 * differs, so a hand-rolled signer cannot pass by luck; a request signed for another region than the bucket's is
 * refused as S3 does. The SDK reaches it through AWS_ENDPOINT_URL_S3 with forcePathStyle.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The credentials requests must be signed with (what tests put in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
export const TEST_S3_CREDENTIALS: S3Credentials = { accessKeyId: 'AKIDRELEASETEST', secretAccessKey: 'release-test-secret' };

export class S3Endpoint {
  private server: Server | undefined;
  private readonly buckets = new Map<string, { region: string; objects: Map<string, StoredObject> }>();
  /** `METHOD /bucket/key` of every request served, signature refusals included. */
  readonly requests: string[] = [];

  constructor(readonly credentials: S3Credentials = TEST_S3_CREDENTIALS) {}

  createBucket(name: string, region: string): void {
    this.buckets.set(name, { region, objects: new Map() });
  }

  object(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  putObject(bucket: string, key: string, object: StoredObject): void {
    this.buckets.get(bucket)!.objects.set(key, object);
  }

  /** Listens on `host` (127.0.0.1 unless a sandbox needs another address) at an ephemeral port; returns the base URL. */
  async start(host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((err: Error) => reply(res, 500, 'InternalError', err.message));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [, bucketName = '', ...keyParts] = url.pathname.split('/');
    const key = keyParts.map(decodeURIComponent).join('/');
    this.requests.push(`${req.method} /${bucketName}/${key}`);
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return reply(res, 404, 'NoSuchBucket', `The specified bucket does not exist: ${bucketName}`);
    const refusal = await this.checkSignature(req, url, body, bucket.region);
    if (refusal) return reply(res, 403, refusal.code, refusal.message);
    if (req.headers['content-encoding']?.includes('aws-chunked')) return reply(res, 501, 'NotImplemented', 'aws-chunked bodies are not served');
    if (req.method === 'PUT') return this.put(req, res, bucket.objects, key, body);
    const stored = bucket.objects.get(key);
    if (req.method === 'HEAD' || req.method === 'GET') {
      if (!stored) return req.method === 'HEAD' ? void res.writeHead(404).end() : reply(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      const meta = Object.fromEntries(Object.entries(stored.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.body.byteLength, etag: `"${md5(stored.body)}"`, ...meta });
      return void res.end(req.method === 'GET' ? stored.body : undefined);
    }
    reply(res, 405, 'MethodNotAllowed', `${req.method} is not served`);
  }

  private put(req: IncomingMessage, res: ServerResponse, objects: Map<string, StoredObject>, key: string, body: Buffer): void {
    const claimed = req.headers['x-amz-checksum-sha256'];
    if (typeof claimed === 'string' && claimed !== createHash('sha256').update(body).digest('base64')) {
      return reply(res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
    }
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    objects.set(key, { body, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), metadata });
    res.writeHead(200, { etag: `"${md5(body)}"` }).end();
  }

  /** Recomputes the request's signature with the SDK's signer; undefined when it matches. */
  private async checkSignature(req: IncomingMessage, url: URL, body: Buffer, bucketRegion: string): Promise<{ code: string; message: string } | undefined> {
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      String(req.headers.authorization ?? ''),
    );
    if (!auth) return { code: 'AccessDenied', message: 'requests must be signed with SigV4 for s3' };
    const [, accessKeyId, , region, signedHeaders] = auth;
    if (accessKeyId !== this.credentials.accessKeyId)
      return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
    if (region !== bucketRegion) return { code: 'AuthorizationHeaderMalformed', message: `the region '${region}' is wrong; expecting '${bucketRegion}'` };
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(';')) headers[name] = String(req.headers[name] ?? '');
    const signer = new SignatureV4({
      credentials: this.credentials,
      region: region!,
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
      applyChecksum: true,
    });
    const amzDate = headers['x-amz-date'] ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const expected = await signer.sign(
      {
        method: req.method ?? 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        path: (req.url ?? '/').split('?')[0]!,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      },
      { signingDate },
    );
    if (expected.headers.authorization !== req.headers.authorization) {
      return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
    }
    return undefined;
  }
}

/** The hash constructor the SDK signer takes, over node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

function md5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

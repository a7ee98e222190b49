/**
 * `fedgate release push`: uploads the bundle of every architecture and its `.sha256` to the release bucket, at the
 * keys the synthesized instances download. Idempotent: an object whose `sha256` metadata already matches is skipped,
 * so pushing the same release twice uploads nothing. Checks the local files first (each tarball against its checksum
 * file), and sends each body's SHA-256 so S3 refuses a corrupted upload.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReleaseError } from './release-error.ts';
import { RELEASE_ARCHITECTURES, bundleFileName, bundleLocation, checksumName, parseChecksum, type ReleaseArchitecture } from './release-files.ts';

/** User metadata (x-amz-meta-sha256) holding the object's SHA-256, hex: what the next push compares. */
export const SHA256_METADATA = 'sha256';

export interface PushReleaseOptions {
  /** Bundle URI template with `{arch}` (the synthesized fleet's). */
  readonly uriTemplate: string;
  /** The release bucket's region. */
  readonly region: string;
  /** Where `npm run release` wrote the tarballs and checksums. */
  readonly bundleDir: string;
  readonly dryRun?: boolean;
  /** @default an S3Client for `region`, path-style when AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) names an endpoint */
  readonly client?: S3Client;
  readonly env?: NodeJS.ProcessEnv;
  readonly onProgress?: (line: string) => void;
}

export type ReleaseObjectAction = 'uploaded' | 'unchanged' | 'would-upload';

export interface ReleaseObjectOutcome {
  readonly arch: ReleaseArchitecture;
  readonly file: string;
  readonly uri: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly action: ReleaseObjectAction;
}

export interface ReleasePushReport {
  readonly bucket: string;
  readonly region: string;
  readonly dryRun: boolean;
  readonly objects: readonly ReleaseObjectOutcome[];
}

interface LocalObject {
  readonly arch: ReleaseArchitecture;
  readonly file: string;
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  readonly sha256: string;
  readonly contentType: string;
}

export async function pushRelease(options: PushReleaseOptions): Promise<ReleasePushReport> {
  const progress = options.onProgress ?? (() => {});
  const objects = await localObjects(options);
  const bucket = objects[0]!.bucket;
  const client = options.client ?? defaultClient(options.region, options.env ?? process.env);
  progress(`${options.dryRun ? 'comparing' : 'pushing'} ${objects.length} object(s) to s3://${bucket} (${options.region})`);
  const outcomes: ReleaseObjectOutcome[] = [];
  for (const [i, object] of objects.entries()) {
    const uri = `s3://${object.bucket}/${object.key}`;
    let action: ReleaseObjectAction;
    if ((await storedSha256(client, object)) === object.sha256) action = 'unchanged';
    else if (options.dryRun) action = 'would-upload';
    else {
      progress(`[${i + 1}/${objects.length}] uploading ${object.file} (${object.body.byteLength} bytes) to ${uri}`);
      await upload(client, object);
      action = 'uploaded';
    }
    outcomes.push({ arch: object.arch, file: object.file, uri, bytes: object.body.byteLength, sha256: object.sha256, action });
    progress(`[${i + 1}/${objects.length}] ${uri}: ${action.replace('-', ' ')}`);
  }
  return { bucket, region: options.region, dryRun: options.dryRun === true, objects: outcomes };
}

/** A custom endpoint (a local S3 stand-in, MinIO) serves buckets by path, not as host names. */
function defaultClient(region: string, env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({ region, forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
}

/**
 * Reads and checks every local file before anything is uploaded: each tarball must match its checksum file, so a
 * half-written build is refused here rather than by every booting node. The tarball goes before its checksum.
 */
async function localObjects(options: PushReleaseOptions): Promise<LocalObject[]> {
  const objects: LocalObject[] = [];
  for (const arch of RELEASE_ARCHITECTURES) {
    const location = bundleLocation(options.uriTemplate, arch, options.region);
    const name = bundleFileName(arch);
    const body = await readLocal(options.bundleDir, name);
    const checksumText = await readLocal(options.bundleDir, checksumName(name));
    const sha256 = createHash('sha256').update(body).digest('hex');
    const stated = parseChecksum(checksumText.toString('utf8'));
    if (stated !== sha256) {
      throw new ReleaseError(
        'RELEASE_BUNDLE_INVALID',
        `${join(options.bundleDir, name)} has SHA-256 ${sha256} but ${checksumName(name)} says ${stated ?? 'nothing readable'}: run \`npm run release\` again`,
      );
    }
    objects.push({ arch, file: name, bucket: location.bucket, key: location.key, body, sha256, contentType: 'application/gzip' });
    objects.push({
      arch,
      file: checksumName(name),
      bucket: location.bucket,
      key: location.checksumKey,
      body: checksumText,
      sha256: createHash('sha256').update(checksumText).digest('hex'),
      contentType: 'text/plain; charset=utf-8',
    });
  }
  return objects;
}

async function readLocal(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ReleaseError(
      missing ? 'RELEASE_BUNDLE_MISSING' : 'RELEASE_BUNDLE_INVALID',
      missing
        ? `${join(dir, name)} does not exist: build the release with \`npm run release\` (or pass --bundle-dir)`
        : `cannot read ${join(dir, name)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The `sha256` metadata of the stored object, or undefined when there is none (or no object). */
async function storedSha256(client: S3Client, object: LocalObject): Promise<string | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return head.Metadata?.[SHA256_METADATA];
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
    throw ReleaseError.from(err, 'HeadObject', `s3://${object.bucket}/${object.key}`);
  }
}

async function upload(client: S3Client, object: LocalObject): Promise<void> {
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
        ChecksumSHA256: Buffer.from(object.sha256, 'hex').toString('base64'),
        Metadata: { [SHA256_METADATA]: object.sha256 },
      }),
    );
  } catch (err) {
    throw ReleaseError.from(err, 'PutObject', `s3://${object.bucket}/${object.key}`);
  }
}

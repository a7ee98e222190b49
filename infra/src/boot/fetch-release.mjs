// fetch-release: downloads the fedgate release bundle and its .sha256 from S3 at first boot, before the bundle (and
// the AWS SDK inside it) is on the instance. Plain Node (Debian's nodejs), no dependencies: credentials from the
// environment (AWS_ACCESS_KEY_ID, ...) or the instance role through IMDSv2, requests signed with SigV4.
// Nothing here checks the checksum: the boot script does, before it unpacks anything.
//
//   node fetch-release.mjs s3://BUCKET/KEY REGION DIR    writes DIR/<basename KEY> and DIR/<basename KEY>.sha256
//
// AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) points it at another S3 endpoint, addressed path-style.
import { createHash, createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';

/** How long one request may take before it is abandoned (the boot script retries). */
const REQUEST_TIMEOUT_MS = 120_000;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const IMDS = 'http://169.254.169.254';

export class FetchReleaseError extends Error {
  name = 'FetchReleaseError';
  /** @param {'FETCH_USAGE' | 'FETCH_CREDENTIALS' | 'FETCH_S3'} code */
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
  }
}

/** `s3://bucket/key` → { bucket, key }. */
export function parseS3Uri(uri) {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri ?? '');
  if (!match) throw new FetchReleaseError('FETCH_USAGE', `expected s3://<bucket>/<key>, got "${uri}"`);
  return { bucket: match[1], key: match[2] };
}

/** The URL of an object: virtual-hosted on AWS (path-style for dotted bucket names), path-style on a custom endpoint. */
export function objectUrl(bucket, key, region, env = process.env) {
  const path = '/' + key.split('/').map(encodeRfc3986).join('/');
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) return new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}${path}`);
  if (bucket.includes('.')) return new URL(`https://s3.${region}.amazonaws.com/${bucket}${path}`);
  return new URL(`https://${bucket}.s3.${region}.amazonaws.com${path}`);
}

function encodeRfc3986(segment) {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * SigV4 headers for an unsigned-body GET of `url` (S3 does not double-encode the path). Pure given `now`, so a test
 * compares it with the AWS SDK's own signer.
 */
export function signedGetHeaders(url, region, credentials, now = new Date()) {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const headers = {
    host: url.host,
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .sort()
    .join('&');
  const canonical = ['GET', url.pathname, query, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), EMPTY_SHA256].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

function hmac(key, text) {
  return createHmac('sha256', key).update(text).digest();
}

/** Credentials from the environment, else the instance role's through IMDSv2 (the launch template requires tokens). */
export async function loadCredentials(env = process.env) {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
  }
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS).replace(/\/+$/, '');
  try {
    const token = (
      await request(new URL(`${base}/latest/api/token`), { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' } })
    ).body.toString();
    const auth = { 'x-aws-ec2-metadata-token': token };
    const roles = (await request(new URL(`${base}/latest/meta-data/iam/security-credentials/`), { headers: auth })).body.toString().trim().split('\n');
    const doc = JSON.parse((await request(new URL(`${base}/latest/meta-data/iam/security-credentials/${roles[0]}`), { headers: auth })).body.toString());
    return { accessKeyId: doc.AccessKeyId, secretAccessKey: doc.SecretAccessKey, sessionToken: doc.Token };
  } catch (err) {
    throw new FetchReleaseError(
      'FETCH_CREDENTIALS',
      `no AWS credentials: none in the environment and the instance metadata service gave none (${err.message})`,
      { cause: err },
    );
  }
}

/** One HTTP request; resolves with status and body (or pipes a 200 body into `sink`), rejects on transport errors and non-2xx. */
function request(url, { method = 'GET', headers = {}, sink } = {}) {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      if (res.statusCode === 200 && sink) {
        pipeline(res, sink).then(() => resolve({ status: 200, body: Buffer.alloc(0) }), reject);
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode >= 200 && res.statusCode < 300) resolve({ status: res.statusCode, body });
        else reject(Object.assign(new Error(`HTTP ${res.statusCode}${s3ErrorCode(body)}`), { status: res.statusCode }));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

function s3ErrorCode(body) {
  const code = /<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1];
  return code ? ` ${code}` : '';
}

/** Downloads s3://bucket/key into `file` (atomically: a partial download never has the final name). */
export async function downloadObject({ bucket, key, region, file, credentials, env = process.env }) {
  const url = objectUrl(bucket, key, region, env);
  const tmp = `${file}.part`;
  try {
    await request(url, { headers: signedGetHeaders(url, region, credentials), sink: createWriteStream(tmp, { mode: 0o600 }) });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new FetchReleaseError('FETCH_S3', `GET s3://${bucket}/${key} (${region}) failed: ${err.message}`, { cause: err });
  }
}

/** The bundle and its checksum into `dir`; returns the bundle's path. */
export async function fetchRelease(uri, region, dir, env = process.env) {
  const { bucket, key } = parseS3Uri(uri);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region ?? '')) throw new FetchReleaseError('FETCH_USAGE', `expected the bucket's AWS region, got "${region}"`);
  const credentials = await loadCredentials(env);
  const file = join(dir, basename(key));
  await downloadObject({ bucket, key: `${key}.sha256`, region, file: `${file}.sha256`, credentials, env });
  await downloadObject({ bucket, key, region, file, credentials, env });
  return file;
}

// Run as a script (the boot does); imported by tests, it does nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [uri, region, dir] = process.argv.slice(2);
  try {
    if (!dir) throw new FetchReleaseError('FETCH_USAGE', 'usage: fetch-release.mjs s3://BUCKET/KEY REGION DIR');
    const file = await fetchRelease(uri, region, dir);
    process.stderr.write(`fetch-release: ${uri} -> ${file}\n`);
  } catch (err) {
    process.stderr.write(`fetch-release: ${err.message}\n`);
    process.exitCode = err.code === 'FETCH_USAGE' ? 2 : 1;
  }
}

/**
 * Test support: a SecretsManagerAccount served over HTTP in Secrets Manager's JSON 1.1 protocol (X-Amz-Target,
 * base64 blobs, `__type` errors), for the three operations `fedgate secrets push` sends. The real SDK talks to it when
 * AWS_ENDPOINT_URL_SECRETS_MANAGER names it; the region comes from each request's SigV4 credential scope.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSecretsManagerFailure, type SecretsManagerAccount } from './secrets-manager-account.ts';

export class SecretsManagerEndpoint {
  private server: Server | undefined;
  readonly operations: string[] = [];
  /** Every request with the secret it names and the client address it came from (which instance asked). */
  readonly requests: { operation: string; secret: string; from: string }[] = [];

  constructor(readonly account: SecretsManagerAccount) {}

  /** Listens on `host` (127.0.0.1 unless a sandbox needs another address) at an ephemeral port; returns the base URL. */
  async start(host = '127.0.0.1'): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        SecretId?: string;
        Name?: string;
        SecretString?: string;
        SecretBinary?: string;
      };
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/secretsmanager\/aws4_request/.exec(String(req.headers.authorization))?.[1];
      this.operations.push(operation);
      this.requests.push({ operation, secret: input.SecretId ?? input.Name ?? '', from: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '' });
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      const fail = (f: { type: string; message: string }) => reply(400, { __type: f.type, message: f.message });
      if (region === undefined) return reply(403, { __type: 'MissingAuthenticationTokenException', message: 'requests must be signed for secretsmanager' });
      const value = {
        ...(input.SecretString === undefined ? {} : { string: input.SecretString }),
        ...(input.SecretBinary === undefined ? {} : { binary: Buffer.from(input.SecretBinary, 'base64') }),
      };
      if (operation === 'GetSecretValue') {
        const out = this.account.get(region, input.SecretId ?? '');
        if (isSecretsManagerFailure(out)) return fail(out);
        return reply(200, {
          Name: input.SecretId,
          VersionId: `v${out.versions}`,
          ...(out.string === undefined ? {} : { SecretString: out.string }),
          ...(out.binary === undefined ? {} : { SecretBinary: Buffer.from(out.binary).toString('base64') }),
        });
      }
      if (operation === 'PutSecretValue' || operation === 'CreateSecret') {
        const name = input.SecretId ?? input.Name ?? '';
        const out = operation === 'PutSecretValue' ? this.account.put(region, name, value) : this.account.create(region, name, value);
        if (out !== undefined) return fail(out);
        return reply(200, { Name: name, VersionId: 'v' });
      }
      reply(400, { __type: 'InvalidRequestException', message: `fake: ${operation} is not served` });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

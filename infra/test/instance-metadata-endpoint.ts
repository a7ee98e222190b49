/**
 * Test support: EC2's instance metadata service as IMDSv2 serves an instance role's credentials: a PUT for a token,
 * then the role name and its temporary credentials only with that token. The AWS SDK and fetch-release.mjs reach it
 * through AWS_EC2_METADATA_SERVICE_ENDPOINT, as they reach 169.254.169.254 on an instance.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export class InstanceMetadataEndpoint {
  private server: Server | undefined;
  private readonly token = randomBytes(16).toString('hex');
  /** `METHOD path` of every request, and whether it carried the session token. */
  readonly requests: { request: string; withToken: boolean }[] = [];

  constructor(
    readonly role: string,
    readonly credentials: RoleCredentials,
  ) {}

  async start(host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      const withToken = req.headers['x-aws-ec2-metadata-token'] === this.token;
      this.requests.push({ request: `${req.method} ${req.url}`, withToken });
      if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.end(this.token);
      // IMDSv2 only, as the launch templates require (http_tokens = required).
      if (!withToken) return void res.writeHead(401).end();
      if (req.url === '/latest/meta-data/iam/security-credentials/') return void res.end(this.role);
      if (req.url === `/latest/meta-data/iam/security-credentials/${this.role}`) {
        const { accessKeyId, secretAccessKey, sessionToken } = this.credentials;
        const expiration = new Date(Date.now() + 6 * 3600_000).toISOString();
        return void res.end(
          JSON.stringify({
            Code: 'Success',
            Type: 'AWS-HMAC',
            AccessKeyId: accessKeyId,
            SecretAccessKey: secretAccessKey,
            Token: sessionToken,
            Expiration: expiration,
          }),
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

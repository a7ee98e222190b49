import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAuthzRequest, type AuthzRequest } from './authz-request.ts';
import { decideAuthz, type AuthzDecision, type DevicePolicy } from './device-authz-rules.ts';
import { DeviceAuthzError } from './errors.ts';

/** The broker's questions are a few hundred bytes; anything much larger is not the broker. */
export const MAX_AUTHZ_BODY_BYTES = 8_192;
/** Only the node itself asks: the endpoint never listens beyond loopback by default. */
export const DEFAULT_AUTHZ_HOST = '127.0.0.1';

export interface DeviceAuthzServerOptions {
  readonly policy: DevicePolicy;
  /** @default DEFAULT_AUTHZ_HOST */
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Every answer, for logs and counters; never called with a password (the request's fields are not passed). */
  readonly onDecision?: (question: AuthzRequest['question'] | 'malformed', user: string | undefined, decision: AuthzDecision) => void;
}

export interface DeviceAuthzServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Long enough for one login's questions (user, vhost, resources, topic), short enough not to pile up. */
export const KEEP_ALIVE_MS = 5_000;

/**
 * The HTTP side of fedgate's device authorisation: `POST /auth/{user,vhost,resource,topic}` with a form body,
 * answered `allow` or `deny` (RabbitMQ 4.0's HTTP backend reads exactly these words), `GET /healthz` for whoever
 * starts it. All decisions are decideAuthz's; this only reads requests and writes answers.
 */
export async function startDeviceAuthzServer(options: DeviceAuthzServerOptions): Promise<DeviceAuthzServer> {
  const server = createServer((req, res) => void answer(req, res, options));
  // RabbitMQ's HTTP client leaves a connection open after each login's questions instead of reusing one (200 logins,
  // 200 open). Held for a minute, a storm of 10,000 devices would hold 10,000 more descriptors on the gateway node,
  // past the limit sized for its devices.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const host = options.host ?? DEFAULT_AUTHZ_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new DeviceAuthzError('DEVICE_AUTHZ_LISTEN_FAILED', `device authorisation endpoint cannot listen on ${host}:${options.port}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: DeviceAuthzServerOptions): Promise<void> {
  const reply = (status: number, text: string): void => void res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  if (req.method === 'GET' && req.url === '/healthz') return reply(200, 'ok');
  if (req.method !== 'POST') return reply(405, 'POST /auth/{user,vhost,resource,topic}');
  const body = await readBody(req);
  const request = body === undefined ? undefined : parseAuthzRequest(req.url ?? '', body);
  if (request === undefined) {
    options.onDecision?.('malformed', undefined, { allow: false, reason: `${req.url ?? ''}: not a question of RabbitMQ's HTTP backend` });
    return reply(body === undefined ? 413 : 404, 'deny');
  }
  const decision = decideAuthz(request, options.policy);
  options.onDecision?.(request.question, request.fields.username, decision);
  reply(200, decision.allow ? 'allow' : 'deny');
}

/** The body as text, or undefined when it is larger than MAX_AUTHZ_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_AUTHZ_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

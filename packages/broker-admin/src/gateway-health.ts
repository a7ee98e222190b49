import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { protocolPort, type Gateway } from '@fedgate/topology';
import type { ManagementClient } from './management-client.ts';
import { gatewayLinks } from './fleet-status.ts';

/** How often the service re-checks; Route53 probes every 10 or 30 s, so 5 s keeps answers fresh and cheap. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5_000;
const CONNECT_TIMEOUT_MS = 2_000;

export interface GatewayHealth {
  readonly healthy: boolean;
  /** Why it is unhealthy, one line per problem; empty when healthy. */
  readonly reasons: readonly string[];
  readonly checkedAt: string;
}

/**
 * Healthy when the gateway accepts device connections and its downlink and uplink are running. `probeHost` is where
 * the device port is tried: the gateway host by default; the node itself (127.0.0.1) when the service runs on a node
 * behind a load balancer, which instances cannot reach themselves through. A TCP accept is the test, because device
 * listeners may expect a PROXY protocol header before TLS.
 */
export async function checkGatewayHealth(gw: Gateway, client: ManagementClient, probeHost: string = gw.host): Promise<GatewayHealth> {
  const reasons: string[] = [];
  const port = protocolPort(gw, gw.protocols.includes('mqtt') ? 'mqtt' : gw.protocols[0]!);
  if (!(await accepts(probeHost, port))) reasons.push(`node does not accept connections on ${probeHost}:${port}`);
  try {
    const links = await gatewayLinks(gw, client, true);
    for (const l of links.filter((l) => l.direction !== 'presence' && l.state !== 'running')) {
      reasons.push(`${l.direction} ${l.name} is ${l.state}${l.reason ? ` (${l.reason})` : ''}`);
    }
  } catch (err) {
    reasons.push(`management API: ${(err as Error).message}`);
  }
  return { healthy: reasons.length === 0, reasons, checkedAt: new Date().toISOString() };
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export interface GatewayHealthService {
  readonly server: Server;
  latest(): GatewayHealth | undefined;
  close(): Promise<void>;
}

/**
 * The HTTP endpoint Route53 health checks probe: 200 `ok` when healthy, 503 with the reasons otherwise.
 * Checks run in the background so a probe never waits on the broker.
 */
export async function startGatewayHealthService(
  gw: Gateway,
  client: ManagementClient,
  options: { port: number; host?: string; path?: string; intervalMs?: number; probeHost?: string; onChange?: (h: GatewayHealth) => void },
): Promise<GatewayHealthService> {
  let latest: GatewayHealth | undefined;
  let stopped = false;
  const refresh = async () => {
    const next = await checkGatewayHealth(gw, client, options.probeHost);
    if (latest?.healthy !== next.healthy || latest.reasons.join() !== next.reasons.join()) options.onChange?.(next);
    latest = next;
  };
  await refresh();
  const loop = async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, options.intervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS).unref());
      if (!stopped) await refresh().catch(() => undefined);
    }
  };
  void loop();
  const path = options.path ?? '/healthz';
  const server = createServer((req, res) => {
    if (req.url !== path) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const h = latest!;
    res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(h.healthy ? 'ok\n' : h.reasons.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  return {
    server,
    latest: () => latest,
    close: async () => {
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The bench's TLS fleet and the logins its storms use: a certificate per device (issued once from the fleet's CA
// and kept with the fleet's state, as local mode keeps every identity) and a signed token per browser app.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { webMqttPort } from '@fedgate/topology';
import { deviceAuthzFiles } from '@fedgate/local-cluster';
import { startGeneratedFleet, type BenchFleet } from './bench-fleet.ts';
import { CERTIFICATE_GATEWAY, IDENTITY_SECRETS_FILE, TOKEN_GATEWAY, identityTopologyYaml } from './identity-topology.ts';
import type { StormLogin } from './storm/storm-protocol.ts';

/** Certificates issued at once: openssl runs in child processes, so two cores take two or three. */
const ISSUE_WIDTH = 3;

/** Boots the TLS fleet (ports moved up by `portOffset`, as the bench fleet's). */
export function startIdentityFleet(
  cwd: string,
  stateDir: string,
  maxConnections: number,
  portOffset: number,
  progress: (line: string) => void,
): Promise<BenchFleet> {
  const spec = {
    dir: join(stateDir, 'identity'),
    topologyFileName: 'identity-topology.yaml',
    secretsFile: IDENTITY_SECRETS_FILE,
    yaml: (secrets: string) => identityTopologyYaml(maxConnections, secrets, portOffset).yaml,
    // Not purged between runs: issuing 10,000 device certificates takes minutes, and they stay valid with the CA.
    purge: false,
    label: 'identity fleet',
  };
  return startGeneratedFleet(cwd, spec, progress);
}

function gatewayOf(fleet: BenchFleet, name: string) {
  return fleet.gateways.find((g) => g.name === name)!;
}

/** Device `id` logging in with its own certificate over MQTT with TLS; issues the missing ones, with progress. */
export async function certificateLogins(
  fleet: BenchFleet,
  ids: readonly string[],
  progress: (line: string) => void,
): Promise<{ logins: StormLogin[]; ca: string }> {
  const gw = gatewayOf(fleet, CERTIFICATE_GATEWAY);
  const logins: StormLogin[] = new Array(ids.length);
  let ca = '';
  let next = 0;
  let lastReport = performance.now();
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const identity = await fleet.fleet.deviceTls(ids[i]!);
      ca = identity.ca;
      logins[i] = { clientId: ids[i]!, url: `mqtts://${gw.host}:${gw.ports.mqtt}`, cert: identity.cert, key: identity.key };
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(`device certificates: ${i + 1} of ${ids.length} ready`);
      }
    }
  };
  await Promise.all(Array.from({ length: ISSUE_WIDTH }, worker));
  return { logins, ca };
}

/** Browser app `id` logging in with its token (the password) over MQTT on secure WebSockets. */
export async function tokenLogins(fleet: BenchFleet, ids: readonly string[]): Promise<{ logins: StormLogin[]; ca: string }> {
  const gw = gatewayOf(fleet, TOKEN_GATEWAY);
  const url = `wss://${gw.host}:${webMqttPort(gw)}/ws`;
  const logins: StormLogin[] = [];
  for (const id of ids) logins.push({ clientId: id, url, username: id, password: await fleet.fleet.appToken(id) });
  return { logins, ca: fleet.fleet.tls!.ca };
}

/** The pid of the certificate gateway's device authorisation endpoint (its CPU is part of a certificate login). */
export async function authorisationEndpointPid(fleet: BenchFleet): Promise<number | undefined> {
  const { pidFile } = deviceAuthzFiles(fleet.fleetStateDir, { gateway: CERTIFICATE_GATEWAY, node: 0 });
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

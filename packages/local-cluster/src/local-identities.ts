import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Topology } from '@fedgate/topology';
import { appScopes, ensureFleetCa, ensureTokenSigningKey, issueDeviceCertificate, signAppToken } from '@fedgate/pki';
import type { FleetTls } from './fleet-tls.ts';
import { fileExists } from './file-exists.ts';

/** A device's TLS identity as an MQTT client takes it (PEM text). */
export interface DeviceTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Where local mode keeps the device certificates it issues for tests and the demo (as `fedgate device issue` does). */
export function localDevicesDir(stateDir: string): string {
  return join(stateDir, 'devices');
}

/** The device's certificate from the fleet CA, issued the first time it is asked for and reused afterwards. */
export async function localDeviceTls(stateDir: string, topology: Topology, tls: FleetTls, deviceId: string): Promise<DeviceTls> {
  const dir = localDevicesDir(stateDir);
  const certFile = join(dir, `${deviceId}.pem`);
  if (!(await fileExists(certFile))) {
    const ca = await ensureFleetCa(tls.pkiDir, topology.name);
    await issueDeviceCertificate(ca, deviceId, { outDir: dir });
  }
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(join(dir, `${deviceId}.key`), 'utf8')]);
  return { ca: tls.ca, cert, key };
}

/** A signed token that lets app `app` use its own topics and queues on the fleet's gateways, and `extraScopes`. */
export async function localAppToken(
  topology: Topology,
  tls: FleetTls,
  app: string,
  options: { ttlSeconds?: number; extraScopes?: readonly string[] | undefined } = {},
): Promise<string> {
  const key = await ensureTokenSigningKey(tls.pkiDir);
  const scopes = [...appScopes(app, topology.vhost), ...(options.extraScopes ?? [])];
  return (await signAppToken(key, { app, scopes, ttlSeconds: options.ttlSeconds ?? 3600 })).token;
}

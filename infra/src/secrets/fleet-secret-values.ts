/**
 * Pure: the value of every Secrets Manager secret a fleet's instances read, from the topology, its passwords and
 * cookies, and TLS files. Names and regions are the ones the synthesized stacks create and grant (fleet-plan).
 */
import { gzipSync } from 'node:zlib';
import { ADMIN_USER, ROUTER_USER, credentialEnvVar, secretsFromMap, type Topology } from '@fedgate/topology';
import { compileCluster, definitionsText } from '@fedgate/broker-config';
import { definitionsSecretName, operatorSecretName, routerSecretName, runtimeSecretName } from '../aws-names.ts';
import type { TlsFiles } from './fleet-certificates.ts';

export type SecretPurpose = 'operator' | 'definitions' | 'runtime' | 'router';

export interface SecretValue {
  readonly name: string;
  readonly region: string;
  readonly purpose: SecretPurpose;
  /** JSON documents go as SecretString, gzip-compressed definitions as SecretBinary. */
  readonly string?: string;
  readonly binary?: Uint8Array;
  /** What decides whether the stored value is the same: the JSON or the uncompressed text. */
  readonly comparable: string;
}

/** What the operator secret holds: every password (`<cluster>/<user>`) and each cluster's Erlang cookie. */
export interface OperatorSecrets {
  readonly passwords: Readonly<Record<string, string>>;
  readonly erlangCookies: Readonly<Record<string, string>>;
}

export interface FleetSecretInputs {
  readonly topology: Topology;
  readonly operator: OperatorSecrets;
  /** Per cluster whose nodes read TLS files, those files by name (tls-material.ts says which). */
  readonly tls: ReadonlyMap<string, TlsFiles>;
  /** The fleet CA, for the router when the backend speaks TLS. */
  readonly ca?: string;
}

export function fleetSecretValues(input: FleetSecretInputs): SecretValue[] {
  const { topology, operator } = input;
  const secrets = secretsFromMap(new Map(Object.entries(operator.passwords)));
  const values: SecretValue[] = [json(operatorSecretName(topology.name), topology.backend.region, 'operator', operator)];
  for (const cluster of [topology.backend, ...topology.gateways]) {
    const text = definitionsText(compileCluster(topology, cluster, secrets).definitions);
    values.push({
      name: definitionsSecretName(topology.name, cluster.name),
      region: cluster.region,
      purpose: 'definitions',
      binary: gzipDeterministic(text),
      comparable: text,
    });
    const isGateway = cluster !== topology.backend;
    // gateway-health (DNS topologies only) is the one service on a broker node, and it reads its gateway's admin password.
    const env =
      isGateway && topology.dns ? { [credentialEnvVar({ cluster: cluster.name, user: ADMIN_USER })]: secrets.password(cluster.name, ADMIN_USER) } : {};
    const tls = input.tls.get(cluster.name);
    values.push(
      json(runtimeSecretName(topology.name, cluster.name), cluster.region, 'runtime', {
        erlangCookie: operator.erlangCookies[cluster.name],
        ...(tls === undefined ? {} : { tls }),
        env,
      }),
    );
  }
  const router = { cluster: topology.backend.name, user: ROUTER_USER };
  values.push(
    json(routerSecretName(topology.name, topology.backend.name), topology.backend.region, 'router', {
      ...(topology.backend.tls && input.ca !== undefined ? { tls: { 'ca.pem': input.ca } } : {}),
      env: { [credentialEnvVar(router)]: secrets.password(router.cluster, router.user) },
    }),
  );
  return values;
}

function json(name: string, region: string, purpose: SecretPurpose, value: unknown): SecretValue {
  const text = JSON.stringify(value);
  return { name, region, purpose, string: text, comparable: text };
}

/** gzip with mtime 0 and a fixed OS byte, so the same definitions give the same bytes on every machine. */
export function gzipDeterministic(text: string): Uint8Array {
  const gzip = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  gzip[9] = 3;
  return gzip;
}

import { resolve, join } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import {
  ADMIN_USER, isGateway, loadTopology, resolveSecrets, secretsFilePath,
  type Cluster, type Secrets, type Topology,
} from '@fedgate/topology';
import { clusterAmqpUri, clusterManagementUrl, compileCluster } from '@fedgate/broker-config';
import { ManagementClient } from '@fedgate/broker-admin';
import { ensureLocalSecrets } from './local-secrets.ts';
import { launchNode, localNode, logTail, nodePid, stopNode, type LocalNode } from './local-node.ts';

/** A node takes ~10 s to boot here; on a loaded 2-core machine give it much longer before calling it failed. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

export class LocalFleetError extends Error {
  override readonly name = 'LocalFleetError';
  readonly code = 'LOCAL_FLEET_FAILED';
}

export interface FleetOptions {
  /** Where node data, logs and pid files go. @default `<cwd>/.fedgate/<topology name>` */
  readonly stateDir?: string;
  readonly onProgress?: (line: string) => void;
  /** @default DEFAULT_START_TIMEOUT_MS */
  readonly startTimeoutMs?: number;
}

/** What `fedgate local status --json` prints per cluster; URLs carry no credentials. */
export interface ClusterStatus {
  readonly name: string;
  readonly role: 'backend' | 'gateway';
  readonly running: boolean;
  readonly nodeName: string;
  readonly pid?: number;
  readonly amqpUrl: string;
  readonly managementUrl: string;
  readonly mqttUrl?: string;
  readonly stompUrl?: string;
}

/** A started fleet: what tests, the demo and the router need to reach it. */
export interface RunningFleet {
  readonly topologyFile: string;
  /** Where node data, logs and pid files live. */
  readonly stateDir: string;
  readonly topology: Topology;
  readonly secrets: Secrets;
  readonly clusters: readonly ClusterStatus[];
  /** An administrator client of one cluster's management API. */
  admin(cluster: string): ManagementClient;
  /** AMQP URI with the given user's credentials (default: the administrator). */
  amqpUri(cluster: string, user?: string): string;
  node(cluster: string): LocalNode;
  down(): Promise<void>;
}

interface FleetContext {
  readonly topologyFile: string;
  readonly topology: Topology;
  readonly stateDir: string;
  readonly nodes: Map<string, LocalNode>;
}

async function fleetContext(topologyFile: string, options: FleetOptions): Promise<FleetContext> {
  const { topology } = await loadTopology(topologyFile);
  const stateDir = resolve(options.stateDir ?? join('.fedgate', topology.name));
  const nodes = new Map(allClusters(topology).map((c) => [c.name, localNode(stateDir, topology.name, c)]));
  return { topologyFile, topology, stateDir, nodes };
}

function allClusters(topology: Topology): Cluster[] {
  return [topology.backend, ...topology.gateways];
}

/**
 * Starts one node per cluster (those not already running), waits until each answers with the compiled
 * definitions loaded, and removes the default guest account. Idempotent.
 */
export async function upFleet(topologyFile: string, options: FleetOptions = {}): Promise<RunningFleet & { alreadyRunning: boolean }> {
  const ctx = await fleetContext(topologyFile, options);
  const progress = options.onProgress ?? (() => {});
  const secretsFile = secretsFilePath(ctx.topology, topologyFile);
  if (secretsFile) {
    const { generated } = await ensureLocalSecrets(ctx.topology, secretsFile);
    if (generated > 0) progress(`generated ${generated} local password(s) in ${secretsFile} (mode 0600)`);
  }
  const secrets = await resolveSecrets(ctx.topology, topologyFile);
  const fleet = runningFleet(ctx, secrets, []);

  const toStart: Cluster[] = [];
  for (const cluster of allClusters(ctx.topology)) {
    if (await isServing(fleet, cluster.name)) progress(`${cluster.name}: already running`);
    else toStart.push(cluster);
  }

  // All nodes boot in parallel; links retry until the backend answers.
  await Promise.all(
    toStart.map(async (cluster) => {
      const node = ctx.nodes.get(cluster.name)!;
      if (await nodePid(node)) await stopNode(node); // alive but not serving: restart it clean
      progress(`${cluster.name}: starting ${node.nodeName} (${isGateway(cluster) ? 'gateway' : 'backend'})`);
      await launchNode(node, compileCluster(ctx.topology, cluster, secrets, { definitionsFile: join(node.dir, 'definitions.json') }));
      await waitUntilServing(fleet, cluster, node, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      await removeGuest(fleet.admin(cluster.name));
      progress(`${cluster.name}: ready at ${clusterManagementUrl(cluster)}`);
    }),
  );
  return Object.assign(runningFleet(ctx, secrets, await statuses(ctx, fleet)), { alreadyRunning: toStart.length === 0 });
}

/** Stops every node of the topology's fleet that is running, and nothing else. */
export async function downFleet(topologyFile: string, options: FleetOptions = {}): Promise<{ stopped: string[] }> {
  const ctx = await fleetContext(topologyFile, options);
  const progress = options.onProgress ?? (() => {});
  const stopped: string[] = [];
  await stopBackgroundRouter(ctx.stateDir, progress);
  await Promise.all(
    [...ctx.nodes.values()].map(async (node) => {
      if ((await nodePid(node)) === undefined) return;
      progress(`${node.cluster}: stopping ${node.nodeName}`);
      await stopNode(node);
      stopped.push(node.cluster);
    }),
  );
  return { stopped };
}

/** Where `fedgate demo` records the router it left running, so `down` stops it with the fleet. */
export function routerPidFile(stateDir: string): string {
  return join(stateDir, 'router.pid');
}

async function stopBackgroundRouter(stateDir: string, progress: (line: string) => void): Promise<void> {
  const file = routerPidFile(stateDir);
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGTERM'); // graceful: the router stops consuming and finishes in-flight confirms
      progress(`router: stopping (pid ${pid})`);
    } catch {
      // already gone
    }
  }
  await rm(file, { force: true });
}

/** Removes the fleet's data directories (after `down`), for a clean start. */
export async function purgeFleet(topologyFile: string, options: FleetOptions = {}): Promise<void> {
  const ctx = await fleetContext(topologyFile, options);
  for (const node of ctx.nodes.values()) {
    if ((await nodePid(node)) !== undefined) throw new LocalFleetError(`${node.cluster} is still running; run \`fedgate local down\` first`);
  }
  await rm(ctx.stateDir, { recursive: true, force: true });
}

export async function fleetStatus(topologyFile: string, options: FleetOptions = {}): Promise<ClusterStatus[]> {
  const ctx = await fleetContext(topologyFile, options);
  const secrets = await resolveSecrets(ctx.topology, topologyFile).catch(() => undefined);
  return statuses(ctx, secrets ? runningFleet(ctx, secrets, []) : undefined);
}

/** A handle on the fleet of `topologyFile` as it is now, for commands and tests that need it running. */
export async function connectFleet(topologyFile: string, options: FleetOptions = {}): Promise<RunningFleet> {
  const ctx = await fleetContext(topologyFile, options);
  const secrets = await resolveSecrets(ctx.topology, topologyFile);
  const fleet = runningFleet(ctx, secrets, []);
  return runningFleet(ctx, secrets, await statuses(ctx, fleet));
}

async function statuses(ctx: FleetContext, fleet: RunningFleet | undefined): Promise<ClusterStatus[]> {
  return Promise.all(
    allClusters(ctx.topology).map(async (cluster) => {
      const node = ctx.nodes.get(cluster.name)!;
      const pid = await nodePid(node);
      const running = pid !== undefined && (fleet ? await isServing(fleet, cluster.name) : true);
      const base = {
        name: cluster.name,
        role: isGateway(cluster) ? ('gateway' as const) : ('backend' as const),
        running,
        nodeName: node.nodeName,
        ...(pid === undefined ? {} : { pid }),
        amqpUrl: clusterAmqpUri(cluster, ctx.topology.vhost),
        managementUrl: clusterManagementUrl(cluster),
      };
      if (!isGateway(cluster)) return base;
      return {
        ...base,
        ...(cluster.protocols.includes('mqtt') ? { mqttUrl: `${cluster.tls ? 'mqtts' : 'mqtt'}://${cluster.host}:${cluster.ports.mqtt}` } : {}),
        ...(cluster.protocols.includes('stomp') ? { stompUrl: `${cluster.tls ? 'stomp+ssl' : 'stomp'}://${cluster.host}:${cluster.ports.stomp}` } : {}),
      };
    }),
  );
}

function runningFleet(ctx: FleetContext, secrets: Secrets, clusters: ClusterStatus[]): RunningFleet {
  const cluster = (name: string): Cluster => {
    const found = allClusters(ctx.topology).find((c) => c.name === name);
    if (!found) throw new LocalFleetError(`no cluster "${name}" in ${ctx.topologyFile}`);
    return found;
  };
  return {
    topologyFile: ctx.topologyFile,
    stateDir: ctx.stateDir,
    topology: ctx.topology,
    secrets,
    clusters,
    admin: (name) =>
      new ManagementClient({ baseUrl: clusterManagementUrl(cluster(name)), user: ADMIN_USER, password: secrets.password(name, ADMIN_USER) }),
    amqpUri: (name, user = ADMIN_USER) => clusterAmqpUri(cluster(name), ctx.topology.vhost, { user, password: secrets.password(name, user) }),
    node: (name) => ctx.nodes.get(cluster(name).name)!,
    down: async () => {
      await downFleet(ctx.topologyFile, { stateDir: ctx.stateDir });
    },
  };
}

async function isServing(fleet: RunningFleet, cluster: string): Promise<boolean> {
  try {
    await fleet.admin(cluster).get('/overview');
    return true;
  } catch {
    return false;
  }
}

async function waitUntilServing(fleet: RunningFleet, cluster: Cluster, node: LocalNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let sawPid = false;
  while (Date.now() < deadline) {
    if (await isServing(fleet, cluster.name)) return;
    const pid = await nodePid(node);
    if (pid !== undefined) sawPid = true;
    else if (sawPid) break; // it was up and died: no point waiting
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new LocalFleetError(
    `${cluster.name}: node ${node.nodeName} did not become ready within ${Math.round(timeoutMs / 1000)} s; last log lines:\n${await logTail(node)}`,
  );
}

async function removeGuest(admin: ManagementClient): Promise<void> {
  if (await admin.find('/users/guest')) await admin.delete('/users/guest');
}


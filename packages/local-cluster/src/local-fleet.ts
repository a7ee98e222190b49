import { resolve, join } from 'node:path';
import { chmod, chown, mkdir, readFile, rm } from 'node:fs/promises';
import { ADMIN_USER, isGateway, loadTopology, resolveSecrets, secretsFilePath, type Cluster, type Secrets, type Topology } from '@fedgate/topology';
import { clusterAmqpUri, clusterManagementUrl, compileCluster, type RenderConfOptions } from '@fedgate/broker-config';
import { ManagementApiError, ManagementClient } from '@fedgate/broker-admin';
import { ensureLocalSecrets } from './local-secrets.ts';
import { clusterNodes, launchNode, logTail, nodeCluster, nodePid, stopNode, type ClusterNode } from './local-node.ts';
import { formCluster } from './form-cluster.ts';
import { rabbitmqCli } from './rabbitmq-cli.ts';
import { waitForLinks } from './wait-for-links.ts';
import { startWanProxy, stopWanProxy, wanProxySpecs } from './wan-proxy.ts';
import { brokerRuntime, mountForFleet, unmountForFleet, MIN_RABBITMQ_VERSION, versionAtLeast, type BrokerRuntime } from './broker-runtime.ts';
import { ensureFleetTls, installNodeTls, loadFleetTls, needsTlsFiles, type FleetTls } from './fleet-tls.ts';
import { deviceAuthzSpecs, startDeviceAuthz, stopDeviceAuthz } from './device-authz-process.ts';
import { fileExists } from './file-exists.ts';
import { localAppToken, localDeviceTls, type DeviceTls } from './local-identities.ts';
import { LocalClusterError } from './local-cluster-error.ts';

/** A node takes ~10 s to boot here; on a loaded 2-core machine give it much longer before calling it failed. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

export class LocalFleetError extends LocalClusterError {
  override readonly name = 'LocalFleetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOCAL_FLEET_FAILED', message, options);
  }
}

export interface FleetOptions {
  /** Where node data, logs and pid files go. @default `<cwd>/.fedgate/<topology name>` */
  readonly stateDir?: string;
  readonly onProgress?: (line: string) => void;
  /** @default DEFAULT_START_TIMEOUT_MS */
  readonly startTimeoutMs?: number;
  /** Return only once every link runs and a canary crossed it (drills that start a fleet mid-fault say false). @default true */
  readonly waitForLinks?: boolean;
  /** @default DEFAULT_LINKS_TIMEOUT_MS */
  readonly linksTimeoutMs?: number;
}

/** What `fedgate local status --json` prints per cluster; URLs carry no credentials. */
export interface ClusterStatus {
  readonly name: string;
  readonly role: 'backend' | 'gateway';
  readonly running: boolean;
  readonly nodeName: string;
  readonly pid?: number;
  /** Read from the running node. */
  readonly rabbitmqVersion?: string;
  readonly erlangVersion?: string;
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
  /** The fleet CA and the tools' client certificate, when any cluster speaks TLS. */
  readonly tls: FleetTls | undefined;
  /**
   * Socket options an AMQP client (amqplib, rabbitmq-client's `tls`) needs for `cluster`: the fleet CA to trust and
   * the tools' client certificate (TLS gateways refuse clients without one). Empty for a plain cluster.
   */
  amqpTlsOptions(cluster: string): AmqpTlsOptions;
  /** `amqpUri` and `amqpTlsOptions` together, for helpers that connect by themselves. */
  amqpEndpoint(cluster: string, user?: string): AmqpEndpoint;
  /** How local mode compiles the cluster (its first node's files), for apply and link re-creation to match. */
  compileOptions(cluster: string): RenderConfOptions;
  /** A device's certificate from the fleet CA (issued on first use, under `<stateDir>/devices`). Throws without TLS. */
  deviceTls(deviceId: string): Promise<DeviceTls>;
  /**
   * A signed token for STOMP app `app` (the CONNECT passcode on a TLS gateway): its own topics and queues, plus
   * `extraScopes` (full scope strings) for an app granted more. Throws without TLS.
   */
  appToken(app: string, extraScopes?: readonly string[]): Promise<string>;
  /** An administrator client of one cluster's management API. */
  admin(cluster: string): ManagementClient;
  /** AMQP URI with the given user's credentials (default: the administrator). */
  amqpUri(cluster: string, user?: string): string;
  /** The cluster's first node (the one a single-node cluster has). */
  node(cluster: string): ClusterNode;
  /** Every node of the cluster, first one first. */
  nodes(cluster: string): readonly ClusterNode[];
  /** An administrator client of one node's own management listener (works while other nodes are down). */
  nodeAdmin(node: ClusterNode): ManagementClient;
  /** AMQP URI of one node's own listener, with the given user's credentials (default: the administrator). */
  nodeAmqpUri(node: ClusterNode, user?: string): string;
  down(): Promise<void>;
}

/** Where and how an AMQP client connects: amqplib takes `url` and `socketOptions`. */
export interface AmqpEndpoint {
  readonly url: string;
  readonly socketOptions: AmqpTlsOptions;
}

/** The node:tls options fedgate's AMQP clients use (what amqplib's socket options and rabbitmq-client's `tls` take). */
export interface AmqpTlsOptions {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
}

interface FleetContext {
  readonly topologyFile: string;
  readonly topology: Topology;
  readonly stateDir: string;
  /** First node of each cluster. */
  readonly nodes: Map<string, ClusterNode>;
  /** Every node of each cluster. */
  readonly members: Map<string, ClusterNode[]>;
  /** Read when the fleet speaks TLS and its CA exists. */
  readonly tls: FleetTls | undefined;
  /** The tools' client certificate and key, read once. */
  readonly toolsIdentity: { cert: string; key: string } | undefined;
}

async function fleetContext(topologyFile: string, options: FleetOptions): Promise<FleetContext> {
  const { topology } = await loadTopology(topologyFile);
  const stateDir = resolve(options.stateDir ?? join('.fedgate', topology.name));
  const members = new Map(allClusters(topology).map((c) => [c.name, clusterNodes(stateDir, topology.name, c)]));
  const nodes = new Map([...members].map(([name, list]) => [name, list[0]!]));
  return withTls({ topologyFile, topology, stateDir, nodes, members, tls: undefined, toolsIdentity: undefined }, await loadFleetTls(stateDir, topology));
}

async function withTls(ctx: FleetContext, tls: FleetTls | undefined): Promise<FleetContext> {
  if (!tls) return { ...ctx, tls };
  const [cert, key] = await Promise.all([readFile(tls.toolsCertFile, 'utf8'), readFile(tls.toolsKeyFile, 'utf8')]);
  return { ...ctx, tls, toolsIdentity: { cert, key } };
}

function allClusters(topology: Topology): Cluster[] {
  return [topology.backend, ...topology.gateways];
}

/**
 * Starts every node of every cluster (those not already running) and the WAN proxies of gateways that have one,
 * waits until each node answers with the compiled definitions loaded, joins the nodes of multi-node clusters into
 * one RabbitMQ cluster, and removes the default guest account. Idempotent.
 */
export async function upFleet(topologyFile: string, options: FleetOptions = {}): Promise<RunningFleet & { alreadyRunning: boolean }> {
  let ctx = await fleetContext(topologyFile, options);
  const progress = options.onProgress ?? (() => {});
  const secretsFile = secretsFilePath(ctx.topology, topologyFile);
  if (secretsFile) {
    const { generated } = await ensureLocalSecrets(ctx.topology, secretsFile);
    if (generated > 0) progress(`generated ${generated} local password(s) in ${secretsFile} (mode 0600)`);
  }
  const secrets = await resolveSecrets(ctx.topology, topologyFile);
  await mkdir(ctx.stateDir, { recursive: true, mode: 0o700 });
  ctx = await withTls(ctx, await ensureFleetTls(ctx.stateDir, ctx.topology));
  if (ctx.tls) progress(`TLS: fleet CA ${ctx.tls.caFile}; node, link and tools certificates in ${ctx.tls.pkiDir}`);
  const fleet = runningFleet(ctx, secrets, []);
  await startSidecars(ctx, progress);

  const toStart: [Cluster, ClusterNode][] = [];
  for (const cluster of allClusters(ctx.topology)) {
    for (const node of ctx.members.get(cluster.name)!) {
      const state = await serving(fleet.nodeAdmin(node));
      if (state === 'serving') progress(`${nodeLabel(cluster, node)}: already running`);
      else if (state === 'foreign') {
        throw new LocalFleetError(
          `${nodeLabel(cluster, node)}: a RabbitMQ node already answers on port ${node.ports.management} but refuses this fleet's ` +
            `credentials — another fleet (another checkout or secrets file) holds these ports; stop it first`,
        );
      } else toStart.push([cluster, node]);
    }
  }

  if (toStart.length > 0) {
    const runtime = await brokerRuntime();
    progress(`RabbitMQ ${runtime.version} from ${runtime.root ?? "this host's packages"}`);
    await narrowStateDir(ctx.stateDir, runtime);
    await mountForFleet(runtime, ctx.stateDir);
  }
  // All nodes boot in parallel; links retry until the backend answers, clustered nodes wait for their peers.
  await Promise.all(toStart.map(([cluster, node]) => startNode(ctx, fleet, cluster, node, secrets, options, progress)));
  for (const cluster of allClusters(ctx.topology)) {
    await formCluster(cluster, ctx.members.get(cluster.name)!, ctx.topology.vhost, fleet.admin(cluster.name), progress);
  }
  if (options.waitForLinks !== false) {
    const report = await waitForLinks(ctx.topology, fleet.admin, progress, options.linksTimeoutMs);
    const trips = report.canaries.map((c) => c.roundTripMs ?? 0);
    progress(`links: all ${report.links.length} running, a canary crossed each (slowest ${Math.max(0, ...trips)} ms)`);
  }
  return Object.assign(runningFleet(ctx, secrets, await statuses(ctx, fleet)), { alreadyRunning: toStart.length === 0 });
}

/** What runs beside the nodes: WAN proxies first (links connect through them from the start), device endpoints. */
async function startSidecars(ctx: FleetContext, progress: (line: string) => void): Promise<void> {
  for (const spec of wanProxySpecs(ctx.topology)) {
    if ((await startWanProxy(ctx.stateDir, spec)) === 'started') {
      progress(
        `${spec.gateway}: WAN proxy on ${spec.listenHost}:${spec.listenPort} → backend (${spec.conditions.latencyMs} ms ± ${spec.conditions.jitterMs} ms)`,
      );
    }
  }
  for (const spec of deviceAuthzSpecs(ctx.topology)) {
    if ((await startDeviceAuthz(ctx.stateDir, spec)) === 'started') {
      progress(`${spec.gateway}: device authorisation endpoint on ${spec.host}:${spec.port}${spec.node > 0 ? ` (node ${spec.node + 1})` : ''}`);
    }
  }
}

/**
 * The fleet's state is private: 0700, or with nodes running as the broker's account 0710 with that account's group,
 * so a node can reach its own directory (0700, its own) and nothing else; the CA's directory stays root's.
 */
async function narrowStateDir(stateDir: string, runtime: BrokerRuntime): Promise<void> {
  if (runtime.account) {
    await chown(stateDir, process.getuid?.() ?? 0, runtime.account.gid);
    await chmod(stateDir, 0o710);
  } else await chmod(stateDir, 0o700);
}

async function startNode(
  ctx: FleetContext,
  fleet: RunningFleet,
  cluster: Cluster,
  node: ClusterNode,
  secrets: Secrets,
  options: FleetOptions,
  progress: (line: string) => void,
): Promise<void> {
  if (await nodePid(node)) await stopNode(node); // alive but not serving: restart it clean
  progress(`${nodeLabel(cluster, node)}: starting ${node.nodeName} (${isGateway(cluster) ? 'gateway' : 'backend'})`);
  const compileOptions = nodeCompileOptions(ctx, node);
  if (ctx.tls && needsTlsFiles(ctx.topology, cluster)) await installNodeTls(ctx.tls, ctx.topology, cluster, compileOptions.tlsDir);
  const artifacts = compileCluster(ctx.topology, nodeCluster(cluster, node.index), secrets, compileOptions);
  const firstBoot = !(await fileExists(join(node.dir, 'mnesia', node.nodeName)));
  await launchNode(node, artifacts);
  await waitUntilServing(fleet, cluster, node, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  if (firstBoot && isGateway(cluster)) await restartEventExchange(node, progress);
  await refuseOldNode(fleet.nodeAdmin(node), node);
  if (node.index === 0) await removeGuest(fleet.admin(cluster.name));
  progress(`${nodeLabel(cluster, node)}: ready at ${clusterManagementUrl(nodeCluster(cluster, node.index))}`);
}

/** How local mode compiles a node: its own files, TLS directory and signing key id; management on loopback. */
function nodeCompileOptions(ctx: FleetContext, node: ClusterNode): RenderConfOptions & { tlsDir: string } {
  return {
    definitionsFile: join(node.dir, 'definitions.json'),
    tlsDir: join(node.dir, 'tls'),
    listenIp: '127.0.0.1',
    ...(ctx.tls ? { tokenKeyId: ctx.tls.tokenKeyId } : {}),
  };
}

/** `core` for a single-node cluster's node, `core node 2` for the others. */
function nodeLabel(cluster: Cluster, node: ClusterNode): string {
  return cluster.nodes === 1 ? cluster.name : `${cluster.name} node ${node.index + 1}`;
}

/** Stops every node of the topology's fleet that is running, and nothing else. */
export async function downFleet(topologyFile: string, options: FleetOptions = {}): Promise<{ stopped: string[] }> {
  const ctx = await fleetContext(topologyFile, options);
  const progress = options.onProgress ?? (() => {});
  const stopped: string[] = [];
  await stopBackgroundRouter(ctx.stateDir, progress);
  await Promise.all(
    [...ctx.members.values()].flat().map(async (node) => {
      if ((await nodePid(node)) === undefined) return;
      progress(`${node.cluster}: stopping ${node.nodeName}`);
      await stopNode(node);
      if (!stopped.includes(node.cluster)) stopped.push(node.cluster);
    }),
  );
  for (const spec of wanProxySpecs(ctx.topology)) {
    if (await stopWanProxy(ctx.stateDir, spec.gateway)) progress(`${spec.gateway}: WAN proxy stopped`);
  }
  for (const spec of deviceAuthzSpecs(ctx.topology)) {
    if (await stopDeviceAuthz(ctx.stateDir, spec)) progress(`${spec.gateway}: device authorisation endpoint stopped`);
  }
  // Also after a crash: whatever the runtime mounted for this fleet goes, even when no node was running.
  const runtime = await brokerRuntime().catch(() => undefined);
  if (runtime) await unmountForFleet(runtime, ctx.stateDir);
  return { stopped };
}

/** Where `fedgate demo` records the router it left running, so `down` stops it with the fleet. */
export function routerPidFile(stateDir: string): string {
  return join(stateDir, 'router.pid');
}

/** Where `fedgate demo` records the browser example app server it left running (`fedgate app serve`). */
export function webAppPidFile(stateDir: string): string {
  return join(stateDir, 'web-app.pid');
}

/** Where `fedgate demo` records the fleet console it left running (`fedgate console`). */
export function consolePidFile(stateDir: string): string {
  return join(stateDir, 'console.pid');
}

async function stopBackgroundRouter(stateDir: string, progress: (line: string) => void): Promise<void> {
  // graceful: the router stops consuming and finishes in-flight confirms
  for (const [what, file] of [
    ['router', routerPidFile(stateDir)],
    ['web app', webAppPidFile(stateDir)],
    ['console', consolePidFile(stateDir)],
  ] as const) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
        progress(`${what}: stopping (pid ${pid})`);
      } catch {
        // already gone
      }
    }
    await rm(file, { force: true });
  }
}

/** Removes the fleet's data directories (after `down`), for a clean start. */
export async function purgeFleet(topologyFile: string, options: FleetOptions = {}): Promise<void> {
  const ctx = await fleetContext(topologyFile, options);
  for (const node of [...ctx.members.values()].flat()) {
    if ((await nodePid(node)) !== undefined) throw new LocalFleetError(`${node.cluster} is still running; run \`fedgate local down\` first`);
  }
  await rm(ctx.stateDir, { recursive: true, force: true });
}

export async function fleetStatus(topologyFile: string, options: FleetOptions = {}): Promise<ClusterStatus[]> {
  const ctx = await fleetContext(topologyFile, options);
  const secrets = await resolveSecrets(ctx.topology, topologyFile).catch(() => undefined);
  return statuses(ctx, secrets ? runningFleet(ctx, secrets, []) : undefined);
}

/**
 * A handle on the local fleet of `topologyFile` if `local up` ever ran it from here (its backend's node has a
 * rabbitmq.conf), without asking any node anything; undefined otherwise (a deployed fleet). Commands use it to
 * trust the fleet CA and compile as local mode does; `secrets` holds only what the command needs.
 */
export async function localFleetAccess(topologyFile: string, secrets: Secrets, options: FleetOptions = {}): Promise<RunningFleet | undefined> {
  const ctx = await fleetContext(topologyFile, options);
  if (!(await fileExists(join(ctx.nodes.get(ctx.topology.backend.name)!.dir, 'rabbitmq.conf')))) return undefined;
  return runningFleet(ctx, secrets, []);
}

async function statuses(ctx: FleetContext, fleet: RunningFleet | undefined): Promise<ClusterStatus[]> {
  return Promise.all(
    allClusters(ctx.topology).map(async (cluster) => {
      const node = ctx.nodes.get(cluster.name)!;
      const pid = await nodePid(node);
      const overview =
        pid !== undefined && fleet
          ? await fleet
              .admin(cluster.name)
              .get<Overview>('/overview')
              .catch(() => undefined)
          : undefined;
      const running = pid !== undefined && (fleet ? overview !== undefined : true);
      const base = {
        name: cluster.name,
        role: isGateway(cluster) ? ('gateway' as const) : ('backend' as const),
        running,
        nodeName: node.nodeName,
        ...(pid === undefined ? {} : { pid }),
        ...(overview ? { rabbitmqVersion: overview.rabbitmq_version, erlangVersion: overview.erlang_version } : {}),
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
  const managementTls = ctx.tls ? { tls: { ca: ctx.tls.ca } } : {};
  const amqpTls = (name: string): AmqpTlsOptions => (cluster(name).tls && ctx.tls && ctx.toolsIdentity ? { ca: [ctx.tls.ca], ...ctx.toolsIdentity } : {});
  const admin = (c: Cluster) =>
    new ManagementClient({ baseUrl: clusterManagementUrl(c), user: ADMIN_USER, password: secrets.password(c.name, ADMIN_USER), ...managementTls });
  return {
    topologyFile: ctx.topologyFile,
    stateDir: ctx.stateDir,
    topology: ctx.topology,
    secrets,
    clusters,
    tls: ctx.tls,
    amqpTlsOptions: (name) => amqpTls(name),
    amqpEndpoint: (name, user = ADMIN_USER) => ({
      url: clusterAmqpUri(cluster(name), ctx.topology.vhost, { user, password: secrets.password(name, user) }),
      socketOptions: amqpTls(name),
    }),
    compileOptions: (name) => nodeCompileOptions(ctx, ctx.nodes.get(cluster(name).name)!),
    deviceTls: (deviceId) => localDeviceTls(ctx.stateDir, ctx.topology, needTls(ctx), deviceId),
    appToken: (app, extraScopes) => localAppToken(ctx.topology, needTls(ctx), app, { extraScopes }),
    admin: (name) => admin(cluster(name)),
    amqpUri: (name, user = ADMIN_USER) => clusterAmqpUri(cluster(name), ctx.topology.vhost, { user, password: secrets.password(name, user) }),
    node: (name) => ctx.nodes.get(cluster(name).name)!,
    nodes: (name) => ctx.members.get(cluster(name).name)!,
    nodeAdmin: (node) => admin(nodeCluster(cluster(node.cluster), node.index)),
    nodeAmqpUri: (node, user = ADMIN_USER) =>
      clusterAmqpUri(nodeCluster(cluster(node.cluster), node.index), ctx.topology.vhost, { user, password: secrets.password(node.cluster, user) }),
    down: async () => {
      await downFleet(ctx.topologyFile, { stateDir: ctx.stateDir });
    },
  };
}

function needTls(ctx: FleetContext): FleetTls {
  if (!ctx.tls)
    throw new LocalFleetError(`${ctx.topologyFile}: no cluster speaks TLS (or \`local up\` has not run), so there are no device certificates or app tokens`);
  return ctx.tls;
}

async function isServing(admin: ManagementClient): Promise<boolean> {
  return (await serving(admin)) === 'serving';
}

/** Serving with our credentials, down, or somebody else's node on our ports (it answers 401). */
async function serving(admin: ManagementClient): Promise<'serving' | 'down' | 'foreign'> {
  try {
    await admin.get('/overview');
    return 'serving';
  } catch (err) {
    return err instanceof ManagementApiError && err.status === 401 ? 'foreign' : 'down';
  }
}

async function waitUntilServing(fleet: RunningFleet, cluster: Cluster, node: ClusterNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let sawPid = false;
  while (Date.now() < deadline) {
    // The management API answers before the boot has imported the definitions; only a finished boot counts.
    if ((await isServing(fleet.nodeAdmin(node))) && (await bootFinished(node, deadline))) return;
    const pid = await nodePid(node);
    if (pid !== undefined) sawPid = true;
    else if (sawPid) break; // it was up and died: no point waiting
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new LocalFleetError(
    `${cluster.name}: node ${node.nodeName} did not become ready within ${Math.round(timeoutMs / 1000)} s; last log lines:\n${await logTail(node)}`,
  );
}

/**
 * On a node's first boot, its vhost is created by the definitions import, after the event exchange plugin
 * started: the plugin then publishes no event at all (seen on 4.0.5), so presence would never leave the gateway.
 * Restarting the application once, with the vhost in place, brings it to life; later boots do not need it.
 */
async function restartEventExchange(node: ClusterNode, progress: (line: string) => void): Promise<void> {
  progress(`${node.cluster}: first boot: restarting the application once so the event exchange reports presence`);
  await rabbitmqCli('rabbitmqctl', node.nodeName, ['stop_app']);
  await rabbitmqCli('rabbitmqctl', node.nodeName, ['start_app']);
  await rabbitmqCli('rabbitmqctl', node.nodeName, ['await_startup', '--timeout', '120'], 130_000);
}

async function bootFinished(node: ClusterNode, deadline: number): Promise<boolean> {
  const seconds = Math.max(1, Math.round((deadline - Date.now()) / 1000));
  return rabbitmqCli('rabbitmqctl', node.nodeName, ['await_startup', '--timeout', String(seconds)], (seconds + 10) * 1000).then(
    () => true,
    () => false,
  );
}

interface Overview {
  readonly rabbitmq_version: string;
  readonly erlang_version: string;
}

/** A node older than MIN_RABBITMQ_VERSION (a stale runtime, or another install on our ports) is refused by name. */
async function refuseOldNode(admin: ManagementClient, node: ClusterNode): Promise<void> {
  const { rabbitmq_version: version } = await admin.get<Overview>('/overview');
  if (!versionAtLeast(version, MIN_RABBITMQ_VERSION)) {
    throw new LocalFleetError(`${node.nodeName} runs RabbitMQ ${version}; fedgate needs ≥ ${MIN_RABBITMQ_VERSION}`);
  }
}

async function removeGuest(admin: ManagementClient): Promise<void> {
  if (await admin.find('/users/guest')) await admin.delete('/users/guest');
}

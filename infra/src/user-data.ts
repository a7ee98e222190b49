/**
 * Cloud-init user data for broker nodes and router instances. It carries only what is not secret: broker-config's
 * rabbitmq.conf and enabled_plugins byte for byte, limits, the topology (which never holds secrets), the boot script
 * and the small fetcher that downloads the release bundle. Passwords, definitions, the Erlang cookie and TLS keys are
 * fetched at boot from Secrets Manager by the bundle's boot helper.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { authzPort, hasDeviceLogins, type Topology } from '@fedgate/topology';
import type { ClusterPlan, FleetPlan, GatewayPlan } from './fleet-plan.ts';
import { InfraError } from './errors.ts';
import { SECRET_WAIT_SECONDS } from './constructs/instance-group.ts';
import { brokerTlsFileNames, routerTlsFileNames, type InstanceTlsFileNames } from './tls-material.ts';

/** EC2 refuses user data over 16 KiB (before base64). */
export const MAX_USER_DATA_BYTES = 16 * 1024;
export const BOOT_SCRIPT_PATH = '/usr/local/sbin/fedgate-boot';
/** Where the boot script finds fetch-release.mjs (it runs before the bundle is there). */
export const RELEASE_FETCHER_PATH = '/usr/local/lib/fedgate/fetch-release.mjs';
export const BOOT_ENV_PATH = '/etc/fedgate/boot.env';
export const INSTANCE_TOPOLOGY_PATH = '/etc/fedgate/topology.yaml';
export const RABBITMQ_CONF_PATH = '/etc/rabbitmq/rabbitmq.conf';
export const ENABLED_PLUGINS_PATH = '/etc/rabbitmq/enabled_plugins';
export const CLUSTER_FORMATION_PATH = '/etc/rabbitmq/conf.d/10-fedgate-cluster.conf';
export const RABBITMQ_LIMITS_PATH = '/etc/systemd/system/rabbitmq-server.service.d/10-fedgate-limits.conf';
export const SYSCTL_PATH = '/etc/sysctl.d/60-fedgate.conf';
export const GATEWAY_HEALTH_UNIT = 'fedgate-gateway-health.service';
/** The device authorisation endpoint on every node of a TLS gateway; RabbitMQ's HTTP auth backend asks it. */
export const DEVICE_AUTHZ_UNIT = 'fedgate-device-authz.service';
/**
 * The fleet CA as fedgate's services read it: written at boot from the instance's secret, mode 0644 (a CA
 * certificate is public) so the services' DynamicUser can read it, unlike RabbitMQ's own copy (0640 root:rabbitmq).
 */
export const SERVICE_CA_PATH = '/etc/fedgate/tls/ca.pem';
export const ROUTER_UNIT = 'fedgate-router.service';

const BOOT_SCRIPT = readFileSync(new URL('./boot/fedgate-boot.sh', import.meta.url), 'utf8');
const RELEASE_FETCHER = readFileSync(new URL('./boot/fetch-release.mjs', import.meta.url), 'utf8');
/** Listen backlog RabbitMQ uses when the rendered conf sets none. */
const DEFAULT_BACKLOG = 4096;

export interface WriteFile {
  readonly path: string;
  readonly permissions: string;
  readonly content: string;
}

export interface CloudConfig {
  readonly write_files: readonly WriteFile[];
  readonly runcmd: readonly (readonly string[])[];
}

/** User data of one broker node of `cluster` (backend or gateway). */
export function brokerCloudConfig(fleet: FleetPlan, cluster: ClusterPlan): CloudConfig {
  const gateway = cluster.role === 'gateway' ? (cluster as GatewayPlan) : undefined;
  const service = gateway && fleet.dns ? GATEWAY_HEALTH_UNIT : undefined;
  // A TLS gateway has no device users: its broker asks the endpoint on 127.0.0.1 about every device login.
  const authz = gateway && hasDeviceLogins(gateway.gateway) ? { unit: DEVICE_AUTHZ_UNIT, port: authzPort(gateway.gateway) } : undefined;
  const env: Record<string, string> = {
    FEDGATE_ROLE: cluster.role,
    FEDGATE_CLUSTER: cluster.name,
    FEDGATE_REGION: cluster.region,
    FEDGATE_PACKAGES: 'rabbitmq-server',
    FEDGATE_DEFINITIONS_SECRET: cluster.definitionsSecret,
    FEDGATE_RUNTIME_SECRET: cluster.runtimeSecret,
    ...tlsFilesEnv(brokerTlsFileNames(fleet.topology, cluster.cluster)),
    ...(cluster.nodes > 1 ? { FEDGATE_PEER_GROUP: cluster.groupName } : {}),
    ...(authz ? { FEDGATE_AUTHZ_SERVICE: authz.unit, FEDGATE_AUTHZ_HEALTH_URL: `http://127.0.0.1:${authz.port}/healthz` } : {}),
    ...(service ? { FEDGATE_SERVICE: service } : {}),
    FEDGATE_BUNDLE_URI: cluster.bundle.uri,
    FEDGATE_BUNDLE_REGION: cluster.bundle.region,
  };
  const files: WriteFile[] = [
    { path: RABBITMQ_CONF_PATH, permissions: '0644', content: cluster.rabbitmqConf },
    { path: ENABLED_PLUGINS_PATH, permissions: '0644', content: cluster.enabledPlugins },
    ...(cluster.nodes > 1 ? [{ path: CLUSTER_FORMATION_PATH, permissions: '0644', content: clusterFormationConf(cluster) }] : []),
    { path: RABBITMQ_LIMITS_PATH, permissions: '0644', content: rabbitmqLimits(cluster) },
    { path: SYSCTL_PATH, permissions: '0644', content: sysctlConf(cluster) },
  ];
  if ((service || authz) && gateway) files.push({ path: INSTANCE_TOPOLOGY_PATH, permissions: '0644', content: instanceTopology(fleet.topology, gateway.name) });
  if (service && gateway) files.push({ path: `/etc/systemd/system/${service}`, permissions: '0644', content: gatewayHealthUnit(gateway) });
  if (authz && gateway) files.push({ path: `/etc/systemd/system/${authz.unit}`, permissions: '0644', content: deviceAuthzUnit(gateway, authz.port) });
  return withBoot(files, env);
}

/** User data of a router instance: the whole topology (it routes to every gateway) and the router unit. */
export function routerCloudConfig(fleet: FleetPlan): CloudConfig {
  const { router } = fleet;
  const env = {
    FEDGATE_ROLE: 'router',
    FEDGATE_CLUSTER: fleet.backend.name,
    FEDGATE_REGION: router.region,
    FEDGATE_PACKAGES: '',
    FEDGATE_RUNTIME_SECRET: router.secret,
    ...tlsFilesEnv(routerTlsFileNames(fleet.topology)),
    FEDGATE_SERVICE: ROUTER_UNIT,
    FEDGATE_BUNDLE_URI: router.bundle.uri,
    FEDGATE_BUNDLE_REGION: router.bundle.region,
  };
  return withBoot(
    [
      { path: INSTANCE_TOPOLOGY_PATH, permissions: '0644', content: instanceTopology(fleet.topology) },
      { path: `/etc/systemd/system/${ROUTER_UNIT}`, permissions: '0644', content: routerUnit(fleet.topology.backend.tls) },
    ],
    env,
  );
}

function withBoot(files: WriteFile[], env: Record<string, string>): CloudConfig {
  return {
    write_files: [
      ...files,
      { path: BOOT_ENV_PATH, permissions: '0644', content: bootEnv({ ...env, FEDGATE_SECRET_WAIT_SECONDS: String(SECRET_WAIT_SECONDS) }) },
      { path: RELEASE_FETCHER_PATH, permissions: '0644', content: RELEASE_FETCHER },
      { path: BOOT_SCRIPT_PATH, permissions: '0755', content: BOOT_SCRIPT },
    ],
    runcmd: [[BOOT_SCRIPT_PATH]],
  };
}

export function renderCloudConfig(config: CloudConfig): string {
  // lineWidth 0: never fold; block scalars keep every byte of the files (cloud-init reads them back exactly).
  return '#cloud-config\n' + stringify(config, { lineWidth: 0, blockQuote: 'literal' });
}

/** base64(gzip(text)), the form a launch template takes; cloud-init recognises gzip by its magic bytes. */
export function encodeUserData(text: string): string {
  const gzip = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  // Node writes mtime 0 but the build platform into the header's OS byte; pin it to Unix (3) so the same text
  // encodes to the same string on every machine and plans show no false diff.
  gzip[9] = 3;
  if (gzip.length > MAX_USER_DATA_BYTES) {
    throw new InfraError('INFRA_SYNTH', `user data is ${gzip.length} bytes compressed; EC2 accepts at most ${MAX_USER_DATA_BYTES}`);
  }
  return gzip.toString('base64');
}

export function decodeUserData(encoded: string): string {
  return gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8');
}

/** The part of the topology a node's services read: the backend and this gateway (so adding a region changes no other gateway's user data), or everything for the router. Credentials come from the environment there. */
export function instanceTopology(topology: Topology, gateway?: string): string {
  const copy: Topology = {
    ...topology,
    gateways: gateway === undefined ? topology.gateways : topology.gateways.filter((g) => g.name === gateway),
    credentials: { source: 'env' },
  };
  const scope = gateway === undefined ? 'every gateway' : `the backend and gateway ${gateway}`;
  return (
    `# Topology "${topology.name}" as fedgate's services on this instance see it (${scope}), written by fedgate synth.\n` + stringify(copy, { lineWidth: 0 })
  );
}

/**
 * The TLS file names the boot script accepts in the instance's secret: every required one, and the optional ones;
 * any other name makes the boot fail. Space-separated (the names hold no spaces).
 */
function tlsFilesEnv(names: InstanceTlsFileNames): Record<string, string> {
  return { FEDGATE_TLS_FILES: names.required.join(' '), FEDGATE_TLS_OPTIONAL_FILES: names.optional.join(' ') };
}

function bootEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${shellQuote(value)}\n`)
    .join('');
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function clusterFormationConf(cluster: ClusterPlan): string {
  const lines = [
    `# fedgate infra: how the ${cluster.nodes} nodes of ${cluster.name} find each other on AWS. The peer list itself is`,
    "# written at boot (20-fedgate-peers.conf) from the Auto Scaling group. broker-config's rabbitmq.conf is untouched.",
    'cluster_formation.peer_discovery_backend = classic_config',
    "# Nodes booting together agree on one seed through peer discovery's lock; RabbitMQ 4.0 has no randomized delay to set.",
  ];
  if (cluster.nodes >= 3) {
    lines.push('# Nodes span availability zones: a node cut off from the majority pauses instead of diverging.', 'cluster_partition_handling = pause_minority');
  }
  return lines.join('\n') + '\n';
}

function rabbitmqLimits(cluster: ClusterPlan): string {
  return (
    [
      '# fedgate infra: every connection holds a file descriptor; the limit covers a reconnect storm on this node.',
      '[Service]',
      `LimitNOFILE=${cluster.fileDescriptorLimit}`,
    ].join('\n') + '\n'
  );
}

/** The deepest listen backlog the rendered rabbitmq.conf asks for (the kernel silently caps it at somaxconn). */
export function listenBacklog(rabbitmqConf: string): number {
  const backlogs = [...rabbitmqConf.matchAll(/^[a-z_.]*backlog\s*=\s*(\d+)\s*$/gm)].map((m) => Number(m[1]));
  return Math.max(DEFAULT_BACKLOG, ...backlogs);
}

function sysctlConf(cluster: ClusterPlan): string {
  const backlog = listenBacklog(cluster.rabbitmqConf);
  return (
    [
      `# fedgate infra: accept queues as deep as rabbitmq.conf's deepest listen backlog (${backlog}), so a reconnect storm waits in the kernel instead of being refused.`,
      `net.core.somaxconn = ${backlog}`,
      `net.ipv4.tcp_max_syn_backlog = ${backlog}`,
      "# System-wide headroom above the node's LimitNOFILE.",
      `fs.file-max = ${Math.max(2 * cluster.fileDescriptorLimit, 2_097_152)}`,
    ].join('\n') + '\n'
  );
}

/** With TLS, Node trusts the fleet CA besides the system store: for the router's AMQP and gateway-health's HTTPS. */
function trustFleetCa(tls: boolean): string[] {
  return tls ? [`Environment=NODE_EXTRA_CA_CERTS=${SERVICE_CA_PATH}`] : [];
}

function gatewayHealthUnit(gateway: GatewayPlan): string {
  // It probes this node (127.0.0.1): the gateway host names the internal load balancer, which a target cannot reach
  // itself through. With TLS the node's certificate must name the gateway host and chain to the fleet CA.
  const ca = gateway.cluster.tls ? ` --ca ${SERVICE_CA_PATH}` : '';
  return (
    [
      '[Unit]',
      `Description=fedgate gateway-health for ${gateway.name} (Route53 health checks probe it through the device load balancer)`,
      'After=network-online.target rabbitmq-server.service',
      'Wants=network-online.target',
      '',
      '[Service]',
      'EnvironmentFile=/etc/fedgate/env',
      ...trustFleetCa(gateway.cluster.tls),
      `ExecStart=/opt/fedgate/bin/fedgate gateway-health --gateway ${gateway.name} -f ${INSTANCE_TOPOLOGY_PATH} --node-address 127.0.0.1${ca}`,
      'DynamicUser=yes',
      'Restart=always',
      'RestartSec=5',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
    ].join('\n') + '\n'
  );
}

function deviceAuthzUnit(gateway: GatewayPlan, port: number): string {
  return (
    [
      '[Unit]',
      `Description=fedgate device authorisation for ${gateway.name} (RabbitMQ's HTTP auth backend asks it about every device login, on 127.0.0.1:${port})`,
      'After=network-online.target',
      'Wants=network-online.target',
      '# The broker asks it from the first device login on; a reboot starts it first.',
      'Before=rabbitmq-server.service',
      '',
      '[Service]',
      '# No EnvironmentFile: it reads no secret, only the topology (the fleet vhost and ports.authz).',
      `ExecStart=/opt/fedgate/bin/fedgate device-authz --gateway ${gateway.name} -f ${INSTANCE_TOPOLOGY_PATH}`,
      'DynamicUser=yes',
      'NoNewPrivileges=yes',
      'Restart=always',
      'RestartSec=2',
      '',
      '[Install]',
      'WantedBy=multi-user.target rabbitmq-server.service',
    ].join('\n') + '\n'
  );
}

function routerUnit(tls: boolean): string {
  return (
    [
      '[Unit]',
      'Description=fedgate router (location-aware command routing on the backend)',
      'After=network-online.target',
      'Wants=network-online.target',
      '',
      '[Service]',
      'EnvironmentFile=/etc/fedgate/env',
      ...trustFleetCa(tls),
      `ExecStart=/opt/fedgate/bin/fedgate router -f ${INSTANCE_TOPOLOGY_PATH}`,
      'DynamicUser=yes',
      'Restart=always',
      'RestartSec=5',
      '# SIGTERM lets the router stop consuming and finish in-flight confirms before it exits.',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=30',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
    ].join('\n') + '\n'
  );
}

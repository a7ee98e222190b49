/**
 * Instance types per cluster profile. A gateway is sized by memory for its connections (many idle devices,
 * little traffic each); the backend by CPU and network for throughput. `instanceType` in the topology wins.
 */
import { hasDeviceLogins, type Backend, type Gateway } from '@fedgate/topology';

/** The backend's "throughput" profile: 4 vCPU, 8 GiB, up to 12.5 Gbps; few connections, busy quorum queues. */
export const BACKEND_INSTANCE_TYPE = 'c6i.xlarge';
/** Graviton compute-optimised: the best price per connection among current families. */
export const GATEWAY_FAMILY = 'c7g';
/**
 * Resident memory of one device with a QoS 1 session on a gateway node (RabbitMQ 4.0.5, fedgate's profile), by how
 * it logs in, as `fedgate bench gateway` measured it: a storm of devices connecting and subscribing at once on one
 * node, in one run (bench/results/rabbitmq-4.0/storm-logins-no-management-stats), right after the storm (a burst
 * costs more than the devices it leaves). A TLS connection keeps its TLS state and buffers; a WebSocket one its
 * HTTP layer besides MQTT's.
 */
export const MEMORY_PER_DEVICE_BYTES = { password: 51 * 1024, certificate: 159 * 1024, token: 230 * 1024 } as const;
export type DeviceLogin = keyof typeof MEMORY_PER_DEVICE_BYTES;

/** How a gateway's devices log in: certificates on a TLS gateway with raw MQTT, tokens on a TLS one without, else passwords. */
export function deviceLoginOf(gateway: Gateway): DeviceLogin {
  if (hasDeviceLogins(gateway)) return 'certificate';
  return gateway.tls ? 'token' : 'password';
}

/** Planning memory per device on `gateway`, bytes. */
export function memoryPerDevice(gateway: Gateway): number {
  return MEMORY_PER_DEVICE_BYTES[deviceLoginOf(gateway)];
}
/** RabbitMQ's own default, used when a rendered rabbitmq.conf sets no watermark. */
const DEFAULT_MEMORY_WATERMARK = 0.4;

const GIB = 1024 ** 3;
/** c7g sizes from large up, with their memory in GiB. medium (1 vCPU) is too small to absorb a reconnect storm. */
const GATEWAY_SIZES: readonly (readonly [size: string, memoryGiB: number])[] = [
  ['large', 4],
  ['xlarge', 8],
  ['2xlarge', 16],
  ['4xlarge', 32],
  ['8xlarge', 64],
  ['12xlarge', 96],
  ['16xlarge', 128],
];

/** Connections one node must hold when one node of the cluster is down (all of them on a single-node cluster). */
export function connectionsPerNode(gateway: Gateway): number {
  return Math.ceil(gateway.maxConnections / Math.max(1, gateway.nodes - 1));
}

/** The memory high watermark a rendered rabbitmq.conf sets (`vm_memory_high_watermark.relative`). */
export function memoryWatermark(rabbitmqConf: string): number {
  const match = /^vm_memory_high_watermark\.relative\s*=\s*([0-9.]+)\s*$/m.exec(rabbitmqConf);
  return match ? Number(match[1]) : DEFAULT_MEMORY_WATERMARK;
}

export type SizingResult = { ok: true; instanceType: string } | { ok: false; reason: string };

/**
 * The smallest c7g whose memory below the watermark holds `connectionsPerNode` connections. Fails (with the numbers)
 * when even the largest size cannot, so the topology asks for more nodes instead of an undersized fleet.
 */
export function gatewayInstanceType(gateway: Gateway, watermark: number, memoryPerConnectionBytes = memoryPerDevice(gateway)): SizingResult {
  if (gateway.instanceType) return { ok: true, instanceType: gateway.instanceType };
  const perNode = connectionsPerNode(gateway);
  const neededGiB = (perNode * memoryPerConnectionBytes) / watermark / GIB;
  const fit = GATEWAY_SIZES.find(([, memory]) => memory >= neededGiB);
  if (!fit) {
    const largest = GATEWAY_SIZES[GATEWAY_SIZES.length - 1]!;
    return {
      ok: false,
      reason:
        `${perNode} connections per node need ${neededGiB.toFixed(1)} GiB below a ${watermark} memory watermark; ` +
        `the largest ${GATEWAY_FAMILY} (${largest[0]}, ${largest[1]} GiB) cannot hold them: add nodes or set instanceType`,
    };
  }
  return { ok: true, instanceType: `${GATEWAY_FAMILY}.${fit[0]}` };
}

export function backendInstanceType(backend: Backend): string {
  return backend.instanceType ?? BACKEND_INSTANCE_TYPE;
}

export type Architecture = 'arm64' | 'x86_64';

/** Graviton families carry a "g" right after the generation digit (c7g, c7gn, m6gd, im4gn, t4g) or are a1. */
export function architectureOf(instanceType: string): Architecture {
  return /^(a1|[a-z]+\d+g[a-z-]*)\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/**
 * The node's open-file limit: every device connection holds a socket, and during a reconnect storm old sockets
 * linger while new ones arrive, so twice the per-node connections plus room for queues and the runtime, in
 * [65536, 1048576] (the Debian unit's value and the kernel's default fs.nr_open).
 */
export function fileDescriptorLimit(gateway: Gateway): number {
  const wanted = Math.ceil((connectionsPerNode(gateway) * 2 + 16_384) / 1024) * 1024;
  return Math.min(1_048_576, Math.max(65_536, wanted));
}

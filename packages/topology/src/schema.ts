import { z } from 'zod';
import { AWS_REGIONS } from './aws-regions.ts';

/** DNS label: it becomes a host name, a Terraform stack id and part of broker object names. */
const clusterName = z.string().regex(/^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/, {
  error: 'expected a DNS-safe name: lowercase letters, digits and "-", starting with a letter, at most 32 characters',
});

const region = z.enum(AWS_REGIONS, {
  error: (issue) => `unknown AWS region code ${JSON.stringify(issue.input)} (expected one like eu-west-1)`,
});

const port = z.int().min(1).max(65535);

const linkKind = z.enum(['shovel', 'federation'], {
  error: (issue) => `unknown link kind ${JSON.stringify(issue.input)} (expected "shovel" or "federation")`,
});

const ackMode = z.enum(['on-confirm', 'on-publish', 'no-ack'], {
  error: (issue) => `unknown ack mode ${JSON.stringify(issue.input)} (expected "on-confirm", "on-publish" or "no-ack")`,
});

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: 'expected an IPv4 CIDR such as 10.1.0.0/16' });

/** A backend↔gateway link. Shovel defaults follow the downlink benchmark: on-confirm, prefetch 1000. */
const link = z.strictObject({
  kind: linkKind,
  /** How the link acknowledges its source. Ignored by federation, which always confirms. @default "on-confirm" */
  ackMode: ackMode.default('on-confirm'),
  /** Messages in flight per link. @default 1000 */
  prefetch: z.int().min(1).max(65535).default(1000),
});

/**
 * The uplink must stamp each event with its gateway. Only a shovel can (it overrides
 * `user_id`/`app_id`); federation forwards whatever the device sent, so it is refused here.
 */
const uplink = link.extend({
  kind: z.literal('shovel', {
    error: (issue) =>
      issue.input === 'federation'
        ? 'uplink kind "federation" cannot attribute events to their gateway (federation forwards what the device sent); use "shovel"'
        : `unknown link kind ${JSON.stringify(issue.input)} (expected "shovel")`,
  }),
});

const backendPorts = z.strictObject({
  amqp: port.default(5672),
  management: port.default(15672),
  /** Erlang distribution port; only local mode uses it. */
  dist: port.default(25672),
  prometheus: port.default(15692),
});

const gatewayPorts = backendPorts.extend({
  mqtt: port.default(1883),
  stomp: port.default(61613),
  /**
   * fedgate's device authorisation endpoint on each gateway node, which RabbitMQ's HTTP auth backend asks on
   * 127.0.0.1. Only gateways with `tls: true` run it (devices log in with certificates there). @default 15680
   */
  authz: port.optional(),
  /**
   * MQTT over WebSockets for browser apps (`web-mqtt`; wss on a TLS gateway), path `/ws`. Only gateways with
   * `web-mqtt` in `protocols` listen on it. @default 8083
   */
  webMqtt: port.optional(),
  /** STOMP over WebSockets for browser apps (`web-stomp`; wss on a TLS gateway), path `/ws`. @default 8093 */
  webStomp: port.optional(),
});

/**
 * Local mode only: the gateway's links reach the backend through fedgate's WAN simulator, a TCP proxy that adds
 * latency and jitter and can be partitioned (`fedgate wan`). It listens on the gateway's host at `port`, forwards
 * to the backend's AMQP listener (every node of it, first reachable wins), and the compiled link URIs use it.
 * Deployed fleets leave it out: there the network between regions is the real one.
 */
const wan = z.strictObject({
  port,
  /** Delay added to every chunk in each direction, in milliseconds (the round trip grows by twice this). @default 0 */
  latencyMs: z.int().min(0).max(60_000).default(0),
  /** Up to this many milliseconds more per chunk, uniformly random; bytes never overtake each other. @default 0 */
  jitterMs: z.int().min(0).max(60_000).default(0),
});

const clusterFields = {
  name: clusterName,
  region,
  nodes: z.int().min(1).max(9).default(1),
  /** Where fedgate, the router and the links reach this cluster. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Connect with amqps/https. */
  tls: z.boolean().default(false),
  cidr,
  /** Overrides the instance type the profile picks. */
  instanceType: z.string().optional(),
};

const backendLimits = z.strictObject({
  /**
   * Bytes the presence log keeps besides its age limit (the location TTL): one device subscribing and
   * unsubscribing in a loop cannot fill the backend's disk. Routers rebuild from snapshots plus the log's tail,
   * so older entries are not needed. @default 2147483648
   */
  presenceLogMaxBytes: z
    .int()
    .min(10 * 1024 * 1024)
    .default(2 * 1024 * 1024 * 1024),
});

/** A microservice's backend login: its own user, so each can be told apart, limited and revoked on its own. */
const service = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,40}$/, { error: 'expected a service name: lowercase letters, digits and "-", starting with a letter' })
    .refine((name) => !/^(fedgate|admin$|router$|app$|device$|down-|up-)/.test(name), {
      error: "reserved: fedgate…, admin, router, app, device, down-… and up-… name fedgate's own users (and their password variables)",
    }),
  /** Connections this service may hold on the backend at once. @default 100 */
  maxConnections: z.int().min(1).default(100),
});

export const backendSchema = z.strictObject({
  ...clusterFields,
  profile: z.literal('throughput', { error: 'the backend profile is "throughput"' }).default('throughput'),
  ports: backendPorts.prefault({}),
  limits: backendLimits.prefault({}),
  /**
   * Microservices that publish commands and read events, each with its own backend user and password
   * (FEDGATE_<BACKEND>_<NAME>_PASSWORD). `fedgate-app` stays for the demo and tools. @default []
   */
  services: z.array(service).default([]),
});

/** Largest command body the router accepts, and the smallest message limit a gateway may have. */
export const DEFAULT_MAX_COMMAND_BYTES = 256 * 1024;

/** What one client can take of a gateway's shared resources. */
const gatewayLimits = z.strictObject({
  /**
   * Largest message a device or app may publish (MQTT packet, AMQP/STOMP body); larger ones close the connection.
   * At least `routing.maxCommandBytes`, which commands must fit through. @default routing.maxCommandBytes
   */
  maxMessageBytes: z
    .int()
    .min(1024)
    .max(128 * 1024 * 1024)
    .optional(),
  /**
   * Bytes the uplink queue buffers while the backend is out of reach; when full, new events are refused to their
   * publisher (reject-publish) instead of pushing others' buffered events out. @default 1073741824
   */
  uplinkMaxBytes: z
    .int()
    .min(1024 * 1024)
    .default(1024 * 1024 * 1024),
  /**
   * Queues in the gateway's vhost (two MQTT session queues per device plus apps'). Unset by default: on RabbitMQ
   * 4.0's Mnesia store every queue declaration under this limit lists all of the vhost's queues. @default no limit
   */
  maxQueues: z.int().min(10).optional(),
  /** Messages an app's queue (or a temporary `amq.gen-` queue) holds before dropping its oldest. @default 10000 */
  appQueueMaxLength: z.int().min(1).default(10_000),
});

/**
 * What a gateway speaks to devices and apps. `web-mqtt` and `web-stomp` are MQTT and STOMP over WebSockets, for
 * browsers (which cannot open raw sockets); they use the same exchange, vhost, permissions and limits as the raw ones.
 */
export const PROTOCOLS = ['mqtt', 'stomp', 'web-mqtt', 'web-stomp'] as const;

export const gatewaySchema = z.strictObject({
  ...clusterFields,
  profile: z.literal('connections', { error: 'a gateway profile is "connections"' }).default('connections'),
  protocols: z
    .array(z.enum(PROTOCOLS, { error: `expected one of ${PROTOCOLS.map((p) => `"${p}"`).join(', ')}` }))
    .min(1, { error: `a gateway needs at least one protocol (${PROTOCOLS.join(', ')})` })
    .refine((list) => new Set(list).size === list.length, { error: 'each protocol once' }),
  ports: gatewayPorts.prefault({}),
  downlink: link.prefault({ kind: 'shovel' }),
  uplink: uplink.prefault({ kind: 'shovel' }),
  /** Device connections the gateway admits before refusing new ones (reconnect-storm guard). @default 50000 */
  maxConnections: z.int().min(1).default(50_000),
  /**
   * Devices reach the gateway through a load balancer that sends the PROXY protocol header (the AWS device NLB
   * does), so the broker logs and limits by the device's address. Plain clients are refused while it is on,
   * so local fleets leave it off. @default false
   */
  proxyProtocol: z.boolean().default(false),
  limits: gatewayLimits.prefault({}),
  wan: wan.optional(),
});

const credentials = z.discriminatedUnion('source', [
  /** FEDGATE_<CLUSTER>_<USER>_PASSWORD environment variables. */
  z.strictObject({ source: z.literal('env') }),
  /** A JSON file `{ "<cluster>/<user>": "<password>" }`, for local mode; relative to the topology file. */
  z.strictObject({ source: z.literal('file'), path: z.string().min(1) }),
]);

const dns = z.strictObject({
  zone: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'expected a DNS zone such as example.com' }),
  record: z.string().regex(/^[a-z0-9-]+$/, { error: 'expected a record label such as mqtt' }),
  /** Seconds resolvers may cache an answer. @default 60 */
  ttlSeconds: z.int().min(0).max(86400).default(60),
  healthCheck: z
    .strictObject({
      /** Route53 supports 10 (fast) or 30 seconds. @default 10 */
      intervalSeconds: z.union([z.literal(10), z.literal(30)], { error: 'Route53 health checks run every 10 or 30 seconds' }).default(10),
      failureThreshold: z.int().min(1).max(10).default(3),
      /** Port of `fedgate gateway-health` on each gateway. @default 8080 */
      port: port.default(8080),
      path: z.string().startsWith('/').default('/healthz'),
    })
    .prefault({}),
});

const routing = z.strictObject({
  /** A command not delivered within this many seconds dead-letters as expired. @default 60 */
  commandTtlSeconds: z.int().min(1).max(86400).default(60),
  /** A location older than this counts as unknown. @default 86400 */
  locationTtlSeconds: z.int().min(1).default(86400),
  /** What the router does with a command for a device it cannot place. @default "broadcast" */
  onUnknown: z.enum(['broadcast', 'dead-letter']).default('broadcast'),
  /** Larger command bodies are dead-lettered as oversized; every gateway's `limits.maxMessageBytes` must be at least this. @default 262144 */
  maxCommandBytes: z
    .int()
    .min(1)
    .max(128 * 1024 * 1024)
    .default(DEFAULT_MAX_COMMAND_BYTES),
  /**
   * A gateway whose downlink has consumed nothing for this many seconds counts as lost: the router moves the
   * commands waiting for it to the gateways their devices reconnected to. @default 60
   */
  evacuateAfterSeconds: z.int().min(1).max(86400).default(60),
});

export const topologySchema = z.strictObject({
  name: clusterName,
  /** Virtual host every cluster uses for fedgate's objects. @default "/" */
  vhost: z.string().min(1).default('/'),
  backend: backendSchema,
  gateways: z.array(gatewaySchema).min(1, { error: 'a topology needs at least one gateway' }),
  credentials: credentials.prefault({ source: 'env' }),
  dns: dns.optional(),
  routing: routing.prefault({}),
});

export type Topology = z.output<typeof topologySchema>;
export type TopologyInput = z.input<typeof topologySchema>;
export type Backend = Topology['backend'];
export type Gateway = Topology['gateways'][number];

/**
 * A TLS gateway's devices log in by certificate over raw MQTT, answered by the node's authorisation endpoint; a
 * TLS gateway without raw MQTT (browser apps only) has no device logins and runs no endpoint.
 */
export function hasDeviceLogins(gw: Gateway): boolean {
  return gw.tls && gw.protocols.includes('mqtt');
}

/** The largest message `gw` admits: its own limit, else the largest command the router accepts. */
export function gatewayMaxMessageBytes(topology: Topology, gw: Gateway): number {
  return gw.limits.maxMessageBytes ?? topology.routing.maxCommandBytes;
}
export type Cluster = Backend | Gateway;
export type Link = Gateway['downlink'];
export type Protocol = Gateway['protocols'][number];

export function isGateway(cluster: Cluster): cluster is Gateway {
  return 'protocols' in cluster;
}

/** Default port of a TLS gateway's device authorisation endpoint (`ports.authz`). */
export const DEFAULT_AUTHZ_PORT = 15680;

/** The port a TLS gateway's device authorisation endpoint listens on, on 127.0.0.1. */
export function authzPort(gw: Gateway): number {
  return gw.ports.authz ?? DEFAULT_AUTHZ_PORT;
}

/**
 * Default ports of the WebSocket listeners. Not RabbitMQ's 15675/15674: a cluster of N nodes on one host listens on
 * port … port+N-1 (local mode, and the collision check assumes it everywhere), so defaults sit 10 apart and away
 * from management's 15672 range.
 */
export const DEFAULT_WEB_MQTT_PORT = 8083;
export const DEFAULT_WEB_STOMP_PORT = 8093;

/** The port browsers reach `gw`'s MQTT-over-WebSockets listener on. */
export function webMqttPort(gw: Gateway): number {
  return gw.ports.webMqtt ?? DEFAULT_WEB_MQTT_PORT;
}

/** The port browsers reach `gw`'s STOMP-over-WebSockets listener on. */
export function webStompPort(gw: Gateway): number {
  return gw.ports.webStomp ?? DEFAULT_WEB_STOMP_PORT;
}

/** The port a gateway serves `protocol` on. */
export function protocolPort(gw: Gateway, protocol: Protocol): number {
  switch (protocol) {
    case 'mqtt':
      return gw.ports.mqtt;
    case 'stomp':
      return gw.ports.stomp;
    case 'web-mqtt':
      return webMqttPort(gw);
    case 'web-stomp':
      return webStompPort(gw);
  }
}

/** Whether the gateway runs the MQTT plugin (raw MQTT, or MQTT over WebSockets, which is built on it). */
export function speaksMqtt(gw: Gateway): boolean {
  return gw.protocols.includes('mqtt') || gw.protocols.includes('web-mqtt');
}

/** Whether the gateway runs the STOMP plugin (raw STOMP, or STOMP over WebSockets, which is built on it). */
export function speaksStomp(gw: Gateway): boolean {
  return gw.protocols.includes('stomp') || gw.protocols.includes('web-stomp');
}

/** JSON Schema of the topology file, for editor completion (`fedgate schema`). */
export function topologyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(topologySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

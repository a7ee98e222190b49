import {
  DEFAULT_AUTHZ_PORT,
  DEFAULT_MAX_COMMAND_BYTES,
  DEFAULT_WEB_MQTT_PORT,
  DEFAULT_WEB_STOMP_PORT,
  backendSchema,
  gatewaySchema,
  type Cluster,
} from './schema.ts';
import { cidrsOverlap, parseCidr, type Cidr } from './cidr.ts';
import { formatPath } from './errors.ts';

/** A problem still in path-array form, so the loader can find its line. */
export interface RawProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const SECRET_KEY = /^(password|passwd|pass|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|secret[-_]?access[-_]?key|credentials?[-_]?value)$/i;
const URI_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s]+@/i;
export const INLINE_SECRET_MESSAGE =
  'inline secret: secrets never live in the topology file; set credentials.source to "env" (FEDGATE_<CLUSTER>_<USER>_PASSWORD) or "file"';

/** Keys and URIs that carry a secret, anywhere in the document. */
export function findInlineSecrets(value: unknown, path: PropertyKey[] = []): RawProblem[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => findInlineSecrets(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) =>
      SECRET_KEY.test(key) ? [{ path: [...path, key], message: INLINE_SECRET_MESSAGE }] : findInlineSecrets(child, [...path, key]),
    );
  }
  if (typeof value === 'string' && URI_WITH_PASSWORD.test(value)) {
    return [{ path, message: 'inline secret: a URI with a password; give the URI without user:password@ and supply the password through credentials' }];
  }
  return [];
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

interface Located<T> {
  readonly path: PropertyKey[];
  readonly value: T;
}

/**
 * Cross-cluster rules: unique names, canonical and non-overlapping CIDRs, no two listeners on one host:port.
 * Works on every cluster that parses on its own, so these problems are reported beside schema problems.
 */
export function checkClusters(raw: unknown): RawProblem[] {
  const named = rawClusters(raw);
  const clusters = parsableClusters(raw);
  return [
    ...duplicateNames(named),
    ...cidrProblems(named),
    ...portCollisions(clusters),
    ...commandsFitGateways(raw, clusters),
    ...browsersBesideDevices(clusters),
  ];
}

/**
 * A command the router accepts must fit through every gateway: the downlink republishes it there, and a gateway
 * that refused it (its max_message_size) would stop the link at that command.
 */
function commandsFitGateways(raw: unknown, clusters: Located<Cluster>[]): RawProblem[] {
  const routing = isObject(raw) && isObject((raw as { routing?: unknown }).routing) ? (raw as { routing: { maxCommandBytes?: unknown } }).routing : {};
  const maxCommandBytes = typeof routing.maxCommandBytes === 'number' ? routing.maxCommandBytes : DEFAULT_MAX_COMMAND_BYTES;
  return clusters.flatMap(({ path, value }) =>
    'limits' in value && 'maxMessageBytes' in value.limits && value.limits.maxMessageBytes !== undefined && value.limits.maxMessageBytes < maxCommandBytes
      ? [
          {
            path: [...path, 'limits', 'maxMessageBytes'],
            message: `${value.limits.maxMessageBytes} is below routing.maxCommandBytes (${maxCommandBytes}): the largest command could not reach this gateway`,
          },
        ]
      : [],
  );
}

/**
 * On a TLS gateway devices log in by certificate through the HTTP auth backend, which RabbitMQ 4.0 asks with the
 * user name, the MQTT client id and `password=none` — exactly what a browser sends over web-mqtt (no certificate,
 * so the client id is its own choice) with the password "none": the endpoint cannot tell them apart, and a browser
 * could log in as any device (seen on 4.0.5). So browsers get MQTT over WebSockets on TLS gateways without raw MQTT,
 * whose logins are the administrator's and app tokens only. web-stomp is safe beside devices: STOMP logins carry no
 * client id, which the endpoint refuses.
 */
function browsersBesideDevices(clusters: Located<Cluster>[]): RawProblem[] {
  return clusters.flatMap(({ path, value }) =>
    'protocols' in value && value.tls && value.protocols.includes('mqtt') && value.protocols.includes('web-mqtt')
      ? [
          {
            path: [...path, 'protocols'],
            message:
              'web-mqtt cannot share a TLS gateway with mqtt: a browser (no certificate, its own client id, password "none") would look to the device authorisation endpoint like a device\'s certificate login, so it could log in as any device; serve browser apps from a gateway without mqtt, or use web-stomp here',
          },
        ]
      : [],
  );
}

interface RawCluster {
  readonly name?: unknown;
  readonly cidr?: unknown;
}

/** Clusters as written, for rules that need one field only (so a broken sibling field does not hide them). */
function rawClusters(raw: unknown): Located<RawCluster>[] {
  if (raw === null || typeof raw !== 'object') return [];
  const doc = raw as { backend?: unknown; gateways?: unknown };
  const found: Located<RawCluster>[] = [];
  if (isObject(doc.backend)) found.push({ path: ['backend'], value: doc.backend });
  if (Array.isArray(doc.gateways)) {
    doc.gateways.forEach((g, i) => {
      if (isObject(g)) found.push({ path: ['gateways', i], value: g });
    });
  }
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parsableClusters(raw: unknown): Located<Cluster>[] {
  if (raw === null || typeof raw !== 'object') return [];
  const doc = raw as { backend?: unknown; gateways?: unknown };
  const found: Located<Cluster>[] = [];
  const backend = backendSchema.safeParse(doc.backend);
  if (backend.success) found.push({ path: ['backend'], value: backend.data });
  if (Array.isArray(doc.gateways)) {
    doc.gateways.forEach((g, i) => {
      const gateway = gatewaySchema.safeParse(g);
      if (gateway.success) found.push({ path: ['gateways', i], value: gateway.data });
    });
  }
  return found;
}

function duplicateNames(clusters: Located<RawCluster>[]): RawProblem[] {
  const seen = new Map<string, PropertyKey[]>();
  const problems: RawProblem[] = [];
  for (const { path, value } of clusters) {
    if (typeof value.name !== 'string') continue;
    const first = seen.get(value.name);
    if (first) {
      problems.push({ path: [...path, 'name'], message: `duplicate cluster name "${value.name}" (first used at ${formatPath([...first, 'name'])})` });
    } else {
      seen.set(value.name, path);
    }
  }
  return problems;
}

function cidrProblems(clusters: Located<RawCluster>[]): RawProblem[] {
  const problems: RawProblem[] = [];
  const ranges: Located<Cidr>[] = [];
  for (const { path, value } of clusters) {
    if (typeof value.cidr !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value.cidr)) continue; // the schema reports the format
    const range = parseCidr(value.cidr);
    if (!range) {
      problems.push({ path: [...path, 'cidr'], message: `"${value.cidr}" is not a network address (host bits must be zero, prefix at most 32)` });
      continue;
    }
    const clash = ranges.find((r) => cidrsOverlap(r.value, range));
    if (clash) {
      problems.push({ path: [...path, 'cidr'], message: `overlaps ${formatPath([...clash.path, 'cidr'])} (${clash.value.text})` });
    }
    ranges.push({ path, value: range });
  }
  return problems;
}

/**
 * Every listener of every node: a cluster of N nodes run on one host (local mode) listens on port, port+1, …
 * port+N-1, and a gateway's WAN proxy (local mode) listens on its own port.
 */
function portCollisions(clusters: Located<Cluster>[]): RawProblem[] {
  const problems: RawProblem[] = [];
  const taken = new Map<string, string>();
  for (const { path, value } of clusters) {
    const listeners: [PropertyKey[], number, number][] = Object.entries(value.ports).flatMap(([listener, port]) =>
      Array.from({ length: value.nodes }, (_, node): [PropertyKey[], number, number] => [[...path, 'ports', listener], port + node, node]),
    );
    if ('wan' in value && value.wan) listeners.push([[...path, 'wan', 'port'], value.wan.port, 0]);
    // A TLS gateway runs its device authorisation endpoint on the default port unless it names one.
    if ('protocols' in value && value.tls && value.ports.authz === undefined) {
      listeners.push(
        ...Array.from({ length: value.nodes }, (_, node): [PropertyKey[], number, number] => [[...path, 'ports', 'authz'], DEFAULT_AUTHZ_PORT + node, node]),
      );
    }
    // A gateway speaking MQTT or STOMP over WebSockets listens on the default web port unless it names one.
    if ('protocols' in value) {
      for (const [protocol, key, fallback] of [
        ['web-mqtt', 'webMqtt', DEFAULT_WEB_MQTT_PORT],
        ['web-stomp', 'webStomp', DEFAULT_WEB_STOMP_PORT],
      ] as const) {
        if (!value.protocols.includes(protocol) || value.ports[key] !== undefined) continue;
        listeners.push(...Array.from({ length: value.nodes }, (_, node): [PropertyKey[], number, number] => [[...path, 'ports', key], fallback + node, node]));
      }
    }
    for (const [portPath, port, node] of listeners) {
      const key = `${value.host}:${port}`;
      const label = formatPath(portPath) + (node > 0 ? ` (node ${node + 1})` : '');
      const first = taken.get(key);
      if (first) {
        // Node 1 keeps the message it always had; later nodes say which node's port clashes.
        const which = node > 0 ? `port ${port} of node ${node + 1}` : `port ${port}`;
        problems.push({ path: portPath, message: `${which} on ${value.host} is already used by ${first}` });
      } else {
        taken.set(key, label);
      }
    }
  }
  return problems;
}

import { join } from 'node:path';
import { BenchError } from './errors.ts';

/** The scenarios, in the order a full run executes them (cheapest and fleet-free first). */
export const SCENARIOS = ['directory', 'downlink', 'router', 'routing', 'gateway', 'scale-out', 'cold-start'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Gateways of the generated bench fleet: gw1 shovel, gw2 federation, the rest shovel. @default 3 */
export const DEFAULT_GATEWAYS = 3;
/** Where results go when `--out` is not given: `bench-results/<timestamp>/`. */
export const DEFAULT_RESULTS_DIR = 'bench-results';
/** Devices connecting at once in each storm of the gateway scenario: a region's devices after an outage. @default 10000 */
export const DEFAULT_STORM_CLIENTS = 10_000;
/**
 * The kinds of login a storm can use, by the name `--storm-logins` takes: the fedgate profile with the shared
 * password, a stock node, device certificates over TLS, app tokens over secure WebSockets.
 */
export const STORM_LOGINS = {
  password: 'fedgate profile',
  stock: 'stock',
  certificate: 'certificates over TLS',
  token: 'tokens over wss',
} as const;
export type StormLoginKind = keyof typeof STORM_LOGINS;
export type GatewayVariant = (typeof STORM_LOGINS)[StormLoginKind];
/** Every variant, in the order a round runs them. */
export const GATEWAY_VARIANTS = Object.values(STORM_LOGINS) as readonly GatewayVariant[];
/** How long a storm's device waits for CONNACK before it gives the attempt up and retries: a device's default. @default 60 */
export const DEFAULT_STORM_CONNECT_TIMEOUT_SECONDS = 60;
/** Body of every command the bench sends, in bytes: a small device command. @default 256 */
export const DEFAULT_MESSAGE_BYTES = 256;
/** Added to every port of the bench fleet and the stock node, so a second checkout can run the bench at once. */
export const PORT_OFFSET_ENV = 'FEDGATE_BENCH_PORT_OFFSET';
/** Largest port offset: the highest bench port (STOMP, 62008 with 8 gateways) must stay a valid port. */
export const MAX_PORT_OFFSET = 3000;

export interface BenchOptions {
  /** One scenario, or all of them when absent or "all". */
  readonly scenario?: string;
  /** The short run: fewer rounds, messages and variants, shorter paced runs (storms keep their devices). @default false */
  readonly quick?: boolean;
  /** Folder results.json, report.md and the charts are written to. @default `bench-results/<timestamp>` */
  readonly out?: string;
  /** Gateways in the generated fleet (the N of the amplification scenario). @default DEFAULT_GATEWAYS */
  readonly gateways?: number;
  /** Interleaved rounds per scenario (A/B/A/B is 2). @default 2 quick, 3 full */
  readonly rounds?: number;
  /** Devices in each storm of the gateway scenario. @default DEFAULT_STORM_CLIENTS */
  readonly stormClients?: number;
  /** Which kinds of login storm the gateway, by STORM_LOGINS key. @default all of them */
  readonly stormLogins?: readonly string[];
  /** A storm device's connect timeout in seconds. @default DEFAULT_STORM_CONNECT_TIMEOUT_SECONDS */
  readonly stormConnectTimeoutSeconds?: number;
  /** Root of the checkout; state goes to `<cwd>/.fedgate/bench`. @default process.cwd() */
  readonly cwd?: string;
  /** Added to every port of the bench fleet and the stock node; non-zero also renames its nodes. @default FEDGATE_BENCH_PORT_OFFSET, else 0 */
  readonly portOffset?: number;
  readonly onProgress?: (line: string) => void;
}

export interface DownlinkVariant {
  readonly kind: 'shovel' | 'federation';
  readonly ackMode: 'on-confirm' | 'on-publish' | 'no-ack';
  readonly prefetch: number;
}

/** Everything a run will do, decided before any node starts. */
export interface BenchPlan {
  readonly scenarios: readonly ScenarioName[];
  readonly quick: boolean;
  readonly outDir: string;
  readonly stateDir: string;
  readonly gateways: number;
  readonly rounds: number;
  readonly portOffset: number;
  readonly messageBytes: number;
  readonly downlink: { readonly variants: readonly DownlinkVariant[]; readonly messages: number; readonly pacedSeconds: number };
  /**
   * Many short rounds: each pair of runs is close in time, so a burst of other work spoils few pairs. Latency
   * figures rest on at least 10 paired rounds (`pacedRounds`).
   */
  readonly router: { readonly messages: number; readonly rounds: number; readonly pacedRounds: number; readonly pacedSeconds: number };
  readonly routing: { readonly devicesPerGateway: number; readonly commands: number };
  readonly gateway: {
    readonly clients: number;
    readonly rounds: number;
    readonly deadlineSeconds: number;
    readonly variants: readonly GatewayVariant[];
    readonly connectTimeoutMs: number;
  };
  readonly directory: { readonly sizes: readonly number[]; readonly lookups: number; readonly updates: number };
  /** Last: it leaves a million devices in the backend's presence log and snapshot stream. */
  readonly coldStart: { readonly devices: number; readonly churn: number; readonly rounds: number };
  readonly progress: (line: string) => void;
}

/** `2026-11-23T17-50-01Z`: sortable and safe in a path. */
export function timestampFolder(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

function int(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new BenchError('BENCH_INVALID_OPTIONS', `${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return v;
}

/** The port offset from the options, else from the environment; a value that is not an integer is refused by `int`. */
function portOffsetOf(options: BenchOptions, env: NodeJS.ProcessEnv): number | undefined {
  if (options.portOffset !== undefined) return options.portOffset;
  const text = env[PORT_OFFSET_ENV];
  return text === undefined || text === '' ? undefined : Number(text);
}

/** The variants of the named kinds of login, in round order; every one when none is named. */
function stormVariantsOf(kinds: readonly string[] | undefined): GatewayVariant[] {
  if (kinds === undefined || kinds.length === 0) return [...GATEWAY_VARIANTS];
  const unknown = kinds.filter((k) => !Object.hasOwn(STORM_LOGINS, k));
  if (unknown.length > 0) {
    throw new BenchError(
      'BENCH_INVALID_OPTIONS',
      `storm-logins must name ${Object.keys(STORM_LOGINS).join(', ')}; got ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
    );
  }
  return GATEWAY_VARIANTS.filter((v) => kinds.some((k) => STORM_LOGINS[k as StormLoginKind] === v));
}

/** Pure: options → plan. Throws BENCH_INVALID_OPTIONS naming the field, the allowed values and what it got. */
export function planBench(options: BenchOptions, now = new Date(), env: NodeJS.ProcessEnv = process.env): BenchPlan {
  const scenario = options.scenario ?? 'all';
  if (scenario !== 'all' && !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new BenchError('BENCH_INVALID_OPTIONS', `scenario must be one of all, ${SCENARIOS.join(', ')}; got ${JSON.stringify(scenario)}`);
  }
  const quick = options.quick ?? false;
  const cwd = options.cwd ?? process.cwd();
  const kinds = ['shovel', 'federation'] as const;
  const downlinkVariants: DownlinkVariant[] = quick
    ? [
        { kind: 'shovel', ackMode: 'on-confirm', prefetch: 1000 },
        { kind: 'federation', ackMode: 'on-confirm', prefetch: 1000 },
        { kind: 'shovel', ackMode: 'no-ack', prefetch: 1000 },
        { kind: 'shovel', ackMode: 'on-confirm', prefetch: 100 },
      ]
    : // Kinds alternate (shovel, federation, shovel, …) so noise hits both alike.
      (['on-confirm', 'on-publish', 'no-ack'] as const).flatMap((ackMode) =>
        [1000, 100].flatMap((prefetch) => kinds.map((kind) => ({ kind, ackMode, prefetch }))),
      );
  return {
    scenarios: scenario === 'all' ? SCENARIOS : [scenario as ScenarioName],
    quick,
    outDir: options.out ?? join(cwd, DEFAULT_RESULTS_DIR, timestampFolder(now)),
    stateDir: join(cwd, '.fedgate', 'bench'),
    gateways: int('gateways', options.gateways, DEFAULT_GATEWAYS, 2, 8),
    rounds: int('rounds', options.rounds, quick ? 2 : 3, 1, 10),
    portOffset: int(PORT_OFFSET_ENV, portOffsetOf(options, env), 0, 0, MAX_PORT_OFFSET),
    messageBytes: DEFAULT_MESSAGE_BYTES,
    downlink: { variants: downlinkVariants, messages: quick ? 10_000 : 30_000, pacedSeconds: quick ? 3 : 5 },
    router: { messages: quick ? 10_000 : 20_000, rounds: quick ? 4 : 8, pacedRounds: quick ? 10 : 12, pacedSeconds: quick ? 3 : 6 },
    routing: { devicesPerGateway: quick ? 10 : 25, commands: quick ? 1_000 : 3_000 },
    // TLS handshakes and retries of 10,000 devices take minutes on two cores shared with the clients.
    gateway: {
      clients: int('storm-clients', options.stormClients, DEFAULT_STORM_CLIENTS, 100, 50_000),
      rounds: quick ? 1 : 2,
      deadlineSeconds: quick ? 420 : 600,
      variants: stormVariantsOf(options.stormLogins),
      connectTimeoutMs: int('storm-connect-timeout', options.stormConnectTimeoutSeconds, DEFAULT_STORM_CONNECT_TIMEOUT_SECONDS, 5, 1_800) * 1000,
    },
    directory: { sizes: [100_000, 1_000_000], lookups: quick ? 500_000 : 2_000_000, updates: quick ? 500_000 : 2_000_000 },
    coldStart: { devices: quick ? 100_000 : 1_000_000, churn: 1_000, rounds: quick ? 2 : 3 },
    progress: options.onProgress ?? (() => {}),
  };
}

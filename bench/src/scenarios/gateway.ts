// Gateway under a reconnect storm: the same burst of MQTT devices against a fedgate gateway (broker-config's
// rabbitmq.conf and definitions, raised descriptor limit) with each kind of login it serves — a password, a
// device certificate over TLS, an app token over secure WebSockets — and against a stock node (defaults, ~1,024
// descriptors). Memory is the node's resident set from /proc; the devices run in client processes of their own.
import { cpus } from 'node:os';
import { DEVICE_USER } from '@fedgate/topology';
import { formatRatio } from '../format-figures.ts';
import { median } from '../percentiles.ts';
import { pairedRatio, type PairedRatio } from '../paired-ratio.ts';
import type { MemoryByUse } from '../node-memory.ts';
import { authorisationEndpointPid, certificateLogins, tokenLogins } from '../identity-fleet.ts';
import { CERTIFICATE_GATEWAY, TOKEN_GATEWAY } from '../identity-topology.ts';
import type { StormLogin } from '../storm/storm-protocol.ts';
import { DEVICE_SETTINGS, describeStormRun, memoryRuns, runStorm, stormIds, type StormRun, type StormTarget } from '../storm/run-storm.ts';
import { GATEWAY_VARIANTS, type GatewayVariant } from '../bench-options.ts';
import type { ScenarioContext } from './scenario-context.ts';

export interface GatewayVariantSummary {
  readonly variant: GatewayVariant;
  readonly connected: number;
  readonly subscribed: number;
  /** Median time for the storm to be subscribed (to the last device). */
  readonly seconds: number;
  readonly connectsPerSec: number;
  readonly bytesPerConnection: number;
  readonly bytesPerDeviceSettled: number;
  readonly connectionsPerGiB: number;
  /** Where the settled cost goes, by the node's accounting, in the run with the median settled cost. */
  readonly settledByUse?: MemoryByUse;
  /** CPU per subscribed device: the node's, its authorisation endpoint's and the clients'. */
  readonly cpuMsPerDevice: number;
  readonly authzCpuMsPerDevice: number;
  readonly clientCpuMsPerDevice: number;
  /** The node's share of the machine during the storm. */
  readonly nodeCpuShare: number;
  readonly otherCpuShare: number;
}

export interface GatewayResult {
  readonly settings: {
    clients: number;
    rounds: number;
    deadlineSeconds: number;
    keepaliveSeconds: number;
    connectTimeoutMs: number;
    /** Devices each client process has between attempt and SUBACK at once (absent in runs before it existed: unbounded). */
    attemptsInFlight?: number;
    backoffMaxMs: number;
    clientProcesses: number;
    cores: number;
  };
  readonly runs: readonly StormRun<GatewayVariant>[];
  readonly summary: readonly GatewayVariantSummary[];
  /** fedgate profile ÷ stock connections held per GiB, over paired rounds (target ≥ 2). */
  readonly profileOverStock: PairedRatio;
}

/** Each variant's node and the logins its devices use. */
async function gatewayTargets(ctx: ScenarioContext): Promise<Record<GatewayVariant, StormTarget>> {
  const { plan, fleet, stock, identity } = ctx;
  if (!stock) throw new Error('the gateway scenario needs the stock node');
  if (!identity) throw new Error('the gateway scenario needs the identity fleet');
  const ids = stormIds(plan.gateway.clients);
  const gw = fleet.gateways.at(-1)!;
  const password = (url: string, username: string, pw: string): StormLogin[] => ids.map((clientId) => ({ clientId, url, username, password: pw }));
  ctx.progress(`gateway: ${ids.length} device certificates and app tokens (issued once, then kept in ${identity.fleetStateDir})`);
  const certificates = await certificateLogins(identity, ids, (line) => ctx.progress(`gateway: ${line}`));
  const tokens = await tokenLogins(identity, ids);
  const authz = await authorisationEndpointPid(identity);
  const node = (name: string) => ({ pids: identity.pids.get(name)!, admin: identity.fleet.admin(name) });
  return {
    'fedgate profile': {
      pids: fleet.pids.get(gw.name)!,
      admin: fleet.fleet.admin(gw.name),
      helperPids: [],
      logins: password(`mqtt://${gw.host}:${gw.ports.mqtt}`, DEVICE_USER, fleet.fleet.secrets.password(gw.name, DEVICE_USER)),
    },
    stock: { pids: [stock.pid], admin: stock.admin, helperPids: [], logins: password(stock.mqttUrl, stock.credentials.username, stock.credentials.password) },
    'certificates over TLS': { ...node(CERTIFICATE_GATEWAY), helperPids: authz ? [authz] : [], ca: certificates.ca, logins: certificates.logins },
    'tokens over wss': { ...node(TOKEN_GATEWAY), helperPids: [], ca: tokens.ca, logins: tokens.logins },
  };
}

/** The run whose figure is the median (the lower middle of an even count). */
function medianRun<R>(runs: readonly R[], figure: (r: R) => number): R | undefined {
  const sorted = [...runs].sort((a, b) => figure(a) - figure(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function summarise(runs: readonly StormRun<GatewayVariant>[]): GatewayVariantSummary[] {
  const perDeviceMs = (seconds: number, r: StormRun) => (seconds * 1000) / Math.max(1, r.subscribed);
  return GATEWAY_VARIANTS.filter((variant) => runs.some((r) => r.variant === variant)).map((variant) => {
    const of = runs.filter((r) => r.variant === variant);
    const med = (value: (r: StormRun) => number) => median(of.map(value));
    const memory = memoryRuns(of);
    const medMemory = (value: (r: StormRun) => number) => median(memory.map(value));
    return {
      variant,
      connected: med((r) => r.connected),
      subscribed: med((r) => r.subscribed),
      seconds: med((r) => r.seconds),
      cpuMsPerDevice: med((r) => perDeviceMs(r.nodeCpuSeconds, r)),
      authzCpuMsPerDevice: med((r) => perDeviceMs(r.authzCpuSeconds, r)),
      clientCpuMsPerDevice: med((r) => perDeviceMs(r.clientCpuSeconds, r)),
      nodeCpuShare: med((r) => r.nodeCpuSeconds / r.seconds / cpus().length),
      otherCpuShare: med((r) => r.otherCpuShare),
      connectsPerSec: med((r) => r.connectsPerSec),
      bytesPerConnection: medMemory((r) => r.bytesPerConnection),
      bytesPerDeviceSettled: medMemory((r) => r.bytesPerDeviceSettled ?? Number.NaN),
      connectionsPerGiB: medMemory((r) => r.connectionsPerGiB),
      settledByUse: medianRun(memory, (r) => r.bytesPerDeviceSettled ?? Number.NaN)?.settledByUse ?? {},
    };
  });
}

export async function runGatewayScenario(ctx: ScenarioContext): Promise<GatewayResult> {
  const { clients, deadlineSeconds, rounds, variants, connectTimeoutMs } = ctx.plan.gateway;
  const targets = await gatewayTargets(ctx);
  const runs: StormRun<GatewayVariant>[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order each round, so neither variant always meets the node (or the machine) first.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      ctx.progress(`gateway: round ${round}/${rounds} ${variant}: ${clients} MQTT devices at once`);
      const run = await runStorm(targets[variant], variant, {
        round,
        deadlineSeconds,
        connectTimeoutMs,
        signal: ctx.signal,
        progress: (line) => ctx.progress(`gateway: ${line}`),
      });
      runs.push(run);
      ctx.progress(`gateway: ${describeStormRun(run)}`);
    }
  }
  const perGiB = (variant: GatewayVariant) =>
    runs.filter((r) => r.variant === variant).map((r) => ({ value: r.connectionsPerGiB, otherShare: r.otherCpuShare }));
  const profileOverStock = pairedRatio(perGiB('fedgate profile'), perGiB('stock'));
  ctx.progress(`gateway: profile ÷ stock connections per GiB = ${formatRatio(profileOverStock.ratio)}`);
  return {
    settings: {
      clients,
      rounds,
      deadlineSeconds,
      keepaliveSeconds: DEVICE_SETTINGS.keepaliveSeconds,
      connectTimeoutMs,
      attemptsInFlight: DEVICE_SETTINGS.attemptsInFlight,
      backoffMaxMs: DEVICE_SETTINGS.backoffMaxMs,
      clientProcesses: cpus().length,
      cores: cpus().length,
    },
    runs,
    summary: summarise(runs),
    profileOverStock,
  };
}

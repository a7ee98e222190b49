// Pure: the scale-out scenario's figures from its runs: medians per variant (runs that lost messages left out) and
// three nodes ÷ one over the rounds both ran.
import type { RunFigures } from '../measure-run.ts';
import { median } from '../percentiles.ts';
import { pairedRatio, type MeasuredValue, type PairedRatio } from '../paired-ratio.ts';
import { memoryRuns, type StormRun } from '../storm/run-storm.ts';

export const SCALE_VARIANTS = ['one node', 'three nodes'] as const;
export type ScaleVariant = (typeof SCALE_VARIANTS)[number];
/** How a burst of commands travels: published to the gateway's outbox, or to the router's queue and republished. */
export const COMMAND_PATHS = ['direct', 'router'] as const;
export type CommandPath = (typeof COMMAND_PATHS)[number];

/** How the scale-out runs label each broker node's CPU: `broker <node name>`. */
export const BROKER_NODE_PREFIX = 'broker ';

/** Every broker node's CPU in a run, by node. */
function brokerNodeCpu(f: RunFigures): number[] {
  return Object.entries(f.cpuSeconds)
    .filter(([label]) => label.startsWith(BROKER_NODE_PREFIX))
    .map(([, seconds]) => seconds);
}

export interface ScaleCommandRun {
  readonly variant: ScaleVariant;
  readonly path: CommandPath;
  readonly round: number;
  readonly figures: RunFigures;
}

export interface ScaleVariantSummary {
  readonly variant: ScaleVariant;
  /** Medians over the variant's runs that lost nothing. */
  readonly directMsgPerSec: number;
  readonly routerMsgPerSec: number;
  /** CPU of every broker node per command through the router. */
  readonly brokerCpuSecondsPerCommand: number;
  /** The busiest broker node's CPU per command through the router: on hosts of their own, what bounds the rate. */
  readonly busiestNodeCpuSecondsPerCommand: number;
  readonly subscribed: number;
  readonly stormSeconds: number;
  readonly connectsPerSec: number;
  readonly bytesPerDeviceSettled: number;
  readonly nodeCpuMsPerDevice: number;
  readonly busiestNodeCpuMsPerDevice: number;
  readonly busiestNodeBytesPerDeviceSettled: number;
}

/** Three nodes ÷ one, over paired rounds: commands/s on each path, and the storm's connect rate (a storm that left devices out counts as failed). */
export interface ThreeOverOne {
  readonly direct: PairedRatio;
  readonly router: PairedRatio;
  readonly connectRate: PairedRatio;
}

function summarise(commands: readonly ScaleCommandRun[], storms: readonly StormRun<ScaleVariant>[]): ScaleVariantSummary[] {
  return SCALE_VARIANTS.map((variant) => {
    const ok = (path: CommandPath) => commands.filter((r) => r.variant === variant && r.path === path && !r.figures.failed).map((r) => r.figures);
    const storm = storms.filter((r) => r.variant === variant);
    const med = (value: (r: StormRun) => number) => median(storm.map(value));
    const medMemory = (value: (r: StormRun) => number) => median(memoryRuns(storm).map(value));
    return {
      variant,
      directMsgPerSec: median(ok('direct').map((f) => f.msgPerSec)),
      routerMsgPerSec: median(ok('router').map((f) => f.msgPerSec)),
      brokerCpuSecondsPerCommand: median(ok('router').map((f) => brokerNodeCpu(f).reduce((a, b) => a + b, 0) / f.received)),
      busiestNodeCpuSecondsPerCommand: median(ok('router').map((f) => Math.max(...brokerNodeCpu(f)) / f.received)),
      subscribed: med((r) => r.subscribed),
      stormSeconds: med((r) => r.seconds),
      connectsPerSec: med((r) => r.connectsPerSec),
      bytesPerDeviceSettled: medMemory((r) => r.bytesPerDeviceSettled ?? Number.NaN),
      nodeCpuMsPerDevice: med((r) => (r.nodeCpuSeconds * 1000) / Math.max(1, r.subscribed)),
      busiestNodeCpuMsPerDevice: med((r) => ((r.busiestNodeCpuSeconds ?? r.nodeCpuSeconds) * 1000) / Math.max(1, r.subscribed)),
      busiestNodeBytesPerDeviceSettled: medMemory((r) => r.busiestNodeBytesPerDeviceSettled ?? r.bytesPerDeviceSettled ?? Number.NaN),
    };
  });
}

/** Three nodes ÷ one over the rounds both ran (a round pairs the two fleets' runs). */
function threeOverOne(commands: readonly ScaleCommandRun[], storms: readonly StormRun<ScaleVariant>[]): ThreeOverOne {
  const commandsOf = (variant: ScaleVariant, path: CommandPath): MeasuredValue[] =>
    commands
      .filter((r) => r.variant === variant && r.path === path)
      .map((r) => ({ value: r.figures.msgPerSec, otherShare: r.figures.otherCpuShare, failed: r.figures.failed }));
  const stormsOf = (variant: ScaleVariant): MeasuredValue[] =>
    storms.filter((r) => r.variant === variant).map((r) => ({ value: r.connectsPerSec, otherShare: r.otherCpuShare, failed: r.subscribed < r.clients }));
  return {
    direct: pairedRatio(commandsOf('three nodes', 'direct'), commandsOf('one node', 'direct')),
    router: pairedRatio(commandsOf('three nodes', 'router'), commandsOf('one node', 'router')),
    connectRate: pairedRatio(stormsOf('three nodes'), stormsOf('one node')),
  };
}

export function summarizeScaleOut(
  commands: readonly ScaleCommandRun[],
  storms: readonly StormRun<ScaleVariant>[],
): { summary: ScaleVariantSummary[]; threeOverOne: ThreeOverOne } {
  return { summary: summarise(commands, storms), threeOverOne: threeOverOne(commands, storms) };
}

// One measured run: publish stamped messages, collect them where they arrive, and read the CPU it cost.
import type { Publisher } from './amqp-traffic.ts';
import { summarizeLatencies, type LatencySummary } from './percentiles.ts';
import { startCpuMeter, type CpuGroup, type CpuReading } from './proc-stat.ts';
import type { CollectorRegistry, RunCollector } from './run-collector.ts';

/** Longest a run waits for its last messages; and for any progress at all before it counts the rest as lost. */
export const DEFAULT_RUN_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_MS = 10_000;

export interface RunFigures {
  readonly messages: number;
  readonly received: number;
  readonly duplicates: number;
  /** Publishes the broker refused or that failed. */
  readonly nacked: number;
  /** Some message did not arrive in time or was refused: the run's figures are not comparable and are dropped. */
  readonly failed: boolean;
  /** From the first publish to the last first-arrival. */
  readonly seconds: number;
  readonly msgPerSec: number;
  readonly latencyMs: LatencySummary;
  /** CPU seconds per process group (bench, router, broker) during the run. */
  readonly cpuSeconds: Record<string, number>;
  /** All groups' CPU seconds divided by the messages that arrived. */
  readonly cpuSecondsPerMessage: number;
  /** Share of the machine's CPU other processes used during the run (0..1): how noisy the moment was. */
  readonly otherCpuShare: number;
}

export interface RunSpec {
  readonly publisher: Publisher;
  readonly collectors: CollectorRegistry;
  readonly exchange: string;
  readonly routingKey: (seq: number) => string;
  readonly cpu: readonly CpuGroup[];
  /** How many arrivals make the run complete (messages × copies expected per message). @default messages */
  readonly expected?: number;
}

function figures(messages: number, nacked: number, collector: RunCollector, settled: boolean, startedAt: number, cpu: CpuReading): RunFigures {
  const { received, duplicates, lastAt, latencies } = collector;
  const cpuSeconds = cpu.byGroup;
  const seconds = Number.isFinite(lastAt) ? (lastAt - startedAt) / 1000 : Number.NaN;
  const cpuTotal = Object.values(cpuSeconds).reduce((a, b) => a + b, 0);
  return {
    messages,
    received,
    duplicates,
    nacked,
    failed: !settled || nacked > 0 || received < messages,
    seconds,
    msgPerSec: received / seconds,
    latencyMs: summarizeLatencies(latencies),
    cpuSeconds,
    cpuSecondsPerMessage: received > 0 ? cpuTotal / received : Number.NaN,
    otherCpuShare: cpu.otherShare,
  };
}

/** As fast as confirms allow: throughput, and latency under saturation. */
export async function measureBurst(spec: RunSpec, messages: number): Promise<RunFigures> {
  const collector = spec.collectors.open(spec.expected ?? messages);
  const stopCpu = startCpuMeter(spec.cpu);
  try {
    const { startedAt, nacked } = await spec.publisher.burst(spec.exchange, spec.routingKey, messages, collector.runId);
    const settled = await collector.settle(DEFAULT_RUN_TIMEOUT_MS, DEFAULT_IDLE_MS);
    return figures(messages, nacked, collector, settled, startedAt, stopCpu());
  } finally {
    spec.collectors.close(collector);
  }
}

/** At a fixed rate: latency without a backlog. */
export async function measurePaced(spec: RunSpec, ratePerSecond: number, seconds: number): Promise<RunFigures> {
  const messages = Math.max(1, Math.round(ratePerSecond * seconds));
  const collector = spec.collectors.open(spec.expected ?? messages);
  const stopCpu = startCpuMeter(spec.cpu);
  try {
    const startedAt = performance.now();
    const { nacked } = await spec.publisher.paced(spec.exchange, spec.routingKey, ratePerSecond, seconds, collector.runId);
    const settled = await collector.settle(DEFAULT_RUN_TIMEOUT_MS, DEFAULT_IDLE_MS);
    return figures(messages, nacked, collector, settled, startedAt, stopCpu());
  } finally {
    spec.collectors.close(collector);
  }
}

/** Sends a few messages until they arrive: proves the path works (links up, router placed the device). */
export async function probePath(spec: RunSpec, timeoutMs: number, what: string, accept: () => boolean = () => true): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    const collector = spec.collectors.open(20);
    try {
      await spec.publisher.burst(spec.exchange, spec.routingKey, 20, collector.runId);
      if ((await collector.settle(5_000, 5_000)) && accept()) return;
      last = `${collector.received}/20 arrived`;
    } finally {
      spec.collectors.close(collector);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} not ready within ${timeoutMs / 1000} s (${last || 'nothing arrived'})`);
}

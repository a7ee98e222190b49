import type { BenchPlan } from '../bench-options.ts';
import type { BenchFleet } from '../bench-fleet.ts';
import type { CollectorRegistry } from '../run-collector.ts';
import type { StockNode } from '../stock-node.ts';

/** What every scenario gets: the plan, the running fleet (and stock node), and where arrivals are collected. */
export interface ScenarioContext {
  readonly plan: BenchPlan;
  readonly cwd: string;
  readonly fleet: BenchFleet;
  /** Started only when the gateway scenario runs. */
  readonly stock?: StockNode;
  /** The TLS fleet for certificate and token logins; started only when the gateway scenario runs. */
  readonly identity?: BenchFleet;
  readonly collectors: CollectorRegistry;
  readonly progress: (line: string) => void;
  /** Aborted when the run is interrupted: long waits end early. */
  readonly signal?: AbortSignal;
}

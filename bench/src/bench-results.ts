import type { ColdStartResult } from './cold-start-summary.ts';
import type { TargetOutcome } from './evaluate-target.ts';
import type { DirectoryResult } from './scenarios/directory.ts';
import type { DownlinkResult } from './scenarios/downlink.ts';
import type { GatewayResult } from './scenarios/gateway.ts';
import type { RouterResult } from './scenarios/router.ts';
import type { RoutingResult } from './scenarios/routing.ts';
import type { ScaleOutResult } from './scenarios/scale-out.ts';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly rabbitmq?: string;
  readonly erlang?: string;
}

export interface ScenarioResults {
  directory?: DirectoryResult;
  downlink?: DownlinkResult;
  router?: RouterResult;
  routing?: RoutingResult;
  gateway?: GatewayResult;
  scaleOut?: ScaleOutResult;
  coldStart?: ColdStartResult;
}

/** results.json: everything one run measured, with the settings and machine it came from. */
export interface BenchResults {
  readonly format: 'fedgate-bench/1';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly mode: 'quick' | 'full';
  readonly command: string;
  readonly machine: MachineInfo;
  readonly settings: { readonly gateways: number; readonly rounds: number; readonly messageBytes: number };
  readonly scenarios: ScenarioResults;
  readonly targets: readonly TargetOutcome[];
  /** Scenarios that failed; the others still ran and are reported. */
  readonly failures: readonly { readonly scenario: string; readonly message: string }[];
}

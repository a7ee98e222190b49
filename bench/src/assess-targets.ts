// Pure: the bench's targets, each checked against what one run measured, with the reason when one is missed,
// written from what the run measured. Each scenario assesses its own (targets/).
import type { TargetOutcome } from './evaluate-target.ts';
import type { ScenarioResults } from './bench-results.ts';
import { assessColdStart } from './assess-cold-start.ts';
import { assessDirectoryTargets } from './targets/directory-targets.ts';
import { assessGatewayTargets } from './targets/gateway-targets.ts';
import { assessRouterTargets } from './targets/router-targets.ts';
import { assessRoutingTargets } from './targets/routing-targets.ts';

export function assessTargets(s: ScenarioResults): TargetOutcome[] {
  return [
    ...(s.router ? assessRouterTargets(s.router) : []),
    ...(s.routing ? assessRoutingTargets(s.routing) : []),
    ...(s.gateway ? assessGatewayTargets(s.gateway) : []),
    ...(s.directory ? assessDirectoryTargets(s.directory) : []),
    ...(s.coldStart ? [assessColdStart(s.coldStart)] : []),
  ];
}

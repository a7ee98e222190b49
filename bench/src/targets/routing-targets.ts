// Pure: the routing amplification scenario's targets: link crossings per command, router-directed and broadcast,
// with what the runs counted at each gateway when one is missed.
import { evaluateTarget, type TargetOutcome } from '../evaluate-target.ts';
import type { RoutingResult, RoutingVariant } from '../scenarios/routing.ts';
import { TARGETS } from './bench-targets.ts';

/** What the runs of `variant` counted: crossings per gateway, unrouted arrivals, devices reached, dropped runs. */
function crossingsCounted(routing: RoutingResult, variant: RoutingVariant): string {
  const runs = routing.runs.filter((r) => r.variant === variant);
  const byGateway = new Map<string, number>();
  for (const run of runs) for (const [gw, n] of Object.entries(run.crossingsByGateway)) byGateway.set(gw, (byGateway.get(gw) ?? 0) + n);
  const commands = runs.reduce((n, r) => n + r.commands, 0);
  const delivered = runs.reduce((n, r) => n + r.deliveredToDevices, 0);
  const unrouted = runs.reduce((n, r) => n + r.unroutedAtGateways, 0);
  const gateways = [...byGateway].map(([gw, n]) => `${gw} ${n}`).join(', ') || 'none';
  const dropped = runs.filter((r) => r.failed).length;
  return (
    `over ${runs.length} runs of ${commands} commands in all, devices got ${delivered} and gateways with no subscriber for them ${unrouted}; ` +
    `crossings by gateway: ${gateways}${dropped ? `; ${dropped} runs where some device got nothing were left out` : ''}`
  );
}

export function assessRoutingTargets(routing: RoutingResult): TargetOutcome[] {
  const by = (v: RoutingVariant) => routing.summary.find((x) => x.variant === v);
  const n = routing.settings.gateways;
  const broadcast = {
    id: 'amplification-broadcast',
    what: `link crossings per command, broadcast-to-all (N = ${n})`,
    comparison: 'equal',
    value: n,
    tolerance: 0.01,
    unit: '×',
  } as const;
  return [
    evaluateTarget(TARGETS.amplificationKnown, by('router-directed')?.amplification ?? Number.NaN, crossingsCounted(routing, 'router-directed')),
    evaluateTarget(broadcast, by('broadcast-to-all')?.amplification ?? Number.NaN, crossingsCounted(routing, 'broadcast-to-all')),
  ];
}

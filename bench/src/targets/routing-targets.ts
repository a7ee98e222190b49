// Pure: the routing amplification scenario's targets: link crossings per command, router-directed and broadcast.
import { evaluateTarget, type TargetOutcome } from '../evaluate-target.ts';
import type { RoutingResult } from '../scenarios/routing.ts';
import { TARGETS } from './bench-targets.ts';

export function assessRoutingTargets(routing: RoutingResult): TargetOutcome[] {
  const out: TargetOutcome[] = [];
  const by = (v: string) => routing.summary.find((x) => x.variant === v);
  const directed = by('router-directed');
  out.push(
    evaluateTarget(
      TARGETS.amplificationKnown,
      directed?.amplification ?? Number.NaN,
      'some commands were broadcast: the router had not placed every device (presence not yet replayed) or saw a gateway unhealthy',
    ),
  );
  const n = routing.settings.gateways;
  out.push(
    evaluateTarget(
      {
        id: 'amplification-broadcast',
        what: `link crossings per command, broadcast-to-all (N = ${n})`,
        comparison: 'equal',
        value: n,
        tolerance: 0.01,
        unit: '×',
      },
      by('broadcast-to-all')?.amplification ?? Number.NaN,
      'a broadcast copy did not reach every gateway within the run (a link was restarting or dropped it)',
    ),
  );
  return out;
}

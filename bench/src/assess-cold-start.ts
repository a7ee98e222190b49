// Pure: the cold-start target — a router that loads a snapshot routes its first command within 5 s of starting —
// checked against what the scenario measured, with why when it is missed.
import type { ColdStartResult } from './cold-start-summary.ts';
import { evaluateTarget, type TargetOutcome } from './evaluate-target.ts';
import { formatShare } from './format-figures.ts';

export const COLD_START_TARGET = {
  id: 'cold-start-first-command',
  what: 'router start → first command routed, directory from a snapshot',
  comparison: 'at-most',
  value: 5,
  unit: ' s',
} as const;

export function assessColdStart(x: ColdStartResult): TargetOutcome {
  const s = x.summary.start;
  const what = `${COLD_START_TARGET.what} (${s.devices.toLocaleString('en-US')} devices)`;
  // A broadcast command also reaches the watched gateway: it proves nothing about the directory.
  if (!s.allDirect || !s.allFromSnapshot) {
    return evaluateTarget(
      { ...COLD_START_TARGET, what },
      Number.NaN,
      !s.allFromSnapshot
        ? 'a measured router found no usable snapshot and replayed the whole log'
        : 'a waiting command was broadcast: the directory did not know its device',
    );
  }
  const why =
    `reading the snapshot stream took ${s.snapshotReadSeconds.toFixed(1)} s, applying it ${s.snapshotApplySeconds.toFixed(1)} s ` +
    `(inserting every device into the directory's Map), the presence log's tail ${s.tailSeconds.toFixed(2)} s. The router used ${s.cpuSeconds.toFixed(1)} s of CPU ` +
    `in its ${s.readySeconds.toFixed(1)} s start, so it ${s.cpuSeconds < 0.8 * s.readySeconds ? 'spent most of it waiting for a core or for the broker' : 'was busy computing most of it'}, ` +
    `while other processes used ${formatShare(s.otherCpuShare)} of the machine (load average ${s.loadAverage.toFixed(1)})`;
  const basis = `median of ${x.rounds.length} starts, worst ${s.worstFirstCommandSeconds.toFixed(2)} s`;
  return evaluateTarget({ ...COLD_START_TARGET, what }, s.firstCommandSeconds, why, basis);
}

import { describeChange, type ClusterOutcome } from '@fedgate/broker-admin';
import { maskSecrets } from '@fedgate/broker-config';
import type { CliIo } from './handle-errors.ts';

/** Text or JSON report of plan/apply outcomes; returns whether every cluster succeeded. */
export function printOutcomes(io: CliIo, outcomes: ClusterOutcome[], options: { json: boolean; applied: boolean; prune: boolean }): boolean {
  const ok = outcomes.every((o) => !o.error);
  if (options.json) {
    const clusters = outcomes.map((o) => ({
      cluster: o.cluster,
      changes: (o.plan?.changes ?? []).map((c) => ({ action: c.action, kind: c.kind, id: c.id, ...(c.fields ? { fields: c.fields } : {}) })),
      extra: (o.plan?.extra ?? []).map((c) => ({ action: c.action, kind: c.kind, id: c.id })),
      ...(o.applied ? { applied: o.applied.length } : {}),
      ...(o.error ? { error: maskSecrets(o.error.message) } : {}),
    }));
    io.stdout(maskSecrets(JSON.stringify({ ok, clusters })) + '\n');
    return ok;
  }
  for (const o of outcomes) {
    const changes = o.plan?.changes ?? [];
    const extra = o.plan?.extra ?? [];
    if (o.error) {
      io.stdout(`${o.cluster}: FAILED — ${maskSecrets(o.error.message)}\n`);
      continue;
    }
    const verb = options.applied ? 'applied' : 'to apply';
    io.stdout(`${o.cluster}: ${options.applied ? o.applied!.length : changes.length + (options.prune ? extra.length : 0)} change(s) ${verb}\n`);
    for (const c of changes) io.stdout(`  ${describeChange(c)}\n`);
    for (const c of extra) io.stdout(`  ${describeChange(c)}${options.prune ? '' : '   (not in the topology; --prune deletes it)'}\n`);
  }
  return ok;
}

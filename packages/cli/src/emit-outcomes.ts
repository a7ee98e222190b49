import { describeChange, type ClusterOutcome } from '@fedgate/broker-admin';
import { maskSecrets } from '@fedgate/topology';
import type { CommandContext } from './command.ts';
import { emit } from './emit.ts';

/** Emits the plan/apply outcomes of every cluster; `ok` is false (exit 1) when a cluster failed. */
export function emitOutcomes(ctx: CommandContext, outcomes: ClusterOutcome[], options: { applied: boolean; prune: boolean }): void {
  const clusters = outcomes.map((o) => ({
    cluster: o.cluster,
    changes: (o.plan?.changes ?? []).map((c) => ({ action: c.action, kind: c.kind, id: c.id, ...(c.fields ? { fields: c.fields } : {}) })),
    extra: (o.plan?.extra ?? []).map((c) => ({ action: c.action, kind: c.kind, id: c.id })),
    ...(o.applied ? { applied: o.applied.length } : {}),
    ...(o.error ? { error: o.error.message } : {}),
  }));
  emit(ctx, { ok: outcomes.every((o) => !o.error), clusters }, () => outcomes.map((o) => describeOutcome(o, options)).join(''));
}

function describeOutcome(o: ClusterOutcome, options: { applied: boolean; prune: boolean }): string {
  if (o.error) return `${o.cluster}: FAILED — ${maskSecrets(o.error.message)}\n`;
  const changes = o.plan?.changes ?? [];
  const extra = o.plan?.extra ?? [];
  const verb = options.applied ? 'applied' : 'to apply';
  return [
    `${o.cluster}: ${options.applied ? o.applied!.length : changes.length + (options.prune ? extra.length : 0)} change(s) ${verb}\n`,
    ...changes.map((c) => `  ${describeChange(c)}\n`),
    ...extra.map((c) => `  ${describeChange(c)}${options.prune ? '' : '   (not in the topology; --prune deletes it)'}\n`),
  ].join('');
}

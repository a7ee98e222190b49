import type { Definitions } from '@fedgate/broker-config';
import type { ManagementClient } from './management-client.ts';
import { seg } from './management-client.ts';
import { APPLY_ORDER, planChanges, type Change, type ClusterPlan } from './plan-changes.ts';

/** The live definitions of a cluster, as its management API exports them. */
export async function exportDefinitions(client: ManagementClient): Promise<Partial<Definitions>> {
  return client.get<Partial<Definitions>>('/definitions');
}

export async function planCluster(cluster: string, client: ManagementClient, desired: Definitions): Promise<ClusterPlan> {
  return planChanges(cluster, desired, await exportDefinitions(client));
}

/** Carries out a plan's changes (and, with `prune`, its deletes) in dependency order. */
export async function applyPlan(
  client: ManagementClient,
  plan: ClusterPlan,
  options: { prune?: boolean; onChange?: (c: Change) => void } = {},
): Promise<Change[]> {
  const done: Change[] = [];
  for (const change of plan.changes) {
    await applyChange(client, change);
    options.onChange?.(change);
    done.push(change);
  }
  if (options.prune) {
    for (const change of [...plan.extra].sort((a, b) => APPLY_ORDER.indexOf(b.kind) - APPLY_ORDER.indexOf(a.kind))) {
      await applyChange(client, change);
      options.onChange?.(change);
      done.push(change);
    }
  }
  return done;
}

async function applyChange(client: ManagementClient, change: Change): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one object of any definitions kind; each case reads its kind's fields
  const o = change.object as Record<string, any>;
  const del = change.action === 'delete';
  switch (change.kind) {
    case 'vhost':
      return client.put(`/vhosts/${seg(o.name)}`, {});
    case 'user':
      return del
        ? client.delete(`/users/${seg(o.name)}`)
        : client.put(`/users/${seg(o.name)}`, { password_hash: o.password_hash, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: o.tags.join(',') });
    case 'permission':
      return del
        ? client.delete(`/permissions/${seg(o.vhost)}/${seg(o.user)}`)
        : client.put(`/permissions/${seg(o.vhost)}/${seg(o.user)}`, { configure: o.configure, write: o.write, read: o.read });
    case 'topic-permission':
      return del
        ? client.delete(`/topic-permissions/${seg(o.vhost)}/${seg(o.user)}`)
        : client.put(`/topic-permissions/${seg(o.vhost)}/${seg(o.user)}`, { exchange: o.exchange, write: o.write, read: o.read });
    case 'exchange':
      if (del) return client.delete(`/exchanges/${seg(o.vhost)}/${seg(o.name)}`);
      if (change.action === 'update') await client.delete(`/exchanges/${seg(o.vhost)}/${seg(o.name)}`); // type and arguments are fixed at declare
      return client.put(`/exchanges/${seg(o.vhost)}/${seg(o.name)}`, {
        type: o.type,
        durable: o.durable,
        auto_delete: o.auto_delete,
        internal: o.internal,
        arguments: o.arguments,
      });
    case 'queue':
      if (del) return client.delete(`/queues/${seg(o.vhost)}/${seg(o.name)}`);
      if (change.action === 'update') {
        // Queue arguments cannot change in place, and deleting would lose messages: say so and leave it.
        throw new Error(`queue ${o.name} differs in ${change.fields?.join(', ')}; it cannot change in place (drain and delete it, then apply)`);
      }
      return client.put(`/queues/${seg(o.vhost)}/${seg(o.name)}`, { durable: o.durable, auto_delete: o.auto_delete, arguments: o.arguments });
    case 'binding': {
      const dest = o.destination_type === 'queue' ? 'q' : 'e';
      const base = `/bindings/${seg(o.vhost)}/e/${seg(o.source)}/${dest}/${seg(o.destination)}`;
      if (!del) {
        await client.post(base, { routing_key: o.routing_key, arguments: o.arguments });
        return;
      }
      const live = await client.get<{ routing_key: string; properties_key: string }[]>(base);
      for (const b of live.filter((b) => b.routing_key === o.routing_key)) await client.delete(`${base}/${seg(b.properties_key)}`);
      return;
    }
    case 'policy':
      return del
        ? client.delete(`/policies/${seg(o.vhost)}/${seg(o.name)}`)
        : client.put(`/policies/${seg(o.vhost)}/${seg(o.name)}`, {
            pattern: o.pattern,
            definition: o.definition,
            priority: o.priority,
            'apply-to': o['apply-to'],
          });
    case 'parameter':
      return del
        ? client.delete(`/parameters/${seg(o.component)}/${seg(o.vhost)}/${seg(o.name)}`)
        : client.put(`/parameters/${seg(o.component)}/${seg(o.vhost)}/${seg(o.name)}`, { value: o.value });
  }
}

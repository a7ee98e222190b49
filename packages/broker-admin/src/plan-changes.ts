import { OWNED_PREFIX, BROKER_EVENT_EXCHANGE, maskSecrets } from '@fedgate/topology';
import type { Definitions } from '@fedgate/broker-config';

export type ObjectKind = 'vhost' | 'user' | 'permission' | 'topic-permission' | 'exchange' | 'queue' | 'binding' | 'policy' | 'parameter';

/** Order in which objects are created: what a later kind refers to exists first. Deletes run in reverse. */
export const APPLY_ORDER: readonly ObjectKind[] = ['vhost', 'user', 'permission', 'topic-permission', 'exchange', 'queue', 'binding', 'policy', 'parameter'];

export interface Change {
  readonly action: 'create' | 'update' | 'delete';
  readonly kind: ObjectKind;
  /** Human-readable identity, e.g. `shovel fedgate-down-eu`. */
  readonly id: string;
  /** The desired object (create/update) or the live one (delete), in definitions form. */
  readonly object: Record<string, unknown>;
  /** Which fields differ, for updates. */
  readonly fields?: readonly string[];
}

export interface ClusterPlan {
  readonly cluster: string;
  readonly changes: readonly Change[];
  /** Owned objects on the broker the topology no longer has; deleted only with --prune. */
  readonly extra: readonly Change[];
}

type Item = { kind: ObjectKind; id: string; object: Record<string, unknown> };

/** The objects of a definitions document, keyed by identity. */
function items(d: Partial<Definitions>): Item[] {
  const out: Item[] = [];
  for (const v of d.vhosts ?? []) out.push({ kind: 'vhost', id: v.name, object: { name: v.name } });
  for (const u of d.users ?? []) out.push({ kind: 'user', id: u.name, object: { name: u.name, password_hash: u.password_hash, tags: normaliseTags(u.tags) } });
  for (const p of d.permissions ?? []) out.push({ kind: 'permission', id: `${p.user}@${p.vhost}`, object: { ...p } });
  for (const p of d.topic_permissions ?? []) out.push({ kind: 'topic-permission', id: `${p.user}@${p.vhost} on ${p.exchange}`, object: { ...p } });
  for (const x of d.exchanges ?? [])
    out.push({
      kind: 'exchange',
      id: x.name,
      object: { name: x.name, vhost: x.vhost, type: x.type, durable: x.durable, auto_delete: x.auto_delete, internal: x.internal, arguments: x.arguments },
    });
  for (const q of d.queues ?? [])
    out.push({ kind: 'queue', id: q.name, object: { name: q.name, vhost: q.vhost, durable: q.durable, auto_delete: q.auto_delete, arguments: q.arguments } });
  for (const b of d.bindings ?? []) {
    out.push({ kind: 'binding', id: `${b.source} -> ${b.destination_type} ${b.destination} (${b.routing_key})`, object: { ...b } });
  }
  for (const p of d.policies ?? [])
    out.push({
      kind: 'policy',
      id: p.name,
      object: { vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p['apply-to'], priority: p.priority, definition: p.definition },
    });
  for (const p of d.parameters ?? []) out.push({ kind: 'parameter', id: `${p.component} ${p.name}`, object: { ...p } });
  return out;
}

function normaliseTags(tags: unknown): string[] {
  const list = Array.isArray(tags) ? tags : typeof tags === 'string' ? tags.split(',') : [];
  return list.map(String).filter(Boolean).sort();
}

/** Objects fedgate created: its name prefix, or a binding touching one of them, or its vhost limits. */
export function isOwned(item: Item): boolean {
  const o = item.object as Record<string, string>;
  switch (item.kind) {
    case 'vhost':
      return false; // vhosts are shared; fedgate creates its own but never deletes one
    case 'user':
    case 'permission':
    case 'topic-permission':
      return String(o.name ?? o.user).startsWith(OWNED_PREFIX);
    case 'binding':
      return (String(o.source).startsWith(OWNED_PREFIX) || o.source === BROKER_EVENT_EXCHANGE) && String(o.destination).startsWith(OWNED_PREFIX);
    case 'parameter':
      return o.component === 'vhost-limits' || String(o.name).startsWith(OWNED_PREFIX);
    default:
      return String(o.name).startsWith(OWNED_PREFIX);
  }
}

/**
 * Pure: what to do to make `live` hold `desired`, limited to fedgate's objects. `live` is the broker's
 * definitions export. Every desired object is compared with its live namesake, whatever its name (a service's
 * user is named by the topology, not fedgate-…); only fedgate-named objects can be extra, so objects others
 * created never appear in the plan.
 */
export function planChanges(cluster: string, desired: Definitions, live: Partial<Definitions>): ClusterPlan {
  const liveItems = new Map(items(live).map((i) => [`${i.kind}\0${i.id}`, i]));
  const liveVhosts = new Set((live.vhosts ?? []).map((v) => v.name));
  const changes: Change[] = [];
  for (const want of items(desired)) {
    if (want.kind === 'vhost') {
      if (!liveVhosts.has(want.id)) changes.push({ action: 'create', ...want });
      continue;
    }
    const key = `${want.kind}\0${want.id}`;
    const have = liveItems.get(key);
    liveItems.delete(key);
    if (!have) {
      changes.push({ action: 'create', ...want });
      continue;
    }
    const fields = differingFields(want.object, have.object);
    if (fields.length > 0) changes.push({ action: 'update', ...want, fields });
  }
  const extra = [...liveItems.values()].filter(isOwned).map((i) => ({ action: 'delete' as const, ...i }));
  return { cluster, changes: sortChanges(changes), extra: sortChanges(extra).reverse() };
}

function differingFields(want: Record<string, unknown>, have: Record<string, unknown>): string[] {
  return Object.keys(want).filter((k) => stableJson(want[k]) !== stableJson(have[k]));
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function sortChanges(changes: Change[]): Change[] {
  return [...changes].sort((a, b) => APPLY_ORDER.indexOf(a.kind) - APPLY_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
}

/** One line per change, passwords masked: `+ shovel fedgate-down-eu`, `~ policy fedgate-commands (definition)`. */
export function describeChange(change: Change): string {
  const sign = { create: '+', update: '~', delete: '-' }[change.action];
  const fields = change.fields ? ` (${change.fields.join(', ')})` : '';
  return maskSecrets(`${sign} ${change.kind} ${change.id}${fields}`);
}

// The node's side of a storm: whether it still answers, when its memory settles, and sweeping the session queues
// a storm (or an interrupted run) left behind, so each storm starts from a clean node.
import type { ManagementClient } from '@fedgate/broker-admin';
import { openDescriptors, residentBytes } from '../proc-stat.ts';

/** The management API's answer on alarms within 10 s, or why there was none. */
export async function nodeHealth(admin: ManagementClient): Promise<{ responsive: boolean; alarms: string }> {
  return Promise.race([
    admin.get<{ status: string; reason?: string }>('/health/checks/alarms').then(
      (r) => ({ responsive: true, alarms: r.status === 'ok' ? 'none' : (r.reason ?? r.status) }),
      (err: Error) => {
        const unreachable = /unreachable|timeout|abort/i.test(`${err.message} ${String(err.cause ?? '')}`);
        return { responsive: !unreachable, alarms: unreachable ? 'the management API did not answer' : err.message.slice(0, 200) };
      },
    ),
    new Promise<{ responsive: boolean; alarms: string }>((r) => setTimeout(() => r({ responsive: false, alarms: 'no answer within 10 s' }), 10_000).unref()),
  ]);
}

/**
 * The node's resident set once it stops moving (two samples 2 s apart within 1 %), at most a minute: right after a
 * storm the node still holds what the burst needed (presence events on their way to the backend, its allocators'
 * peak), which is not what each device costs it.
 */
export async function settledResidentBytes(pid: number): Promise<number> {
  const until = performance.now() + 60_000;
  let last = residentBytes(pid);
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 2_000));
    const now = residentBytes(pid);
    if (Math.abs(now - last) <= last * 0.01) return now;
    last = now;
  }
  return last;
}

/** Every client gone, the node's descriptors back near where they were, and every session queue expired. */
export async function calmDown(target: { readonly pid: number; readonly admin: ManagementClient }, descriptorsBefore: number): Promise<void> {
  const calm = performance.now() + 30_000;
  while (performance.now() < calm && openDescriptors(target.pid) > descriptorsBefore + 50) await new Promise((r) => setTimeout(r, 250));
  await sweepSessions(target.admin);
}

/**
 * Removes storm sessions without devices: those of the storm that just ended, and those an interrupted run left
 * on the node (durable, they come back with it, and a node holding thousands of them is not a clean start). A policy
 * of higher priority lets them expire a second after their device left.
 */
export async function sweepSessions(admin: ManagementClient): Promise<void> {
  if ((await sessionQueues(admin)) === 0) return;
  const sweep = `/policies/${encodeURIComponent(STORM_VHOST)}/fedgate-bench-storm-sweep`;
  await admin.put(sweep, { pattern: `^${STORM_QUEUE_PREFIX}`, 'apply-to': 'queues', priority: 1000, definition: { expires: 1000 } });
  const sessionsGone = performance.now() + 120_000;
  while (performance.now() < sessionsGone && (await sessionQueues(admin)) > 0) await new Promise((r) => setTimeout(r, 1_000));
  await admin.delete(sweep);
}

/** Where the storm's devices live, and the name their session queues start with. */
const STORM_VHOST = '/';
const STORM_QUEUE_PREFIX = 'mqtt-subscription-storm-';

/** Session queues the storm left (paged query: the node counts them, nothing is listed). */
async function sessionQueues(admin: ManagementClient): Promise<number> {
  const page = await admin.get<{ filtered_count?: number }>(`/queues?page=1&page_size=1&name=${STORM_QUEUE_PREFIX}&use_regex=false`).catch(() => undefined);
  return page?.filtered_count ?? 0;
}

// The node's side of a storm: whether it still answers, when its memory settles, and sweeping the session queues
// a storm (or an interrupted run) left behind, so each storm starts from a clean node.
import { BrokerUnreachableError, type ManagementClient } from '@fedgate/broker-admin';
import { BenchError } from '../errors.ts';

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
 * The nodes' resident set (`resident`) once it stops moving (two samples 2 s apart within 1 %), at most a minute: right after a
 * storm the node still holds what the burst needed (presence events on their way to the backend, its allocators'
 * peak), which is not what each device costs it.
 */
export async function settledResidentBytes(resident: () => number): Promise<number> {
  const until = performance.now() + 60_000;
  let last = resident();
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 2_000));
    const now = resident();
    if (Math.abs(now - last) <= last * 0.01) return now;
    last = now;
  }
  return last;
}

/** Every client gone, the nodes' descriptors back near where they were, and every session queue expired. */
export async function calmDown(descriptors: () => number, admin: ManagementClient, descriptorsBefore: number): Promise<void> {
  const calm = performance.now() + 30_000;
  while (performance.now() < calm && descriptors() > descriptorsBefore + 50) await new Promise((r) => setTimeout(r, 250));
  await sweepSessions(admin);
}

/**
 * Removes storm sessions without devices: those of the storm that just ended, and those an interrupted run left
 * on the node (durable, they come back with it, and a node holding thousands of them is not a clean start). A policy
 * of higher priority lets them expire a second after their device left. It must be gone before the next storm, or
 * that storm's sessions expire between declaration and binding; a sweep policy an interrupted run left is removed.
 */
export async function sweepSessions(admin: ManagementClient): Promise<void> {
  const policyIs = async (present: boolean) => ((await admin.find(SWEEP_POLICY)) !== undefined) === present;
  if ((await sessionQueues(admin)) > 0) {
    const sweep = { pattern: `^${STORM_QUEUE_PREFIX}`, 'apply-to': 'queues', priority: 1000, definition: { expires: 1000 } };
    await converge(
      () => admin.put(SWEEP_POLICY, sweep),
      () => policyIs(true),
      'set the sweep policy',
    );
    const sessionsGone = performance.now() + 120_000;
    while (performance.now() < sessionsGone && (await sessionQueues(admin)) > 0) await new Promise((r) => setTimeout(r, 1_000));
  }
  await converge(
    () => admin.delete(SWEEP_POLICY),
    () => policyIs(false),
    'remove the sweep policy',
  );
}

/**
 * Makes a policy change until it shows, for up to two minutes. On a 3-node cluster still deleting thousands of
 * expired sessions, removing the policy outlasted the client's 10 s timeout, and the node dropped the change with
 * the request; a moment later the same change took 40 ms.
 */
async function converge(change: () => Promise<void>, done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (!(await done().catch(() => false))) {
    if (performance.now() > deadline) throw new BenchError('BENCH_TIMEOUT', `storm sweep: could not ${what} within 120 s`);
    await change().catch((err: unknown) => {
      if (!(err instanceof BrokerUnreachableError)) throw err;
    });
  }
}

/** Where the storm's devices live, the name their session queues start with, and the policy that sweeps them. */
const STORM_VHOST = '/';
const STORM_QUEUE_PREFIX = 'mqtt-subscription-storm-';
const SWEEP_POLICY = `/policies/${encodeURIComponent(STORM_VHOST)}/fedgate-bench-storm-sweep`;

/** Session queues the storm left (paged query: the node counts them, nothing is listed). */
async function sessionQueues(admin: ManagementClient): Promise<number> {
  const page = await admin.get<{ filtered_count?: number }>(`/queues?page=1&page_size=1&name=${STORM_QUEUE_PREFIX}&use_regex=false`).catch(() => undefined);
  return page?.filtered_count ?? 0;
}

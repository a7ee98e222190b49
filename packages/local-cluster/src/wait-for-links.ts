import { fleetStatus, type FleetStatusReport, type ManagementClient } from '@fedgate/broker-admin';
import type { Topology } from '@fedgate/topology';
import { LocalClusterError } from './local-cluster-error.ts';

/** Links retry every few seconds after their peer boots; on a loaded 2-core machine give them a while. @default 90000 ms */
export const DEFAULT_LINKS_TIMEOUT_MS = 90_000;

export class LinksNotReadyError extends LocalClusterError {
  override readonly name = 'LinksNotReadyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('LINKS_NOT_READY', message, options);
  }
}

/** Pure: what keeps a status report from being healthy, one phrase each (`eu downlink: starting`). */
export function whatIsNotReady(report: FleetStatusReport): string[] {
  return [
    ...report.clusters.filter((c) => !c.reachable).map((c) => `${c.name}: unreachable${c.error ? ` (${c.error})` : ''}`),
    ...report.links.filter((l) => l.state !== 'running').map((l) => `${l.gateway} ${l.direction} ${l.name}: ${l.state}${l.reason ? ` (${l.reason})` : ''}`),
    ...report.canaries.filter((c) => !c.delivered).map((c) => `${c.gateway} ${c.link} canary: lost`),
    ...report.queues.filter((q) => q.missing).map((q) => `${q.cluster} queue ${q.name}: missing`),
  ];
}

/**
 * Returns once every link runs and a canary crossed each, so a fleet that `local up` hands over is usable at once;
 * throws naming what did not come up. Progress is reported whenever the set of waiting parts changes.
 */
export async function waitForLinks(
  topology: Topology,
  adminFor: (cluster: string) => ManagementClient,
  progress: (line: string) => void,
  timeoutMs = DEFAULT_LINKS_TIMEOUT_MS,
): Promise<FleetStatusReport> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const report = await fleetStatus(topology, adminFor, { canaries: true, canaryTimeoutMs: 3_000 });
    const waiting = whatIsNotReady(report);
    if (waiting.length === 0) return report;
    if (Date.now() > deadline) {
      throw new LinksNotReadyError(`the fleet did not become usable within ${Math.round(timeoutMs / 1000)} s: ${waiting.join('; ')}`);
    }
    const now = waiting.join('; ');
    if (now !== last) progress(`waiting for links: ${now}`);
    last = now;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

// How a drill accounts for every command it sent: delivered, dead-lettered, or neither (lost); and how many came twice.
import type { DeadLetters, DeviceSwarm } from '@fedgate/device-kit';

/** Commands neither delivered (to any of `swarms`) nor dead-lettered: what a drill must find empty. */
export function unaccounted(ids: readonly string[], swarms: readonly DeviceSwarm[], dead: DeadLetters): string[] {
  return ids.filter((id) => !swarms.some((s) => s.received.has(id)) && !dead.reasons.has(id));
}

/** Deliveries beyond the first: at-least-once redeliveries after a fault. */
export function duplicates(swarm: DeviceSwarm): number {
  let extra = 0;
  for (const n of swarm.received.values()) extra += n - 1;
  return extra;
}

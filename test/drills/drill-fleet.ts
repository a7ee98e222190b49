// The fleet the fault drills break on purpose (test/fixtures/drill-fleet.yaml): started clean by the drill suite,
// stopped and removed after it. Never the shared test fleet: drills kill nodes and cut links.
import type { RunningFleet } from '@fedgate/local-cluster';
import { sleep } from '@fedgate/device-kit';
import { runCli } from '../run-cli.ts';

/** Another drill fleet file (own ports) lets a second checkout run drills beside this one. */
export const DRILL_TOPOLOGY_FILE = process.env.FEDGATE_DRILL_TOPOLOGY ?? 'test/fixtures/drill-fleet.yaml';

/** Keep the drill fleet between runs while developing (it is reused when it answers, and left running). */
const KEEP = process.env.FEDGATE_KEEP_DRILL_FLEET === '1';

const progress = (line: string) => process.stderr.write(`      [drill fleet] ${line}\n`);

export async function startDrillFleet(): Promise<RunningFleet> {
  const { downFleet, purgeFleet, upFleet } = await import('@fedgate/local-cluster');
  if (!KEEP) {
    // A fleet a crashed run left behind, and its data: drills start from nothing.
    await downFleet(DRILL_TOPOLOGY_FILE, { onProgress: progress });
    await purgeFleet(DRILL_TOPOLOGY_FILE);
  }
  const fleet = await upFleet(DRILL_TOPOLOGY_FILE, { onProgress: progress });
  await waitForHealthy(120_000);
  return fleet;
}

export async function stopDrillFleet(): Promise<void> {
  if (KEEP) return;
  const { downFleet, purgeFleet } = await import('@fedgate/local-cluster');
  await downFleet(DRILL_TOPOLOGY_FILE, { onProgress: progress });
  await purgeFleet(DRILL_TOPOLOGY_FILE);
}

/** Restarts whatever node of the drill fleet is not serving (as on-call would with `fedgate local up`). */
export async function restartStoppedNodes(): Promise<void> {
  const { upFleet } = await import('@fedgate/local-cluster');
  await upFleet(DRILL_TOPOLOGY_FILE, { onProgress: progress });
}

export interface StatusReport {
  readonly ok: boolean;
  readonly links: { gateway: string; name: string; direction: string; state: string }[];
  readonly canaries: { gateway: string; link: string; delivered: boolean }[];
  readonly queues: { cluster: string; name: string; messages?: number }[];
}

/** `fedgate status --json` on the drill fleet, as on-call runs it. */
export async function fleetStatus(options: { canary?: boolean } = {}): Promise<{ code: number; report: StatusReport }> {
  const { code, stdout } = await runCli(['status', '-f', DRILL_TOPOLOGY_FILE, '--json', ...(options.canary === false ? ['--no-canary'] : [])]);
  return { code, report: JSON.parse(stdout) as StatusReport };
}

/** Polls `fedgate status` until it exits 0; returns the milliseconds it took. */
export async function waitForHealthy(timeoutMs: number): Promise<number> {
  const started = performance.now();
  let last: StatusReport | undefined;
  while (performance.now() - started < timeoutMs) {
    const { code, report } = await fleetStatus();
    if (code === 0) return performance.now() - started;
    last = report;
    await sleep(500);
  }
  throw new Error(`the drill fleet is not healthy after ${Math.round(timeoutMs / 1000)} s: ${JSON.stringify(last)}`);
}

const recoveries: string[] = [];

/** Prints a drill's time to recover now, and again in the summary after the last drill. */
export function reportRecovery(drill: string, line: string): void {
  const text = `${drill}: ${line}`;
  recoveries.push(text);
  process.stderr.write(`      [drill] ${text}\n`);
}

export function recoverySummary(): string[] {
  return [...recoveries];
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

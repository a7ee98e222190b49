// One local fleet for the whole test run: started by the first suite that asks, stopped once at the end.
import type { RunningFleet } from '@fedgate/local-cluster';

/** Another fleet file (own name and ports) lets a second checkout run its tests beside this one. */
export const TEST_TOPOLOGY_FILE = process.env.FEDGATE_TEST_TOPOLOGY ?? 'test/fixtures/test-fleet.yaml';

let started: Promise<RunningFleet> | undefined;

/** The shared fleet of test/fixtures/test-fleet.yaml (ports apart from local.yaml, so `npm start` can run beside it). */
export function sharedFleet(): Promise<RunningFleet> {
  started ??= import('@fedgate/local-cluster').then(({ upFleet }) =>
    upFleet(TEST_TOPOLOGY_FILE, { onProgress: (line) => process.stderr.write(`      [fleet] ${line}\n`) }),
  );
  return started;
}

export async function stopSharedFleet(): Promise<void> {
  if (!started || process.env.FEDGATE_KEEP_FLEET === '1') return;
  const fleet = await started.catch(() => undefined);
  started = undefined;
  if (fleet) await fleet.down();
  // A start that failed half-way leaves nodes running: stop whatever of the fleet is up.
  else await import('@fedgate/local-cluster').then(({ downFleet }) => downFleet(TEST_TOPOLOGY_FILE));
}

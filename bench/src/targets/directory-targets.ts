// Pure: the router directory scenario's target: heap per device at the largest size.
import { evaluateTarget, type TargetOutcome } from '../evaluate-target.ts';
import type { DirectoryResult } from '../scenarios/directory.ts';
import { TARGETS } from './bench-targets.ts';

export function assessDirectoryTargets(directory: DirectoryResult): TargetOutcome[] {
  const out: TargetOutcome[] = [];
  out.push(
    evaluateTarget(
      TARGETS.directory,
      directory.bytesPerDeviceAtLargest,
      `each entry keeps its ${directory.settings.idLength}-character id string, a Map slot and a boxed number`,
    ),
  );
  return out;
}

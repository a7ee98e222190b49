// The router's directory, in-process and without a broker: heap per device, lookup time and presence-update rate
// at 100k and 1M devices. Each measurement runs in a fresh `node --expose-gc` process, sizes interleaved.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchPlan } from '../bench-options.ts';
import { BenchError } from '../errors.ts';
import type { DirectoryProbeResult } from '../directory-probe.ts';
import { formatBytes, formatRate } from '../format-figures.ts';
import { median } from '../percentiles.ts';

const execFileAsync = promisify(execFile);
const PROBE = fileURLToPath(new URL('../directory-probe.ts', import.meta.url));

export interface DirectoryRun extends DirectoryProbeResult {
  readonly round: number;
}

export interface DirectoryResult {
  readonly settings: { sizes: readonly number[]; lookups: number; updates: number; rounds: number; idLength: number; node: string };
  readonly runs: readonly DirectoryRun[];
  readonly summary: readonly { devices: number; heapBytesPerDevice: number; lookupNs: number; updatesPerSec: number; insertsPerSec: number }[];
  /** The largest size's heap bytes per device (target ≤ 200). */
  readonly bytesPerDeviceAtLargest: number;
}

async function probe(cwd: string, size: number, lookups: number, updates: number): Promise<DirectoryProbeResult> {
  try {
    const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, String(size), String(lookups), String(updates)], {
      cwd,
      maxBuffer: 1 << 20,
      timeout: 300_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as DirectoryProbeResult;
  } catch (err) {
    throw BenchError.from('BENCH_PROCESS_FAILED', `directory probe of ${size} devices`, err);
  }
}

export async function runDirectoryScenario(plan: BenchPlan, cwd: string): Promise<DirectoryResult> {
  const { sizes, lookups, updates } = plan.directory;
  const runs: DirectoryRun[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const size of sizes) {
      const result = await probe(cwd, size, lookups, updates);
      runs.push({ ...result, round });
      plan.progress(
        `directory: round ${round}/${plan.rounds} ${size.toLocaleString('en-US')} devices: ${formatBytes(result.heapBytesPerDevice)}/device, ` +
          `lookup ${result.lookupNs.toFixed(0)} ns, updates ${formatRate(result.updatesPerSec)}`,
      );
    }
  }
  const summary = sizes.map((devices) => {
    const of = runs.filter((r) => r.devices === devices);
    return {
      devices,
      heapBytesPerDevice: median(of.map((r) => r.heapBytesPerDevice)),
      lookupNs: median(of.map((r) => r.lookupNs)),
      updatesPerSec: median(of.map((r) => r.updatesPerSec)),
      insertsPerSec: median(of.map((r) => r.insertsPerSec)),
    };
  });
  return {
    settings: { sizes, lookups, updates, rounds: plan.rounds, idLength: runs[0]?.idLength ?? 0, node: process.version },
    runs,
    summary,
    bytesPerDeviceAtLargest: summary[summary.length - 1]?.heapBytesPerDevice ?? Number.NaN,
  };
}

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rerenderReport } from '../src/report/write-report.ts';
import type { BenchResults } from '../src/bench-results.ts';

describe('bench - re-rendering a report from its results.json', () => {
  it('rewrites report.md and the PNG charts from the stored figures, re-assessing the targets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedgate-bench-'));
    try {
      const results: BenchResults = {
        format: 'fedgate-bench/1',
        startedAt: '2026-11-23T18:00:00.000Z',
        finishedAt: '2026-11-23T18:00:21.000Z',
        durationSeconds: 21,
        mode: 'quick',
        command: 'fedgate bench directory --quick',
        machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, kernel: '6', node: 'v20' },
        settings: { gateways: 3, rounds: 1, messageBytes: 256 },
        scenarios: {
          directory: {
            settings: { sizes: [100_000], lookups: 10, updates: 10, rounds: 1, idLength: 16, node: 'v20' },
            runs: [],
            summary: [{ devices: 100_000, heapBytesPerDevice: 117, lookupNs: 900, updatesPerSec: 7e5, insertsPerSec: 1e6 }],
            bytesPerDeviceAtLargest: 117,
          },
        },
        targets: [],
        failures: [],
      };
      // As written by a run: NaN becomes null in JSON.
      await writeFile(join(dir, 'results.json'), JSON.stringify({ ...results, machine: { ...results.machine, memoryGiB: null } }));
      await rerenderReport(dir);
      const report = await readFile(join(dir, 'report.md'), 'utf8');
      assert.match(report, /\| directory heap per device \(largest size\) \| ≤ 200 B \| 117 B \| met \|/);
      const pngs = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
      assert.deepEqual(pngs, ['directory-lookup.png', 'directory-memory.png']);
      const png = await readFile(join(dir, pngs[0]!));
      assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { benchmarkSnapshotCodec } from '../src/snapshot-benchmark.ts';

describe('router - snapshot micro-benchmark hook', () => {
  it('round-trips the directory it built and reports sizes that add up', () => {
    const result = benchmarkSnapshotCodec({ devices: 20_000, partBytes: 64 * 1024 });
    assert.equal(result.devices, 20_000);
    assert.ok(result.parts > 1);
    assert.equal(result.bytesPerDevice, result.bytes / 20_000);
    // 16-character ids: 1 + 16 + 1 + 6 bytes per entry, plus a small header per part.
    assert.ok(result.bytesPerDevice >= 24 && result.bytesPerDevice < 25, String(result.bytesPerDevice));
    assert.ok(result.encodeMs >= 0 && result.loadMs >= 0);
  });
});

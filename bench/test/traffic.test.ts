import assert from 'node:assert/strict';
import { readStamp, stampPayload, STAMP_BYTES } from '../src/stamped-payload.ts';
import { CollectorRegistry, RunCollector } from '../src/run-collector.ts';

describe('bench - stamped payloads and run collectors', () => {
  it('round-trips the stamp at the start of a padded payload', () => {
    const buf = stampPayload(256, { sentAt: 1234.5678, runId: 7, seq: 99 });
    assert.equal(buf.length, 256);
    assert.deepEqual(readStamp(buf), { sentAt: 1234.5678, runId: 7, seq: 99 });
    assert.equal(stampPayload(4, { sentAt: 1, runId: 1, seq: 1 }).length, STAMP_BYTES);
  });

  it('ignores payloads too short to carry a stamp', () => {
    assert.equal(readStamp(Buffer.from('hello')), undefined);
  });

  it('counts first arrivals with their latency and duplicates apart', () => {
    const c = new RunCollector(1, 3, 0);
    c.record(0, 10, 15);
    c.record(0, 10, 16);
    c.record(2, 10, 30);
    assert.equal(c.received, 2);
    assert.equal(c.duplicates, 1);
    assert.deepEqual(c.latencies, [5, 20]);
    assert.equal(c.complete, false);
    c.record(1, 20, 40);
    assert.equal(c.complete, true);
    assert.deepEqual([c.firstAt, c.lastAt], [15, 40]);
  });

  it('settles false when nothing arrives for the idle time, instead of waiting for lost messages', async () => {
    const c = new RunCollector(1, 2);
    c.record(0, performance.now());
    const started = performance.now();
    assert.equal(await c.settle(5_000, 200), false);
    assert.ok(performance.now() - started < 2_000);
  });

  it('routes arrivals to the collector of their run and drops those of closed or unknown runs', () => {
    const registry = new CollectorRegistry();
    const a = registry.open(2);
    const b = registry.open(2);
    registry.deliver(stampPayload(64, { sentAt: 0, runId: a.runId, seq: 0 }), 1);
    registry.deliver(stampPayload(64, { sentAt: 0, runId: b.runId, seq: 1 }), 1);
    registry.close(a);
    assert.equal(registry.deliver(stampPayload(64, { sentAt: 0, runId: a.runId, seq: 1 }), 1), undefined);
    assert.equal(registry.deliver(stampPayload(64, { sentAt: 0, runId: 999, seq: 0 }), 1), undefined);
    assert.deepEqual([a.received, b.received], [1, 1]);
  });
});

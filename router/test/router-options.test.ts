import assert from 'node:assert/strict';
import type { Topology } from '@fedgate/topology';
import { normalizeRouterOptions, snapshotWindow } from '../src/router-options.ts';
import { RouterOptionsError } from '../src/router-error.ts';

const topology = {
  routing: { commandTtlSeconds: 60, locationTtlSeconds: 86_400, maxCommandBytes: 262_144, onUnknown: 'broadcast', evacuateAfterSeconds: 60 },
} as unknown as Topology;

describe('router - options', () => {
  it('fills defaults and takes the routing policy from the topology', () => {
    const o = normalizeRouterOptions({ amqpUrl: 'amqp://x', topology });
    assert.equal(o.maxHeaderBytes, 4096);
    assert.equal(o.snapshotIntervalMs, 60_000);
    assert.equal(o.evacuateAfterMs, 60_000, "a lost gateway is evacuated after the topology's routing.evacuateAfterSeconds");
    assert.equal(o.routeCommands, true);
    assert.deepEqual(o.policy, { commandTtlMs: 60_000, locationTtlMs: 86_400_000, maxCommandBytes: 262_144, onUnknown: 'broadcast' });
  });

  it('names the field, the range and the value it refuses, with a stable code', () => {
    assert.throws(
      () => normalizeRouterOptions({ amqpUrl: 'amqp://x', topology, publishTimeoutMs: 5 }),
      (err: RouterOptionsError) =>
        err instanceof RouterOptionsError &&
        err.code === 'ROUTER_INVALID_OPTIONS' &&
        err.message === 'publishTimeoutMs must be an integer from 100 to 600000, got 5',
    );
    assert.throws(() => normalizeRouterOptions({ amqpUrl: 'amqp://x', topology, snapshotIntervalMs: 10 }), /snapshotIntervalMs must be 0 or from 1000/);
  });

  it('reads snapshots two intervals back, as an x-stream-offset interval', () => {
    assert.equal(snapshotWindow(60_000), '120s');
    assert.equal(snapshotWindow(1_500), '3s');
    assert.equal(snapshotWindow(0), '120s', "a router that never writes still reads the default writers' window");
  });
});

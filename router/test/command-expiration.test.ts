import assert from 'node:assert/strict';
import { expirationProperty, remainingMs } from '../src/command-expiration.ts';
import { DeviceDirectory } from '../src/device-directory.ts';
import { routeCommand, type RoutingPolicy } from '../src/route-command.ts';

const TTL = 60_000;
const NOW = 1_700_000_000_000;

describe('router - command expiration', () => {
  it("is the time left before the sender's deadline", () => {
    assert.equal(remainingMs({ deadline: NOW + 12_345 }, NOW, TTL), 12_345);
    assert.equal(remainingMs({ deadline: NOW - 1 }, NOW, TTL), -1);
  });

  it("never exceeds the command TTL, however far the deadline or the sender's clock is", () => {
    assert.equal(remainingMs({ deadline: Number.MAX_SAFE_INTEGER }, NOW, TTL), TTL);
    assert.equal(remainingMs({ timestamp: 9e15 }, NOW, TTL), TTL);
  });

  it("without a deadline counts the TTL from the sender's timestamp, or from now", () => {
    assert.equal(remainingMs({ timestamp: NOW / 1000 - 10 }, NOW, TTL), TTL - 10_000);
    assert.equal(remainingMs({}, NOW, TTL), TTL);
    assert.equal(remainingMs({ timestamp: 0 }, NOW, TTL), TTL, 'a zero timestamp means unset');
  });

  it('is written as a positive integer string', () => {
    assert.equal(expirationProperty(59_999.7), '59999');
    assert.equal(expirationProperty(0.2), '1');
  });

  it('is what the routing decision carries, capped', () => {
    const directory = new DeviceDirectory(['eu']);
    directory.arrived('s-1', 'eu', NOW - 1000);
    const policy: RoutingPolicy = { commandTtlMs: TTL, locationTtlMs: 3_600_000, maxCommandBytes: 1024, onUnknown: 'broadcast' };
    const decision = routeCommand({ routingKey: 'devices.s-1.commands.x', bodyBytes: 1, deadline: NOW + 10 * TTL }, directory, policy, NOW);
    assert.deepEqual(decision, { action: 'direct', gateway: 'eu', deviceId: 's-1', remainingMs: TTL });
  });
});

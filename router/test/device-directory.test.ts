import assert from 'node:assert/strict';
import { DEVICE_USER } from '@fedgate/topology';
import { DeviceDirectory } from '../src/device-directory.ts';
import { devicePresenceHeaders, parsePresenceEvent, readPresenceEvent } from '../src/presence-event.ts';
import { routeCommand, type RoutingPolicy } from '../src/route-command.ts';

const HOUR = 3_600_000;
const policy: RoutingPolicy = { commandTtlMs: 60_000, locationTtlMs: 24 * HOUR, maxCommandBytes: 1024, onUnknown: 'broadcast' };

describe('router - directory', () => {
  it('keeps the newest location, whatever order presence events arrive in', () => {
    const d = new DeviceDirectory(['eu', 'us']);
    d.arrived('s-1', 'us', 2_000);
    d.arrived('s-1', 'eu', 1_000); // older, arrives late
    assert.deepEqual(d.lookup('s-1', 3_000, HOUR), { gateway: 'us', since: 2_000 });
  });

  it("ignores the old gateway's removal after a device moved", () => {
    const d = new DeviceDirectory(['eu', 'us']);
    d.arrived('s-1', 'eu', 1_000);
    d.arrived('s-1', 'us', 2_000);
    assert.equal(d.left('s-1', 'eu', 2_500), false);
    assert.equal(d.lookup('s-1', 3_000, HOUR)?.gateway, 'us');
    assert.equal(d.left('s-1', 'us', 3_000), true);
    assert.equal(d.lookup('s-1', 3_000, HOUR), undefined);
  });

  it('treats a location older than the TTL as unknown', () => {
    const d = new DeviceDirectory(['eu']);
    d.arrived('s-1', 'eu', 1_000);
    assert.equal(d.lookup('s-1', 1_000 + HOUR + 1, HOUR), undefined);
  });

  it('ignores gateways it does not know', () => {
    const d = new DeviceDirectory(['eu']);
    assert.equal(d.arrived('s-1', 'mars', 1), false);
    assert.equal(d.size, 0);
  });
});

describe('router - presence events', () => {
  const created = (headers: Record<string, unknown>, userId = 'fedgate-up-eu') => ({ routingKey: 'binding.created', userId, headers });
  const base = devicePresenceHeaders('s-42', 1_700_000_000_000);

  it("reads a device command subscription, attributed by the link's user", () => {
    assert.deepEqual(parsePresenceEvent(created(base)), { type: 'arrived', deviceId: 's-42', gateway: 'eu', at: 1_700_000_000_000 });
  });

  it("takes a plain gateway's shared device login, whose client-id rule ties the session queue to the device", () => {
    assert.equal(readPresenceEvent(created({ ...base, user_who_performed_action: DEVICE_USER })).kind, 'presence');
  });

  it("takes an app's binding of its own fedgate.app.<app>.* queue, made with its token, as the app's presence", () => {
    const app = { routing_key: 'devices.billing.commands.#', destination_name: 'fedgate.app.billing.commands', user_who_performed_action: 'billing' };
    assert.equal(readPresenceEvent(created({ ...base, ...app })).kind, 'presence');
    assert.equal(readPresenceEvent(created({ ...base, ...app, destination_name: 'fedgate.app.billingx.commands' })).kind, 'untrusted');
  });

  it("takes a browser app over web-mqtt as present: its own client id's session queue, bound by its token's name (seen on 4.0.5)", () => {
    // What a web-mqtt login with app "dash"'s token as password and client id "dash" binds: the MQTT plugin's session
    // queue of that client id, with the token's subject as the acting user. Nothing in isOwnQueue had to change.
    for (const queue of ['mqtt-subscription-dashqos0', 'mqtt-subscription-dashqos1']) {
      const web = { routing_key: 'devices.dash.commands.#', destination_name: queue, user_who_performed_action: 'dash' };
      assert.equal(readPresenceEvent(created({ ...base, ...web }, 'fedgate-up-web')).kind, 'presence', queue);
    }
    // Another client id's session (its token grants no such queue anyway) does not place it.
    assert.equal(
      readPresenceEvent(
        created({ ...base, routing_key: 'devices.dash.commands.#', destination_name: 'mqtt-subscription-otherqos1', user_who_performed_action: 'dash' }),
      ).kind,
      'untrusted',
    );
  });

  it('ignores events not stamped by a gateway link, other exchanges and canaries', () => {
    assert.equal(parsePresenceEvent(created(base, 'fedgate-admin')), undefined);
    assert.equal(parsePresenceEvent(created({ ...base, source_name: 'amq.topic' })), undefined);
    assert.equal(parsePresenceEvent(created({ ...base, routing_key: 'devices.fedgate-canary-eu.commands.#' })), undefined);
    assert.equal(parsePresenceEvent(created({ ...base, routing_key: 'devices.*.events.#' })), undefined);
  });

  it("refuses, and says why, a binding to a device's commands that is not that device's own session", () => {
    const attacker = { destination_name: 'mqtt-subscription-attackerqos1', user_who_performed_action: 'attacker' };
    assert.deepEqual(readPresenceEvent(created({ ...base, ...attacker })), {
      kind: 'untrusted',
      reason: 'not-its-session-queue',
      deviceId: 's-42',
      gateway: 'eu',
    });
    // A queue named like the victim's session but bound by another login (an app, another device).
    assert.deepEqual(readPresenceEvent(created({ ...base, user_who_performed_action: 'stomp-app' })), {
      kind: 'untrusted',
      reason: 'not-its-identity',
      deviceId: 's-42',
      gateway: 'eu',
    });
    assert.equal(readPresenceEvent(created({ ...base, user_who_performed_action: undefined })).kind, 'untrusted');
    assert.equal(readPresenceEvent(created({ ...base, destination_name: 'stomp-subscription-x' })).kind, 'untrusted');
    assert.equal(readPresenceEvent(created({ ...base, destination_name: 'mqtt-subscription-s-42qos1x' })).kind, 'untrusted');
  });
});

describe('router - routing decision', () => {
  const directory = new DeviceDirectory(['eu', 'us']);
  directory.arrived('s-1', 'eu', 1_000);
  const now = 10_000;

  it('routes directly to the gateway a device is at, with the remaining TTL', () => {
    assert.deepEqual(routeCommand({ routingKey: 'devices.s-1.commands.reboot', bodyBytes: 10, deadline: 40_000 }, directory, policy, now), {
      action: 'direct',
      gateway: 'eu',
      deviceId: 's-1',
      remainingMs: 30_000,
    });
  });

  it('broadcasts for an unknown device only; a known one is sent to its gateway even while that is unhealthy', () => {
    assert.equal(routeCommand({ routingKey: 'devices.s-9.commands.reboot', bodyBytes: 10 }, directory, policy, now).action, 'broadcast');
    // Its outbox holds it; the evacuator moves it if the gateway stays lost. A broadcast would copy it everywhere.
    assert.equal(routeCommand({ routingKey: 'devices.s-1.commands.reboot', bodyBytes: 10 }, directory, policy, now).action, 'direct');
  });

  it('dead-letters malformed, deviceless, oversized and expired commands with their reason', () => {
    const reason = (routingKey: string, bodyBytes = 10, deadline?: number) => {
      const d = routeCommand({ routingKey, bodyBytes, deadline }, directory, policy, now);
      return d.action === 'dead' ? d.reason : d.action;
    };
    assert.equal(reason('devices.s-1.reboot'), 'malformed-routing-key');
    assert.equal(reason('devices..commands.reboot'), 'missing-device-id');
    assert.equal(reason('devices.s-1.commands.reboot', 2048), 'oversized');
    assert.equal(reason('devices.s-1.commands.reboot', 10, now - 1), 'expired');
  });
});

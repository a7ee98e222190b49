import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningFleet } from '@fedgate/local-cluster';
import { readFileSync, readdirSync } from 'node:fs';
import { nodePid } from '@fedgate/local-cluster';
import { runCli } from '../run-cli.ts';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';
import { mqttDeviceLogin, pollUntil } from '@fedgate/device-kit';

/** `work` for every item, at most `width` at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * The burst that leaves a stock node unusable. FEDGATE_STORM_CLIENTS measures a larger one by hand (with a test
 * topology whose maxConnections admits it, through FEDGATE_TEST_TOPOLOGY).
 */
const STORM_CLIENTS = Number(process.env.FEDGATE_STORM_CLIENTS ?? 2_000);

describe('gateway - reconnect storm', function () {
  // Over TLS the first run also issues a certificate per storm device.
  this.timeout(600_000);
  let fleet: RunningFleet;
  const clients: MqttClient[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  });

  it(`${STORM_CLIENTS} MQTT clients connecting at once all end up connected, and the fleet stays healthy`, async () => {
    const admin = fleet.admin('eu');
    // Every device its own login (over TLS its own certificate, issued once and kept in the fleet's state).
    const logins = await inBatches(
      Array.from({ length: STORM_CLIENTS }, (_, i) => `storm-${i}`),
      8,
      (id) => mqttDeviceLogin(fleet, 'eu', id),
    );
    const pid = (await nodePid(fleet.node('eu')))!;
    const rssBefore = residentBytes(pid);
    const started = performance.now();
    for (const { url, options } of logins) {
      // All at once, like devices after an outage; each retries as a device would.
      clients.push(mqtt.connect(url, { ...options, clean: true, reconnectPeriod: 1_000, connectTimeout: 30_000, keepalive: 120 }));
    }
    await pollUntil(() => clients.every((c) => c.connected), Math.max(180_000, STORM_CLIENTS * 60), `all ${STORM_CLIENTS} clients to connect`);
    const connectSeconds = (performance.now() - started) / 1000;
    // Management statistics lag by the gateway's 60 s interval; the kernel's view of the node is current.
    const perConnection = (residentBytes(pid) - rssBefore) / STORM_CLIENTS;
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    process.stderr.write(
      `      [storm] ${STORM_CLIENTS} clients connected in ${connectSeconds.toFixed(1)} s; node RSS +${(perConnection / 1024).toFixed(1)} KiB per connection; ${fds} descriptors open\n`,
    );
    assert.ok(fds > STORM_CLIENTS, 'the node holds a descriptor per client');
    const alarms = await admin.get<{ status: string }>('/health/checks/alarms').catch((err) => ({ status: String(err) }));
    assert.equal(alarms.status, 'ok', 'no resource alarm on the gateway');

    const { code, stdout } = await runCli(['status', '-f', TEST_TOPOLOGY_FILE, '--json']);
    assert.equal(code, 0, stdout);
  });
});

// The fleet console in Debian's chromium: live from server-sent events, a link deleted by hand shows down within one
// refresh and up again after `fedgate apply`; 50 gateways stay one compact table.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { seg } from '@fedgate/broker-admin';
import { downlinkName, type Cluster } from '@fedgate/topology';
import { collectConsoleSnapshot, startConsoleServer, type ConsoleServer, type ConsoleSnapshot } from '@fedgate/web';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';
import { runCli } from '../run-cli.ts';
import { launchChromium, screenshotPath } from '../browser.ts';
import { mqttDevice, pollUntil } from '@fedgate/device-kit';

const REFRESH_MS = 1_000;

const linkState = (page: Page, gateway: string, link: string) =>
  page.locator(`tr[data-cluster="${gateway}"] td[data-link="${link}"]`).getAttribute('data-state');

describe('web - the fleet console, in chromium', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  let browser: Browser;
  let console_: ConsoleServer | undefined;
  let device: MqttClient | undefined;

  before(async () => {
    fleet = await sharedFleet();
    browser = await launchChromium(undefined); // the console is plain http on loopback
  });
  afterEach(async () => {
    await console_?.close();
    console_ = undefined;
    await device?.endAsync(true).catch(() => undefined);
    device = undefined;
  });
  after(async () => {
    await browser?.close();
  });

  it('shows a deleted downlink down within one refresh, and running again after fedgate apply', async () => {
    // Every snapshot with the time its collection started, to tell which refresh first saw the deletion.
    const collected: { startedAt: number; snapshot: ConsoleSnapshot }[] = [];
    console_ = await startConsoleServer({
      refreshMs: REFRESH_MS,
      collect: async () => {
        const startedAt = Date.now();
        const snapshot = await collectConsoleSnapshot({ topology: fleet.topology, adminFor: (c: Cluster) => fleet.admin(c.name), canaryTimeoutMs: 3_000 });
        collected.push({ startedAt, snapshot });
        return snapshot;
      },
    });
    device = await mqttDevice(fleet, 'eu', `con-${randomUUID().slice(0, 8)}`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 420 } });
    try {
      await page.goto(console_.url);
      await page.locator('#overall.ok').waitFor({ timeout: 30_000 });
      assert.equal(await linkState(page, 'eu', 'downlink'), 'running');
      await pollUntil(() => (collected.at(-1)?.snapshot.clusters.find((c) => c.name === 'eu')?.devices ?? 0) >= 1, 10_000, 'the device counted at eu');
      await page.locator('tr[data-cluster="eu"] td.num', { hasText: /^[1-9]/ }).waitFor({ timeout: 5_000 });

      const deletedAt = Date.now();
      await fleet.admin('eu').delete(`/parameters/shovel/${seg(fleet.topology.vhost)}/${downlinkName('eu')}`);
      await page.locator('tr[data-cluster="eu"] td[data-link="downlink"]:not([data-state="running"])').waitFor({ timeout: 20_000 });
      const shownAfterMs = Date.now() - deletedAt;
      const after = collected.filter((c) => c.startedAt >= deletedAt);
      assert.ok(after.length >= 1, 'a refresh ran after the deletion');
      assert.equal(after[0]!.snapshot.links.find((l) => l.name === downlinkName('eu'))?.state, 'missing', 'the first refresh after the deletion shows it');
      assert.equal(await page.locator('tr[data-cluster="eu"]').getAttribute('data-health'), 'unhealthy');
      assert.match(await page.locator('#overall').innerText(), /NOT healthy/);
      process.stderr.write(
        `      console: downlink shown down ${shownAfterMs} ms after the deletion (refresh ${REFRESH_MS} ms, collections took ${after[0]!.snapshot.tookMs} ms)\n`,
      );
      await page.screenshot({ path: await screenshotPath('console-link-down'), fullPage: true });

      const applied = await runCli(['apply', '-f', TEST_TOPOLOGY_FILE, '--cluster', 'eu']);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      await page.locator('tr[data-cluster="eu"] td[data-link="downlink"][data-state="running"]').waitFor({ timeout: 30_000 });
      await page.locator('#overall.ok').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: await screenshotPath('console'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('stays one compact row per cluster with 50 gateways', async () => {
    const gateways = Array.from({ length: 50 }, (_, i) => `gw-${String(i + 1).padStart(2, '0')}`);
    const snapshot: ConsoleSnapshot = {
      topology: 'fifty',
      at: new Date().toISOString(),
      tookMs: 1,
      ok: false,
      clusters: [
        { name: 'core', role: 'backend', region: 'eu-west-1', reachable: true, healthy: true, version: '4.0.5' },
        ...gateways.map((name, i) => ({
          name,
          role: 'gateway' as const,
          region: 'us-east-1',
          reachable: true,
          healthy: i !== 7,
          version: '4.0.5',
          devices: 1000 + i,
        })),
      ],
      links: gateways.flatMap((gateway, i) =>
        (['downlink', 'uplink', 'presence'] as const).map((direction) => ({
          gateway,
          direction,
          kind: 'shovel' as const,
          name: `fedgate-${direction}-${gateway}`,
          state: i === 7 && direction === 'uplink' ? 'terminated' : 'running',
          ...(direction === 'presence' ? {} : { canary: { delivered: true, roundTripMs: 40 + i } }),
          depth: i,
        })),
      ),
    };
    console_ = await startConsoleServer({ refreshMs: REFRESH_MS, collect: async () => snapshot });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(console_.url);
      await page.locator('tr[data-cluster="gw-50"]').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#rows tr').count(), 51);
      const heights = await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
      assert.ok(Math.max(...heights) < 40, `each cluster is one line (tallest row ${Math.max(...heights)} px)`);
      assert.ok(heights.reduce((a, b) => a + b, 0) < 51 * 30, 'the whole fleet fits a few screens');
      await page.check('#problems');
      assert.deepEqual(await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster'))), ['gw-08']);
    } finally {
      await page.close();
    }
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import type { ConsumeMessage } from 'amqplib';
import {
  APP_USER,
  DEAD_EXCHANGE,
  DEAD_REASON_HEADER,
  DEADLINE_HEADER,
  DEVICES_EXCHANGE,
  ROUTE_HEADER,
  commandRoutingKey,
  commandTopicFilter,
} from '@fedgate/topology';
import type { RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { tap, type Tap } from '../amqp-probe.ts';
import { counterTotal, deviceId, newRouter, placed, publishCommands, watchReadiness, type OutgoingCommand } from './router-harness.ts';
import { mqttDevice, pollUntil } from '@fedgate/device-kit';

const execFileAsync = promisify(execFile);

/**
 * A command whose header table is nested `depth` levels deep: enough to overflow the stack of rabbitmq-client's
 * recursive decoder in the router, which used to lose its connection on every redelivery. Sent from a process
 * with a larger stack, since the client encodes recursively too.
 */
async function sendDeeplyNested(fleet: RunningFleet, routingKey: string, messageId: string, depth: number): Promise<void> {
  const sender = fileURLToPath(new URL('./router-deep-header-sender.ts', import.meta.url));
  // TLS options by environment, not argv: the tools' key must not show in the process list.
  await execFileAsync(
    process.execPath,
    ['--stack-size=7800', '--import', 'tsx', sender, fleet.amqpUri('core', APP_USER), routingKey, messageId, String(depth)],
    {
      env: { ...process.env, FEDGATE_SENDER_TLS: JSON.stringify(fleet.amqpTlsOptions('core')) },
    },
  );
}

interface Normal {
  readonly id: string;
  readonly body: Buffer;
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

interface Bad {
  readonly id: string;
  readonly reason: string;
  readonly headers: Record<string, unknown>;
}

/**
 * Normal commands (bodies a re-serialising router would change) with the bad ones in between, so a failure on a
 * bad one would hit the normal ones around it, and one with CC/BCC aimed at `bystander`.
 */
function mixedBurst(target: string, bystander: string) {
  const normals: Normal[] = [
    { id: 'json-duplicate-keys', body: Buffer.from('{"account":12345678901234567890,"a":1,"a":2}'), contentType: 'application/json' },
    { id: 'json-string', body: Buffer.from('"reboot"'), contentType: 'application/json' },
    { id: 'not-json-under-json', body: Buffer.from('{"unterminated": [1, 2'), contentType: 'application/json' },
    { id: 'invalid-utf8-text', body: Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0xc3]), contentType: 'text/plain' },
    { id: 'gzip-json', body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]), contentType: 'application/json', contentEncoding: 'gzip' },
    { id: 'binary', body: randomBytes(256), contentType: 'application/octet-stream' },
    { id: 'untyped', body: Buffer.from('plain bytes, no content type') },
    ...Array.from({ length: 20 }, (_, i) => ({ id: `plain-${i}`, body: Buffer.from(`{"n":${i}}`), contentType: 'application/json' })),
  ];
  const bad: Bad[] = [
    { id: 'deadline-1e300', reason: 'invalid-deadline', headers: { [DEADLINE_HEADER]: 1e300 } },
    { id: 'deadline-1e20', reason: 'invalid-deadline', headers: { [DEADLINE_HEADER]: 1e20 } },
    { id: 'deadline-minus-1', reason: 'invalid-deadline', headers: { [DEADLINE_HEADER]: -1 } },
    { id: 'deadline-abc', reason: 'invalid-deadline', headers: { [DEADLINE_HEADER]: 'abc' } },
    { id: 'headers-64k', reason: 'headers-too-large', headers: { [DEADLINE_HEADER]: Date.now() + 60_000, 'x-big': 'x'.repeat(64 * 1024) } },
  ];
  const cc = { id: 'cc-bcc', body: Buffer.from('{"cc":true}') };
  const command = (id: string, body: Buffer, options: OutgoingCommand['options']): OutgoingCommand => ({
    routingKey: commandRoutingKey(target, 'set'),
    body,
    options: { messageId: id, ...options },
  });
  const burst: OutgoingCommand[] = [];
  normals.forEach((n, i) => {
    burst.push(command(n.id, n.body, { contentType: n.contentType, contentEncoding: n.contentEncoding }));
    const b = i % 3 === 1 ? bad[(i - 1) / 3] : undefined;
    if (b) burst.push(command(b.id, Buffer.from(b.id), { headers: b.headers }));
    if (i === 3) {
      const headers = { [DEADLINE_HEADER]: Date.now() + 60_000, CC: [commandRoutingKey(bystander, 'set')], BCC: [commandRoutingKey(bystander, 'spy')] };
      burst.push(command(cc.id, cc.body, { contentType: 'application/json', headers }));
    }
  });
  return { burst, normals, bad, cc, command };
}

describe('router - hostile input mixed into normal commands', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  let router: RouterService;
  let device: MqttClient | undefined;
  const taps: Tap[] = [];

  before(async () => {
    fleet = await sharedFleet();
    router = newRouter(fleet);
    await router.start();
  });
  after(async () => {
    await device?.endAsync(true).catch(() => undefined);
    for (const t of taps) await t.close();
    await router?.stop();
  });

  it('delivers every normal command byte-identical, dead-letters each bad one with its reason, and never loses the consumer', async () => {
    const target = deviceId('hostile');
    const bystander = deviceId('cc-target');
    device = await mqttDevice(fleet, 'eu', target);
    await device.subscribeAsync(commandTopicFilter(target), { qos: 1 });
    await placed(router, target, 'eu');
    const atDevice = await tap(fleet.amqpEndpoint('eu'), DEVICES_EXCHANGE, `devices.${target}.#`);
    const atBystander = await tap(fleet.amqpEndpoint('eu'), DEVICES_EXCHANGE, `devices.${bystander}.#`);
    const dead = await tap(fleet.amqpEndpoint('core'), DEAD_EXCHANGE, `devices.${target}.#`);
    taps.push(atDevice, atBystander, dead);
    assert.equal(await counterTotal(router, 'fedgate_router_consumer_up', { consumer: 'commands' }), 1, 'consuming before the burst');

    const { burst, normals, bad, cc, command } = mixedBurst(target, bystander);
    assert.equal(burst.filter((c) => bad.some((b) => b.id === c.options?.messageId)).length, bad.length, 'every bad command is in the burst');

    const readiness = watchReadiness(router);
    try {
      await publishCommands(fleet, burst);
      await sendDeeplyNested(fleet, commandRoutingKey(target, 'set'), 'headers-nested-6000', 6_000);
      await publishCommands(fleet, [command('after-deep', Buffer.from('after-deep'), { contentType: 'text/plain' })]);
      normals.push({ id: 'after-deep', body: Buffer.from('after-deep'), contentType: 'text/plain' });
      bad.push({ id: 'headers-nested-6000', reason: 'invalid-header', headers: {} });
      const arrived = async (id: string): Promise<ConsumeMessage> => atDevice.next((m) => m.properties.messageId === id, 15_000);
      for (const n of normals) {
        const m = await arrived(n.id);
        assert.ok(m.content.equals(n.body), `${n.id} arrived byte-identical (got ${m.content.toString('hex').slice(0, 80)})`);
        assert.equal(m.properties.contentType, n.contentType, `${n.id} content type`);
        assert.equal(m.properties.contentEncoding, n.contentEncoding, `${n.id} content encoding`);
        assert.equal(m.properties.headers?.[ROUTE_HEADER], 'direct');
      }
      for (const b of bad) {
        const m = await dead.next((d) => d.properties.messageId === b.id, 15_000);
        assert.equal(m.properties.headers?.[DEAD_REASON_HEADER], b.reason, `${b.id} dead-lettered as ${b.reason}`);
        assert.ok(m.content.equals(Buffer.from(b.id)), `${b.id} dead letter keeps the body`);
      }
      const ccArrived = await arrived(cc.id);
      assert.ok(ccArrived.content.equals(cc.body));
      assert.equal(ccArrived.properties.headers?.CC, undefined, 'CC stripped');
      assert.equal(ccArrived.properties.headers?.BCC, undefined, 'BCC stripped');
      await new Promise((r) => setTimeout(r, 500)); // a copy for the bystander would have crossed by now
      assert.equal(atBystander.messages.length, 0, 'no copy reached the CC/BCC routing keys');
      assert.equal(atDevice.messages.filter((m) => bad.some((b) => b.id === m.properties.messageId)).length, 0, 'no bad command reached the device');
    } finally {
      readiness.stop();
    }
    assert.deepEqual(readiness.states, ['ready'], 'ready throughout: the command consumer was never lost');
    assert.equal(await counterTotal(router, 'fedgate_router_commands_requeued_total'), 0, 'no republish failed, so no channel closed');
    // Counted once each dead letter is confirmed, which can be just after the tap saw it.
    await pollUntil(
      async () => (await counterTotal(router, 'fedgate_router_commands_dead_lettered_total', { reason: 'invalid-deadline' })) === 4,
      5_000,
      '4 invalid deadlines counted',
    );
    await pollUntil(
      async () => (await counterTotal(router, 'fedgate_router_commands_dead_lettered_total', { reason: 'headers-too-large' })) === 1,
      5_000,
      '1 oversized header table counted',
    );
    assert.equal(await counterTotal(router, 'fedgate_router_headers_stripped_total', { header: 'CC' }), 1);
    await pollUntil(
      async () => (await counterTotal(router, 'fedgate_router_commands_dead_lettered_total', { reason: 'invalid-header' })) === 1,
      5_000,
      'the deep table counted',
    );
  });
});

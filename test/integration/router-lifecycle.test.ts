import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { DEAD_EXCHANGE, DEVICES_EXCHANGE, commandRoutingKey } from '@fedgate/topology';
import type { RouterService } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet, TEST_TOPOLOGY_FILE } from '../shared-fleet.ts';
import { tap, type Tap } from '../amqp-probe.ts';
import { deviceId, deviceIds, endpoint, newRouter, publishCommands, publishPresence } from './router-harness.ts';
import { pollUntil } from '@fedgate/device-kit';

interface RouterProcess {
  readonly proc: ChildProcess;
  /** pino's JSON lines from stdout, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** `fedgate router` as operators run it, resolved once it printed that it is ready. */
function startRouterProcess(): Promise<RouterProcess> {
  const proc = spawn(process.execPath, ['packages/cli/bin/fedgate.js', 'router', '-f', TEST_TOPOLOGY_FILE, '--port', '0', '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('router ready')) resolve({ proc, logs, exited });
    });
    void exited.then((code) => reject(new Error(`router exited with ${code} before it was ready: ${err}`)));
  });
}

describe('router - lifecycle: readiness before the rebuild, ordered shutdown, a second signal', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;
  const taps: Tap[] = [];
  const routers: RouterService[] = [];
  const processes: ChildProcess[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) p.kill('SIGKILL');
    for (const t of taps.splice(0)) await t.close();
    for (const r of routers.splice(0)) await r.stop();
  });

  it('/readyz answers 503 "rebuilding directory" until every presence event is in, 200 only with the full directory', async () => {
    const ids = deviceIds(deviceId('rebuild'), 20_000);
    await publishPresence(fleet, 'eu', ids);
    const router = newRouter(fleet);
    routers.push(router);
    const answers: { answer: string; placed: number }[] = [];
    const countPlaced = () => ids.filter((id) => router.directory.lookup(id, Date.now(), 3_600_000)).length;
    let started = false;
    const starting = router.start().finally(() => (started = true));
    while (!started) {
      if (router.httpPort !== undefined) {
        const { status, body } = await endpoint(router, '/readyz').catch(() => ({ status: 0, body: '' }));
        answers.push({ answer: `${status} ${body.trim()}`, placed: countPlaced() });
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await starting;
    answers.push({ answer: `${(await endpoint(router, '/readyz')).status} after start`, placed: countPlaced() });
    assert.ok(
      answers.some((a) => a.answer === '503 rebuilding directory'),
      `503 while rebuilding (saw ${[...new Set(answers.map((a) => a.answer))].join(', ')})`,
    );
    assert.ok(
      answers.every((a) => !a.answer.startsWith('200') || a.placed === ids.length),
      'never 200 with part of the directory',
    );
    assert.deepEqual(answers.at(-1), { answer: '200 after start', placed: ids.length });
  });

  it('SIGTERM: not ready, stops consuming, settles in-flight commands, closes, exits 0 — none lost, none twice', async () => {
    const target = deviceId('drain');
    const atDevice = await tap(fleet.amqpEndpoint('eu'), DEVICES_EXCHANGE, `devices.${target}.#`);
    const dead = await tap(fleet.amqpEndpoint('core'), DEAD_EXCHANGE, `devices.${target}.#`);
    taps.push(atDevice, dead);
    const router = await startRouterProcess();
    processes.push(router.proc);
    const count = 3_000;
    const ids = Array.from({ length: count }, (_, i) => `${target}-${i}`);
    const publishing = publishCommands(
      fleet,
      ids.map((id) => ({ routingKey: commandRoutingKey(target, 'n'), body: Buffer.from(id), options: { messageId: id } })),
    );
    await pollUntil(() => atDevice.messages.length >= 300, 30_000, 'the router to be busy routing');
    router.proc.kill('SIGTERM');
    assert.equal(await router.exited, 0, 'a graceful stop exits 0');
    await publishing;
    const steps = router.logs.map((l) => l.step).filter(Boolean);
    assert.deepEqual(steps, ['not-ready', 'in-flight-settled', 'consumer-closed', 'stopped'], 'shutdown steps in order');
    assert.equal(router.logs.find((l) => l.step === 'in-flight-settled')?.settled, true);
    const routedBeforeStop = atDevice.messages.length;
    assert.ok(routedBeforeStop < count, `the stop interrupted the stream (${routedBeforeStop} of ${count} routed)`);

    const drainer = newRouter(fleet);
    routers.push(drainer);
    await drainer.start();
    await pollUntil(() => new Set(atDevice.messages.map((m) => m.properties.messageId)).size === count, 60_000, 'the rest routed by the next router');
    const seen = atDevice.messages.map((m) => String(m.properties.messageId));
    assert.equal(seen.length, count, `each command routed once (${seen.length - new Set(seen).size} twice)`);
    assert.equal(dead.messages.length, 0, 'none dead-lettered');
  });

  it('a second signal during the shutdown exits at once, with code 1', async () => {
    const router = await startRouterProcess();
    processes.push(router.proc);
    router.proc.kill('SIGTERM');
    router.proc.kill('SIGINT');
    assert.equal(await router.exited, 1);
    assert.ok(
      router.logs.some((l) => l.msg === 'second signal: exiting now'),
      'says why it exits',
    );
    assert.ok(!router.logs.some((l) => l.step === 'stopped'), 'did not wait for the graceful stop');
  });
});

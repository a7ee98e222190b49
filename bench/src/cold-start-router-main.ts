// A router in a process of its own, driven by the cold-start scenario over the IPC channel of `fork()`: its
// resident memory and CPU are then the router's alone, and its heap starts empty as a restarted router's does.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadTopology } from '@fedgate/topology';
import { RouterService } from '@fedgate/router';
import type { ColdStartRouterReply, ColdStartRouterRequest } from './cold-start-router.ts';
import { parseVmHwmBytes, parseVmRssBytes } from './proc-stat.ts';

const quiet = pino({ level: 'silent' });
let router: RouterService | undefined;

const send = (reply: ColdStartRouterReply) => process.send!(reply);
const epochMs = () => performance.timeOrigin + performance.now();
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

async function handle(request: ColdStartRouterRequest): Promise<void> {
  if (request.kind === 'start') {
    const { topology } = await loadTopology(request.topologyFile);
    // snapshotIntervalMs 0: no timer writes snapshots; the scenario asks for each one (write-snapshot).
    router = new RouterService({ amqpUrl: request.amqpUrl, topology, httpPort: 0, httpHost: '127.0.0.1', snapshotIntervalMs: 0 }, quiet);
    const cpuBefore = process.cpuUsage();
    const startedAt = epochMs();
    await router.start();
    const readyAt = epochMs();
    const status = readFileSync('/proc/self/status', 'utf8');
    send({
      kind: 'ready',
      processStartedAt: performance.timeOrigin,
      startedAt,
      readyAt,
      startCpuSeconds: cpuSeconds(process.cpuUsage(cpuBefore)),
      processCpuSeconds: cpuSeconds(process.cpuUsage()),
      residentBytes: parseVmRssBytes(status) ?? Number.NaN,
      peakResidentBytes: parseVmHwmBytes(status) ?? Number.NaN,
      devices: router.directory.size,
      rebuild: router.rebuildReport!,
    });
  } else if (request.kind === 'write-snapshot') {
    const running = router!;
    await until(() => running.directory.size >= request.afterDevices);
    const started = performance.now();
    const written = await running.writeSnapshot();
    if (!written) throw new Error('no snapshot written: another router holds the writer lock');
    send({ kind: 'snapshot-written', bytes: written.bytes, parts: written.parts, seconds: (performance.now() - started) / 1000 });
  } else {
    await router?.stop();
    send({ kind: 'stopped' });
    process.disconnect();
  }
}

process.on('message', (request: ColdStartRouterRequest) => {
  handle(request).catch((err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
send({ kind: 'booted' });

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Connection, Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { DIRECTORY_EXCHANGE, ROUTER_SYNC_PREFIX, SNAPSHOT_STREAM } from '@fedgate/topology';
import type { DeviceDirectory } from './device-directory.ts';
import { rawBodyOf } from './raw-bodies.ts';
import { SnapshotCorruptError } from './router-error.ts';
import { applySnapshotPart, SnapshotAssembly, type CompleteSnapshot } from './snapshot-assembly.ts';
import { pause } from './with-timeout.ts';

/** Parts are up to 1 MiB: this many in flight keep the stream busy without holding much memory. */
const SNAPSHOT_PREFETCH = 16;

export interface SnapshotLoaderDeps {
  readonly connection: Connection;
  readonly publisher: () => Publisher;
  readonly instance: string;
  readonly log: Logger;
}

export interface LoadedSnapshot {
  readonly coversOffset: number;
  readonly devices: number;
  readonly bytes: number;
  readonly ageMs: number;
}

/**
 * Reads `fedgate.directory.snapshots` from `window` ago (an `x-stream-offset` interval such as "180s") up to a
 * sync marker it publishes, and returns the newest complete snapshot; undefined when there is none, the stream
 * is missing (a fleet not re-applied yet) or the marker does not come back within `timeoutMs`.
 */
export async function readNewestSnapshot(deps: SnapshotLoaderDeps, window: string, timeoutMs: number): Promise<CompleteSnapshot | undefined> {
  const log = deps.log.child({ module: 'snapshot-loader' });
  const exists = await deps.connection.queueDeclare({ queue: SNAPSHOT_STREAM, passive: true }).then(
    () => true,
    () => false,
  );
  if (!exists) {
    log.warn({ stream: SNAPSHOT_STREAM }, 'no snapshot stream on the backend; replaying the whole presence log');
    return undefined;
  }
  const marker = `${ROUTER_SYNC_PREFIX}${deps.instance}`;
  const assembly = new SnapshotAssembly();
  let caughtUp: (value: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => (caughtUp = resolve));
  const consumer = deps.connection.createConsumer(
    { queue: SNAPSHOT_STREAM, queueOptions: { passive: true }, qos: { prefetchCount: SNAPSHOT_PREFETCH }, arguments: { 'x-stream-offset': window } },
    (msg) => {
      if (msg.routingKey === marker) return caughtUp(true);
      if (msg.routingKey.startsWith(ROUTER_SYNC_PREFIX)) return; // another router's marker
      try {
        assembly.add(rawBodyOf(msg).body);
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        log.warn({ err }, 'skipped a snapshot part that does not decode');
      }
    },
  );
  consumer.on('error', (err) => log.warn({ err }, 'snapshot consumer error'));
  try {
    await deps.publisher().send({ exchange: DIRECTORY_EXCHANGE, routingKey: marker, durable: false }, Buffer.alloc(0));
    const complete = await Promise.race([done, pause(timeoutMs).then(() => false)]);
    if (!complete) log.warn({ timeoutMs }, 'the snapshot stream did not catch up in time; replaying the whole presence log');
    return complete ? assembly.newest : undefined;
  } finally {
    await consumer.close().catch(() => undefined);
  }
}

/** Applies a snapshot's parts to the directory, yielding to the event loop between parts (HTTP stays responsive). */
export async function applySnapshot(snapshot: CompleteSnapshot, directory: DeviceDirectory): Promise<LoadedSnapshot> {
  for (const part of snapshot.parts) {
    applySnapshotPart(part, directory);
    await yieldToLoop();
  }
  return { coversOffset: snapshot.coversOffset, devices: directory.size, bytes: snapshot.bytes, ageMs: Date.now() - snapshot.createdAt };
}

import { randomBytes } from 'node:crypto';
import type { Connection, Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { DIRECTORY_EXCHANGE, SNAPSHOT_WRITER_QUEUE } from '@fedgate/topology';
import type { DeviceDirectory } from './device-directory.ts';
import { SnapshotEncoder } from './directory-snapshot.ts';
import type { RouterMetrics } from './router-metrics.ts';
import { withTimeout } from './with-timeout.ts';

export interface SnapshotWriterDeps {
  readonly connection: Connection;
  readonly directory: DeviceDirectory;
  readonly metrics: RouterMetrics;
  /** The presence-log offset of the last event applied, undefined before any. */
  readonly coversOffset: () => number | undefined;
  readonly log: Logger;
}

export interface SnapshotWriterOptions {
  readonly intervalMs: number;
  readonly partBytes: number;
  readonly publishTimeoutMs: number;
}

export interface WrittenSnapshot {
  readonly coversOffset: number;
  readonly devices: number;
  readonly parts: number;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Publishes the directory to `fedgate.directory.snapshots` every interval, on its own channel so snapshot bytes
 * never sit between a command and its confirm. Only one router writes at a time: the one holding the exclusive
 * queue `fedgate.directory.writer` (the broker drops it with that router's connection, and another takes over
 * on its next tick). Nothing is written when no presence event arrived since the last snapshot.
 */
export class SnapshotWriter {
  readonly #log: Logger;
  #publisher: Publisher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<unknown> | undefined;
  #lastCovers: number | undefined;

  constructor(
    private readonly deps: SnapshotWriterDeps,
    private readonly options: SnapshotWriterOptions,
  ) {
    this.#log = deps.log.child({ module: 'snapshot-writer' });
  }

  start(): void {
    if (this.options.intervalMs <= 0) return;
    // Jittered so that routers started together do not all contend for the lock at the same moment.
    const tick = () => {
      this.#timer = setTimeout(() => void this.tick().finally(tick), this.options.intervalMs * (0.9 + Math.random() * 0.2)).unref();
    };
    tick();
  }

  /** One round: take or keep the lock, then write if anything changed. Errors are logged, never thrown. */
  async tick(): Promise<WrittenSnapshot | undefined> {
    if (this.#writing) return undefined;
    const round = this.#round();
    this.#writing = round;
    try {
      return await round;
    } catch (err) {
      this.#log.warn({ err }, 'directory snapshot not written');
      return undefined;
    } finally {
      this.#writing = undefined;
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#writing?.catch(() => undefined);
    await this.#publisher?.close().catch(() => undefined);
  }

  async #round(): Promise<WrittenSnapshot | undefined> {
    const covers = this.deps.coversOffset();
    if (covers === undefined || covers === this.#lastCovers) return undefined;
    if (!(await this.#holdLock())) return undefined;
    const written = await this.write(covers);
    this.#lastCovers = covers;
    return written;
  }

  /** Writes one snapshot covering presence offset `covers`, part by part, each confirmed before the next. */
  async write(covers: number): Promise<WrittenSnapshot> {
    const started = performance.now();
    this.#publisher ??= this.deps.connection.createPublisher({ confirm: true, maxAttempts: 1 });
    const encoder = new SnapshotEncoder(this.deps.directory, {
      id: randomBytes(16).toString('hex'),
      coversOffset: covers,
      createdAt: Date.now(),
      maxPartBytes: this.options.partBytes,
    });
    let parts = 0;
    let bytes = 0;
    const devices = this.deps.directory.size;
    for (let part = encoder.next(); part; part = encoder.next()) {
      const send = this.#publisher.send({ exchange: DIRECTORY_EXCHANGE, routingKey: 'snapshot', durable: true, contentType: 'application/octet-stream' }, part);
      await withTimeout(send, this.options.publishTimeoutMs, 'publishing a snapshot part');
      parts++;
      bytes += part.length;
    }
    const written = { coversOffset: covers, devices, parts, bytes, ms: performance.now() - started };
    this.deps.metrics.snapshotsWritten.inc();
    this.deps.metrics.snapshotBytes.set(bytes);
    this.#log.info(written, 'directory snapshot written');
    return written;
  }

  /** True while this router's connection holds the writer queue; another router's holding it is not an error. */
  async #holdLock(): Promise<boolean> {
    const channel = await this.deps.connection.acquire();
    try {
      await channel.queueDeclare({ queue: SNAPSHOT_WRITER_QUEUE, exclusive: true, durable: false });
      return true;
    } catch {
      return false; // RESOURCE_LOCKED: another router writes
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

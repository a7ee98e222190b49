import { readStamp } from './stamped-payload.ts';

/** The receiving end of one measured run: which messages arrived, when, and with what latency. */
export class RunCollector {
  /** Latency of each first arrival, ms. */
  readonly latencies: number[] = [];
  #seen: Uint8Array;
  #received = 0;
  #duplicates = 0;
  #firstAt = Number.NaN;
  #lastAt = Number.NaN;
  #lastProgressAt: number;
  #waiters: (() => void)[] = [];

  constructor(
    readonly runId: number,
    readonly expected: number,
    now = performance.now(),
  ) {
    this.#seen = new Uint8Array(expected);
    this.#lastProgressAt = now;
  }

  get received(): number {
    return this.#received;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** performance.now() of the first and the last first-arrival. */
  get firstAt(): number {
    return this.#firstAt;
  }

  get lastAt(): number {
    return this.#lastAt;
  }

  get complete(): boolean {
    return this.#received >= this.expected;
  }

  /** Counts one arrival of `seq` sent at `sentAt`; duplicates (redeliveries) are counted apart. */
  record(seq: number, sentAt: number, now = performance.now()): void {
    if (seq >= this.expected) return;
    if (this.#seen[seq]) {
      this.#duplicates++;
      return;
    }
    this.#seen[seq] = 1;
    this.#received++;
    this.latencies.push(now - sentAt);
    if (Number.isNaN(this.#firstAt)) this.#firstAt = now;
    this.#lastAt = now;
    this.#lastProgressAt = now;
    if (this.complete) this.#waiters.splice(0).forEach((w) => w());
  }

  /**
   * Resolves true once every message arrived, false when `timeoutMs` passed or nothing new arrived for `idleMs`
   * (lost messages, e.g. with ack mode no-ack, must not hang the bench).
   */
  async settle(timeoutMs: number, idleMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    this.#lastProgressAt = Math.max(this.#lastProgressAt, performance.now());
    while (!this.complete) {
      const now = performance.now();
      if (now > deadline || now - this.#lastProgressAt > idleMs) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }
}

/** Routes arrivals to the collector of their run; arrivals of no active run (leftovers, probes) are ignored. */
export class CollectorRegistry {
  readonly #active = new Map<number, RunCollector>();
  #nextRunId = 1;

  /** A fresh run id and its collector. */
  open(expected: number): RunCollector {
    const collector = new RunCollector(this.#nextRunId++, expected);
    this.#active.set(collector.runId, collector);
    return collector;
  }

  close(collector: RunCollector): void {
    this.#active.delete(collector.runId);
  }

  /** Records a payload if it carries a stamp of an active run; returns the run's collector, if any. */
  deliver(payload: Uint8Array, now = performance.now()): RunCollector | undefined {
    const stamp = readStamp(payload);
    if (!stamp) return undefined;
    const collector = this.#active.get(stamp.runId);
    collector?.record(stamp.seq, stamp.sentAt, now);
    return collector;
  }
}

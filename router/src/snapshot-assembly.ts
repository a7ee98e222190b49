/**
 * Pure: gathers snapshot parts read from the snapshot stream, possibly from several writers and with a snapshot
 * cut short by a writer that died, and keeps the newest snapshot whose parts 0..last all arrived.
 */
import { forEachSnapshotEntry, readSnapshotHeader, type SnapshotPartHeader } from './directory-snapshot.ts';

export interface CompleteSnapshot {
  readonly id: string;
  readonly coversOffset: number;
  readonly createdAt: number;
  readonly parts: readonly Buffer[];
  readonly bytes: number;
}

interface Pending {
  readonly coversOffset: number;
  readonly createdAt: number;
  readonly parts: Map<number, Buffer>;
  last?: number;
}

export class SnapshotAssembly {
  readonly #pending = new Map<string, Pending>();
  #best: CompleteSnapshot | undefined;

  /** Adds one part (throws SnapshotCorruptError for one that is not); returns true when it completed a snapshot. */
  add(part: Buffer): boolean {
    const header = readSnapshotHeader(part);
    if (this.#best && !newer(header, this.#best)) return false;
    let pending = this.#pending.get(header.id);
    if (!pending) {
      pending = { coversOffset: header.coversOffset, createdAt: header.createdAt, parts: new Map() };
      this.#pending.set(header.id, pending);
    }
    pending.parts.set(header.part, part);
    if (header.last) pending.last = header.part;
    if (pending.last === undefined || pending.parts.size !== pending.last + 1) return false;
    const parts = Array.from({ length: pending.last + 1 }, (_, i) => pending.parts.get(i)!);
    this.#best = { id: header.id, coversOffset: pending.coversOffset, createdAt: pending.createdAt, parts, bytes: parts.reduce((n, p) => n + p.length, 0) };
    // Older snapshots, complete or not, are of no use any more.
    for (const [id, other] of this.#pending) if (id === header.id || !newer(other, this.#best)) this.#pending.delete(id);
    return true;
  }

  /** The newest complete snapshot seen, by the presence offset it covers (then by when it was taken). */
  get newest(): CompleteSnapshot | undefined {
    return this.#best;
  }
}

function newer(a: Pick<SnapshotPartHeader, 'coversOffset' | 'createdAt'>, b: Pick<CompleteSnapshot, 'coversOffset' | 'createdAt'>): boolean {
  return a.coversOffset > b.coversOffset || (a.coversOffset === b.coversOffset && a.createdAt > b.createdAt);
}

/** Where a snapshot's entries go: a directory (which knows its gateways by name and index). */
export interface SnapshotTarget {
  gatewayIndex(gateway: string): number | undefined;
  arrivedAt(deviceId: string, gatewayIndex: number, since: number): unknown;
}

/** Applies one part's entries, skipping gateways the target does not have; returns how many the part held. */
export function applySnapshotPart(part: Buffer, target: SnapshotTarget): number {
  const header = readSnapshotHeader(part);
  forEachSnapshotEntry(
    part,
    header,
    (gw) => target.gatewayIndex(gw),
    (id, index, since) => target.arrivedAt(id, index, since),
  );
  return header.entries;
}

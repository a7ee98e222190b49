// Pure: every message the bench sends carries when it was sent, which run it belongs to and its number in the run,
// so a receiver anywhere in this process can compute its latency and spot leftovers of an earlier run.

/** Bytes of the stamp at the start of a payload: float64 sent-at, uint32 run id, uint32 sequence number. */
export const STAMP_BYTES = 16;

export interface Stamp {
  /** `performance.now()` of this process when the message was published, in ms. */
  readonly sentAt: number;
  readonly runId: number;
  readonly seq: number;
}

/** A payload of `size` bytes (at least the stamp) beginning with the stamp, zero-padded. */
export function stampPayload(size: number, stamp: Stamp): Buffer {
  const buf = Buffer.alloc(Math.max(size, STAMP_BYTES));
  buf.writeDoubleLE(stamp.sentAt, 0);
  buf.writeUInt32LE(stamp.runId >>> 0, 8);
  buf.writeUInt32LE(stamp.seq >>> 0, 12);
  return buf;
}

/** The stamp of a payload, or undefined for anything too short to carry one (not the bench's). */
export function readStamp(payload: Uint8Array): Stamp | undefined {
  if (payload.byteLength < STAMP_BYTES) return undefined;
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const sentAt = buf.readDoubleLE(0);
  if (!Number.isFinite(sentAt)) return undefined;
  return { sentAt, runId: buf.readUInt32LE(8), seq: buf.readUInt32LE(12) };
}

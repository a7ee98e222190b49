/**
 * Pure: the directory as compact binary parts, so a starting router loads a million devices in about a second
 * instead of replaying every presence event the log holds. A snapshot is a run of parts, each self-describing
 * and small enough for one message, encoded one at a time so the router can publish while it iterates:
 *
 *   magic "FGDS" · version u8 · flags u8 (bit 0: last part) · snapshot id 16 B · part u32 · covers offset u64 ·
 *   created-at ms u48 · gateway count u8 · per gateway: length u8 + UTF-8 name · entry count u32 ·
 *   per entry: id length u8 + UTF-8 id · gateway index u8 · since ms u48
 *
 * About 8 bytes plus the id per device (24 MB for a million 16-character ids). `covers` is the presence-log
 * offset of the last event applied before the snapshot began; a reader applies the parts, then replays the log
 * from `covers + 1`. Every directory update is idempotent and newest-wins, so events that also made it into the
 * snapshot while it was being taken are harmless to apply again.
 */
import { SnapshotCorruptError } from './router-error.ts';

const MAGIC = 0x46474453; // "FGDS"
export const SNAPSHOT_VERSION = 1;
const LAST_PART = 0x01;
/** Bytes of everything in a part before its gateway names. */
const FIXED_HEADER_BYTES = 4 + 1 + 1 + 16 + 4 + 8 + 6;
const FLAGS_AT = 5;
const SINCE_BYTES = 6;
/** Longest device id kept, in bytes (valid ids are at most 128 ASCII characters). */
const MAX_ID_BYTES = 255;
const MAX_ENTRY_BYTES = 1 + MAX_ID_BYTES + 1 + SINCE_BYTES;
/**
 * A part stays below this: far under RabbitMQ 4's 16 MiB max_message_size, and small enough that encoding one
 * (about 40k devices) holds the router's event loop for only a few milliseconds. @default 1 MiB
 */
export const DEFAULT_MAX_PART_BYTES = 1024 * 1024;

export type SnapshotEntry = readonly [deviceId: string, gatewayIndex: number, since: number];

export interface SnapshotSource {
  readonly gateways: readonly string[];
  entries(): Iterator<SnapshotEntry>;
}

export interface SnapshotPartHeader {
  /** 32 hex digits, the same in every part of one snapshot. */
  readonly id: string;
  readonly part: number;
  readonly last: boolean;
  readonly coversOffset: number;
  readonly createdAt: number;
  readonly gateways: readonly string[];
  readonly entries: number;
  /** Where the entries start in the part. */
  readonly entriesAt: number;
}

export interface EncodeOptions {
  /** 32 hex digits. */
  readonly id: string;
  readonly coversOffset: number;
  readonly createdAt: number;
  /** @default DEFAULT_MAX_PART_BYTES */
  readonly maxPartBytes?: number;
}

/** Encodes one snapshot part by part; `next()` returns undefined after the last part. */
export class SnapshotEncoder {
  readonly #header: Buffer;
  readonly #entries: Iterator<SnapshotEntry>;
  readonly #maxPartBytes: number;
  #pending: SnapshotEntry | undefined;
  #part = 0;
  #done = false;

  constructor(source: SnapshotSource, options: EncodeOptions) {
    this.#header = encodeHeader(source.gateways, options);
    this.#entries = source.entries();
    this.#maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    const least = this.#header.length + 4 + MAX_ENTRY_BYTES;
    if (this.#maxPartBytes < least) throw new RangeError(`maxPartBytes must be at least ${least}, got ${this.#maxPartBytes}`);
  }

  next(): Buffer | undefined {
    if (this.#done) return undefined;
    const buf = Buffer.allocUnsafe(this.#maxPartBytes);
    const countAt = this.#header.copy(buf);
    let offset = countAt + 4;
    let count = 0;
    for (;;) {
      const entry = this.#pending ?? this.#take();
      this.#pending = undefined;
      if (!entry) {
        this.#done = true;
        break;
      }
      if (offset + MAX_ENTRY_BYTES > this.#maxPartBytes) {
        this.#pending = entry;
        break;
      }
      const written = writeEntry(buf, offset, entry);
      if (written > offset) count++;
      offset = written;
    }
    buf.writeUInt8(this.#done ? LAST_PART : 0, FLAGS_AT);
    buf.writeUInt32BE(this.#part++, 22);
    buf.writeUInt32BE(count, countAt);
    // A small last part would otherwise keep the whole allocation alive.
    return offset < this.#maxPartBytes / 4 ? Buffer.from(buf.subarray(0, offset)) : buf.subarray(0, offset);
  }

  #take(): SnapshotEntry | undefined {
    const step = this.#entries.next();
    return step.done ? undefined : step.value;
  }
}

/** Writes one entry at `offset`; returns the offset after it, or `offset` for an id not worth keeping. */
function writeEntry(buf: Buffer, offset: number, [deviceId, gatewayIndex, since]: SnapshotEntry): number {
  const idBytes = buf.write(deviceId, offset + 1, MAX_ID_BYTES, 'utf8');
  // Empty, or cut short because it is longer than any valid id.
  if (idBytes === 0 || (idBytes > MAX_ID_BYTES - 4 && Buffer.byteLength(deviceId) > MAX_ID_BYTES)) return offset;
  buf.writeUInt8(idBytes, offset);
  const at = buf.writeUInt8(gatewayIndex, offset + 1 + idBytes);
  return buf.writeUIntBE(since, at, SINCE_BYTES);
}

/** All parts of one snapshot at once (tests and benchmarks; the router streams them with SnapshotEncoder). */
export function encodeDirectorySnapshot(source: SnapshotSource, options: EncodeOptions): Buffer[] {
  const encoder = new SnapshotEncoder(source, options);
  const parts: Buffer[] = [];
  for (let part = encoder.next(); part; part = encoder.next()) parts.push(part);
  return parts;
}

function encodeHeader(gateways: readonly string[], options: EncodeOptions): Buffer {
  if (!/^[0-9a-f]{32}$/.test(options.id)) throw new RangeError(`snapshot id must be 32 hex digits, got ${options.id}`);
  if (gateways.length > 255) throw new RangeError(`at most 255 gateways, got ${gateways.length}`);
  if (!Number.isSafeInteger(options.coversOffset) || options.coversOffset < 0)
    throw new RangeError(`coversOffset must be a stream offset, got ${options.coversOffset}`);
  const names = gateways.map((g) => Buffer.from(g, 'utf8'));
  const tooLong = names.find((n) => n.length > 255);
  if (tooLong) throw new RangeError(`gateway name longer than 255 bytes: ${tooLong.toString()}`);
  const buf = Buffer.alloc(FIXED_HEADER_BYTES + 1 + names.reduce((n, b) => n + 1 + b.length, 0));
  let offset = buf.writeUInt32BE(MAGIC, 0);
  offset = buf.writeUInt8(SNAPSHOT_VERSION, offset);
  offset = buf.writeUInt8(0, offset); // flags, set per part
  offset += Buffer.from(options.id, 'hex').copy(buf, offset);
  offset += 4; // part number, set per part
  offset = buf.writeBigUInt64BE(BigInt(options.coversOffset), offset);
  offset = buf.writeUIntBE(options.createdAt, offset, SINCE_BYTES);
  offset = buf.writeUInt8(names.length, offset);
  for (const name of names) {
    offset = buf.writeUInt8(name.length, offset);
    offset += name.copy(buf, offset);
  }
  return buf;
}

/** Reads and checks a part's header; throws SnapshotCorruptError for anything that is not a known part. */
export function readSnapshotHeader(buf: Buffer): SnapshotPartHeader {
  const need = (n: number, at: number) => {
    if (at + n > buf.length) throw new SnapshotCorruptError(`part truncated at byte ${at} of ${buf.length}`);
  };
  need(FIXED_HEADER_BYTES + 1, 0);
  if (buf.readUInt32BE(0) !== MAGIC) throw new SnapshotCorruptError('not a directory snapshot (bad magic)');
  const version = buf.readUInt8(4);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotCorruptError(`version ${version}, this router reads ${SNAPSHOT_VERSION}`);
  const last = (buf.readUInt8(FLAGS_AT) & LAST_PART) !== 0;
  const id = buf.toString('hex', 6, 22);
  const part = buf.readUInt32BE(22);
  const coversOffset = Number(buf.readBigUInt64BE(26));
  const createdAt = buf.readUIntBE(34, SINCE_BYTES);
  let offset = FIXED_HEADER_BYTES;
  const gatewayCount = buf.readUInt8(offset++);
  const gateways: string[] = [];
  for (let i = 0; i < gatewayCount; i++) {
    need(1, offset);
    const length = buf.readUInt8(offset++);
    need(length, offset);
    gateways.push(buf.toString('utf8', offset, offset + length));
    offset += length;
  }
  need(4, offset);
  const entries = buf.readUInt32BE(offset);
  return { id, part, last, coversOffset, createdAt, gateways, entries, entriesAt: offset + 4 };
}

/**
 * Calls `visit` for every entry of a part with the entry's gateway index *in the reader's list*: `indexOf` maps
 * the part's gateway names once (undefined drops that gateway's devices). Throws SnapshotCorruptError on a bad
 * entry.
 */
export function forEachSnapshotEntry(
  buf: Buffer,
  header: SnapshotPartHeader,
  indexOf: (gateway: string) => number | undefined,
  visit: (deviceId: string, gatewayIndex: number, since: number) => void,
): void {
  const mapped = header.gateways.map(indexOf);
  let offset = header.entriesAt;
  for (let i = 0; i < header.entries; i++) {
    if (offset >= buf.length) throw new SnapshotCorruptError(`entry ${i} of ${header.entries} missing`);
    const idBytes = buf.readUInt8(offset);
    const end = offset + 1 + idBytes;
    if (idBytes === 0 || end + 1 + SINCE_BYTES > buf.length) throw new SnapshotCorruptError(`entry ${i} truncated`);
    const index = buf.readUInt8(end);
    if (index >= mapped.length) throw new SnapshotCorruptError(`entry ${i} names gateway ${index} of ${header.gateways.length}`);
    const target = mapped[index];
    if (target !== undefined) visit(buf.toString('utf8', offset + 1, end), target, buf.readUIntBE(end + 1, SINCE_BYTES));
    offset = end + 1 + SINCE_BYTES;
  }
  if (offset !== buf.length) throw new SnapshotCorruptError(`${buf.length - offset} bytes after the last entry`);
}

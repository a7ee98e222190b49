/**
 * rabbitmq-client decodes field tables recursively and throws on a type code it does not know. Either way the
 * error escapes its frame reader, which destroys the connection; the unacked command comes back on the next
 * connection and does it again, to this router and every other one, until the queue's delivery limit gives up on
 * it. A header table nested a few thousand levels deep (about 35 KB) is enough. So before the client decodes a
 * content-header frame, its header table is walked here without recursion; one the client could not decode
 * safely is replaced by a one-entry table naming the problem, which the router dead-letters as `invalid-header`.
 *
 * The client reads `decodeFrame` from its codec module's exports at each call, which is where the guard goes in:
 * for every rabbitmq-client connection of the process, changing only frames that would have broken it.
 */
import { createRequire } from 'node:module';
import * as codecNamespace from 'rabbitmq-client/lib/codec.js';
import { MAX_TABLE_DEPTH } from './field-table-size.ts';

/** Header the guard puts in place of a table that could not be decoded; its value says why. */
export const UNDECODABLE_HEADERS = 'x-fedgate-undecodable-headers';

type Read = (bytes: number) => Promise<Buffer>;
interface Codec {
  decodeFrame: ((read: Read) => Promise<unknown>) & { guarded?: true };
}

const FRAME_HEADER = 2;
const HEADERS_FLAG = 0x2000;
const SHORT_STRING_FLAGS = [0x8000, 0x4000]; // content type, content encoding: the properties before headers
/** Value sizes by type code, for the codes rabbitmq-client knows; tables and arrays are walked, strings skipped. */
const FIXED_SIZES = new Map<number, number>([
  [0x42, 1],
  [0x75, 2],
  [0x69, 4],
  [0x54, 8],
  [0x62, 1],
  [0x73, 2],
  [0x49, 4],
  [0x6c, 8],
  [0x66, 4],
  [0x64, 8],
  [0x44, 5],
  [0x74, 1],
  [0x56, 0],
]);
const LONG_STRING = new Set([0x53, 0x78]); // S, x
const TABLE = 0x46; // F
const ARRAY = 0x41; // A

/**
 * The CommonJS module object the client's own modules read `decodeFrame` from, so patching it reaches them. Under
 * node and tsx that is what `require` returns; in the release bundle (no node_modules) it is the bundled module,
 * which the static import below brings in and exposes as the namespace's default.
 */
function clientCodec(): Codec {
  try {
    return createRequire(import.meta.url)('rabbitmq-client/lib/codec.js') as Codec;
  } catch {
    return (codecNamespace as unknown as { default: Codec }).default;
  }
}

/** Installs the guard once per process. */
export function guardHeaderTables(): void {
  const codec = clientCodec();
  if (codec.decodeFrame.guarded) return;
  const decode = codec.decodeFrame;
  const guarded = async (read: Read) => {
    const head = await read(7);
    const payload = await read(head.readUInt32BE(3) + 1);
    const safe = head.readUInt8(0) === FRAME_HEADER ? replaceUndecodableHeaders(payload) : undefined;
    const frame = safe ? [Buffer.from(head), safe] : [head, payload];
    if (safe) frame[0]!.writeUInt32BE(safe.length - 1, 3);
    let step = 0;
    return decode(async () => frame[step++]!);
  };
  codec.decodeFrame = Object.assign(guarded, { guarded: true as const });
}

/** Pure: the header frame payload with its header table replaced, or undefined when the table is fine. */
export function replaceUndecodableHeaders(payload: Buffer): Buffer | undefined {
  if (payload.length < 15) return undefined;
  const flags = payload.readUInt16BE(12);
  if (!(flags & HEADERS_FLAG)) return undefined;
  let at = 14;
  for (const flag of SHORT_STRING_FLAGS) if (flags & flag) at += 1 + payload.readUInt8(at);
  const problem = scanFieldTable(payload, at, payload.length - 1, MAX_TABLE_DEPTH);
  if (problem === undefined) return undefined;
  const end = Math.min(at + 4 + payload.readUInt32BE(at), payload.length - 1);
  return Buffer.concat([payload.subarray(0, at), encodeProblemTable(problem), payload.subarray(end)]);
}

/**
 * Pure: walks the field table at `start` (its 4-byte length first) without recursion; returns what makes it
 * undecodable — nesting deeper than `maxDepth`, a type code rabbitmq-client lacks, a length past `limit` — or
 * undefined.
 */
export function scanFieldTable(buf: Buffer, start: number, limit: number, maxDepth: number): string | undefined {
  if (start + 4 > limit) return 'header table truncated';
  const open: { end: number; table: boolean }[] = [{ end: start + 4 + buf.readUInt32BE(start), table: true }];
  if (open[0]!.end > limit) return 'header table longer than its frame';
  let pos = start + 4;
  while (open.length > 0) {
    const top = open.at(-1)!;
    if (pos === top.end) {
      open.pop();
      continue;
    }
    if (top.table) pos += 1 + buf.readUInt8(pos); // the field name
    if (pos >= top.end) return 'header table entry truncated';
    const type = buf.readUInt8(pos++);
    let size = FIXED_SIZES.get(type);
    if (size === undefined && (LONG_STRING.has(type) || type === TABLE || type === ARRAY)) {
      if (pos + 4 > top.end) return 'header value truncated';
      size = buf.readUInt32BE(pos);
      pos += 4;
      if (type === TABLE || type === ARRAY) {
        if (open.length >= maxDepth) return `header table nested deeper than ${maxDepth} levels`;
        if (pos + size > top.end) return 'header value longer than its table';
        open.push({ end: pos + size, table: type === TABLE });
        continue;
      }
    }
    if (size === undefined) return `header value of unknown type ${String.fromCharCode(type)} (0x${type.toString(16)})`;
    pos += size;
    if (pos > top.end) return 'header value longer than its table';
  }
  return undefined;
}

function encodeProblemTable(problem: string): Buffer {
  const key = Buffer.from(UNDECODABLE_HEADERS);
  const value = Buffer.from(problem);
  const table = Buffer.alloc(4 + 1 + key.length + 1 + 4 + value.length);
  let at = table.writeUInt32BE(table.length - 4, 0);
  at = table.writeUInt8(key.length, at);
  at += key.copy(table, at);
  at = table.writeUInt8(0x53, at);
  at = table.writeUInt32BE(value.length, at);
  value.copy(table, at);
  return table;
}

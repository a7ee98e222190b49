/**
 * Pure: how many bytes an AMQP 0-9-1 field table takes once rabbitmq-client encodes it again, and whether it can
 * encode it at all. The router republishes the headers it received; a value the client cannot write (NaN, a
 * number below -2^63, a fraction beyond 2^50) throws inside its encoder and closes the shared publisher channel,
 * so it must be found before publishing. The rules mirror rabbitmq-client 5's `getBestType`.
 */

export type TableMeasure = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly problem: string };

/** Nesting deeper than this is refused: the broker's own x-death is 4 levels deep. */
export const MAX_TABLE_DEPTH = 16;

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;
/** Below this magnitude rabbitmq-client writes a fraction as a double; above it as an int64. */
const FRACTION_LIMIT = 2 ** 50;

class Unencodable extends Error {}

/** Bytes of `table` as a field-table value (its 4-byte length included), or what cannot be encoded and where. */
export function measureFieldTable(table: Readonly<Record<string, unknown>> | undefined): TableMeasure {
  try {
    return { ok: true, bytes: tableSize(table ?? {}, 'headers', 1) };
  } catch (err) {
    if (err instanceof Unencodable) return { ok: false, problem: err.message };
    throw err;
  }
}

function tableSize(table: object, path: string, depth: number): number {
  if (depth > MAX_TABLE_DEPTH) throw new Unencodable(`${path}: nested deeper than ${MAX_TABLE_DEPTH} levels`);
  let bytes = 4;
  for (const [key, value] of Object.entries(table)) {
    if (value === undefined) continue; // the client skips it
    const size = valueSize(value, `${path}.${key}`, depth);
    if (size !== undefined) bytes += 1 + Math.min(Buffer.byteLength(key), 255) + 1 + size;
  }
  return bytes;
}

function arraySize(values: readonly unknown[], path: string, depth: number): number {
  if (depth > MAX_TABLE_DEPTH) throw new Unencodable(`${path}: nested deeper than ${MAX_TABLE_DEPTH} levels`);
  let bytes = 4;
  values.forEach((value, i) => {
    const size = valueSize(value, `${path}[${i}]`, depth);
    if (size !== undefined) bytes += 1 + size;
  });
  return bytes;
}

/** Encoded size of one value without its type byte; undefined for what the client silently skips. */
function valueSize(value: unknown, path: string, depth: number): number | undefined {
  switch (typeof value) {
    case 'string':
      return 4 + Buffer.byteLength(value);
    case 'boolean':
      return 1;
    case 'number':
      return numberSize(value, path);
    case 'bigint':
      if (value < BigInt(INT64_MIN) || value >= BigInt(INT64_MAX)) throw new Unencodable(`${path}: ${value} is outside int64`);
      return 8;
    case 'object':
      if (value === null) return 0;
      if (Array.isArray(value)) return arraySize(value, path, depth + 1);
      // A byte array would be written as a table of its bytes: refuse rather than mangle it.
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new Unencodable(`${path}: byte arrays cannot be forwarded`);
      return tableSize(value, path, depth + 1);
    default:
      return undefined;
  }
}

function numberSize(value: number, path: string): number {
  if (value >= INT64_MAX || (value > -FRACTION_LIMIT && value < FRACTION_LIMIT && Math.floor(value) !== value)) return 8; // double
  if (value >= -0x80 && value < 0x80) return 1;
  if (value >= -0x8000 && value < 0x8000) return 2;
  if (value >= -0x80000000 && value < 0x80000000) return 4;
  // Written as int64 through BigInt(value), which throws for NaN, -Infinity and fractions.
  if (!Number.isInteger(value) || value < INT64_MIN) throw new Unencodable(`${path}: ${value} cannot be encoded`);
  return 8;
}

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { MAX_TABLE_DEPTH } from '../src/field-table-size.ts';
import { guardHeaderTables, replaceUndecodableHeaders, scanFieldTable, UNDECODABLE_HEADERS } from '../src/header-table-guard.ts';
import { inspectCommandHeaders } from '../src/command-headers.ts';

const codec = createRequire(import.meta.url)('rabbitmq-client/lib/codec.js') as {
  FrameType: { HEADER: number };
  encodeFrame(frame: unknown, maxSize?: number): Buffer;
  decodeFrame(read: (n: number) => Promise<Buffer>): Promise<{ fields: Record<string, unknown> }>;
};

/** A content-header frame as the broker sends it, with `table` (raw bytes, length included) as its headers. */
function headerFrame(table: Buffer, contentType = 'application/json'): Buffer {
  const type = Buffer.from(contentType);
  const payload = Buffer.concat([
    Buffer.from([0, 60, 0, 0]),
    Buffer.alloc(8),
    Buffer.from([0xa0, 0x00]),
    Buffer.from([type.length]),
    type,
    table,
    Buffer.from([0xce]),
  ]);
  const head = Buffer.alloc(7);
  head.writeUInt8(2, 0);
  head.writeUInt16BE(1, 1);
  head.writeUInt32BE(payload.length - 1, 3);
  return Buffer.concat([head, payload]);
}

/** A table nested `depth` levels deep: {a: {a: ... {}}}. */
function nestedTable(depth: number): Buffer {
  let inner = Buffer.alloc(4);
  for (let i = 1; i < depth; i++) {
    const entry = Buffer.concat([Buffer.from([1, 0x61, 0x46]), inner]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(entry.length);
    inner = Buffer.concat([length, entry]);
  }
  return inner;
}

function decode(frame: Buffer) {
  let at = 0;
  return codec.decodeFrame(async (n) => frame.subarray(at, (at += n)));
}

/** The headers table rabbitmq-client itself writes for `headers`, length included. */
function encodedTable(headers: Record<string, unknown>): Buffer {
  const frame = codec.encodeFrame({ type: codec.FrameType.HEADER, channelId: 1, bodySize: 0, fields: { headers } });
  return frame.subarray(21, frame.length - 1);
}

describe("router - header table guard in front of rabbitmq-client's decoder", () => {
  it('lets every table the client writes through unchanged', () => {
    const headers = {
      a: 1,
      s: 'x'.repeat(300),
      n: null,
      f: 1.5,
      big: 2 ** 40,
      t: true,
      list: [1, 'two', { three: [3] }],
      'x-death': [{ count: 2, 'routing-keys': ['k'] }],
    };
    const table = encodedTable(headers);
    assert.equal(scanFieldTable(table, 0, table.length, MAX_TABLE_DEPTH), undefined);
    assert.equal(replaceUndecodableHeaders(headerFrame(table).subarray(7)), undefined);
  });

  it('finds nesting past the bound, type codes the client lacks and lengths past the frame', () => {
    const deep = nestedTable(MAX_TABLE_DEPTH + 1);
    assert.equal(scanFieldTable(deep, 0, deep.length, MAX_TABLE_DEPTH), 'header table nested deeper than 16 levels');
    const fits = nestedTable(MAX_TABLE_DEPTH);
    assert.equal(scanFieldTable(fits, 0, fits.length, MAX_TABLE_DEPTH), undefined);
    const unknownType = Buffer.from([0, 0, 0, 4, 1, 0x61, 0x4c, 0]); // {a: 'L'...}
    assert.match(scanFieldTable(unknownType, 0, unknownType.length, MAX_TABLE_DEPTH)!, /unknown type L/);
    const overlong = Buffer.from([0, 0, 0, 9, 1, 0x61, 0x53, 0, 0, 0, 99, 0x78, 0x78]); // a string claiming 99 bytes
    assert.match(scanFieldTable(overlong, 0, overlong.length, MAX_TABLE_DEPTH)!, /longer than its table/);
  });

  it('the unguarded client dies on a 5,000-deep table (which is why the guard exists)', async () => {
    await assert.rejects(decode(headerFrame(nestedTable(5_000))), /Maximum call stack size exceeded/);
  });

  it('guarded, the client decodes such a frame into a table naming the problem, which the router refuses', async () => {
    guardHeaderTables();
    guardHeaderTables(); // once per process, however often asked
    const frame = await decode(headerFrame(nestedTable(5_000)));
    assert.deepEqual(frame.fields.headers, { [UNDECODABLE_HEADERS]: 'header table nested deeper than 16 levels' });
    assert.equal(frame.fields.contentType, 'application/json', 'the other properties survive');
    const inspected = inspectCommandHeaders({ headers: frame.fields.headers as Record<string, unknown> }, 4096);
    assert.deepEqual(inspected, {
      ok: false,
      reason: 'invalid-header',
      detail: 'header table nested deeper than 16 levels',
      headers: { [UNDECODABLE_HEADERS]: 'header table nested deeper than 16 levels' },
    });
    const normal = await decode(headerFrame(encodedTable({ a: 1, b: 'two' })));
    assert.deepEqual(normal.fields.headers, { a: 1, b: 'two' });
  });
});

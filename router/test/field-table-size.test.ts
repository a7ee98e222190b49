import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { MAX_TABLE_DEPTH, measureFieldTable } from '../src/field-table-size.ts';

// rabbitmq-client's own encoder, to check the measure against what the router's client really writes.
const codec = createRequire(import.meta.url)('rabbitmq-client/lib/codec.js') as {
  FrameType: { HEADER: number };
  encodeFrame(frame: unknown, maxSize?: number): Buffer;
};
/** A content header frame carrying only `headers`: 22 bytes around the table. */
function encodedTableBytes(headers: Record<string, unknown>): number {
  return codec.encodeFrame({ type: codec.FrameType.HEADER, channelId: 1, bodySize: 0, fields: { headers } }).length - 22;
}

describe('router - header table size, as rabbitmq-client encodes it', () => {
  const tables: Record<string, Record<string, unknown>> = {
    empty: {},
    'small ints, bool, null': { a: 1, b: -128, c: true, d: null },
    'int widths': { i16: 300, i32: 70_000, i64: 2 ** 40, neg64: -(2 ** 40) },
    doubles: { f: 1.5, big: 1e300, inf: Infinity, frac: -0.25 },
    'utf-8 strings and keys': { clé: 'valeur é', emoji: '🚀'.repeat(10) },
    'nested like x-death': { 'x-death': [{ count: 1, reason: 'expired', queue: 'q', 'routing-keys': ['a.b', 'c'], time: 1_700_000_000 }] },
    'undefined is skipped': { a: undefined, b: 'x' },
    'a 64 KiB header': { big: 'x'.repeat(64 * 1024) },
  };
  for (const [name, table] of Object.entries(tables)) {
    it(`measures ${name} exactly`, () => {
      const measured = measureFieldTable(table);
      assert.ok(measured.ok);
      assert.equal(measured.bytes, encodedTableBytes(table));
    });
  }

  it('refuses the values rabbitmq-client cannot encode, each of which throws in its encoder', () => {
    for (const value of [Number.NaN, -Infinity, -1e300, 2 ** 51 + 0.5, -(2 ** 64)]) {
      const measured = measureFieldTable({ 'x-bad': value });
      assert.equal(measured.ok, false, `${value} refused`);
      assert.throws(() => encodedTableBytes({ 'x-bad': value }), `${value} also throws in the client`);
    }
  });

  it('refuses byte arrays, which the client would mangle into a table of numbers', () => {
    const measured = measureFieldTable({ bin: Buffer.from('abc') });
    assert.equal(measured.ok, false);
    assert.match(measured.ok ? '' : measured.problem, /headers\.bin: byte arrays/);
  });

  it('refuses nesting deeper than the bound and says where', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_TABLE_DEPTH; i++) deep = { n: deep };
    const measured = measureFieldTable(deep);
    assert.equal(measured.ok, false);
    assert.match(measured.ok ? '' : measured.problem, /^headers(\.n)+: nested deeper than 16 levels$/);
  });
});

import assert from 'node:assert/strict';
import { DEAD_REASON_HEADER, DEADLINE_HEADER, GATEWAY_HEADER, HOP_HEADER, ROUTE_HEADER } from '@fedgate/topology';
import { DEFAULT_MAX_HEADER_BYTES, HEADER_FRAME_RESERVE_BYTES, inspectCommandHeaders, maxHeaderBytesFor, parseDeadline } from '../src/command-headers.ts';

const BOUND = DEFAULT_MAX_HEADER_BYTES;
const reasonOf = (headers: Record<string, unknown>, props: Record<string, string> = {}) => {
  const inspected = inspectCommandHeaders({ headers, ...props }, BOUND);
  return inspected.ok ? 'ok' : inspected.reason;
};

describe('router - command header checks', () => {
  it('dead-letters the deadlines the broker or the arithmetic would choke on: 1e300, 1e20, -1, "abc"', () => {
    for (const deadline of [1e300, 1e20, -1, 'abc', 0, 1.5, Infinity, '1700000000000', true, { at: 1 }]) {
      assert.equal(reasonOf({ [DEADLINE_HEADER]: deadline }), 'invalid-deadline', `deadline ${String(deadline)}`);
    }
  });

  it('takes an epoch-ms deadline as a number or an int64, and no deadline at all', () => {
    assert.deepEqual(parseDeadline(1_700_000_000_000), { ok: true, value: 1_700_000_000_000 });
    assert.deepEqual(parseDeadline(1_700_000_000_000n), { ok: true, value: 1_700_000_000_000 });
    assert.deepEqual(parseDeadline(undefined), { ok: true, value: undefined });
    const inspected = inspectCommandHeaders({ headers: { [DEADLINE_HEADER]: 1_700_000_000_000 } }, BOUND);
    assert.ok(inspected.ok);
    assert.equal(inspected.deadline, 1_700_000_000_000);
  });

  it('says what was wrong with a deadline, cut short', () => {
    const inspected = inspectCommandHeaders({ headers: { [DEADLINE_HEADER]: 'x'.repeat(500) } }, BOUND);
    assert.equal(inspected.ok, false);
    assert.match(inspected.ok ? '' : inspected.detail, /^x-fedgate-deadline must be epoch ms .*, got "x+\.\.\.$/);
    assert.ok(!inspected.ok && inspected.detail.length < 200);
  });

  it('dead-letters a header table over the bound without carrying it onto the dead letter', () => {
    const inspected = inspectCommandHeaders({ headers: { big: 'x'.repeat(64 * 1024), [DEADLINE_HEADER]: 1 } }, BOUND);
    assert.equal(inspected.ok, false);
    assert.equal(inspected.ok ? '' : inspected.reason, 'headers-too-large');
    assert.deepEqual(inspected.headers, {});
    assert.equal(reasonOf({ fits: 'x'.repeat(BOUND - 100) }), 'ok');
  });

  it('dead-letters header values the client cannot encode, before any deadline check', () => {
    assert.equal(reasonOf({ 'x-weird': -1e300, [DEADLINE_HEADER]: 'abc' }), 'invalid-header');
    assert.equal(reasonOf({ nested: { deeper: [Number.NaN] } }), 'invalid-header');
  });

  it("strips CC, BCC and the router's own headers, and reports which", () => {
    const inspected = inspectCommandHeaders(
      {
        headers: {
          CC: ['devices.other.commands.x'],
          BCC: ['devices.spy.commands.x'],
          [ROUTE_HEADER]: 'direct',
          [GATEWAY_HEADER]: 'eu',
          [HOP_HEADER]: 'h',
          [DEAD_REASON_HEADER]: 'expired',
          app: 'kept',
          cc: 'lowercase is not sender-selected routing',
        },
      },
      BOUND,
    );
    assert.ok(inspected.ok);
    assert.deepEqual(inspected.headers, { app: 'kept', cc: 'lowercase is not sender-selected routing' });
    assert.deepEqual([...inspected.stripped].sort(), ['BCC', 'CC', DEAD_REASON_HEADER, GATEWAY_HEADER, ROUTE_HEADER, HOP_HEADER].sort());
  });

  it('keeps the (stripped) headers on a dead letter for a bad deadline, so its reader sees the deadline', () => {
    const inspected = inspectCommandHeaders({ headers: { [DEADLINE_HEADER]: 1e300, CC: ['x'], app: 1 } }, BOUND);
    assert.equal(inspected.ok, false);
    assert.deepEqual(inspected.headers, { [DEADLINE_HEADER]: 1e300, app: 1 });
  });

  it('dead-letters a short-string property that no longer fits 255 bytes (it held invalid UTF-8)', () => {
    assert.equal(reasonOf({}, { messageId: '\ufffd'.repeat(100) }), 'invalid-property');
    assert.equal(reasonOf({}, { messageId: 'm'.repeat(255), contentType: 'application/json' }), 'ok');
  });

  it("bounds the table by the frame size: the default on RabbitMQ's 128 KiB frames, less on small ones", () => {
    assert.equal(maxHeaderBytesFor(131_072), DEFAULT_MAX_HEADER_BYTES);
    assert.equal(maxHeaderBytesFor(4096), 4096 - HEADER_FRAME_RESERVE_BYTES);
    assert.equal(maxHeaderBytesFor(1024), 0);
  });
});

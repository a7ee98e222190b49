import assert from 'node:assert/strict';
import { DEADLINE_HEADER } from '@fedgate/topology';
import { InvalidCommandError, encodeCommand, type CommandInput } from '../src/index.ts';

const base: CommandInput = {
  deviceId: 'sensor-42',
  name: 'reboot',
  payload: { delaySeconds: 5 },
  ttlSeconds: 30,
  now: 1_700_000_000_123,
  messageId: '7f1c2b3a-0000-4000-8000-000000000001',
};

function rejects(input: Partial<CommandInput>, field: string) {
  assert.throws(
    () => encodeCommand({ ...base, ...input }),
    (err: unknown) => {
      assert.ok(err instanceof InvalidCommandError, String(err));
      assert.equal(err.code, 'INVALID_COMMAND');
      assert.equal(err.field, field);
      return true;
    },
  );
}

describe('command encoding (pure)', () => {
  it('encode - routing key, persistent JSON body, message id, timestamp in seconds, expiration and deadline', () => {
    const c = encodeCommand(base);
    assert.equal(c.routingKey, 'devices.sensor-42.commands.reboot');
    assert.deepEqual(JSON.parse(c.content.toString()), { delaySeconds: 5 });
    assert.deepEqual(c.publishOptions, {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: base.messageId,
      timestamp: 1_700_000_000,
      expiration: '30000',
      headers: { [DEADLINE_HEADER]: 1_700_000_030_123 },
    });
    assert.equal(c.deadline, 1_700_000_030_123);
  });

  it('encode - bytes go as application/octet-stream, untouched', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const c = encodeCommand({ ...base, payload: bytes });
    assert.equal(c.publishOptions.contentType, 'application/octet-stream');
    assert.deepEqual(c.content, bytes);
    const view = encodeCommand({ ...base, payload: new Uint8Array([9, 8, 7]).subarray(1) });
    assert.deepEqual([...view.content], [8, 7]);
  });

  it('encode - strings, numbers and null are JSON', () => {
    assert.equal(encodeCommand({ ...base, payload: 'on' }).content.toString(), '"on"');
    assert.equal(encodeCommand({ ...base, payload: 0 }).content.toString(), '0');
    assert.equal(encodeCommand({ ...base, payload: null }).content.toString(), 'null');
  });

  it('encode - a fractional TTL rounds to whole milliseconds, never below 1', () => {
    assert.equal(encodeCommand({ ...base, ttlSeconds: 0.001 }).publishOptions.expiration, '1');
    assert.equal(encodeCommand({ ...base, ttlSeconds: 1.2345 }).publishOptions.expiration, '1235');
  });

  it('encode - dotted command names are one command', () => {
    assert.equal(encodeCommand({ ...base, name: 'firmware.update' }).routingKey, 'devices.sensor-42.commands.firmware.update');
  });

  it('encode - invalid device ids, names, payloads and TTLs are refused', () => {
    for (const deviceId of ['', 'a.b', 'a#', '*', 'x'.repeat(129), 'dev ice']) rejects({ deviceId }, 'deviceId');
    for (const name of ['', 'a..b', '.a', 'a.', '#', 'a.*', 're boot']) rejects({ name }, 'name');
    rejects({ payload: undefined as unknown as string }, 'payload');
    rejects({ payload: { n: 10n } }, 'payload');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    rejects({ payload: cyclic }, 'payload');
    for (const ttlSeconds of [0, -1, 0.0001, 86_401, Number.POSITIVE_INFINITY]) rejects({ ttlSeconds }, 'ttlSeconds');
  });
});

import assert from 'node:assert/strict';
import { DeviceDirectory } from '../src/device-directory.ts';
import { encodeDirectorySnapshot, forEachSnapshotEntry, readSnapshotHeader, SnapshotEncoder, SNAPSHOT_VERSION } from '../src/directory-snapshot.ts';
import { SnapshotCorruptError } from '../src/router-error.ts';
import { applySnapshotPart, SnapshotAssembly } from '../src/snapshot-assembly.ts';

const ID = '0123456789abcdef0123456789abcdef';
const OTHER_ID = 'fedcba9876543210fedcba9876543210';
const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

function directoryOf(count: number, gateways = ['eu', 'us', 'ap']): DeviceDirectory {
  const d = new DeviceDirectory(gateways);
  for (let i = 0; i < count; i++) d.arrived(`dev-${i}`, gateways[i % gateways.length]!, T0 + i);
  return d;
}

function entriesOf(d: DeviceDirectory): string[] {
  return Array.from(d.entries(), ([id, g, since]) => `${id}@${d.gateways[g]}:${since}`).sort();
}

function load(parts: readonly Buffer[], gateways: readonly string[]): DeviceDirectory {
  const d = new DeviceDirectory(gateways);
  for (const part of parts) applySnapshotPart(part, d);
  return d;
}

describe('router - directory snapshot codec', () => {
  it('round-trips every device, gateway and time', () => {
    const source = directoryOf(1000);
    const parts = encodeDirectorySnapshot(source, { id: ID, coversOffset: 42, createdAt: T0 });
    assert.equal(parts.length, 1);
    assert.deepEqual(entriesOf(load(parts, source.gateways)), entriesOf(source));
  });

  it('keeps about 8 bytes plus the id per device', () => {
    const source = directoryOf(10_000);
    const [part] = encodeDirectorySnapshot(source, { id: ID, coversOffset: 0, createdAt: T0 });
    const idBytes = Array.from(source.entries(), ([id]) => id.length).reduce((a, b) => a + b, 0);
    assert.ok(part!.length - idBytes <= 10_000 * 8 + 100, `${part!.length} bytes for ${idBytes} bytes of ids`);
  });

  it('splits into parts under the size bound, numbered, the last one flagged, all carrying the header', () => {
    const source = directoryOf(5000);
    const parts = encodeDirectorySnapshot(source, { id: ID, coversOffset: 7, createdAt: T0, maxPartBytes: 8192 });
    assert.ok(parts.length > 5);
    const headers = parts.map(readSnapshotHeader);
    headers.forEach((h, i) => {
      assert.equal(h.id, ID);
      assert.equal(h.part, i);
      assert.equal(h.last, i === parts.length - 1);
      assert.equal(h.coversOffset, 7);
      assert.equal(h.createdAt, T0);
      assert.deepEqual(h.gateways, ['eu', 'us', 'ap']);
    });
    assert.ok(parts.every((p) => p.length <= 8192));
    assert.equal(
      headers.reduce((n, h) => n + h.entries, 0),
      5000,
    );
    assert.deepEqual(entriesOf(load(parts, source.gateways)), entriesOf(source));
  });

  it('encodes an empty directory as one last, empty part', () => {
    const parts = encodeDirectorySnapshot(new DeviceDirectory(['eu']), { id: ID, coversOffset: 0, createdAt: T0 });
    assert.equal(parts.length, 1);
    assert.deepEqual(
      { ...readSnapshotHeader(parts[0]!), entriesAt: 0 },
      { id: ID, part: 0, last: true, coversOffset: 0, createdAt: T0, gateways: ['eu'], entries: 0, entriesAt: 0 },
    );
  });

  it('keeps 128-character ids and non-ASCII gateway names intact', () => {
    const d = new DeviceDirectory(['eu', 'région-sud']);
    d.arrived('x'.repeat(128), 'région-sud', T0);
    const loaded = load(encodeDirectorySnapshot(d, { id: ID, coversOffset: 1, createdAt: T0 }), d.gateways);
    assert.deepEqual(loaded.lookup('x'.repeat(128), T0, HOUR), { gateway: 'région-sud', since: T0 });
  });

  it('maps gateways by name: a reader with another gateway order or list places devices right, and drops the unknown', () => {
    const source = directoryOf(30, ['eu', 'us', 'ap']);
    const loaded = load(encodeDirectorySnapshot(source, { id: ID, coversOffset: 1, createdAt: T0 }), ['us', 'eu']);
    assert.equal(loaded.size, 20);
    assert.equal(loaded.lookup('dev-1', T0 + 1, HOUR)?.gateway, 'us');
    assert.equal(loaded.lookup('dev-2', T0 + 2, HOUR), undefined, 'ap is gone from this fleet');
  });

  it('encodes part by part while the directory changes in between, without losing what was there', () => {
    const d = directoryOf(3000);
    const encoder = new SnapshotEncoder(d, { id: ID, coversOffset: 1, createdAt: T0, maxPartBytes: 8192 });
    const parts = [encoder.next()!];
    d.arrived('late-arrival', 'eu', T0 + 10_000);
    for (let p = encoder.next(); p; p = encoder.next()) parts.push(p);
    const loaded = load(parts, d.gateways);
    assert.ok(loaded.size === 3000 || loaded.size === 3001);
    for (let i = 0; i < 3000; i++) assert.ok(loaded.lookup(`dev-${i}`, T0 + i, HOUR), `dev-${i}`);
  });

  it('refuses what is not a whole part of a snapshot it can read', () => {
    const [part] = encodeDirectorySnapshot(directoryOf(10), { id: ID, coversOffset: 1, createdAt: T0 });
    const corrupt = (mutate: (b: Buffer) => Buffer) => () => {
      const b = mutate(Buffer.from(part!));
      forEachSnapshotEntry(
        b,
        readSnapshotHeader(b),
        () => 0,
        () => undefined,
      );
    };
    assert.throws(
      corrupt((b) => b.fill(0, 0, 4)),
      SnapshotCorruptError,
      'bad magic',
    );
    assert.throws(
      corrupt((b) => {
        b.writeUInt8(SNAPSHOT_VERSION + 1, 4);
        return b;
      }),
      /version 2/,
    );
    assert.throws(
      corrupt((b) => b.subarray(0, b.length - 3)),
      /truncated|missing/,
    );
    assert.throws(
      corrupt((b) => Buffer.concat([b, Buffer.from([0])])),
      /1 bytes after the last entry/,
    );
    assert.throws(
      corrupt((b) => b.subarray(0, 20)),
      /truncated/,
    );
    const header = readSnapshotHeader(part!);
    assert.throws(
      corrupt((b) => {
        b.writeUInt8(9, header.entriesAt + 1 + 'dev-0'.length);
        return b;
      }),
      /gateway 9 of 3/,
    );
  });

  it('refuses bad ids and offsets at encode time', () => {
    assert.throws(() => encodeDirectorySnapshot(directoryOf(1), { id: 'nope', coversOffset: 1, createdAt: T0 }), /32 hex digits/);
    assert.throws(() => encodeDirectorySnapshot(directoryOf(1), { id: ID, coversOffset: -1, createdAt: T0 }), /coversOffset/);
    assert.throws(() => encodeDirectorySnapshot(directoryOf(1), { id: ID, coversOffset: 1, createdAt: T0, maxPartBytes: 100 }), /maxPartBytes/);
  });
});

describe('router - snapshot assembly from the stream', () => {
  const partsOf = (id: string, coversOffset: number, count = 2000, createdAt = T0) =>
    encodeDirectorySnapshot(directoryOf(count), { id, coversOffset, createdAt, maxPartBytes: 8192 });

  it('completes a snapshot only when every part up to the last arrived, in any order', () => {
    const parts = partsOf(ID, 10);
    const assembly = new SnapshotAssembly();
    const shuffled = [...parts].reverse();
    shuffled.slice(0, -1).forEach((p) => assert.equal(assembly.add(p), false));
    assert.equal(assembly.newest, undefined);
    assert.equal(assembly.add(shuffled.at(-1)!), true);
    const newest = (a: SnapshotAssembly) => a.newest; // read again: the assertion above narrowed the getter
    assert.equal(newest(assembly)?.id, ID);
    assert.deepEqual(newest(assembly)?.parts, parts);
    assert.equal(
      newest(assembly)?.bytes,
      parts.reduce((n, p) => n + p.length, 0),
    );
  });

  it('keeps the newest complete snapshot and ignores one a dead writer left unfinished', () => {
    const older = partsOf(ID, 10);
    const unfinished = partsOf(OTHER_ID, 99).slice(0, -1);
    const assembly = new SnapshotAssembly();
    for (const p of [...older, ...unfinished]) assembly.add(p);
    assert.equal(assembly.newest?.coversOffset, 10);
  });

  it('prefers the snapshot covering more of the presence log, whatever order they come in', () => {
    const assembly = new SnapshotAssembly();
    for (const p of partsOf(OTHER_ID, 50)) assembly.add(p);
    for (const p of partsOf(ID, 20)) assert.equal(assembly.add(p), false);
    assert.equal(assembly.newest?.id, OTHER_ID);
  });

  it('ignores a duplicate delivery of a part it already completed', () => {
    const parts = partsOf(ID, 10);
    const assembly = new SnapshotAssembly();
    parts.forEach((p) => assembly.add(p));
    assert.equal(assembly.add(parts[0]!), false);
    assert.equal(assembly.newest?.parts.length, parts.length);
  });
});

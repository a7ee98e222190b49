/**
 * A micro-benchmark the bench can call: encodes a directory of `devices` devices into snapshot parts and loads
 * them into a fresh directory, in-process and without a broker. What a cold start costs besides the network.
 */
import { randomBytes } from 'node:crypto';
import { DeviceDirectory } from './device-directory.ts';
import { SnapshotEncoder } from './directory-snapshot.ts';
import { applySnapshotPart } from './snapshot-assembly.ts';

export interface SnapshotBenchmark {
  readonly devices: number;
  readonly parts: number;
  readonly bytes: number;
  readonly bytesPerDevice: number;
  /** Encoding every part (the writer's work, spread over one part per turn of the event loop). */
  readonly encodeMs: number;
  /** Decoding every part into an empty directory (a starting router's work). */
  readonly loadMs: number;
}

export interface SnapshotBenchmarkOptions {
  readonly devices: number;
  /** @default 3 */
  readonly gateways?: number;
  /** @default `sensor-` and 9 digits: 16 characters, as the bench's directory scenario uses */
  readonly deviceId?: (i: number) => string;
  readonly partBytes?: number;
}

export function benchmarkSnapshotCodec(options: SnapshotBenchmarkOptions): SnapshotBenchmark {
  const gateways = Array.from({ length: options.gateways ?? 3 }, (_, i) => `gw${i + 1}`);
  const idOf = options.deviceId ?? ((i: number) => `sensor-${String(i).padStart(9, '0')}`);
  const source = new DeviceDirectory(gateways);
  const now = Date.now();
  for (let i = 0; i < options.devices; i++) source.arrived(idOf(i), gateways[i % gateways.length]!, now - options.devices + i);

  const encodeStart = performance.now();
  const encoder = new SnapshotEncoder(source, { id: randomBytes(16).toString('hex'), coversOffset: 0, createdAt: now, maxPartBytes: options.partBytes });
  const parts: Buffer[] = [];
  for (let part = encoder.next(); part; part = encoder.next()) parts.push(part);
  const encodeMs = performance.now() - encodeStart;

  const loadStart = performance.now();
  const target = new DeviceDirectory(gateways);
  for (const part of parts) applySnapshotPart(part, target);
  const loadMs = performance.now() - loadStart;
  if (target.size !== source.size) throw new Error(`loaded ${target.size} of ${source.size} devices`);
  const bytes = parts.reduce((n, p) => n + p.length, 0);
  return { devices: target.size, parts: parts.length, bytes, bytesPerDevice: bytes / target.size, encodeMs, loadMs };
}

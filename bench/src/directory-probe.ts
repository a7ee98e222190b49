// Run as its own process (`node --expose-gc --import tsx directory-probe.ts SIZE LOOKUPS UPDATES`) so each size
// starts from a clean heap: builds a DeviceDirectory of SIZE devices and prints one JSON line of what it measured.
import { DeviceDirectory } from '@fedgate/router';

/** 16 characters, like `sensor-000042137`: a realistic device id (ids are kept as the directory's keys). */
export function probeDeviceId(i: number): string {
  return `sensor-${String(i).padStart(9, '0')}`;
}

export interface DirectoryProbeResult {
  readonly devices: number;
  readonly idLength: number;
  readonly heapBytesPerDevice: number;
  readonly buildSeconds: number;
  readonly insertsPerSec: number;
  readonly lookupNs: number;
  readonly lookups: number;
  readonly hits: number;
  readonly updatesPerSec: number;
  readonly updates: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

/** Deterministic pseudo-random indexes (xorshift32), so every run looks the same devices up. */
function* indexes(count: number, below: number, seed: number): Generator<number> {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x % below;
  }
}

export function probeDirectory(size: number, lookups: number, updates: number): DirectoryProbeResult {
  const gateways = ['gw1', 'gw2', 'gw3'];
  const now = Date.now();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const directory = new DeviceDirectory(gateways);
  const buildStart = performance.now();
  // Ids are made on the fly and kept only by the directory, as ids parsed from presence events would be.
  for (let i = 0; i < size; i++) directory.arrived(probeDeviceId(i), gateways[i % gateways.length]!, now - size + i);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  gc();
  const heapBytesPerDevice = (process.memoryUsage().heapUsed - heapBefore) / size;

  // Lookups with ids cut from routing keys, as the router gets them: fresh strings whose hash is not cached yet.
  const queries = Array.from(indexes(lookups, size, 42), (i) => `devices.${probeDeviceId(i)}.commands.set`.split('.')[1]!);
  let hits = 0;
  const lookupStart = performance.now();
  for (const id of queries) if (directory.lookup(id, now, 86_400_000)) hits++;
  const lookupNs = ((performance.now() - lookupStart) * 1e6) / lookups;

  // Presence updates: devices moving to another gateway with a newer timestamp.
  const moves = Array.from(indexes(updates, size, 7), probeDeviceId);
  const updateStart = performance.now();
  moves.forEach((id, k) => directory.arrived(id, gateways[k % gateways.length]!, now + k));
  const updatesPerSec = updates / ((performance.now() - updateStart) / 1000);
  return {
    devices: directory.size,
    idLength: probeDeviceId(0).length,
    heapBytesPerDevice,
    buildSeconds,
    insertsPerSec: size / buildSeconds,
    lookupNs,
    lookups,
    hits,
    updatesPerSec,
    updates,
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [size, lookups, updates] = process.argv.slice(2).map(Number);
  process.stdout.write(JSON.stringify(probeDirectory(size!, lookups!, updates!)) + '\n');
}

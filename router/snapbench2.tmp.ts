import { DeviceDirectory } from './src/device-directory.ts';
import { encodeDirectorySnapshot, readSnapshotHeader, forEachSnapshotEntry } from './src/directory-snapshot.ts';
const gws = ['gw1','gw2','gw3'];
const d = new DeviceDirectory(gws);
const now = Date.now();
const N = 1_000_000;
for (let i = 0; i < N; i++) d.arrived(`sensor-${String(i).padStart(9,'0')}`, gws[i%3]!, now - N + i);
const parts = encodeDirectorySnapshot(d, { id: 'a'.repeat(32), coversOffset: 123, createdAt: now });
for (let r=0;r<3;r++){
let t = performance.now(); let n=0;
for (const p of parts) { const h = readSnapshotHeader(p); forEachSnapshotEntry(p, h, (id, g, s) => { n+=id.length; }); }
const strOnly = performance.now()-t;
t = performance.now();
const m = new Map<string, number>();
for (const p of parts) { const h = readSnapshotHeader(p); forEachSnapshotEntry(p, h, (id, g, s) => { m.set(id, s); }); }
const mapSet = performance.now()-t;
t = performance.now();
const d2 = new DeviceDirectory(gws);
for (const p of parts) { const h = readSnapshotHeader(p); forEachSnapshotEntry(p, h, (id, g, s) => d2.arrived(id, g, s)); }
const dir = performance.now()-t;
console.log({strOnly, mapSet, dir});
}

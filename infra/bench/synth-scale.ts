/**
 * How synth cost grows with the fleet: synthesizes generated topologies of 3, 20 and 50 gateway regions in one run
 * and prints, side by side, synth time (median of several runs), stack and resource counts, Terraform JSON size,
 * and the backend's definitions size (raw and gzip, against Secrets Manager's 64 KiB value limit).
 *
 *   npx tsx infra/bench/synth-scale.ts [--runs 3] [--sizes 3,20,50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { AWS_REGIONS, credentialFileKey, parseTopology, requiredCredentials, secretsFromMap, type Topology } from '@fedgate/topology';
import { compileCluster, definitionsText } from '@fedgate/broker-config';
import { synthFleet, type SynthReport } from '../src/index.ts';

/** Secrets Manager's limit on one secret value, bytes. */
const SECRET_VALUE_LIMIT = 64 * 1024;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '3,20,50' } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);

/**
 * A topology shaped like the example (TLS, 3 nodes per cluster, both protocols) with `gateways` gateways. Latency DNS
 * allows one gateway per region and AWS has fewer regions than 50, so a fleet larger than the region list is
 * generated without a dns section; `withDns` asks for it where it fits.
 */
function generatedTopology(gateways: number, withDns: boolean): Topology {
  const regions = AWS_REGIONS.filter((r) => r !== 'eu-west-1');
  const doc = {
    name: 'bench',
    backend: {
      name: 'core',
      region: 'eu-west-1',
      nodes: 3,
      host: 'core.bench.internal',
      tls: true,
      cidr: '10.0.0.0/16',
      ports: { amqp: 5671, management: 15671 },
    },
    gateways: Array.from({ length: gateways }, (_, i) => ({
      name: `gw${i + 1}`,
      region: regions[i % regions.length],
      nodes: 3,
      protocols: ['mqtt', 'stomp'],
      host: `gw${i + 1}.gw.bench.internal`,
      tls: true,
      cidr: `10.${i + 1}.0.0/16`,
      ports: { amqp: 5671, management: 15671, mqtt: 8883, stomp: 61614 },
      downlink: { kind: i % 2 === 0 ? 'shovel' : 'federation' },
      maxConnections: 100_000,
    })),
    ...(withDns ? { dns: { zone: 'bench.example.com', record: 'mqtt' } } : {}),
  };
  return parseTopology(stringify(doc), `generated-${gateways}.yaml`);
}

function backendDefinitionsBytes(topology: Topology): { raw: number; gzip: number } {
  const map = new Map(requiredCredentials(topology).map((ref) => [credentialFileKey(ref), 'x'.repeat(32)]));
  const text = definitionsText(compileCluster(topology, topology.backend, secretsFromMap(map)).definitions);
  return { raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Row {
  gateways: number;
  dns: boolean;
  ms: number;
  report: SynthReport;
  definitions: { raw: number; gzip: number };
}

function measure(gateways: number, withDns: boolean): Row {
  const topology = generatedTopology(gateways, withDns);
  const times: number[] = [];
  let report: SynthReport | undefined;
  for (let run = 0; run < runs; run++) {
    const outdir = mkdtempSync(join(tmpdir(), 'fedgate-synth-bench-'));
    try {
      report = synthFleet(topology, { outdir });
      times.push(report.durationMs);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return { gateways, dns: withDns, ms: median(times), report: report!, definitions: backendDefinitionsBytes(topology) };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

process.stderr.write(`synth-scale: warming up (module load and JIT are not part of the figures)\n`);
measure(3, true);

const rows: Row[] = [];
for (const size of sizes) {
  const withDns = size <= AWS_REGIONS.length - 1;
  process.stderr.write(`synth-scale: ${size} gateway regions${withDns ? ' with DNS' : ' without DNS (more gateways than AWS regions)'}, ${runs} run(s)\n`);
  rows.push(measure(size, withDns));
  if (withDns) {
    // Same fleet without the DNS stack, so every size has a like-for-like figure.
    process.stderr.write(`synth-scale: ${size} gateway regions without DNS, ${runs} run(s)\n`);
    rows.push(measure(size, false));
  }
}

const header = ['gateways', 'dns', 'stacks', 'resources', 'synth (median)', 'per gateway', 'Terraform JSON', 'per gateway', 'backend definitions raw / gzip'];
const table = rows.map((r) => [
  String(r.gateways),
  r.dns ? 'yes' : 'no',
  String(r.report.stacks.length),
  String(r.report.resources),
  `${r.ms.toFixed(0)} ms`,
  `${(r.ms / r.gateways).toFixed(1)} ms`,
  kib(r.report.bytes),
  kib(r.report.bytes / r.gateways),
  `${kib(r.definitions.raw)}${r.definitions.raw > SECRET_VALUE_LIMIT ? ' (over 64 KiB)' : ''} / ${kib(r.definitions.gzip)}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n') + '\n');
process.stdout.write(
  `node ${process.version}, ${runs} run(s) per size, stack traces off; times include planning, building the construct tree and writing JSON.\n`,
);

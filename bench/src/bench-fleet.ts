// The bench's own fleet: generated topology, own state dir and secrets, started at the beginning of a run and
// stopped at the end. Nothing here touches the shared test fleet or `npm start`'s local fleet.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ADMIN_USER, type Gateway } from '@fedgate/topology';
import { downFleet, nodePid, purgeFleet, upFleet, type RunningFleet } from '@fedgate/local-cluster';
import { BENCH_SECRETS_FILE, benchTopologyYaml } from './bench-topology.ts';
import { BenchError } from './errors.ts';

export interface BenchFleet {
  readonly fleet: RunningFleet;
  /** Where the fleet's nodes and helpers keep their state. */
  readonly fleetStateDir: string;
  readonly topologyFile: string;
  readonly gateways: readonly Gateway[];
  /** OS pid of each node's beam.smp, by cluster (node 1 first). */
  readonly pids: ReadonlyMap<string, readonly number[]>;
  /** Every beam.smp of the fleet, for CPU accounting. */
  brokerPids(): number[];
  amqpUri(cluster: string, user?: string): string;
  stop(): Promise<void>;
}

export function benchTopologyFile(stateDir: string): string {
  return join(stateDir, 'bench-topology.yaml');
}

/**
 * Writes the topology for `gateways` gateways (ports moved up by `portOffset`), clears what a previous run left,
 * and boots every node in parallel.
 */
export async function startBenchFleet(
  cwd: string,
  stateDir: string,
  gateways: number,
  portOffset: number,
  progress: (line: string) => void,
): Promise<BenchFleet> {
  await mkdir(stateDir, { recursive: true });
  const { yaml } = benchTopologyYaml(gateways, relative(stateDir, join(cwd, BENCH_SECRETS_FILE)), portOffset);
  return startGeneratedFleet(benchTopologyFile(stateDir), yaml, join(stateDir, 'fleet'), { purge: true }, (line) => progress(`fleet: ${line}`));
}

/**
 * Writes `yaml` to `topologyFile` and boots every node. `purge` first clears what a previous run left in
 * `fleetStateDir`, so runs compare; without it the fleet keeps its CA and the identities issued from it.
 */
export async function startGeneratedFleet(
  topologyFile: string,
  yaml: string,
  fleetStateDir: string,
  options: { purge: boolean },
  progress: (line: string) => void,
): Promise<BenchFleet> {
  await writeFile(topologyFile, yaml);
  const fleetState = { stateDir: fleetStateDir, onProgress: progress };
  // A crashed earlier run may have left nodes behind.
  await downFleet(topologyFile, fleetState);
  if (options.purge) await purgeFleet(topologyFile, fleetState);
  let fleet: RunningFleet;
  const pids = new Map<string, number[]>();
  try {
    fleet = await upFleet(topologyFile, fleetState);
    for (const c of [fleet.topology.backend, ...fleet.topology.gateways]) {
      const nodes = fleet.nodes(c.name);
      const found = await Promise.all(nodes.map((node) => nodePid(node)));
      const missing = nodes.filter((_, i) => found[i] === undefined);
      if (missing.length > 0) throw new Error(`${missing.map((n) => n.nodeName).join(', ')}: no running node after start`);
      pids.set(c.name, found as number[]);
    }
  } catch (err) {
    await downFleet(topologyFile, fleetState).catch(() => undefined);
    throw BenchError.from('BENCH_FLEET_FAILED', `starting the fleet of ${topologyFile}`, err);
  }
  return {
    fleet,
    fleetStateDir,
    topologyFile,
    gateways: fleet.topology.gateways,
    pids,
    brokerPids: () => [...pids.values()].flat(),
    amqpUri: (cluster, user = ADMIN_USER) => fleet.amqpUri(cluster, user),
    stop: async () => {
      // Stopping runs after an interrupt too, when the run's progress callback throws: lines are best-effort here.
      const quietly = (line: string) => {
        try {
          progress(line);
        } catch {
          // interrupted: stop without telling
        }
      };
      await downFleet(topologyFile, { stateDir: fleetStateDir, onProgress: quietly });
    },
  };
}

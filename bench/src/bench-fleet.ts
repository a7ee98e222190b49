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

/** A fleet the bench generates: where it lives and how its topology is written. */
export interface GeneratedFleet {
  /** Folder of its topology file and, under `fleet/`, of its nodes' state. */
  readonly dir: string;
  /** Its topology's file name in `dir`, e.g. `bench-topology.yaml`. */
  readonly topologyFileName: string;
  /** Its generated passwords, relative to the checkout. */
  readonly secretsFile: string;
  /** The topology's YAML, given the secrets file's path as the topology file sees it. */
  readonly yaml: (secretsPathFromTopology: string) => string;
  /** Clear what a previous run left first, so runs compare; without it the fleet keeps its CA and the identities issued from it. */
  readonly purge: boolean;
  /** What its progress lines start with. */
  readonly label: string;
}

/**
 * Writes the topology for `gateways` gateways (ports moved up by `portOffset`), clears what a previous run left,
 * and boots every node in parallel.
 */
export function startBenchFleet(cwd: string, stateDir: string, gateways: number, portOffset: number, progress: (line: string) => void): Promise<BenchFleet> {
  return startGeneratedFleet(
    cwd,
    {
      dir: stateDir,
      topologyFileName: 'bench-topology.yaml',
      secretsFile: BENCH_SECRETS_FILE,
      yaml: (secrets) => benchTopologyYaml(gateways, secrets, portOffset).yaml,
      purge: true,
      label: 'fleet',
    },
    progress,
  );
}

/** Writes the fleet's topology into its folder and boots every node; stops them again if that fails. */
export async function startGeneratedFleet(cwd: string, spec: GeneratedFleet, onProgress: (line: string) => void): Promise<BenchFleet> {
  await mkdir(spec.dir, { recursive: true });
  const topologyFile = join(spec.dir, spec.topologyFileName);
  const yaml = spec.yaml(relative(spec.dir, join(cwd, spec.secretsFile)));
  const fleetStateDir = join(spec.dir, 'fleet');
  const progress = (line: string) => onProgress(`${spec.label}: ${line}`);
  await writeFile(topologyFile, yaml);
  const fleetState = { stateDir: fleetStateDir, onProgress: progress };
  // A crashed earlier run may have left nodes behind.
  await downFleet(topologyFile, fleetState);
  if (spec.purge) await purgeFleet(topologyFile, fleetState);
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

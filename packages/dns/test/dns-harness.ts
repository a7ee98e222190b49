import { fileURLToPath } from 'node:url';
import { loadTopology, type Topology } from '@fedgate/topology';
import type { DnsOptions, DnsProgressEvent } from '../src/index.ts';
import { FakeRoute53 } from './fake-route53.ts';

export const EXAMPLE_FILE = fileURLToPath(new URL('../../../infra/topologies/acme.example.yaml', import.meta.url));

export async function exampleTopology(): Promise<Topology> {
  return (await loadTopology(EXAMPLE_FILE)).topology;
}

/** A copy of `topology` changed by `edit`, for "the topology changed" cases. */
export function variant(topology: Topology, edit: (t: Topology) => void): Topology {
  const copy = structuredClone(topology);
  edit(copy);
  return copy;
}

/** The example fleet with each gateway behind its region's NLB. */
export function behindNlbs(topology: Topology): Topology {
  return variant(topology, (t) => {
    for (const gw of t.gateways) gw.host = `fedgate-${gw.name}-0123456789abcdef.elb.${gw.region}.amazonaws.com`;
  });
}

export const START_MS = 1_760_000_000_000;

/** A fake Route53 plus options whose clock only moves when the code under test sleeps. */
export class DnsHarness {
  readonly fake = new FakeRoute53();
  readonly sleeps: number[] = [];
  readonly events: DnsProgressEvent[] = [];
  clock = START_MS;

  options(extra: Partial<DnsOptions> = {}): DnsOptions {
    return {
      client: this.fake.client(),
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.clock += ms;
      },
      now: () => this.clock,
      random: () => 0.5,
      onProgress: (e) => this.events.push(e),
      ...extra,
    };
  }

  /** Forget calls, sleeps and events so far; the zone's content stays. */
  resetHistory(): void {
    this.fake.mock.resetHistory();
    this.sleeps.length = 0;
    this.events.length = 0;
  }

  restore(): void {
    this.fake.restore();
  }
}

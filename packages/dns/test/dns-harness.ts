import { fileURLToPath } from 'node:url';
import { loadTopology, type Topology } from '@fedgate/topology';
import type { DnsOptions, DnsProgressEvent } from '../src/index.ts';
import { accountAfterDnsStack } from './dns-stack-zone.ts';
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

/** A fake Route53 holding the zone as the topology's DNS stack leaves it, plus options that never really sleep. */
export class DnsHarness {
  readonly fake: FakeRoute53;
  readonly sleeps: number[] = [];
  readonly events: DnsProgressEvent[] = [];

  constructor(topology: Topology) {
    this.fake = new FakeRoute53(accountAfterDnsStack(topology));
  }

  get account() {
    return this.fake.account;
  }

  options(extra: Partial<DnsOptions> = {}): DnsOptions {
    return {
      client: this.fake.client(),
      sleep: async (ms) => void this.sleeps.push(ms),
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

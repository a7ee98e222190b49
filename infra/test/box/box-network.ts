/**
 * Test support: the network of a region booted in a box. Each instance gets its own network namespace (so its
 * RabbitMQ listens on the ports the topology names without meeting the other fleets on this machine) with one veth
 * into a bridge on the host; the host side of the bridge carries the AWS stand-ins. Addresses come from a /24 of
 * 10.231.0.0/16 no interface on the host uses yet.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export class BoxError extends Error {
  override readonly name = 'BoxError';
  readonly code = 'BOX_SETUP_FAILED';
}

export interface BoxInterface {
  /** Network namespace name (`ip netns exec NAME …`). */
  readonly netns: string;
  readonly address: string;
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await execFileAsync('ip', args)).stdout;
  } catch (err) {
    throw new BoxError(`ip ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message}`, { cause: err });
  }
}

export class BoxNetwork {
  private readonly namespaces: string[] = [];
  private nextHost = 2;

  private constructor(
    readonly id: string,
    readonly bridge: string,
    /** The /24's first three octets, e.g. `10.231.57`. */
    readonly prefix: string,
  ) {}

  /** The host's address on the bridge: where the stand-ins listen. */
  get hostAddress(): string {
    return `${this.prefix}.1`;
  }

  static async create(): Promise<BoxNetwork> {
    const id = randomBytes(3).toString('hex');
    const used = await ip('-4', '-o', 'addr', 'show');
    const free = [...Array(254).keys()].map((i) => i + 1).filter((n) => !used.includes(` 10.231.${n}.`));
    if (free.length === 0) throw new BoxError('no free /24 in 10.231.0.0/16 for the box network');
    const network = new BoxNetwork(id, `fgb${id}`, `10.231.${free[Math.floor(Math.random() * free.length)]}`);
    await ip('link', 'add', 'name', network.bridge, 'type', 'bridge');
    await ip('addr', 'add', `${network.hostAddress}/24`, 'dev', network.bridge);
    await ip('link', 'set', network.bridge, 'up');
    return network;
  }

  /** A namespace with loopback and one address on the bridge. */
  async attach(name: string): Promise<BoxInterface> {
    const host = this.nextHost++;
    const netns = `fgbox-${this.id}-${name}`;
    const outside = `fgv${this.id}${host}h`;
    const inside = `fgv${this.id}${host}b`;
    await ip('netns', 'add', netns);
    this.namespaces.push(netns);
    await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    await ip('link', 'set', outside, 'master', this.bridge, 'up');
    await ip('link', 'set', inside, 'netns', netns);
    const address = `${this.prefix}.${host}`;
    await ip('-n', netns, 'link', 'set', 'lo', 'up');
    await ip('-n', netns, 'link', 'set', inside, 'name', 'eth0');
    await ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    await ip('-n', netns, 'link', 'set', 'eth0', 'up');
    return { netns, address };
  }

  /** What destroy() removes, for a later run to remove it if this process dies first. */
  get resources(): { bridge: string; namespaces: string[] } {
    return { bridge: this.bridge, namespaces: [...this.namespaces] };
  }

  /** Deletes every namespace (their veths go with them) and the bridge; safe to call after a partial setup. */
  async destroy(): Promise<void> {
    await BoxNetwork.remove({ bridge: this.bridge, namespaces: this.namespaces.splice(0) });
  }

  static async remove(resources: { bridge: string; namespaces: readonly string[] }): Promise<void> {
    for (const netns of resources.namespaces) await ip('netns', 'del', netns).catch(() => undefined);
    await ip('link', 'del', resources.bridge).catch(() => undefined);
  }
}

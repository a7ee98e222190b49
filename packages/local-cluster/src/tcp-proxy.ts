import { connect, createServer, type Server, type Socket } from 'node:net';
import { applyWanChange, releaseTime, WHOLE_LINK, type WanConditions } from './wan-conditions.ts';
import { LocalClusterError } from './local-cluster-error.ts';

/** A backend node's AMQP listener the proxy forwards to. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export interface TcpProxyOptions {
  readonly listenHost: string;
  /** 0 picks a free port (tests). */
  readonly listenPort: number;
  /**
   * Tried in order for each new connection, starting with the last one that answered, like a load balancer in
   * front of a multi-node backend: a dead node is skipped.
   */
  readonly targets: readonly ProxyTarget[];
  readonly conditions?: Partial<WanConditions>;
  /** How long one target may take to accept before the next is tried. @default DEFAULT_CONNECT_TIMEOUT_MS */
  readonly connectTimeoutMs?: number;
  /** Source of jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** @default 3000 ms: a local node accepts at once; a dead one refuses at once; a hung one is skipped after this. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** A direction holding more than this many delayed bytes stops reading until it has written them (backpressure). */
export const HIGH_WATER_BYTES = 1 << 20;

export interface TcpProxyStats {
  /** Connections being forwarded now (held ones included). */
  readonly open: number;
  readonly accepted: number;
  /** Connections reset by a `reset` partition, on accept or while open. */
  readonly reset: number;
  /** Upstream connect attempts that failed (a node down, refused, or too slow). */
  readonly upstreamFailures: number;
  readonly bytesForwarded: number;
}

export class TcpProxyError extends LocalClusterError {
  override readonly name = 'TcpProxyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('TCP_PROXY_FAILED', message, options);
  }
}

/**
 * A TCP proxy that behaves like a WAN: every chunk is delayed by the latency plus jitter (in order), and a
 * partition resets or silently stalls every connection through it. There is no netem on these machines;
 * this sits between a gateway's links and the backend instead.
 */
export class TcpProxy {
  readonly #options: TcpProxyOptions;
  readonly #server: Server;
  readonly #pipes = new Set<Pipe>();
  /** Accepted during a blackhole: no upstream yet, connected when the link heals. */
  readonly #waiting = new Set<Socket>();
  readonly #random: () => number;
  #conditions: WanConditions;
  #preferred = 0;
  #stats = { accepted: 0, reset: 0, upstreamFailures: 0, bytesForwarded: 0 };

  constructor(options: TcpProxyOptions) {
    if (options.targets.length === 0) throw new TcpProxyError('a proxy needs at least one target');
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#conditions = applyWanChange(WHOLE_LINK, options.conditions ?? {});
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Starts listening; resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.listenPort, this.#options.listenHost, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as { port: number }).port;
  }

  get conditions(): WanConditions {
    return this.#conditions;
  }

  stats(): TcpProxyStats {
    return { open: this.#pipes.size + this.#waiting.size, ...this.#stats };
  }

  /** Changes latency, jitter or the partition; a partition takes effect on open connections at once. */
  set(change: Partial<Record<keyof WanConditions, unknown>>): WanConditions {
    const before = this.#conditions.partition;
    this.#conditions = applyWanChange(this.#conditions, change);
    const after = this.#conditions.partition;
    if (after === 'reset') {
      for (const pipe of this.#pipes) {
        pipe.reset();
        this.#stats.reset++;
      }
      for (const socket of this.#waiting) {
        socket.resetAndDestroy();
        this.#stats.reset++;
      }
      this.#waiting.clear();
    } else if (after === 'blackhole' && before !== 'blackhole') {
      for (const pipe of this.#pipes) pipe.hold();
    } else if (after === null && before === 'blackhole') {
      for (const pipe of this.#pipes) pipe.release();
      const waiting = [...this.#waiting];
      this.#waiting.clear();
      for (const socket of waiting) void this.#connectUpstream(socket);
    }
    return this.#conditions;
  }

  /** Stops listening and destroys every connection through the proxy. */
  async close(): Promise<void> {
    for (const pipe of this.#pipes) pipe.destroy();
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#stats.accepted++;
    client.on('error', () => client.destroy());
    if (this.#conditions.partition === 'reset') {
      client.resetAndDestroy();
      this.#stats.reset++;
      return;
    }
    if (this.#conditions.partition === 'blackhole') {
      this.#waiting.add(client);
      client.once('close', () => this.#waiting.delete(client));
      return;
    }
    void this.#connectUpstream(client);
  }

  async #connectUpstream(client: Socket): Promise<void> {
    const { targets } = this.#options;
    let upstream: Socket | undefined;
    for (let i = 0; i < targets.length && !upstream; i++) {
      const index = (this.#preferred + i) % targets.length;
      try {
        upstream = await dial(targets[index]!, this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
        this.#preferred = index;
      } catch {
        this.#stats.upstreamFailures++;
      }
      if (client.destroyed) break;
    }
    if (!upstream || client.destroyed || this.#conditions.partition === 'reset') {
      upstream?.destroy();
      if (!client.destroyed) client.resetAndDestroy();
      return;
    }
    const pipe = new Pipe(client, upstream, {
      conditions: () => this.#conditions,
      random: this.#random,
      forwarded: (bytes) => void (this.#stats.bytesForwarded += bytes),
      closed: () => this.#pipes.delete(pipe),
    });
    this.#pipes.add(pipe);
    if (this.#conditions.partition === 'blackhole') pipe.hold();
  }
}

function dial(target: ProxyTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => fail(new TcpProxyError(`${target.host}:${target.port} did not accept within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

interface PipeHooks {
  conditions(): WanConditions;
  random(): number;
  forwarded(bytes: number): void;
  closed(): void;
}

/** One proxied connection: a delayed direction each way. */
class Pipe {
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #directions: Direction[];
  #open = 2;

  constructor(client: Socket, upstream: Socket, hooks: PipeHooks) {
    this.#client = client;
    this.#upstream = upstream;
    client.setNoDelay(true);
    this.#directions = [new Direction(client, upstream, hooks), new Direction(upstream, client, hooks)];
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.destroy());
      socket.once('close', () => {
        if (--this.#open === 0) hooks.closed();
        else this.#directions.forEach((d) => d.peerClosed(socket));
      });
    }
  }

  hold(): void {
    this.#directions.forEach((d) => d.hold());
  }

  release(): void {
    this.#directions.forEach((d) => d.release());
  }

  reset(): void {
    for (const socket of [this.#client, this.#upstream]) if (!socket.destroyed) socket.resetAndDestroy();
  }

  destroy(): void {
    this.#client.destroy();
    this.#upstream.destroy();
  }
}

/** Bytes from one socket to the other, each chunk released at its `releaseTime`. */
class Direction {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #hooks: PipeHooks;
  readonly #queue: { chunk: Buffer; at: number }[] = [];
  #queuedBytes = 0;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;
  #held = false;
  #ended = false;

  constructor(from: Socket, to: Socket, hooks: PipeHooks) {
    this.#from = from;
    this.#to = to;
    this.#hooks = hooks;
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.once('end', () => {
      this.#ended = true;
      this.#pump();
    });
    to.on('drain', () => this.#pump());
  }

  /** Blackhole: stop reading and writing; what is in flight stays where it is. */
  hold(): void {
    this.#held = true;
    clearTimeout(this.#timer);
    this.#from.pause();
  }

  release(): void {
    this.#held = false;
    this.#from.resume();
    this.#pump();
  }

  /** The other end went away: nothing more can be written there. */
  peerClosed(socket: Socket): void {
    if (socket === this.#to) {
      clearTimeout(this.#timer);
      this.#queue.length = 0;
      this.#from.destroy();
    } else if (socket === this.#from && this.#queue.length === 0) {
      this.#to.end();
    }
  }

  #push(chunk: Buffer): void {
    const at = releaseTime(Date.now(), this.#last, this.#hooks.conditions(), this.#hooks.random());
    this.#last = at;
    this.#queue.push({ chunk, at });
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > HIGH_WATER_BYTES) this.#from.pause();
    this.#pump();
  }

  #pump(): void {
    if (this.#held || this.#to.destroyed) return;
    clearTimeout(this.#timer);
    const now = Date.now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.at > now) {
        this.#timer = setTimeout(() => this.#pump(), head.at - now).unref();
        return;
      }
      this.#queue.shift();
      this.#queuedBytes -= head.chunk.length;
      this.#hooks.forwarded(head.chunk.length);
      if (!this.#to.write(head.chunk)) return; // continues on 'drain'
    }
    if (this.#from.isPaused() && !this.#from.destroyed) this.#from.resume();
    if (this.#ended || this.#from.destroyed) this.#to.end();
  }
}

// The router processes of the router scenario: one or two `fedgate router` instances with the setting a variant
// asks for, restarted only when that setting changes, and a probe that proves the path through them works.
import { ROUTE_HEADER } from '@fedgate/topology';
import type { Sink } from '../amqp-traffic.ts';
import { probePath, type RunSpec } from '../measure-run.ts';
import { startRouterProcess, type RouterProcess } from '../router-process.ts';
import type { ScenarioContext } from './scenario-context.ts';

/** How a router instance is started for a variant. */
export interface RouterSetting {
  /** What the report calls it, e.g. "router" or "router p32". */
  readonly label: string;
  /** Commands in flight per instance (`fedgate router --prefetch`). */
  readonly prefetch: number;
  /** V8 flags of the router's Node process. @default none */
  readonly v8Flags?: readonly string[];
}

export class RouterInstances {
  readonly #running: RouterProcess[] = [];
  #setting: RouterSetting | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly sink: Sink,
    private readonly routerSpec: () => RunSpec,
  ) {}

  pids(): number[] {
    return this.#running.map((r) => r.pid);
  }

  /** The first instance (the one latency runs go through). */
  get first(): RouterProcess | undefined {
    return this.#running[0];
  }

  /**
   * Runs `count` instances with `setting`, restarting them if they run another one; resolves once routed through.
   * True when an instance was started (it is cold: its code not yet optimised, its heap still growing).
   */
  async use(setting: RouterSetting, count: 1 | 2): Promise<boolean> {
    if (this.#setting?.label !== setting.label) await this.stop();
    this.#setting = setting;
    await Promise.all(this.#running.splice(count).map((r) => r.stop()));
    if (this.#running.length === count) return false;
    while (this.#running.length < count) {
      const flags = setting.v8Flags?.length ? `, ${setting.v8Flags.join(' ')}` : '';
      this.ctx.progress(`router: starting a router process (${setting.label}: prefetch ${setting.prefetch}${flags})`);
      const options = { prefetch: setting.prefetch, ...(setting.v8Flags ? { v8Flags: setting.v8Flags } : {}) };
      this.#running.push(await startRouterProcess(this.ctx.cwd, this.ctx.fleet.topologyFile, options));
    }
    await this.#probe();
    return true;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#running.splice(0).map((r) => r.stop()));
    this.#setting = undefined;
  }

  /** Ready when a probe through the router arrives marked direct: presence reached it and the gateway is healthy. */
  async #probe(): Promise<void> {
    const directSeen = () => this.sink.headerCounts(ROUTE_HEADER).get('direct') ?? 0;
    let seen = directSeen();
    await probePath(this.routerSpec(), 60_000, 'the router path to gw1', () => {
      const now = directSeen();
      const direct = now > seen;
      seen = now;
      return direct;
    });
  }
}

/** What the console shows of a router: routed commands per second by route, dead letters per second, directory size. */
export interface RouterRates {
  readonly url: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Commands per second since the previous sample, by route (direct, broadcast, evacuated); absent on the first. */
  readonly routedPerSecond?: Readonly<Record<string, number>>;
  readonly deadLetteredPerSecond?: number;
  readonly directoryDevices?: number;
}

interface Sample {
  readonly at: number;
  readonly routed: Map<string, number>;
  readonly dead: number;
}

/** Sums of one metric's samples by one label, from Prometheus' text format. */
export function sumByLabel(text: string, metric: string, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  const line = new RegExp(`^${metric}(?:\\{([^}]*)\\})?\\s+(\\S+)`, 'gm');
  for (const match of text.matchAll(line)) {
    const value = Number(match[2]);
    if (!Number.isFinite(value)) continue;
    const key = new RegExp(`${label}="([^"]*)"`).exec(match[1] ?? '')?.[1] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return sums;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Reads a router's /metrics each time it is called and turns its counters into rates against the previous read. */
export function routerRatesReader(url: string, fetchTimeoutMs = 3_000): () => Promise<RouterRates> {
  if (!/^https?:\/\//.test(url)) throw new TypeError(`invalid router URL ${JSON.stringify(url)}: expected http://host:port/metrics`);
  let previous: Sample | undefined;
  return async () => {
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs) });
      if (!response.ok) return { url, ok: false, error: `HTTP ${response.status}` };
      text = await response.text();
    } catch (err) {
      return { url, ok: false, error: (err as Error).message };
    }
    const sample: Sample = {
      at: Date.now(),
      routed: sumByLabel(text, 'fedgate_router_commands_routed_total', 'route'),
      dead: total(sumByLabel(text, 'fedgate_router_commands_dead_lettered_total', 'reason')),
    };
    const directoryDevices = total(sumByLabel(text, 'fedgate_router_directory_devices', 'x'));
    const before = previous;
    previous = sample;
    if (!before || sample.at <= before.at) return { url, ok: true, directoryDevices };
    const seconds = (sample.at - before.at) / 1000;
    // A counter that went down means the router restarted: count from zero.
    const rate = (now: number, then: number) => Math.max(0, now >= then ? now - then : now) / seconds;
    const routedPerSecond = Object.fromEntries([...sample.routed].map(([route, n]) => [route, rate(n, before.routed.get(route) ?? 0)]));
    return { url, ok: true, routedPerSecond, deadLetteredPerSecond: rate(sample.dead, before.dead), directoryDevices };
  };
}

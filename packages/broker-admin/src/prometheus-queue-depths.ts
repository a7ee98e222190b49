import type { Cluster } from '@fedgate/topology';
import { parsePrometheusText } from './prometheus-text.ts';

export interface QueueDepth {
  readonly messages: number;
  readonly consumers: number;
}

/** How long one node's Prometheus endpoint may take to answer. */
export const DEFAULT_METRICS_TIMEOUT_MS = 5_000;

/**
 * Every node's Prometheus endpoint of a cluster. Local clusters of N nodes share a host and listen on port+i; a
 * deployed cluster answers on its host's port (the extra URLs are refused there and ignored).
 */
export function clusterMetricsUrls(cluster: Cluster): string[] {
  return Array.from({ length: cluster.nodes }, (_, i) => `http://${cluster.host}:${cluster.ports.prometheus + i}`);
}

/**
 * Messages (ready and unacknowledged) and consumers of the named queues, from the Prometheus endpoints' per-queue
 * metrics. Gateways run without the management plugin's statistics, so their management API knows a queue but not
 * its depth; a node reports the queues it hosts (a quorum queue on its leader), so every node is asked. A queue no
 * node reports is absent from the result.
 */
export async function prometheusQueueDepths(
  urls: readonly string[],
  vhost: string,
  names: readonly string[],
  timeoutMs = DEFAULT_METRICS_TIMEOUT_MS,
): Promise<Map<string, QueueDepth>> {
  const query = new URLSearchParams([
    ['vhost', vhost],
    ['family', 'queue_coarse_metrics'],
    ['family', 'queue_consumer_count'],
  ]);
  const wanted = new Set(names);
  const depths = new Map<string, QueueDepth>();
  const scrapes = await Promise.all(urls.map((url) => scrape(`${url}/metrics/detailed?${query}`, timeoutMs)));
  for (const text of scrapes) {
    if (text === undefined) continue;
    const found = new Map<string, { messages?: number; consumers?: number }>();
    for (const s of parsePrometheusText(text)) {
      const queue = s.labels.queue;
      if (queue === undefined || s.labels.vhost !== vhost || !wanted.has(queue)) continue;
      const entry = found.get(queue) ?? {};
      if (s.name === 'rabbitmq_detailed_queue_messages') entry.messages = s.value;
      else if (s.name === 'rabbitmq_detailed_queue_consumers') entry.consumers = s.value;
      found.set(queue, entry);
    }
    for (const [queue, { messages, consumers }] of found) if (messages !== undefined && consumers !== undefined) depths.set(queue, { messages, consumers });
  }
  return depths;
}

/** One endpoint's text, or undefined when it cannot be read: the caller reports the queues no node answered for. */
async function scrape(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

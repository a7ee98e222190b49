import type { Cluster } from '@fedgate/topology';
import type { ManagementClient } from '@fedgate/broker-admin';
import type { LocalNode } from './local-node.ts';
import { rabbitmqCli } from './rabbitmq-cli.ts';

interface QueueInfo {
  readonly name: string;
  readonly type: string;
}

/**
 * Joins nodes 2..N of a local cluster to node 1, once (a node that is a member already is left alone), then gives
 * every quorum queue and stream a replica on each node that joined: the definitions were imported while node 1 was
 * alone, and RabbitMQ does not grow existing queues onto new members by itself (membership reconciliation is off
 * by default). Returns the nodes that joined.
 */
export async function formCluster(
  cluster: Cluster,
  nodes: readonly LocalNode[],
  vhost: string,
  seedAdmin: ManagementClient,
  progress: (line: string) => void,
): Promise<LocalNode[]> {
  const [seed, ...others] = nodes;
  if (!seed || others.length === 0) return [];
  const members = new Set((await seedAdmin.get<{ name: string }[]>('/nodes')).map((n) => n.name));
  const joined: LocalNode[] = [];
  // One at a time: joins that overlap race on the schema.
  for (const node of others.filter((n) => !members.has(n.nodeName))) {
    progress(`${cluster.name}: joining ${node.nodeName} to ${seed.nodeName}`);
    for (const step of [['stop_app'], ['reset'], ['join_cluster', seed.nodeName], ['start_app']]) {
      await rabbitmqCli('rabbitmqctl', node.nodeName, step);
    }
    joined.push(node);
  }
  if (joined.length === 0) return joined;

  const queues = await seedAdmin.get<QueueInfo[]>(`/queues/${encodeURIComponent(vhost)}?columns=name,type`);
  const streams = queues.filter((q) => q.type === 'stream');
  for (const node of joined) {
    progress(`${cluster.name}: adding ${node.nodeName} to every quorum queue and stream`);
    await rabbitmqCli('rabbitmq-queues', seed.nodeName, ['grow', node.nodeName, 'all', '--vhost-pattern', `^${escapeRegex(vhost)}$`, '--queue-pattern', '.*']);
    for (const stream of streams) {
      await rabbitmqCli('rabbitmq-streams', seed.nodeName, ['add_replica', '--vhost', vhost, stream.name, node.nodeName]);
    }
  }
  return joined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusQueueDepths } from '@fedgate/broker-admin';

/** What a RabbitMQ 4.0 node's /metrics/detailed answers for the queues it hosts. */
function detailed(queues: Record<string, { messages: number; consumers: number }>, vhost = '/'): string {
  const lines = ['# TYPE rabbitmq_detailed_queue_messages gauge'];
  for (const [queue, { messages, consumers }] of Object.entries(queues)) {
    const labels = `{vhost="${vhost}",queue="${queue.replace(/"/g, '\\"')}"}`;
    lines.push(`rabbitmq_detailed_queue_messages_ready${labels} ${messages}`);
    lines.push(`rabbitmq_detailed_queue_messages${labels} ${messages}`);
    lines.push(`rabbitmq_detailed_queue_consumers${labels} ${consumers}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('broker-admin - queue depths from Prometheus, where a cluster keeps no management statistics', () => {
  const servers: Server[] = [];
  const queries: string[] = [];

  async function node(text: string): Promise<string> {
    const server = createServer((req, res) => {
      queries.push(req.url ?? '');
      res.end(text);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  after(() => servers.forEach((s) => s.close()));

  it("takes each queue from the node that reports it, asks only for the vhost's queue families, and ignores a node that does not answer", async () => {
    const first = await node(detailed({ 'fedgate.uplink': { messages: 12, consumers: 1 }, 'mqtt-subscription-d1qos1': { messages: 3, consumers: 1 } }));
    const second = await node(detailed({ 'fedgate.presence.out': { messages: 0, consumers: 1 } }));
    const refused = 'http://127.0.0.1:1';
    const depths = await prometheusQueueDepths([first, second, refused], '/', ['fedgate.uplink', 'fedgate.presence.out', 'fedgate.gone']);
    assert.deepEqual(Object.fromEntries(depths), {
      'fedgate.uplink': { messages: 12, consumers: 1 },
      'fedgate.presence.out': { messages: 0, consumers: 1 },
    });
    assert.ok(
      queries.every((q) => q === '/metrics/detailed?vhost=%2F&family=queue_coarse_metrics&family=queue_consumer_count'),
      queries.join(' '),
    );
  });

  it('does not mistake a queue of the same name in another vhost, or a name with escaped quotes, for the one asked for', async () => {
    const other = await node(detailed({ 'fedgate.uplink': { messages: 99, consumers: 0 } }, 'other'));
    const quoted = await node(detailed({ 'odd"name': { messages: 5, consumers: 2 } }));
    const depths = await prometheusQueueDepths([other, quoted], '/', ['fedgate.uplink', 'odd"name']);
    assert.deepEqual(Object.fromEntries(depths), { 'odd"name': { messages: 5, consumers: 2 } });
  });
});

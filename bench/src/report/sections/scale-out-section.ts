// Pure: the report's section on the scale-out scenario: a 3-node backend and gateway beside single nodes.
import type { ScaleOutResult } from '../../scenarios/scale-out.ts';
import { formatBytes, formatMs, formatRatio } from '../../format-figures.ts';
import { background, int, table, us, type ReportSection } from '../report-markdown.ts';
import { pairsText } from './router-section.ts';

export function renderScaleOutSection(x: ScaleOutResult): ReportSection {
  const { nodes, cores, messages, commandRounds, clients, stormRounds } = x.settings;
  const { direct, router, connectRate } = x.threeOverOne;
  const ratio = (p: typeof direct) => `**${formatRatio(p.ratio)}** (IQR ${formatRatio(p.p25)} to ${formatRatio(p.p75)}; ${pairsText(p)})`;
  const md: string[] = [];
  md.push(`## Scale-out: ${nodes}-node clusters beside single nodes\n`);
  md.push(
    `The same work against the bench fleet's single-node backend and gateways (*one node*) and against a fleet whose backend and gateway ` +
      `are ${nodes}-node clusters (*three nodes*): quorum outboxes and the router's queue replicated on ${nodes} nodes, session queues on the ` +
      `node each device reached. Commands: bursts of ${int(messages)} persistent messages direct to the gateway's outbox and through one router, ` +
      `${commandRounds} rounds, the fleets' order reversed every other round. Storm: ${int(clients)} MQTT 5 devices at once with a QoS 1 ` +
      `subscription each, ${stormRounds} round${stormRounds === 1 ? '' : 's'}, on the cluster spread over its nodes' listeners as a load balancer spreads them. Every node ` +
      `shares this machine's ${cores} cores, so a ratio below 1 is the cost of replication and of more nodes on the same CPU, not what ` +
      `nodes on hosts of their own would buy. Memory comes from each node's first storm of the run: a node keeps the memory a storm ` +
      `freed and reuses it in the next.\n`,
  );
  md.push(`Three nodes ÷ one: direct commands/s ${ratio(direct)}; through the router ${ratio(router)}; storm connect rate ${ratio(connectRate)}.\n`);
  md.push(
    table(
      ['variant', 'direct msg/s', 'router msg/s', 'broker CPU per routed command, all nodes', 'the busiest node'],
      x.summary.map((v) => [
        v.variant,
        int(v.directMsgPerSec),
        int(v.routerMsgPerSec),
        us(v.brokerCpuSecondsPerCommand * 1e6),
        us(v.busiestNodeCpuSecondsPerCommand * 1e6),
      ]),
    ),
  );
  const [one, three] = [x.summary.find((v) => v.variant === 'one node'), x.summary.find((v) => v.variant === 'three nodes')];
  if (one && three) {
    md.push(
      `Derived, not measured: on hosts of their own a cluster routes as fast as its busiest node allows, so three nodes could route up to ` +
        `${formatRatio(one.busiestNodeCpuSecondsPerCommand / three.busiestNodeCpuSecondsPerCommand)} the commands of one ` +
        `(${us(one.busiestNodeCpuSecondsPerCommand * 1e6)} ÷ ${us(three.busiestNodeCpuSecondsPerCommand * 1e6)} of the busiest node's CPU per routed command), ` +
        `if the network between them is not the limit.\n`,
    );
  }
  md.push(
    table(
      [
        'variant',
        'storm: subscribed',
        'all subscribed (s)',
        'memory per device, settled: all nodes',
        'the busiest node',
        'node CPU per device: all nodes',
        'the busiest node',
      ],
      x.summary.map((v) => [
        v.variant,
        `${int(v.subscribed)}/${int(clients)}`,
        v.stormSeconds.toFixed(1),
        formatBytes(v.bytesPerDeviceSettled),
        formatBytes(v.busiestNodeBytesPerDeviceSettled),
        formatMs(v.nodeCpuMsPerDevice),
        formatMs(v.busiestNodeCpuMsPerDevice),
      ]),
    ),
  );
  md.push(background([...x.commands.map((r) => r.figures.otherCpuShare), ...x.storms.map((r) => r.otherCpuShare)]));
  return { markdown: md, charts: [] };
}

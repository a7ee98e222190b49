// Pure: the report's section on the routing amplification scenario.
import type { RoutingResult } from '../../scenarios/routing.ts';
import { formatMs, formatRatio } from '../../format-figures.ts';
import type { BarChart } from '../bar-chart.ts';
import { background, int, table, us, type ReportSection } from '../report-markdown.ts';

export function renderRoutingSection(x: RoutingResult): ReportSection {
  const md: string[] = [];
  const charts: { file: string; chart: BarChart }[] = [];
  md.push(`## Routing amplification (N = ${x.settings.gateways} gateways)\n`);
  md.push(
    `${x.settings.devicesPerGateway} MQTT devices per gateway (QoS 1), ${int(x.settings.commands)} commands per run to devices spread over all gateways. ` +
      `Crossings are counted where links deliver, on each gateway's \`fedgate.devices\`: at the subscribed device, or at an alternate exchange ` +
      `when no subscription there matched. *router-directed*: through \`fedgate router\`; *broadcast-to-all*: straight to \`fedgate.broadcast\` ` +
      `(no router hop); *federation-bindings*: each gateway federates \`fedgate.devices\` from a backend exchange, and federation propagates every ` +
      `device's subscription binding to the backend.\n`,
  );
  md.push(
    table(
      ['variant', 'crossings per command', 'msg/s (burst)', 'p50', 'p99', 'CPU per command', 'runs dropped'],
      x.summary.map((v) => [
        v.variant,
        formatRatio(v.amplification),
        int(v.msgPerSec),
        formatMs(v.p50Ms),
        formatMs(v.p99Ms),
        us(v.cpuMicrosPerCommand),
        int(v.droppedRuns ?? 0),
      ]),
    ),
  );
  md.push(
    'Throughput and latency here come from bursts delivered over MQTT QoS 1 to a few devices, which is the bottleneck; they compare the variants ' +
      'with each other, not with the router scenario. ' +
      'Federation of bindings also gets 1.0, without a router, at a price the table does not show: every device subscription becomes a binding on the backend ' +
      '(a reconnect storm at a gateway is a binding storm on the backend), and a device that moves is reachable only after its new binding propagated.\n',
  );
  charts.push({
    file: 'routing-amplification.png',
    chart: {
      title: `Messages crossing backend→gateway links per command (N = ${x.settings.gateways})`,
      yLabel: 'crossings per command',
      categories: x.summary.map((v) => v.variant),
      series: [{ name: 'crossings', values: x.summary.map((v) => v.amplification) }],
      format: (v) => v.toFixed(2),
    },
  });
  md.push(background(x.runs.map((run) => run.otherCpuShare)));
  md.push('![routing amplification](routing-amplification.png)\n');
  return { markdown: md, charts };
}

// Pure: the report's section on the downlink scenario.
import type { DownlinkResult } from '../../scenarios/downlink.ts';
import { formatMs, formatRatio } from '../../format-figures.ts';
import type { BarChart } from '../bar-chart.ts';
import { background, int, table, us, type ReportSection } from '../report-markdown.ts';

export function renderDownlinkSection(x: DownlinkResult): ReportSection {
  const md: string[] = [];
  const charts: { file: string; chart: BarChart }[] = [];
  md.push('## Downlink: shovel vs federation\n');
  md.push(
    `Commands published straight to the backend's \`fedgate.to.<gw>\` (gw1: shovel from its quorum outbox; gw2: exchange federation ` +
      `through the classic queue federation declares) and consumed from the gateway's \`fedgate.devices\`. Each variant rewrites the link ` +
      `through the management API as broker-config compiles it. Bursts of ${int(x.settings.messages)} messages; latency paced at ` +
      `${int(x.settings.pacedRate)} msg/s (half the slowest variant's saturation) for ${x.settings.pacedSeconds} s.\n`,
  );
  md.push(
    `**Shovel ÷ federation (on-confirm, prefetch 1000): ${formatRatio(x.shovelOverFederation.ratio)}** (${x.shovelOverFederation.quietOnly ? `${x.shovelOverFederation.quietPairs} of ${x.shovelOverFederation.pairs} rounds quiet` : 'all rounds, too few quiet'}). Fastest at-least-once variant (on-confirm): ` +
      `${x.fastestOnConfirm}; fastest of all: ${x.fastest} (no-ack and on-publish acknowledge before the gateway has the message, so a failing link or node loses what is in flight).\n`,
  );
  md.push(
    Math.abs(x.shovelOverFederation.ratio - 1) <= 0.15
      ? 'Defaults: shovel and federation carry about the same here, so throughput gives no reason to change the default kind; the shovel keeps it because its ' +
          'outbox is a quorum queue fedgate declares (replicated and bounded) while federation buffers in a classic queue it declares itself.\n'
      : `Defaults: ${x.shovelOverFederation.ratio > 1 ? 'the shovel' : 'federation'} carries ${formatRatio(Math.max(x.shovelOverFederation.ratio, 1 / x.shovelOverFederation.ratio))} ` +
          `the other's throughput at on-confirm/1000${x.shovelOverFederation.ratio > 1 ? ', which supports the shovel as the default kind' : '; the default kind (shovel) costs throughput here and is kept for its quorum outbox'}.\n`,
  );
  md.push(
    table(
      ['variant', 'msg/s', 'CPU per msg', 'paced p50', 'paced p99', 'lost in bursts', 'runs dropped'],
      x.summary.map((v) => [
        v.variant,
        int(v.msgPerSec),
        us(v.cpuMicrosPerMessage),
        formatMs(v.pacedP50Ms),
        formatMs(v.pacedP99Ms),
        int(v.lostInBurst),
        int(v.droppedRuns ?? 0),
      ]),
    ),
  );
  charts.push({
    file: 'downlink-throughput.png',
    chart: {
      title: 'Downlink throughput by link kind, ack mode and prefetch',
      yLabel: 'messages per second',
      categories: x.summary.map((v) => v.variant),
      series: [{ name: 'msg/s', values: x.summary.map((v) => v.msgPerSec) }],
      width: Math.max(760, 90 * x.summary.length),
    },
  });
  charts.push({
    file: 'downlink-latency.png',
    chart: {
      title: `Downlink latency at ${int(x.settings.pacedRate)} msg/s`,
      yLabel: 'milliseconds',
      categories: x.summary.map((v) => v.variant),
      series: [
        { name: 'p50', values: x.summary.map((v) => v.pacedP50Ms) },
        { name: 'p99', values: x.summary.map((v) => v.pacedP99Ms) },
      ],
      width: Math.max(760, 90 * x.summary.length),
    },
  });
  md.push(background(x.runs.map((run) => run.figures.otherCpuShare)));
  md.push('![downlink throughput](downlink-throughput.png)\n');
  md.push('![downlink latency](downlink-latency.png)\n');
  return { markdown: md, charts };
}

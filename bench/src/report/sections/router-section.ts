// Pure: the report's section on the router scenario: throughput, the latency each router setting adds, and where
// the router's share of that time went.
import type { RouterResult } from '../../scenarios/router.ts';
import type { LatencySummary } from '../../scenarios/router-summary.ts';
import { formatMs, formatRatio, formatShare } from '../../format-figures.ts';
import type { PairedRatio } from '../../paired-ratio.ts';
import type { Spread } from '../../percentiles.ts';
import { background, int, table, us, type ReportSection } from '../report-markdown.ts';

/** "12.3 ms (IQR 8.10 ms to 15.0 ms)". */
export function msWithSpread(s: Spread | PairedRatio): string {
  const median = 'median' in s ? s.median : s.ratio;
  return `${formatMs(median)} (IQR ${formatMs(s.p25)} to ${formatMs(s.p75)})`;
}

/** What a paired figure rests on: "10 paired rounds, 9 quiet, 1 dropped". */
export function pairsText(p: PairedRatio): string {
  return `${p.pairs} paired round${p.pairs === 1 ? '' : 's'}, ${p.quietPairs} quiet${p.dropped ? `, ${p.dropped} dropped (lost or refused messages)` : ''}${p.quietOnly ? '' : ', too few quiet so all counted'}`;
}

function latencyRow(l: LatencySummary): string[] {
  return [
    l.variant,
    String(l.prefetch),
    msWithSpread(l.addedP50Ms),
    msWithSpread(l.addedP99Ms),
    `${formatMs(l.routerP50Ms.median)} / ${formatMs(l.routerP99Ms.median)}`,
    `${formatMs(l.confirmP50Ms.median)} / ${formatMs(l.confirmP99Ms.median)}`,
    `${formatMs(l.eventLoopDelayP99Ms.median)} (max ${formatMs(l.eventLoopDelayMaxMs)})`,
    `${formatMs(l.gcMsPerSecond.median)}/s (longest ≤ ${formatMs(l.gcLongestUpToMs)})`,
    formatShare(l.routerCoreShare),
  ];
}

export function renderRouterSection(x: RouterResult): ReportSection {
  const md: string[] = [];
  md.push('## Router path vs direct publish\n');
  md.push(
    `Direct: publish to \`fedgate.to.gw1\` (outbox → shovel → gateway). Router: publish to \`fedgate.commands\` → \`fedgate.router\` → ` +
      `\`fedgate router\` process (confirm before ack) → \`fedgate.to.gw1\` → same path. Both end at a consumer on gw1's \`fedgate.devices\`. ` +
      `Throughput: bursts of ${int(x.settings.messages)} messages in ${x.settings.rounds} rounds. Latency: ${x.settings.pacedRounds} rounds at ` +
      `${int(x.settings.pacedRate)} msg/s (half the router's saturation rate) for ${x.settings.pacedSeconds} s per run, direct and each router setting ` +
      `in every round, the order reversed every other round; a figure is the median of the per-round differences with their IQR (p25 to p75).\n`,
  );
  md.push(
    `**Router ÷ direct: ${formatRatio(x.routerOverDirect.ratio)}** (IQR ${formatRatio(x.routerOverDirect.p25)} to ${formatRatio(x.routerOverDirect.p75)}; ${pairsText(x.routerOverDirect)}; ` +
      `0.5 is the ceiling: the broker does the work twice); by CPU per message the bound is ${formatRatio(x.cpuBound)}. ` +
      `Two router processes ÷ one: ${formatRatio(x.twoOverOne.ratio)} (IQR ${formatRatio(x.twoOverOne.p25)} to ${formatRatio(x.twoOverOne.p75)}). ` +
      `Runs dropped because they lost or had messages refused: ${x.droppedRuns}. Routes seen at the gateway: ${
        Object.entries(x.routes)
          .map(([k, v]) => `${k} ${int(v)}`)
          .join(', ') || 'none'
      }.\n`,
  );
  md.push(
    table(
      ['variant', 'msg/s', 'CPU per msg (all)', 'router CPU per msg'],
      x.throughput.map((v) => [v.variant, int(v.msgPerSec), us(v.cpuMicrosPerMessage), us(v.routerCpuMicrosPerMessage)]),
    ),
  );
  md.push(
    `Latency the router adds over the direct path (direct alone: p50 ${formatMs(x.directP50Ms)}, p99 ${formatMs(x.directP99Ms)}), and where the ` +
      "router's share went, from its own histograms: *router* is receive → publish (checks, routing, encoding), *confirm* is publish → the " +
      "broker's confirm of the republish (p50 / p99, medians over rounds); the event loop's delay and GC pauses are the router process's over " +
      'the same runs. What the added latency holds beyond those is the broker writing the command to `fedgate.router` and delivering it.\n',
  );
  md.push(
    table(
      ['router', 'prefetch', 'added p50', 'added p99', 'router p50 / p99', 'confirm p50 / p99', 'event-loop delay p99', 'GC', 'router CPU'],
      x.latency.map(latencyRow),
    ),
  );
  for (const l of x.latency) md.push(`- ${l.variant}: added p99 rests on ${pairsText(l.addedP99Ms)}.`);
  md.push('');
  md.push(background(x.runs.map((run) => run.figures.otherCpuShare)));
  md.push('![router throughput](router-throughput.png) ![router latency](router-latency.png)\n');
  return {
    markdown: md,
    charts: [
      {
        file: 'router-throughput.png',
        chart: {
          title: 'Router path vs direct publish (end-to-end)',
          yLabel: 'messages per second',
          categories: x.throughput.map((v) => v.variant),
          series: [{ name: 'msg/s', values: x.throughput.map((v) => v.msgPerSec) }],
        },
      },
      {
        file: 'router-latency.png',
        chart: {
          title: `Latency the router adds at ${int(x.settings.pacedRate)} msg/s, and its parts (p99)`,
          yLabel: 'milliseconds',
          categories: x.latency.map((l) => l.variant),
          series: [
            { name: 'added p99', values: x.latency.map((l) => l.addedP99Ms.ratio) },
            { name: 'confirm p99', values: x.latency.map((l) => l.confirmP99Ms.median) },
            { name: 'router p99', values: x.latency.map((l) => l.routerP99Ms.median) },
          ],
        },
      },
    ],
  };
}

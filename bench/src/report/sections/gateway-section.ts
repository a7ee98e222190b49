// Pure: the report's section on the gateway storm scenario.
import type { GatewayResult } from '../../scenarios/gateway.ts';
import { formatBytes, formatMs, formatRate } from '../../format-figures.ts';
import type { BarChart } from '../bar-chart.ts';
import { background, int, table, type ReportSection } from '../report-markdown.ts';

export function renderGatewaySection(x: GatewayResult): ReportSection {
  const md: string[] = [];
  const charts: { file: string; chart: BarChart }[] = [];
  md.push('## Gateway under a reconnect storm: fedgate profile vs stock\n');
  md.push(
    `${int(x.settings.clients)} MQTT 5 devices connect at once and each subscribes to its own commands with QoS 1 (a session queue per ` +
      `device; keepalive ${x.settings.keepaliveSeconds} s, each retries every ${x.settings.reconnectPeriodMs / 1000} s), up to ` +
      `${x.settings.deadlineSeconds} s or until nothing progressed for 8 s. *fedgate profile*: a gateway of the bench fleet, booted with ` +
      `broker-config's rabbitmq.conf and definitions and its raised descriptor limit. *stock*: the same plugins, listeners only, guest ` +
      `login, the descriptor limit of the package's systemd unit. Memory is the node's resident set (/proc) before and after the storm, ` +
      `per device subscribed; time runs to the last device subscribed.\n`,
  );
  md.push(
    table(
      [
        'round',
        'variant',
        'subscribed',
        'all subscribed (s)',
        'devices/s',
        'p99',
        'memory per device',
        'node CPU',
        'descriptors (open/limit)',
        'failed attempts',
        'responsive after',
      ],
      x.runs.map((v) => [
        String(v.round),
        v.variant,
        `${int(v.subscribed)}/${int(v.clients)}`,
        v.seconds.toFixed(1),
        formatRate(v.connectsPerSec),
        formatMs(v.connectP99Ms),
        formatBytes(v.bytesPerConnection),
        `${v.nodeCpuSeconds.toFixed(1)} s`,
        `${int(v.descriptorsOpen)}/${v.descriptorLimit ?? '?'}`,
        int(v.failedAttempts),
        v.nodeResponsive ? `yes (alarms: ${v.alarms})` : `no (${v.alarms})`,
      ]),
    ),
  );
  charts.push({
    file: 'gateway-storm.png',
    chart: {
      title: `MQTT storm of ${int(x.settings.clients)} devices: resident memory per device (QoS 1 session)`,
      yLabel: 'KiB per device',
      categories: x.summary.map((v) => v.variant),
      series: [{ name: 'KiB/device', values: x.summary.map((v) => v.bytesPerConnection / 1024) }],
    },
  });
  charts.push({
    file: 'gateway-connected.png',
    chart: {
      title: `MQTT storm: devices subscribed of ${int(x.settings.clients)}`,
      yLabel: 'devices subscribed',
      categories: x.summary.map((v) => v.variant),
      series: [{ name: 'subscribed', values: x.summary.map((v) => v.subscribed) }],
      reference: { value: x.settings.clients, label: `${int(x.settings.clients)} clients` },
    },
  });
  md.push(background(x.runs.map((run) => run.otherCpuShare)));
  md.push('![gateway storm](gateway-storm.png) ![gateway connected](gateway-connected.png)\n');
  return { markdown: md, charts };
}

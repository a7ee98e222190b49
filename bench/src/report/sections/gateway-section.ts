// Pure: the report's section on the gateway storm scenario.
import type { GatewayResult } from '../../scenarios/gateway.ts';
import { commonestFailures, formatBytes, formatMs, formatRate } from '../../format-figures.ts';
import type { BarChart } from '../bar-chart.ts';
import { background, int, table, type ReportSection } from '../report-markdown.ts';

export function renderGatewaySection(x: GatewayResult): ReportSection {
  const md: string[] = [];
  const charts: { file: string; chart: BarChart }[] = [];
  md.push('## Gateway under a reconnect storm: each kind of login, and stock\n');
  md.push(
    `${int(x.settings.clients)} MQTT 5 devices connect at once and each subscribes to its own commands with QoS 1 (a session queue per ` +
      `device; keepalive ${x.settings.keepaliveSeconds} s; an attempt without CONNACK within ${x.settings.connectTimeoutMs / 1000} s is retried ` +
      `after a random wait of up to 1 s × 2^attempt, at most ${x.settings.backoffMaxMs / 1000} s), up to ${x.settings.deadlineSeconds} s or until ` +
      `nothing moved for ${x.settings.connectTimeoutMs / 1000} s. The devices run in ${x.settings.clientProcesses} client processes on the same machine` +
      (x.settings.attemptsInFlight === undefined
        ? ''
        : `, each with at most ${int(x.settings.attemptsInFlight)} devices between attempt and SUBACK at once (the rest wait their turn: one event loop cannot run thousands of TLS handshakes before the node's handshake timeout)`) +
      `, so both ends of every ` +
      `handshake share its ${x.settings.cores} cores. *fedgate profile*: a gateway of the bench fleet (broker-config's rabbitmq.conf and ` +
      `definitions, raised descriptor limit), devices log in with the shared password. *certificates over TLS*: the same profile on a TLS ` +
      `gateway, each device with its own certificate, verified, and authorised by the node's authorisation endpoint. *tokens over wss*: ` +
      `browser apps on a web gateway, MQTT over secure WebSockets with a signed token each. *stock*: the same plugins, listeners only, guest ` +
      `login, the descriptor limit of the package's systemd unit. Memory is the node's resident set (/proc) before and after the storm, ` +
      `per device subscribed, right after the storm and once it stopped moving, from each node's first storm of the run (a node keeps the ` +
      `memory a storm freed and reuses it in the next); time runs to the last device subscribed; CPU per device is split into the node, the authorisation endpoint ` +
      `and the clients.\n`,
  );
  md.push(
    table(
      [
        'variant',
        'subscribed',
        'all subscribed (s)',
        'memory per device',
        'once settled',
        'node CPU per device',
        'endpoint CPU per device',
        'client CPU per device',
      ],
      x.summary.map((v) => [
        v.variant,
        `${int(v.subscribed)}/${int(x.settings.clients)}`,
        v.seconds.toFixed(1),
        formatBytes(v.bytesPerConnection),
        formatBytes(v.bytesPerDeviceSettled ?? Number.NaN),
        formatMs(v.cpuMsPerDevice),
        formatMs(v.authzCpuMsPerDevice),
        formatMs(v.clientCpuMsPerDevice),
      ]),
    ),
  );
  md.push(memoryByUseTable(x));
  md.push(runsTable(x));
  charts.push(...stormCharts(x));
  md.push(background(x.runs.map((run) => run.otherCpuShare)));
  md.push('![gateway storm](gateway-storm.png) ![gateway connected](gateway-connected.png)\n');
  return { markdown: md, charts };
}

/** The settled cost per device split by what the node says holds it, the largest uses first. */
function memoryByUseTable(x: GatewayResult): string {
  const uses = [...new Set(x.summary.flatMap((v) => Object.keys(v.settledByUse ?? {})))];
  if (uses.length === 0) return '';
  const largest = (use: string) => Math.max(...x.summary.map((v) => Math.abs(v.settledByUse?.[use] ?? 0)));
  const shown = uses.sort((a, b) => largest(b) - largest(a)).slice(0, 8);
  return (
    "Where a settled device's memory goes, by the node's own accounting (management API memory breakdown, change per device " +
    'subscribed; uses under 1 KiB per device left out):\n\n' +
    table(
      ['variant', ...shown],
      x.summary.map((v) => [
        v.variant,
        ...shown.map((use) => {
          const bytes = v.settledByUse?.[use];
          return bytes === undefined ? '' : formatBytes(bytes);
        }),
      ]),
    )
  );
}

/** One row per storm run, in the order they ran. */
function runsTable(x: GatewayResult): string {
  return table(
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
      'held at the end (dropped after connecting)',
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
      int(v.failedAttempts) + commonestFailures(v.failures, 2),
      `${int(v.connected)} (${int(v.dropped)})`,
      v.nodeResponsive ? `yes (alarms: ${v.alarms})` : `no (${v.alarms})`,
    ]),
  );
}

function stormCharts(x: GatewayResult): { file: string; chart: BarChart }[] {
  return [
    {
      file: 'gateway-storm.png',
      chart: {
        title: `MQTT storm of ${int(x.settings.clients)} devices: resident memory per device (QoS 1 session)`,
        yLabel: 'KiB per device',
        categories: x.summary.map((v) => v.variant),
        series: [{ name: 'KiB/device', values: x.summary.map((v) => v.bytesPerConnection / 1024) }],
      },
    },
    {
      file: 'gateway-connected.png',
      chart: {
        title: `MQTT storm: devices subscribed of ${int(x.settings.clients)}`,
        yLabel: 'devices subscribed',
        categories: x.summary.map((v) => v.variant),
        series: [{ name: 'subscribed', values: x.summary.map((v) => v.subscribed) }],
        reference: { value: x.settings.clients, label: `${int(x.settings.clients)} clients` },
      },
    },
  ];
}

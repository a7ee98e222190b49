// Pure: results → report.md text and the charts it links to (as chart specs; write-report renders them).
import type { BenchResults } from '../bench-results.ts';
import { formatBytes, formatMs, formatRate, formatRatio, formatShare } from '../format-figures.ts';
import { median } from '../percentiles.ts';
import type { BarChart } from './bar-chart.ts';
import { renderColdStartSection } from './render-cold-start.ts';

export interface RenderedReport {
  readonly markdown: string;
  readonly charts: readonly { readonly file: string; readonly chart: BarChart }[];
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const us = (n: number) => (Number.isFinite(n) ? `${n >= 100 ? int(n) : n.toPrecision(3)} µs` : 'n/a');

/** How loaded the shared machine was while a scenario ran: the other processes' share of its CPU. */
function background(shares: readonly number[]): string {
  const finite = shares.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (finite.length === 0) return '';
  return `While these runs ran, other processes on the machine used a median ${formatShare(median(finite))} of its CPU (up to ${formatShare(finite[finite.length - 1]!)}).\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

export function renderReport(r: BenchResults): RenderedReport {
  const charts: { file: string; chart: BarChart }[] = [];
  const md: string[] = [];
  const m = r.machine;
  md.push(`# fedgate performance report\n`);
  md.push(
    `${r.mode === 'quick' ? 'Quick' : 'Full'} run of \`${r.command}\`, ${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ` +
      `${(r.durationSeconds / 60).toFixed(1)} min.\n\n` +
      `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(0)} GiB, Linux ${m.kernel}, Node ${m.node}` +
      `${m.rabbitmq ? `, RabbitMQ ${m.rabbitmq}` : ''}${m.erlang ? ` on Erlang ${m.erlang}` : ''}. ` +
      `The machine is shared with other work, so every scenario runs its variants interleaved (A/B/A/B, ${r.settings.rounds} rounds) ` +
      `and reports medians; ratios are medians of per-round ratios. Commands are ${r.settings.messageBytes}-byte persistent messages. ` +
      `CPU is user + system time of the bench process, the router processes and every RabbitMQ node (beam.smp) from /proc, divided by the messages that arrived.\n`,
  );
  if (r.failures.length > 0) {
    md.push(`**Failed scenarios:** ${r.failures.map((f) => `${f.scenario} (${f.message})`).join('; ')}\n`);
  }

  md.push('## Targets\n');
  if (r.targets.length === 0) md.push('The scenarios of this run have no targets of their own.\n');
  else
    md.push(
      table(
        ['target', 'goal', 'measured', 'result'],
        r.targets.map((t) => [
          t.what,
          t.target,
          `${t.measuredText}${t.basis ? ` (${t.basis})` : ''}`,
          t.met ? 'met' : `**missed** by ${t.missedBy}${t.why ? `: ${t.why}` : ''}`,
        ]),
      ),
    );

  const s = r.scenarios;
  if (s.router) {
    const x = s.router;
    md.push('## Router path vs direct publish\n');
    md.push(
      `Direct: publish to \`fedgate.to.gw1\` (outbox → shovel → gateway). Router: publish to \`fedgate.commands\` → \`fedgate.router\` → ` +
        `\`fedgate router\` process (prefetch ${x.settings.routerPrefetch}, confirm before ack) → \`fedgate.to.gw1\` → same path. ` +
        `Both end at a consumer on gw1's \`fedgate.devices\`. Bursts of ${int(x.settings.messages)} messages; latency at ${int(x.settings.pacedRate)} msg/s ` +
        `(half the router's saturation rate) for ${x.settings.pacedSeconds} s.\n`,
    );
    md.push(
      `**Router ÷ direct: ${formatRatio(x.routerOverDirect.ratio)}** over ${x.routerOverDirect.quietOnly ? `the ${x.routerOverDirect.quietPairs} quiet` : `all ${x.routerOverDirect.pairs} (too few quiet)`} of ${x.routerOverDirect.pairs} paired rounds ` +
        `(0.5 is the ceiling: the broker does the work twice); by CPU per message the bound is ${formatRatio(x.cpuBound)}. Two router processes ÷ one: ${formatRatio(x.twoOverOne.ratio)}. ` +
        `Latency the router adds: p50 ${formatMs(x.addedP50Ms.ratio)}, p99 ${formatMs(x.addedP99Ms.ratio)}. Routes seen at the gateway: ${
          Object.entries(x.routes)
            .map(([k, v]) => `${k} ${int(v)}`)
            .join(', ') || 'none'
        }.\n`,
    );
    md.push(
      table(
        ['variant', 'msg/s', 'CPU per msg (all)', 'router CPU per msg', 'paced p50', 'paced p99'],
        x.summary.map((v) => [
          v.variant,
          int(v.msgPerSec),
          us(v.cpuMicrosPerMessage),
          us(v.routerCpuMicrosPerMessage),
          formatMs(v.pacedP50Ms),
          formatMs(v.pacedP99Ms),
        ]),
      ),
    );
    charts.push({
      file: 'router-throughput.png',
      chart: {
        title: 'Router path vs direct publish (end-to-end)',
        yLabel: 'messages per second',
        categories: x.summary.map((v) => v.variant),
        series: [{ name: 'msg/s', values: x.summary.map((v) => v.msgPerSec) }],
      },
    });
    md.push(background(x.runs.map((run) => run.figures.otherCpuShare)));
    md.push('![router throughput](router-throughput.png)\n');
  }

  if (s.downlink) {
    const x = s.downlink;
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
        ['variant', 'msg/s', 'CPU per msg', 'paced p50', 'paced p99', 'lost in bursts'],
        x.summary.map((v) => [v.variant, int(v.msgPerSec), us(v.cpuMicrosPerMessage), formatMs(v.pacedP50Ms), formatMs(v.pacedP99Ms), int(v.lostInBurst)]),
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
  }

  if (s.routing) {
    const x = s.routing;
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
        ['variant', 'crossings per command', 'msg/s (burst)', 'p50', 'p99', 'CPU per command'],
        x.summary.map((v) => [v.variant, formatRatio(v.amplification), int(v.msgPerSec), formatMs(v.p50Ms), formatMs(v.p99Ms), us(v.cpuMicrosPerCommand)]),
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
  }

  if (s.gateway) {
    const x = s.gateway;
    md.push('## Gateway under a reconnect storm: each kind of login, and stock\n');
    md.push(
      `${int(x.settings.clients)} MQTT 5 devices connect at once and each subscribes to its own commands with QoS 1 (a session queue per ` +
        `device; keepalive ${x.settings.keepaliveSeconds} s; an attempt without CONNACK within ${x.settings.connectTimeoutMs / 1000} s is retried ` +
        `after a random wait of up to 1 s × 2^attempt, at most ${x.settings.backoffMaxMs / 1000} s), up to ${x.settings.deadlineSeconds} s or until ` +
        `nothing moved for ${x.settings.connectTimeoutMs / 1000} s. The devices run in ${x.settings.clientProcesses} client processes on the same machine, so both ends of every ` +
        `handshake share its ${x.settings.cores} cores. *fedgate profile*: a gateway of the bench fleet (broker-config's rabbitmq.conf and ` +
        `definitions, raised descriptor limit), devices log in with the shared password. *certificates over TLS*: the same profile on a TLS ` +
        `gateway, each device with its own certificate, verified, and authorised by the node's authorisation endpoint. *tokens over wss*: ` +
        `browser apps on a web gateway, MQTT over secure WebSockets with a signed token each. *stock*: the same plugins, listeners only, guest ` +
        `login, the descriptor limit of the package's systemd unit. Memory is the node's resident set (/proc) before and after the storm, ` +
        `per device subscribed; time runs to the last device subscribed; CPU per device is split into the node, the authorisation endpoint ` +
        `and the clients.\n`,
    );
    md.push(
      table(
        ['variant', 'subscribed', 'all subscribed (s)', 'memory per device', 'node CPU per device', 'endpoint CPU per device', 'client CPU per device'],
        x.summary.map((v) => [
          v.variant,
          `${int(v.subscribed)}/${int(x.settings.clients)}`,
          v.seconds.toFixed(1),
          formatBytes(v.bytesPerConnection),
          formatMs(v.cpuMsPerDevice),
          formatMs(v.authzCpuMsPerDevice),
          formatMs(v.clientCpuMsPerDevice),
        ]),
      ),
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
          int(v.failedAttempts) + failureKinds(v.failures),
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
  }

  if (s.directory) {
    const x = s.directory;
    md.push('## Router directory\n');
    md.push(
      `\`DeviceDirectory\` in a fresh \`node --expose-gc\` process per measurement (Node ${x.settings.node}), sizes interleaved. ` +
        `Heap is \`heapUsed\` after two full GCs, before and after inserting the devices, divided by the devices; ids are ${x.settings.idLength} characters ` +
        `and kept only by the directory. Lookups: ${int(x.settings.lookups)} random known ids, each cut from a routing key as the router gets them. ` +
        `Presence updates: ${int(x.settings.updates)} devices moving to another gateway with a newer timestamp.\n`,
    );
    md.push(
      table(
        ['devices', 'heap per device', 'lookup', 'presence updates', 'inserts'],
        x.summary.map((v) => [
          int(v.devices),
          formatBytes(v.heapBytesPerDevice),
          `${v.lookupNs.toFixed(0)} ns`,
          formatRate(v.updatesPerSec),
          formatRate(v.insertsPerSec),
        ]),
      ),
    );
    const sizes = x.summary.map((v) => `${int(v.devices)} devices`);
    charts.push({
      file: 'directory-memory.png',
      chart: {
        title: 'Router directory: heap per device',
        yLabel: 'bytes per device',
        categories: sizes,
        series: [{ name: 'bytes per device', values: x.summary.map((v) => v.heapBytesPerDevice) }],
        reference: { value: 200, label: 'target ≤ 200 B' },
      },
    });
    charts.push({
      file: 'directory-lookup.png',
      chart: {
        title: 'Router directory: lookup time',
        yLabel: 'nanoseconds per lookup',
        categories: sizes,
        series: [{ name: 'ns per lookup', values: x.summary.map((v) => v.lookupNs) }],
      },
    });
    md.push('![directory memory](directory-memory.png) ![directory lookup](directory-lookup.png)\n');
  }
  if (s.coldStart) md.push(renderColdStartSection(s.coldStart));
  md.push(`Raw figures of every run: [results.json](results.json).\n`);
  return { markdown: md.join('\n'), charts };
}

/** The two commonest reasons attempts failed, for the runs table. */
function failureKinds(failures: Readonly<Record<string, number>>): string {
  const top = Object.entries(failures)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2);
  return top.length === 0 ? '' : ` (${top.map(([kind, n]) => `${kind}: ${n}`).join('; ')})`;
}

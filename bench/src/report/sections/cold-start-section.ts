// Pure: the cold-start scenario's section of report.md.
import type { ColdStartResult } from '../../cold-start-summary.ts';
import { formatBytes, formatRate, formatShare } from '../../format-figures.ts';
import { int, table } from '../report-markdown.ts';

const sec = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} s` : 'n/a');

export function renderColdStartSection(x: ColdStartResult): string {
  const { replay, snapshot, start } = x.summary;
  const s = x.settings;
  const md: string[] = [];
  md.push(`## Router cold start (${int(s.devices)} devices)\n`);
  md.push(
    `The bench publishes ${int(s.devices)} \`binding.created\` presence events for devices at ${s.gateway} (ids of ${s.idLength} characters) ` +
      `into the backend, where \`fedgate.presence.log\` keeps them (${int(x.fill.events / x.fill.seconds)} events/s to publish). Each of ${s.rounds} rounds ` +
      `then runs two routers, each in a process of its own (\`RouterService\` as \`fedgate router\` runs it; memory and CPU are its own): ` +
      `a *writer* rebuilds its directory (round 1 from the whole log) and writes ${s.snapshotsInWindow} snapshots with ${int(s.churn)} new devices ` +
      `between them, as a live writer leaves them within a reader's window; then, with a command already waiting in \`fedgate.router\` for a ` +
      `device of the snapshot, a *starting* router is timed from \`start()\` until that command arrives on ${s.gateway}'s \`fedgate.devices\`.\n`,
  );
  md.push(
    `**Replay of the whole presence log: ${formatRate(replay.eventsPerSec)}** end to end (${int(replay.events)} events into a ready directory in ` +
      `${sec(replay.seconds)}; reading and applying the log alone ${formatRate(replay.followEventsPerSec)}), ${replay.cpuSeconds.toFixed(1)} s of CPU, ` +
      `peak resident ${formatBytes(replay.peakResidentBytes)}.\n`,
  );
  md.push(
    `**Start with a snapshot → first command routed: ${sec(start.firstCommandSeconds)}** (median; worst ${sec(start.worstFirstCommandSeconds)}; ` +
      `${start.allDirect ? 'every waiting command went straight to its gateway' : '**not every waiting command went straight to its gateway**'}). ` +
      `From the process's own beginning (node and the TypeScript loader starting) ${sec(start.fromProcessSeconds)}. ` +
      `A snapshot is ${formatBytes(snapshot.bytes)} in ${int(snapshot.parts)} parts (${int(snapshot.bytesPerDevice)} B per device), written in ${sec(snapshot.writeSeconds)}.\n`,
  );
  md.push(
    table(
      [
        'round',
        'devices',
        'start → first command',
        'start → ready',
        'snapshot read',
        'apply',
        'log tail',
        'CPU in start',
        'resident (peak)',
        'route',
        'other CPU',
        'load',
      ],
      x.rounds.map(({ round, measured: m }) => [
        String(round),
        int(m.start.devices),
        sec((m.arrivedAt - m.start.startedAt) / 1000),
        sec((m.start.readyAt - m.start.startedAt) / 1000),
        sec(m.start.rebuild.snapshotReadMs / 1000),
        sec(m.start.rebuild.snapshotApplyMs / 1000),
        `${sec(m.start.rebuild.presenceMs / 1000)} (${int(m.start.rebuild.presenceEvents)} event${m.start.rebuild.presenceEvents === 1 ? '' : 's'})`,
        `${m.start.startCpuSeconds.toFixed(1)} s`,
        `${formatBytes(m.start.residentBytes)} (${formatBytes(m.start.peakResidentBytes)})`,
        m.route,
        formatShare(m.otherCpuShare),
        m.loadAverage.toFixed(1),
      ]),
    ),
  );
  md.push(
    "CPU in start is the router process's user + system time inside `start()`; resident is its resident set when ready and, in parentheses, " +
      "the largest it had been (VmHWM). Other CPU is the share of the machine's CPU that processes other than the router, the fleet and the bench " +
      'used from start to the command, load the one-minute load average when the router started.\n',
  );
  return md.join('\n');
}

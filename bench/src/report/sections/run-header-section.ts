// Pure: the top of report.md: what ran, on which machine, how figures are computed, and the targets table.
import type { BenchResults } from '../../bench-results.ts';
import type { TargetOutcome } from '../../evaluate-target.ts';
import { table, type ReportSection } from '../report-markdown.ts';

function resultText(t: TargetOutcome): string {
  if (t.verdict === 'met') return 'met';
  const why = t.why ? `: ${t.why}` : '';
  return t.verdict === 'unclear' ? `**unclear** (the spread straddles the target)${why}` : `**missed** by ${t.missedBy}${why}`;
}

export function renderRunHeaderSection(r: BenchResults): ReportSection {
  const m = r.machine;
  const md: string[] = ['# fedgate performance report\n'];
  md.push(
    `${r.mode === 'quick' ? 'Quick' : 'Full'} run of \`${r.command}\`, ${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ` +
      `${(r.durationSeconds / 60).toFixed(1)} min.\n\n` +
      `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(0)} GiB, Linux ${m.kernel}, Node ${m.node}` +
      `${m.rabbitmq ? `, RabbitMQ ${m.rabbitmq}` : ''}${m.erlang ? ` on Erlang ${m.erlang}` : ''}. ` +
      `The machine is shared with other work, so every scenario runs its variants interleaved in paired rounds, the order reversed every ` +
      `other round (A-B, B-A); a comparison is the median of the per-round comparisons with their spread (IQR: p25 to p75), from the rounds ` +
      `where other processes stayed quiet when at least half of them did. Runs that lost messages or had some refused are dropped and ` +
      `counted. A target is met only when its whole spread meets it, unclear when the spread straddles it. Commands are ` +
      `${r.settings.messageBytes}-byte persistent messages. CPU is user + system time of the bench process, the router processes and every ` +
      `RabbitMQ node (beam.smp) from /proc, divided by the messages that arrived.\n`,
  );
  if (r.failures.length > 0) md.push(`**Failed scenarios:** ${r.failures.map((f) => `${f.scenario} (${f.message})`).join('; ')}\n`);
  md.push('## Targets\n');
  if (r.targets.length === 0) md.push('The scenarios of this run have no targets of their own.\n');
  else
    md.push(
      table(
        ['target', 'goal', 'measured', 'result'],
        r.targets.map((t) => [t.what, t.target, `${t.measuredText}${t.basis ? ` (${t.basis})` : ''}`, resultText(t)]),
      ),
    );
  return { markdown: md, charts: [] };
}

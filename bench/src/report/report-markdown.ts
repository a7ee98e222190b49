// Pure: the small pieces every report section is written with (numbers, tables, the machine's background load).
import { formatShare } from '../format-figures.ts';
import { median } from '../percentiles.ts';
import type { BarChart } from './bar-chart.ts';

/** One section of report.md: its markdown blocks and the charts it links to. */
export interface ReportSection {
  readonly markdown: readonly string[];
  readonly charts: readonly { readonly file: string; readonly chart: BarChart }[];
}

export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const us = (n: number) => (Number.isFinite(n) ? `${n >= 100 ? int(n) : n.toPrecision(3)} µs` : 'n/a');

/** How loaded the shared machine was while a scenario ran: the other processes' share of its CPU. */
export function background(shares: readonly number[]): string {
  const finite = shares.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (finite.length === 0) return '';
  return `While these runs ran, other processes on the machine used a median ${formatShare(median(finite))} of its CPU (up to ${formatShare(finite[finite.length - 1]!)}).\n`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

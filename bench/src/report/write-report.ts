// The report's only I/O: results.json, report.md and one PNG per chart (SVG rendered by resvg, no system libraries).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { assessTargets } from '../assess-targets.ts';
import type { BenchResults } from '../bench-results.ts';
import { barChartSvg } from './bar-chart.ts';
import { renderReport } from './render-report.ts';

/** NaN and Infinity are not JSON: write them as null rather than lose the whole file. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * Re-renders report.md and the charts of a results folder with the current templates, targets re-assessed from
 * the measured scenarios (for a report whose wording changed after the run). The figures are not touched.
 */
export async function rerenderReport(dir: string): Promise<{ files: string[] }> {
  // results.json stores NaN as null; every null in it was a number that could not be measured.
  const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'), (_key, value: unknown) =>
    value === null ? Number.NaN : value,
  ) as BenchResults;
  return writeReport({ ...results, targets: assessTargets(results.scenarios) }, dir);
}

export async function writeReport(results: BenchResults, dir: string): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  const { markdown, charts } = renderReport(results);
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFile(join(dir, name), data);
    files.push(join(dir, name));
  };
  await write('results.json', JSON.stringify(results, finiteOrNull, 2) + '\n');
  await write('report.md', markdown);
  for (const { file, chart } of charts) {
    const svg = barChartSvg(chart);
    const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    await write(file, png);
  }
  return { files };
}

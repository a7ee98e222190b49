// Pure: a grouped bar chart as SVG text, small enough to read in a diff and rendered to PNG by write-report.

export interface BarSeries {
  readonly name: string;
  /** One value per category; NaN draws no bar. */
  readonly values: readonly number[];
}

export interface BarChart {
  readonly title: string;
  /** Y-axis label, with the unit. */
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** A dashed line across the chart, e.g. the target. */
  readonly reference?: { readonly value: number; readonly label: string };
  /** How a value is printed above its bar. @default 3 significant digits */
  readonly format?: (value: number) => string;
  /** @default 760 */
  readonly width?: number;
  /** @default 360 */
  readonly height?: number;
}

const COLORS = ['#2f6fb0', '#e07b39', '#4c9a5b', '#8e5ea2', '#c44e52', '#7f7f7f'];
const FONT = 'DejaVu Sans, sans-serif';

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (an axis maximum people can read). */
export function niceCeil(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * (1 - 1e-12)) return step * power;
  return 10 * power;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function defaultFormat(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

/** Wraps a label at spaces into lines of at most `maxChars` (a longer word keeps its own line). */
export function labelLines(label: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= maxChars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function barChartSvg(chart: BarChart): string {
  const width = chart.width ?? 760;
  const height = chart.height ?? 360;
  const legend = chart.series.length > 1;
  const m = { left: 78, right: 20, top: legend ? 64 : 44, bottom: 72 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const yMax = niceCeil(Math.max(...values, chart.reference?.value ?? 0, Number.MIN_VALUE) * 1.08);
  const y = (v: number) => m.top + plotH - (Math.max(0, v) / yMax) * plotH;
  const format = chart.format ?? defaultFormat;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="24" font-size="16" font-weight="bold" text-anchor="middle">${escapeXml(chart.title)}</text>`);
  // Grid and y axis.
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#444">${escapeXml(defaultFormat(v))}</text>`);
  }
  out.push(
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#333">${escapeXml(chart.yLabel)}</text>`,
  );
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#888"/>`);
  // Bars.
  const groupW = plotW / Math.max(1, chart.categories.length);
  const barW = Math.min(70, (groupW * 0.75) / Math.max(1, chart.series.length));
  chart.categories.forEach((category, c) => {
    const groupX = m.left + groupW * c + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((series, s) => {
      const v = series.values[c];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = groupX + barW * s;
      const top = y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${COLORS[s % COLORS.length]}"/>`,
      );
      out.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" font-size="10" text-anchor="middle" fill="#222">${escapeXml(format(v))}</text>`,
      );
    });
    const lines = labelLines(category, Math.max(8, Math.floor(groupW / 7)));
    lines.forEach((line, i) => {
      out.push(
        `<text x="${(m.left + groupW * c + groupW / 2).toFixed(1)}" y="${m.top + plotH + 16 + i * 13}" font-size="11" text-anchor="middle" fill="#222">${escapeXml(line)}</text>`,
      );
    });
  });
  if (chart.reference && Number.isFinite(chart.reference.value)) {
    const ry = y(chart.reference.value).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${ry}" y2="${ry}" stroke="#c00" stroke-dasharray="6 4" stroke-width="1.5"/>`);
    out.push(
      `<text x="${width - m.right - 4}" y="${(Number(ry) - 5).toFixed(1)}" font-size="11" text-anchor="end" fill="#c00">${escapeXml(chart.reference.label)}</text>`,
    );
  }
  if (legend) {
    let x = m.left;
    chart.series.forEach((series, s) => {
      out.push(`<rect x="${x}" y="36" width="12" height="12" fill="${COLORS[s % COLORS.length]}"/>`);
      out.push(`<text x="${x + 16}" y="46" font-size="12" fill="#222">${escapeXml(series.name)}</text>`);
      x += 28 + series.name.length * 7;
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// Pure: the report's section on the router directory scenario.
import type { DirectoryResult } from '../../scenarios/directory.ts';
import { formatBytes, formatRate } from '../../format-figures.ts';
import type { BarChart } from '../bar-chart.ts';
import { int, table, type ReportSection } from '../report-markdown.ts';

export function renderDirectorySection(x: DirectoryResult): ReportSection {
  const md: string[] = [];
  const charts: { file: string; chart: BarChart }[] = [];
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
  return { markdown: md, charts };
}

// Pure: results → report.md text and the charts it links to (as chart specs; write-report renders them). Each
// scenario renders its own section.
import type { BenchResults } from '../bench-results.ts';
import type { BarChart } from './bar-chart.ts';
import type { ReportSection } from './report-markdown.ts';
import { renderColdStartSection } from './sections/cold-start-section.ts';
import { renderDirectorySection } from './sections/directory-section.ts';
import { renderDownlinkSection } from './sections/downlink-section.ts';
import { renderGatewaySection } from './sections/gateway-section.ts';
import { renderRouterSection } from './sections/router-section.ts';
import { renderRoutingSection } from './sections/routing-section.ts';
import { renderRunHeaderSection } from './sections/run-header-section.ts';
import { renderScaleOutSection } from './sections/scale-out-section.ts';

export interface RenderedReport {
  readonly markdown: string;
  readonly charts: readonly { readonly file: string; readonly chart: BarChart }[];
}

/** results.json of a bench from before router latency was measured per setting: its figures are not comparable. */
const OLDER_ROUTER_SECTION: ReportSection = {
  markdown: ['## Router path vs direct publish\n', 'Recorded by an older bench without paired latency rounds; see results.json.\n'],
  charts: [],
};

export function renderReport(r: BenchResults): RenderedReport {
  const s = r.scenarios;
  const sections: ReportSection[] = [
    renderRunHeaderSection(r),
    ...(s.router ? [s.router.latency ? renderRouterSection(s.router) : OLDER_ROUTER_SECTION] : []),
    ...(s.downlink ? [renderDownlinkSection(s.downlink)] : []),
    ...(s.routing ? [renderRoutingSection(s.routing)] : []),
    ...(s.gateway ? [renderGatewaySection(s.gateway)] : []),
    ...(s.scaleOut ? [renderScaleOutSection(s.scaleOut)] : []),
    ...(s.directory ? [renderDirectorySection(s.directory)] : []),
    ...(s.coldStart ? [{ markdown: [renderColdStartSection(s.coldStart)], charts: [] }] : []),
    { markdown: ['Raw figures of every run: [results.json](results.json).\n'], charts: [] },
  ];
  return { markdown: sections.flatMap((x) => x.markdown).join('\n'), charts: sections.flatMap((x) => x.charts) };
}

// Reads ops/prometheus/alerts.yml and ops/grafana/fedgate.json for the tests that keep them, the runbooks and the
// metrics the fleet exports in step.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';

export const ALERTS_FILE = 'ops/prometheus/alerts.yml';
export const SCRAPE_FILE = 'ops/prometheus/prometheus.yml';
export const DASHBOARD_FILE = 'ops/grafana/fedgate.json';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export function alertGroups(): RuleGroup[] {
  return (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export function alertRules(): AlertRule[] {
  return alertGroups().flatMap((g) => g.rules);
}

export function alertNames(): string[] {
  return alertRules().map((r) => r.alert);
}

export interface DashboardQuery {
  readonly panel: string;
  readonly expr: string;
}

export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

/** Grafana's variables, replaced the way Grafana does before the query reaches Prometheus. */
export function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$cluster', '.*');
}

/** Positions where Prometheus's grammar finds an error; empty when the query parses. */
export function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/** The metric names a query selects (vector and matrix selectors), from the parse tree. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(expr.slice(node.from, node.to));
    },
  });
  return [...names];
}

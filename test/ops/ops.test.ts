import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RouterMetrics } from '@fedgate/router';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import {
  ALERTS_FILE,
  DASHBOARD_FILE,
  SCRAPE_FILE,
  alertGroups,
  alertRules,
  dashboardQueries,
  metricNames,
  promqlErrors,
  withGrafanaVariables,
} from './alert-rules.ts';

/** The router's metric families as it registers them; a histogram is scraped as _bucket, _sum and _count. */
async function routerMetricNames(): Promise<Set<string>> {
  const families = await new RouterMetrics().registry.getMetricsAsJSON();
  return new Set(families.flatMap((f) => (String(f.type) === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
}

function scrapeJobs(): Map<string, { metrics_path?: string; params?: Record<string, string[]> }> {
  const config = parse(readFileSync(SCRAPE_FILE, 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path?: string; params?: Record<string, string[]> }[];
  };
  assert.deepEqual(config.rule_files, ['alerts.yml'], `${SCRAPE_FILE} loads the alert rules`);
  return new Map(config.scrape_configs.map((j) => [j.job_name, j]));
}

/** Every `job="…"` a query selects. */
function jobsIn(expr: string): string[] {
  return [...expr.matchAll(/\bjob="([^"]+)"/g)].map((m) => m[1]!);
}

const allQueries = () => [
  ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...dashboardQueries().map((q) => ({ where: `panel "${q.panel}"`, expr: withGrafanaVariables(q.expr) })),
];

describe('ops - alert rules, scrape configuration and dashboard', () => {
  it('alert rules: unique names, a severity, a summary, and a runbook that exists and names the alert', () => {
    const rules = alertRules();
    assert.ok(rules.length >= 15, `${rules.length} rules`);
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, 'alert names are unique');
    for (const rule of rules) {
      assert.match(rule.alert, /^(Fedgate|Rabbitmq)[A-Z][A-Za-z]+$/, rule.alert);
      assert.ok(['page', 'ticket'].includes(rule.labels?.severity ?? ''), `${rule.alert} has severity page or ticket`);
      if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/, `${rule.alert} for`);
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
      const runbook = rule.annotations?.runbook ?? '';
      assert.ok(runbook.startsWith('runbooks/') && existsSync(runbook), `${rule.alert} points at an existing runbook (${runbook})`);
      assert.ok(readFileSync(runbook, 'utf8').includes(`\`${rule.alert}\``), `${runbook} names ${rule.alert}, so on-call finds what it means`);
    }
    assert.ok(alertGroups().every((g) => g.name && g.rules.length > 0));
  });

  it("every alert and dashboard query parses with Prometheus's PromQL grammar", () => {
    const broken = allQueries()
      .filter((q) => promqlErrors(q.expr).length > 0)
      .map((q) => `${q.where}: ${q.expr}`);
    assert.deepEqual(broken, []);
    assert.deepEqual(promqlErrors('sum(rate(x[5m]) /').length > 0, true, 'the grammar does catch a broken query');
  });

  it('queries select only jobs the scrape configuration defines, and metrics the router or RabbitMQ export', async () => {
    const jobs = scrapeJobs();
    const router = await routerMetricNames();
    for (const name of [
      'fedgate_router_commands_routed_total',
      'fedgate_router_commands_dead_lettered_total',
      'fedgate_router_directory_devices',
      'fedgate_router_routing_latency_seconds_bucket',
    ]) {
      assert.ok(router.has(name), `the router exports ${name}`);
    }
    const problems: string[] = [];
    for (const { where, expr } of allQueries()) {
      for (const job of jobsIn(expr)) if (!jobs.has(job)) problems.push(`${where}: job "${job}" is not scraped`);
      for (const metric of metricNames(expr)) {
        const known = metric === 'up' || router.has(metric) || /^rabbitmq_/.test(metric);
        if (!known) problems.push(`${where}: ${metric} is exported by nothing fedgate runs`);
      }
    }
    assert.deepEqual(problems, []);
    assert.equal(jobs.get('fedgate-rabbitmq-queues')?.metrics_path, '/metrics/detailed');
  });

  it('the dashboard covers the router, queue depths, connections, descriptors, memory and alarms', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
      uid: string;
      panels: { id: number; type: string }[];
      templating: { list: { name: string }[] };
    };
    assert.equal(dashboard.uid, 'fedgate');
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids are unique');
    assert.deepEqual(
      dashboard.templating.list.map((v) => v.name),
      ['datasource', 'cluster'],
    );
    const used = new Set(dashboardQueries().flatMap((q) => metricNames(withGrafanaVariables(q.expr))));
    for (const metric of [
      'fedgate_router_commands_routed_total',
      'fedgate_router_commands_dead_lettered_total',
      'fedgate_router_directory_devices',
      'fedgate_router_routing_latency_seconds_bucket',
      'rabbitmq_detailed_queue_messages',
      'rabbitmq_detailed_queue_consumers',
      'rabbitmq_connections',
      'rabbitmq_process_open_fds',
      'rabbitmq_process_max_fds',
      'rabbitmq_alarms_file_descriptor_limit',
      'rabbitmq_alarms_memory_used_watermark',
      'rabbitmq_alarms_free_disk_space_watermark',
    ]) {
      assert.ok(used.has(metric), `the dashboard shows ${metric}`);
    }
  });
});

describe('ops - RabbitMQ 4.0 exports every metric the alerts and dashboard use', function () {
  this.timeout(180_000);
  let fleet: RunningFleet;

  before(async () => {
    fleet = await sharedFleet();
  });

  it('scrapes a backend and a gateway node of the shared fleet (read-only) and finds each rabbitmq_* metric', async () => {
    const jobs = scrapeJobs();
    const detailed = jobs.get('fedgate-rabbitmq-queues')!;
    const query = new URLSearchParams(Object.entries(detailed.params ?? {}).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))).toString();
    const exported = new Set<string>();
    for (const cluster of [fleet.topology.backend, fleet.topology.gateways[0]!]) {
      for (const path of ['/metrics', `${detailed.metrics_path}?${query}`]) {
        const response = await fetch(`http://${cluster.host}:${cluster.ports.prometheus}${path}`);
        assert.equal(response.status, 200, `${cluster.name} ${path}`);
        for (const line of (await response.text()).split('\n')) {
          const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
          if (name) exported.add(name);
        }
      }
    }
    const used = new Set(
      allQueries()
        .flatMap((q) => metricNames(q.expr))
        .filter((m) => m.startsWith('rabbitmq_')),
    );
    assert.ok(used.size >= 15, `${used.size} RabbitMQ metrics used`);
    assert.deepEqual(
      [...used].filter((m) => !exported.has(m)),
      [],
      `metrics ${ALERTS_FILE} or ${DASHBOARD_FILE} use that RabbitMQ does not export`,
    );
  });
});

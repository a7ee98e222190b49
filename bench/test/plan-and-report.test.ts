import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isGateway } from '@fedgate/topology';
import { planBench, timestampFolder, SCENARIOS } from '../src/bench-options.ts';
import { BenchError } from '../src/errors.ts';
import { benchTopologyYaml, STOCK_NODE_PORTS, stockNodePorts } from '../src/bench-topology.ts';
import { stockRabbitmqConf } from '../src/stock-node.ts';
import { barChartSvg, escapeXml, labelLines, niceCeil } from '../src/report/bar-chart.ts';
import { assessTargets } from '../src/assess-targets.ts';
import type { DirectoryResult } from '../src/scenarios/directory.ts';

describe('bench - plan', () => {
  it('runs every scenario by default, into bench-results/<timestamp> under the checkout', () => {
    const plan = planBench({ cwd: '/repo' }, new Date('2026-11-23T17:50:01.123Z'));
    assert.deepEqual(plan.scenarios, SCENARIOS);
    assert.equal(plan.outDir, join('/repo', 'bench-results', '2026-11-23T17-50-01Z'));
    assert.equal(plan.stateDir, join('/repo', '.fedgate', 'bench'));
    assert.equal(plan.rounds, 3);
    assert.equal(timestampFolder(new Date('2026-01-02T03:04:05.000Z')), '2026-01-02T03-04-05Z');
  });

  it('keeps the quick run short: fewer variants and messages, A/B/A/B rounds', () => {
    const quick = planBench({ quick: true, scenario: 'downlink' });
    const full = planBench({ scenario: 'downlink' });
    assert.deepEqual(quick.scenarios, ['downlink']);
    assert.equal(quick.rounds, 2);
    assert.ok(quick.downlink.variants.length < full.downlink.variants.length);
    assert.ok(quick.downlink.messages < full.downlink.messages);
    assert.equal(full.downlink.variants.length, 12);
  });

  it('names the field, the allowed values and what it got for bad options', () => {
    assert.throws(
      () => planBench({ scenario: 'speed' }),
      (err: BenchError) => err.code === 'BENCH_INVALID_OPTIONS' && /scenario must be one of all, directory/.test(err.message),
    );
    assert.throws(() => planBench({ gateways: 1 }), /gateways must be an integer from 2 to 8, got 1/);
    assert.throws(() => planBench({ rounds: 0 }), /rounds must be an integer from 1 to 10, got 0/);
  });

  it('storms with every kind of login unless told which, in round order, and with the device connect timeout given', () => {
    assert.deepEqual(planBench({}).gateway.variants, ['fedgate profile', 'stock', 'certificates over TLS', 'tokens over wss']);
    assert.equal(planBench({}).gateway.connectTimeoutMs, 60_000);
    const some = planBench({ stormLogins: ['token', 'password'], stormConnectTimeoutSeconds: 600 }).gateway;
    assert.deepEqual(some.variants, ['fedgate profile', 'tokens over wss']);
    assert.equal(some.connectTimeoutMs, 600_000);
    assert.throws(() => planBench({ stormLogins: ['password', 'kerberos'] }), /storm-logins must name password, stock, certificate, token; got "kerberos"/);
    assert.throws(() => planBench({ stormConnectTimeoutSeconds: 2 }), /storm-connect-timeout must be an integer from 5 to 1800, got 2/);
  });

  it('takes the port offset from FEDGATE_BENCH_PORT_OFFSET, 0 without it, and refuses one that is not a port shift', () => {
    const now = new Date();
    assert.equal(planBench({}, now, {}).portOffset, 0);
    assert.equal(planBench({}, now, { FEDGATE_BENCH_PORT_OFFSET: '500' }).portOffset, 500);
    assert.equal(planBench({ portOffset: 20 }, now, { FEDGATE_BENCH_PORT_OFFSET: '500' }).portOffset, 20);
    assert.throws(() => planBench({}, now, { FEDGATE_BENCH_PORT_OFFSET: 'abc' }), /FEDGATE_BENCH_PORT_OFFSET must be an integer from 0 to 3000, got NaN/);
  });
});

describe('bench - its own fleet', () => {
  it('generates a valid topology of N gateways on ports apart from the local and test fleets', () => {
    const { topology } = benchTopologyYaml(3, '../bench-secrets.json');
    assert.equal(topology.name, 'bench');
    assert.deepEqual(
      topology.gateways.map((g) => `${g.name}:${g.downlink.kind}`),
      ['gw1:shovel', 'gw2:federation', 'gw3:shovel'],
    );
    const clusters = [topology.backend, ...topology.gateways];
    const ports = clusters.flatMap((c) => Object.values(c.ports));
    assert.equal(new Set(ports).size, ports.length, 'no port used twice');
    for (const c of clusters) {
      for (const [name, port] of Object.entries(c.ports)) {
        const ok =
          name === 'mqtt' ? port >= 2200 && port <= 2299 : name === 'stomp' ? port >= 62000 && port <= 62099 : [7, 17, 27].includes(Math.floor(port / 1000));
        assert.ok(ok, `${c.name}.${name} = ${port}`);
      }
    }
    assert.ok(topology.gateways.every(isGateway));
    assert.equal(topology.credentials.source, 'file');
  });

  it('grows to 8 gateways without a collision, and the stock node has ports of its own', () => {
    const { topology } = benchTopologyYaml(8, 'x.json');
    const used = new Set([topology.backend, ...topology.gateways].flatMap((c) => Object.values(c.ports)));
    for (const port of Object.values(STOCK_NODE_PORTS)) assert.ok(!used.has(port), `stock port ${port} is free`);
  });

  it('moves every port of the fleet and the stock node by the port offset, and names its nodes after it', () => {
    const plain = benchTopologyYaml(8, 'x.json').topology;
    const moved = benchTopologyYaml(8, 'x.json', 500).topology;
    assert.equal(moved.name, 'bench-500');
    const ports = (t: typeof plain) => [t.backend, ...t.gateways].flatMap((c) => Object.values(c.ports));
    assert.deepEqual(
      ports(moved),
      ports(plain).map((p) => p + 500),
    );
    const stock = stockNodePorts(500);
    assert.deepEqual(
      Object.values(stock),
      Object.values(STOCK_NODE_PORTS).map((p) => p + 500),
    );
    assert.ok(!ports(plain).some((p) => ports(moved).includes(p)), 'no port shared with a bench at offset 0');
  });

  it('gives the stock node listeners only: every other setting stays the default', () => {
    const settings = stockRabbitmqConf()
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(' = ')[0]);
    assert.deepEqual(settings, ['listeners.tcp.default', 'management.tcp.port', 'prometheus.tcp.port', 'mqtt.listeners.tcp.default', 'stomp.listeners.tcp.1']);
  });
});

describe('bench - report', () => {
  it('picks readable axis maxima', () => {
    assert.deepEqual([0.7, 1, 1.2, 2.2, 4.9, 7, 1234].map(niceCeil), [1, 1, 2, 2.5, 5, 10, 2000]);
    assert.equal(niceCeil(0), 1);
  });

  it('wraps long category labels at spaces', () => {
    assert.deepEqual(labelLines('federation on-confirm p1000', 12), ['federation', 'on-confirm', 'p1000']);
    assert.deepEqual(labelLines('router x1', 12), ['router x1']);
  });

  it('draws one bar per finite value, escapes labels, and draws the reference line', () => {
    const svg = barChartSvg({
      title: 'A <b> & "c"',
      yLabel: 'msg/s',
      categories: ['direct', 'router x1'],
      series: [{ name: 'msg/s', values: [1000, Number.NaN] }],
      reference: { value: 400, label: 'target' },
    });
    assert.equal((svg.match(/<rect /g) ?? []).length, 2, 'background + one bar');
    assert.ok(svg.includes(escapeXml('A <b> & "c"')));
    assert.ok(!svg.includes('<b>'));
    assert.ok(svg.includes('stroke-dasharray'));
  });

  it('reports a missed directory target with the measured size and the reason', () => {
    const directory = { settings: { idLength: 16 }, bytesPerDeviceAtLargest: 250 } as unknown as DirectoryResult;
    const [outcome] = assessTargets({ directory });
    assert.equal(outcome?.met, false);
    assert.equal(outcome?.measuredText, '250 B');
    assert.equal(outcome?.missedBy, '50.00 B (25 % of the target)');
    assert.match(outcome?.why ?? '', /16-character id/);
  });
});

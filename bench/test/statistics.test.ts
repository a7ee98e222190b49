import assert from 'node:assert/strict';
import { quantile, spreadOf } from '../src/percentiles.ts';
import { pairedDifference } from '../src/paired-ratio.ts';
import { evaluateSpreadTarget, verdictOf } from '../src/evaluate-target.ts';
import { bucketDelta, histogramQuantile } from '../src/histogram-quantile.ts';
import { histogramBuckets, parsePrometheusText, sampleValue } from '../src/prometheus-text.ts';
import { renderRunHeaderSection } from '../src/report/sections/run-header-section.ts';

describe('bench - spread of per-round figures', () => {
  it('interpolates quantiles between neighbours and gives the middle half as p25–p75', () => {
    assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
    assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
    assert.equal(quantile([10, 20], 0.75), 17.5);
    assert.deepEqual(spreadOf([9, 1, 5, 3, 7, Number.NaN]), { p25: 3, median: 5, p75: 7 });
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.throws(() => quantile([1], 2), RangeError);
  });
});

describe('bench - paired differences', () => {
  const m = (value: number, otherShare = 0.02, failed = false) => ({ value, otherShare, failed });

  it('takes the median of per-round differences with their IQR and counts the quiet rounds', () => {
    const router = [12, 15, 11, 30, 14, 13, 16, 12, 18, 14].map((v) => m(v));
    const direct = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10].map((v) => m(v));
    const d = pairedDifference(router, direct);
    assert.equal(d.ratio, 4);
    assert.equal(d.p25, 2.25);
    assert.equal(d.p75, 5.75);
    assert.deepEqual([d.pairs, d.used, d.quietPairs, d.dropped, d.quietOnly], [10, 10, 10, 0, true]);
  });

  it('drops a pair where either run lost or failed messages, and counts it', () => {
    const d = pairedDifference([m(5), m(500, 0.02, true), m(7)], [m(1), m(1), m(2, 0.02, true)]);
    assert.deepEqual([d.pairs, d.dropped, d.used, d.ratio], [3, 2, 1, 4]);
  });

  it('leaves busy rounds out only when at least half of the rounds were quiet', () => {
    const busy = (v: number) => m(v, 0.6);
    const mostlyBusy = pairedDifference([busy(9), busy(9), busy(9), m(2), m(2)], [m(1), m(1), m(1), m(1), m(1)]);
    assert.equal(mostlyBusy.quietOnly, false);
    assert.equal(mostlyBusy.used, 5);
    const mostlyQuiet = pairedDifference([busy(9), m(2), m(2), m(3)], [m(1), m(1), m(1), m(1)]);
    assert.equal(mostlyQuiet.quietOnly, true);
    assert.deepEqual([mostlyQuiet.used, mostlyQuiet.quietPairs, mostlyQuiet.ratio], [3, 3, 1]);
  });
});

describe('bench - targets judged by their spread', () => {
  const p99 = { id: 'p99', what: 'added p99', comparison: 'at-most', value: 10, unit: ' ms' } as const;
  const ratio = { id: 'r', what: 'router ÷ direct', comparison: 'at-least', value: 0.4, unit: '×' } as const;

  it('is met only when the whole spread meets the target, unclear when it straddles it, missed otherwise', () => {
    assert.equal(verdictOf(p99, { p25: 2, median: 4, p75: 9 }), 'met');
    assert.equal(verdictOf(p99, { p25: 6.8, median: 6.9, p75: 128 }), 'unclear');
    assert.equal(verdictOf(p99, { p25: 23, median: 52, p75: 445 }), 'missed');
    assert.equal(verdictOf(ratio, { p25: 0.41, median: 0.43, p75: 0.45 }), 'met');
    assert.equal(verdictOf(ratio, { p25: 0.38, median: 0.42, p75: 0.45 }), 'unclear');
    assert.equal(verdictOf(p99, { p25: Number.NaN, median: Number.NaN, p75: Number.NaN }), 'missed');
  });

  it('reads an equality target as unclear when the spread spans it', () => {
    const equal = { id: 'e', what: 'crossings', comparison: 'equal', value: 1, tolerance: 0.01, unit: '×' } as const;
    assert.equal(verdictOf(equal, { p25: 0.5, median: 1, p75: 1.5 }), 'unclear');
    assert.equal(verdictOf(equal, { p25: 1.5, median: 1.6, p75: 1.7 }), 'missed');
  });

  it('shows the median with its IQR and gives the reason only when not met', () => {
    const unclear = evaluateSpreadTarget(p99, { p25: 4, median: 8, p75: 14 }, 'the confirm wait', '10 paired rounds');
    assert.equal(unclear.verdict, 'unclear');
    assert.equal(unclear.met, false);
    assert.equal(unclear.measuredText, '8.00 ms (IQR 4.00 ms to 14.00 ms)');
    assert.equal(unclear.why, 'the confirm wait');
    const met = evaluateSpreadTarget(p99, { p25: 1, median: 2, p75: 3 }, 'not shown');
    assert.equal(met.why, undefined);
  });
});

describe('bench - reading a router /metrics scrape', () => {
  const scrape = (count: number[]) =>
    [
      '# HELP fedgate_router_command_stage_seconds Time per republished command by stage',
      '# TYPE fedgate_router_command_stage_seconds histogram',
      `fedgate_router_command_stage_seconds_bucket{le="0.001",stage="confirm"} ${count[0]}`,
      `fedgate_router_command_stage_seconds_bucket{le="0.01",stage="confirm"} ${count[1]}`,
      `fedgate_router_command_stage_seconds_bucket{le="+Inf",stage="confirm"} ${count[2]}`,
      `fedgate_router_command_stage_seconds_bucket{le="+Inf",stage="router"} 7`,
      'fedgate_router_nodejs_eventloop_lag_p99_seconds 0.0123',
      'fedgate_router_info{version="a \\"b\\""} 1',
    ].join('\n');

  it('parses samples with labels, escaped quotes and +Inf bounds', () => {
    const samples = parsePrometheusText(scrape([1, 2, 3]));
    assert.equal(sampleValue(samples, 'fedgate_router_nodejs_eventloop_lag_p99_seconds'), 0.0123);
    assert.equal(samples.find((s) => s.name === 'fedgate_router_info')?.labels.version, 'a "b"');
    const buckets = histogramBuckets(samples, 'fedgate_router_command_stage_seconds', { stage: 'confirm' });
    assert.deepEqual(
      [...buckets],
      [
        [0.001, 1],
        [0.01, 2],
        [Number.POSITIVE_INFINITY, 3],
      ],
    );
    assert.ok(Number.isNaN(sampleValue(samples, 'missing')));
  });

  it('estimates quantiles of what was counted between two scrapes, linearly within a bucket', () => {
    const name = 'fedgate_router_command_stage_seconds';
    const before = histogramBuckets(parsePrometheusText(scrape([100, 100, 100])), name, { stage: 'confirm' });
    const after = histogramBuckets(parsePrometheusText(scrape([150, 200, 200])), name, { stage: 'confirm' });
    const delta = bucketDelta(before, after);
    assert.equal(histogramQuantile(0.5, delta), 0.001);
    assert.ok(Math.abs(histogramQuantile(0.75, delta) - 0.0055) < 1e-12);
    assert.ok(Number.isNaN(histogramQuantile(0.5, bucketDelta(after, after))));
    assert.equal(
      histogramQuantile(
        0.99,
        new Map([
          [0.01, 0],
          [Number.POSITIVE_INFINITY, 4],
        ]),
      ),
      0.01,
    );
  });
});

describe('bench - the targets table', () => {
  it('says unclear with its reason when the spread straddles the target, and missed with the gap otherwise', () => {
    const p99 = { id: 'p99', what: 'added p99', comparison: 'at-most', value: 10, unit: ' ms' } as const;
    const results = {
      format: 'fedgate-bench/1',
      startedAt: '2026-11-29T20:00:00.000Z',
      finishedAt: '2026-11-29T20:10:00.000Z',
      durationSeconds: 600,
      mode: 'quick',
      command: 'fedgate bench router --quick',
      machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, kernel: '6', node: 'v20' },
      settings: { gateways: 3, rounds: 2, messageBytes: 256 },
      scenarios: {},
      targets: [
        evaluateSpreadTarget(p99, { p25: 4, median: 8, p75: 14 }, 'the confirm wait moved with the event-loop delay'),
        evaluateSpreadTarget(p99, { p25: 40, median: 80, p75: 140 }, 'the router waited for a CPU'),
      ],
      failures: [],
    } as const;
    const markdown = renderRunHeaderSection(results).markdown.join('\n');
    assert.match(
      markdown,
      /\| added p99 \| ≤ 10\.00 ms \| 8\.00 ms \(IQR 4\.00 ms to 14\.00 ms\) \| \*\*unclear\*\* \(the spread straddles the target\): the confirm wait/,
    );
    assert.match(markdown, /\*\*missed\*\* by 70\.00 ms \(700 % of the target\): the router waited for a CPU/);
  });
});

import assert from 'node:assert/strict';
import { median, percentile, summarizeLatencies } from '../src/percentiles.ts';
import { formatBytes, formatCpuPerMessage, formatMs, formatRate, formatRatio } from '../src/format-figures.ts';
import { evaluateTarget } from '../src/evaluate-target.ts';
import { parseMachineCpu, parseProcStat, parseVmRssBytes } from '../src/proc-stat.ts';
import { pairedRatio } from '../src/paired-ratio.ts';

describe('bench - percentiles', () => {
  it('takes the nearest-rank percentile: the smallest sample with p % at or below it', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(sorted, 50), 5);
    assert.equal(percentile(sorted, 90), 9);
    assert.equal(percentile(sorted, 99), 10);
    assert.equal(percentile(sorted, 0), 1);
    assert.equal(percentile([42], 99), 42);
  });

  it('is NaN without samples and refuses a percentile outside 0..100', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('summarises unsorted latencies without reordering the input', () => {
    const samples = [9, 1, 5, 3, 7];
    const s = summarizeLatencies(samples);
    assert.deepEqual([s.count, s.p50, s.p99, s.max, s.mean], [5, 5, 9, 9, 5]);
    assert.deepEqual(samples, [9, 1, 5, 3, 7]);
  });

  it('takes the median of per-round figures, ignoring rounds that measured nothing', () => {
    assert.equal(median([3, Number.NaN, 1, 2]), 2);
    assert.equal(median([4, 1]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});

describe('bench - figures as the report prints them', () => {
  it('formats ratios, rates, milliseconds, bytes and CPU per message', () => {
    assert.equal(formatRatio(0.4712), '0.47×');
    assert.equal(formatRatio(Number.NaN), 'n/a');
    assert.equal(formatRate(12345.6), '12,346/s');
    assert.equal(formatRate(0.5), '0.500/s');
    assert.equal(formatMs(0.4213), '0.42 ms');
    assert.equal(formatMs(12.34), '12.3 ms');
    assert.equal(formatMs(1234.4), '1,234 ms');
    assert.equal(formatBytes(812), '812 B');
    assert.equal(formatBytes(201_113), '196 KiB');
    assert.equal(formatBytes(1.25 * 1024 ** 3), '1.25 GiB');
    assert.equal(formatCpuPerMessage(0.000084), '84.0 µs/msg');
  });

  it('says a target is met, or by how much it was missed and why', () => {
    const target = { id: 'router', what: 'router ÷ direct', comparison: 'at-least', value: 0.4, unit: '×' } as const;
    const met = evaluateTarget(target, 0.47, 'not shown when met');
    assert.equal(met.met, true);
    assert.equal(met.target, '≥ 0.40×');
    assert.equal(met.missedBy, undefined);
    assert.equal(met.why, undefined);
    const missed = evaluateTarget(target, 0.3, 'the broker writes twice');
    assert.equal(missed.met, false);
    assert.equal(missed.missedBy, '0.10× (25 % of the target)');
    assert.equal(missed.why, 'the broker writes twice');
  });

  it('checks equality targets within their tolerance and treats an unmeasured figure as missed', () => {
    const target = { id: 'amp', what: 'crossings', comparison: 'equal', value: 1, tolerance: 0.01, unit: '×' } as const;
    assert.equal(evaluateTarget(target, 1.005).met, true);
    assert.equal(evaluateTarget(target, 1.5).met, false);
    const none = evaluateTarget(target, Number.NaN);
    assert.equal(none.met, false);
    assert.equal(none.missedBy, 'not measured');
  });
});

describe('bench - /proc parsing', () => {
  it('reads utime and stime after a command name with spaces and parentheses', () => {
    const line = '4242 (beam.smp) x (y)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 1500 250 0 0 20 0 30 0 100 2234176 35000 18446744073709551615';
    assert.deepEqual(parseProcStat(line), { utime: 1500, stime: 250 });
  });

  it('refuses what is not a stat line', () => {
    assert.throws(() => parseProcStat('garbage'), /not a \/proc/);
  });

  it('reads VmRSS in bytes, and nothing from a zombie without one', () => {
    assert.equal(parseVmRssBytes('Name:\tbeam.smp\nVmRSS:\t  140064 kB\nThreads:\t30\n'), 140064 * 1024);
    assert.equal(parseVmRssBytes('Name:\tzombie\nState:\tZ\n'), undefined);
  });
});

describe('bench - machine load from /proc/stat', () => {
  it('counts everything but idle and iowait as busy', () => {
    const text = 'cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1\n';
    assert.deepEqual(parseMachineCpu(text), { busy: 161, total: 1181 });
    assert.throws(() => parseMachineCpu('intr 1\n'), /no aggregate cpu line/);
  });
});

describe('bench - paired ratios on a shared machine', () => {
  const m = (value: number, otherShare: number) => ({ value, otherShare });

  it('leaves out rounds where other processes were busy when enough quiet rounds remain', () => {
    const router = [m(4_500, 0.2), m(4_800, 0.02), m(4_700, 0.03)];
    const direct = [m(6_400, 0.48), m(12_000, 0.01), m(11_500, 0.02)];
    const r = pairedRatio(router, direct);
    assert.equal(r.quietOnly, true);
    assert.equal(r.quietPairs, 2);
    assert.ok(Math.abs(r.ratio - (4_800 / 12_000 + 4_700 / 11_500) / 2) < 1e-9);
    assert.equal(r.worstOtherShare, 0.03);
  });

  it('uses every round, and says so, when too few were quiet', () => {
    const r = pairedRatio([m(2, 0.5), m(3, 0.01)], [m(4, 0.4), m(4, 0.02)]);
    assert.equal(r.quietOnly, false);
    assert.equal(r.pairs, 2);
    assert.equal(r.ratio, (2 / 4 + 3 / 4) / 2);
    assert.equal(r.worstOtherShare, 0.5);
  });

  it('counts an unknown load as quiet and a single quiet pair as enough when there is only one', () => {
    const r = pairedRatio([m(1, Number.NaN)], [m(2, Number.NaN)]);
    assert.deepEqual([r.ratio, r.quietOnly, r.pairs], [0.5, true, 1]);
  });
});

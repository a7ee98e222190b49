import assert from 'node:assert/strict';
import { assessColdStart } from '../src/assess-cold-start.ts';
import { planBench, SCENARIOS } from '../src/bench-options.ts';
import type { SnapshotStart, WriterRun } from '../src/cold-start-probe.ts';
import type { RouterStart } from '../src/cold-start-router.ts';
import { summarizeColdStart, type ColdStartResult, type ColdStartRound } from '../src/cold-start-summary.ts';
import { parseVmHwmBytes, parseVmRssBytes } from '../src/proc-stat.ts';
import { renderColdStartSection } from '../src/report/sections/cold-start-section.ts';

const T0 = 1_800_000_000_000;

function routerStart(over: Partial<RouterStart> & { presenceEvents?: number; presenceMs?: number; snapshotDevices?: number } = {}): RouterStart {
  const { presenceEvents = 10, presenceMs = 50, snapshotDevices = 1_000_000, ...rest } = over;
  return {
    processStartedAt: T0 - 3_000,
    startedAt: T0,
    readyAt: T0 + 3_000,
    startCpuSeconds: 4,
    processCpuSeconds: 6,
    residentBytes: 300 * 2 ** 20,
    peakResidentBytes: 400 * 2 ** 20,
    devices: 1_001_000,
    rebuild: {
      snapshotDevices,
      snapshotBytes: 28_000_000,
      presenceEvents,
      snapshotMs: 2_900,
      snapshotReadMs: 1_400,
      snapshotApplyMs: 1_500,
      presenceMs,
    },
    ...rest,
  };
}

function round(n: number, firstCommandMs: number, route = 'direct', snapshotDevices = 1_000_000): ColdStartRound {
  const writer: WriterRun = {
    // Round 1's writer replays a million events in 100 s of its 101 s start.
    start: routerStart({ readyAt: T0 + 101_000, presenceEvents: 1_000_000, presenceMs: 100_000, snapshotDevices: 0, startCpuSeconds: 30 }),
    snapshots: [
      { bytes: 27_000_000, parts: 26, seconds: 1.5 },
      { bytes: 28_000_000, parts: 27, seconds: 1.2 },
    ],
  };
  const measured: SnapshotStart = {
    start: routerStart({ snapshotDevices }),
    arrivedAt: T0 + firstCommandMs,
    route,
    otherCpuShare: 0.3,
    loadAverage: 4,
  };
  return { round: n, writer, measured };
}

function result(rounds: ColdStartRound[]): ColdStartResult {
  return {
    settings: { devices: 1_000_000, churn: 1_000, rounds: rounds.length, snapshotsInWindow: 2, gateway: 'gw1', idLength: 20 },
    fill: { events: 1_000_000, seconds: 100 },
    rounds,
    summary: summarizeColdStart(rounds),
  };
}

describe('bench - cold start', () => {
  it('runs last in a full run, a million devices in full and fewer in the quick run', () => {
    assert.equal(SCENARIOS.at(-1), 'cold-start');
    const full = planBench({ scenario: 'cold-start' });
    const quick = planBench({ scenario: 'cold-start', quick: true });
    assert.deepEqual(full.scenarios, ['cold-start']);
    assert.equal(full.coldStart.devices, 1_000_000);
    assert.ok(quick.coldStart.devices < full.coldStart.devices);
    assert.ok(quick.coldStart.rounds <= full.coldStart.rounds);
  });

  it('takes the replay rate from the first writer (events into a ready directory) and medians of the starts', () => {
    const s = summarizeColdStart([round(1, 4_000), round(2, 6_000), round(3, 3_500)]);
    assert.equal(s.replay.events, 1_000_000);
    assert.equal(s.replay.seconds, 101);
    assert.equal(Math.round(s.replay.eventsPerSec), 9_901);
    assert.equal(s.replay.followEventsPerSec, 10_000);
    assert.equal(s.start.firstCommandSeconds, 4);
    assert.equal(s.start.worstFirstCommandSeconds, 6);
    assert.equal(s.start.fromProcessSeconds, 7);
    assert.equal(s.start.readySeconds, 3);
    assert.equal(s.start.peakResidentBytes, 400 * 2 ** 20);
    assert.equal(s.snapshot.bytes, 28_000_000);
    assert.equal(Math.round(s.snapshot.bytesPerDevice), 28);
    assert.ok(s.start.allDirect && s.start.allFromSnapshot);
  });

  it('meets the 5 s target on the median start, and says what the start spent when it misses', () => {
    const met = assessColdStart(result([round(1, 4_000), round(2, 6_000), round(3, 3_500)]));
    assert.equal(met.met, true);
    assert.equal(met.measuredText, '4.00 s');
    assert.match(met.what, /1,001,000 devices/);
    assert.match(met.basis!, /median of 3 starts, worst 6.00 s/);
    const missed = assessColdStart(result([round(1, 7_000)]));
    assert.equal(missed.met, false);
    assert.match(missed.why!, /reading the snapshot stream took 1.4 s, applying it 1.5 s/);
    assert.match(missed.why!, /other processes used 30 %/);
  });

  it('counts nothing when a command was broadcast or a start found no snapshot: the gateway would see it anyway', () => {
    const broadcast = assessColdStart(result([round(1, 1_000, 'broadcast')]));
    assert.equal(broadcast.met, false);
    assert.equal(broadcast.missedBy, 'not measured');
    assert.match(broadcast.why!, /broadcast/);
    const replayed = assessColdStart(result([round(1, 1_000, 'direct', 0)]));
    assert.match(replayed.why!, /no usable snapshot/);
  });

  it('reports the replay rate, the start against its parts, memory and CPU per round', () => {
    const md = renderColdStartSection(result([round(1, 4_000), round(2, 6_000)]));
    assert.match(md, /## Router cold start \(1,000,000 devices\)/);
    assert.match(md, /\*\*Replay of the whole presence log: 9,901\/s\*\* end to end \(1,000,000 events into a ready directory in 101.00 s/);
    assert.match(md, /\*\*Start with a snapshot → first command routed: 5.00 s\*\* \(median; worst 6.00 s; every waiting command went straight/);
    assert.match(
      md,
      /\| 2 \| 1,001,000 \| 6.00 s \| 3.00 s \| 1.40 s \| 1.50 s \| 0.05 s \(10 events\) \| 4.0 s \| 300 MiB \(400 MiB\) \| direct \| 30 % \| 4.0 \|/,
    );
  });

  it('reads the peak resident set (VmHWM) beside the current one from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmHWM:\t  409600 kB\nVmRSS:\t  307200 kB\n';
    assert.equal(parseVmHwmBytes(status), 400 * 2 ** 20);
    assert.equal(parseVmRssBytes(status), 300 * 2 ** 20);
    assert.equal(parseVmHwmBytes('Name:\tzombie\n'), undefined);
  });
});

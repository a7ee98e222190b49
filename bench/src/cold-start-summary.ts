// Pure: the cold-start scenario's rounds → the figures its report and target read (medians over the rounds).
import type { SnapshotStart, WriterRun } from './cold-start-probe.ts';
import { median } from './percentiles.ts';

export interface ColdStartSettings {
  /** Devices in the presence log before the first round. */
  readonly devices: number;
  /** New devices published between two snapshots of a round (as a live writer sees churn). */
  readonly churn: number;
  readonly rounds: number;
  readonly snapshotsInWindow: number;
  readonly gateway: string;
  /** Characters of each device id (ids are kept in the directory and in every snapshot). */
  readonly idLength: number;
}

export interface ColdStartRound {
  readonly round: number;
  /** Round 1's writer rebuilds from the whole presence log; later ones from round 1's snapshot and the tail. */
  readonly writer: WriterRun;
  readonly measured: SnapshotStart;
}

export interface ColdStartSummary {
  /** Round 1's writer: the whole presence log into a ready directory. */
  readonly replay: {
    readonly events: number;
    /** `start()` → ready, and the presence-log phase of it. */
    readonly seconds: number;
    readonly eventsPerSec: number;
    readonly followSeconds: number;
    readonly followEventsPerSec: number;
    readonly cpuSeconds: number;
    readonly peakResidentBytes: number;
  };
  /** The last snapshot written in each round, medians. */
  readonly snapshot: { readonly bytes: number; readonly parts: number; readonly writeSeconds: number; readonly bytesPerDevice: number };
  /** The measured starts, medians over the rounds unless named otherwise. */
  readonly start: {
    readonly devices: number;
    readonly firstCommandSeconds: number;
    readonly worstFirstCommandSeconds: number;
    readonly readySeconds: number;
    /** From the process's own beginning (node and the TypeScript loader starting) to the command at the gateway. */
    readonly fromProcessSeconds: number;
    readonly snapshotReadSeconds: number;
    readonly snapshotApplySeconds: number;
    readonly tailSeconds: number;
    readonly tailEvents: number;
    readonly cpuSeconds: number;
    readonly residentBytes: number;
    readonly peakResidentBytes: number;
    readonly otherCpuShare: number;
    readonly loadAverage: number;
    /** Every measured start loaded a snapshot and sent the command straight to its device's gateway. */
    readonly allFromSnapshot: boolean;
    readonly allDirect: boolean;
  };
}

export interface ColdStartResult {
  readonly settings: ColdStartSettings;
  /** Publishing the presence log: how fast the bench filled it (not a router figure). */
  readonly fill: { readonly events: number; readonly seconds: number };
  readonly rounds: readonly ColdStartRound[];
  readonly summary: ColdStartSummary;
}

const seconds = (ms: number) => ms / 1000;

export function summarizeColdStart(rounds: readonly ColdStartRound[]): ColdStartSummary {
  const first = rounds[0];
  if (!first) throw new Error('summarizeColdStart: no rounds');
  const replay = first.writer.start;
  const replaySeconds = seconds(replay.readyAt - replay.startedAt);
  const lastSnapshots = rounds.map((r) => r.writer.snapshots.at(-1)!);
  const starts = rounds.map((r) => r.measured);
  const of = (pick: (s: SnapshotStart) => number) => median(starts.map(pick));
  const firstCommand = starts.map((s) => seconds(s.arrivedAt - s.start.startedAt));
  const devices = of((s) => s.start.devices);
  const snapshotBytes = median(lastSnapshots.map((s) => s.bytes));
  return {
    replay: {
      events: replay.rebuild.presenceEvents,
      seconds: replaySeconds,
      eventsPerSec: replay.rebuild.presenceEvents / replaySeconds,
      followSeconds: seconds(replay.rebuild.presenceMs),
      followEventsPerSec: replay.rebuild.presenceEvents / seconds(replay.rebuild.presenceMs),
      cpuSeconds: replay.startCpuSeconds,
      peakResidentBytes: replay.peakResidentBytes,
    },
    snapshot: {
      bytes: snapshotBytes,
      parts: median(lastSnapshots.map((s) => s.parts)),
      writeSeconds: median(lastSnapshots.map((s) => s.seconds)),
      bytesPerDevice: snapshotBytes / devices,
    },
    start: {
      devices,
      firstCommandSeconds: median(firstCommand),
      worstFirstCommandSeconds: Math.max(...firstCommand),
      readySeconds: of((s) => seconds(s.start.readyAt - s.start.startedAt)),
      fromProcessSeconds: of((s) => seconds(s.arrivedAt - s.start.processStartedAt)),
      snapshotReadSeconds: of((s) => seconds(s.start.rebuild.snapshotReadMs)),
      snapshotApplySeconds: of((s) => seconds(s.start.rebuild.snapshotApplyMs)),
      tailSeconds: of((s) => seconds(s.start.rebuild.presenceMs)),
      tailEvents: of((s) => s.start.rebuild.presenceEvents),
      cpuSeconds: of((s) => s.start.startCpuSeconds),
      residentBytes: of((s) => s.start.residentBytes),
      peakResidentBytes: of((s) => s.start.peakResidentBytes),
      otherCpuShare: of((s) => s.otherCpuShare),
      loadAverage: of((s) => s.loadAverage),
      allFromSnapshot: starts.every((s) => s.start.rebuild.snapshotDevices > 0),
      allDirect: starts.every((s) => s.route === 'direct'),
    },
  };
}

// Pure: how two variants compare when measured in paired rounds on a shared machine. Each round pairs an A run
// with the B run next to it (the order alternates, A-B then B-A, so neither always runs first); a pair where
// either run lost or failed messages is dropped and counted; pairs where other processes took much of the CPU are
// left out when enough quiet ones remain. The figure is the median of the per-pair comparisons, with the middle
// half of them (p25–p75) as its spread.
import { spreadOf } from './percentiles.ts';

/** Other processes' share of the machine's CPU above which a run counts as disturbed. @default 0.15 */
export const QUIET_OTHER_SHARE = 0.15;
/** Quiet pairs needed, at the least, before the disturbed ones are left out; and at least half of all pairs. @default 2 */
export const MIN_QUIET_PAIRS = 2;

export interface MeasuredValue {
  readonly value: number;
  /** Other processes' share of the machine's CPU during the run (0..1); NaN when unknown. */
  readonly otherShare: number;
  /** The run lost messages or had some refused (nacked): its figure is not comparable. @default false */
  readonly failed?: boolean;
}

export interface PairedRatio {
  /** Median of the per-pair comparisons (a/b, or a-b for pairedCompare) over the pairs used. */
  readonly ratio: number;
  /** The middle half of the per-pair comparisons: the figure's spread. */
  readonly p25: number;
  readonly p75: number;
  /** Pairs measured, dropped runs included. */
  readonly pairs: number;
  /** Pairs dropped because a run of theirs lost or failed messages. */
  readonly dropped: number;
  /** Of the pairs kept, those where other processes stayed at or below QUIET_OTHER_SHARE in both runs. */
  readonly quietPairs: number;
  /** Pairs the figure rests on. */
  readonly used: number;
  /** True when only quiet pairs were used; false when too few were quiet and every kept pair counted. */
  readonly quietOnly: boolean;
  /** The busiest other-process share among the pairs used. */
  readonly worstOtherShare: number;
}

function quiet(m: MeasuredValue, limit: number): boolean {
  return !(m.otherShare > limit);
}

export function pairedRatio(a: readonly MeasuredValue[], b: readonly MeasuredValue[], limit = QUIET_OTHER_SHARE): PairedRatio {
  return pairedCompare(a, b, (x, y) => x / y, limit);
}

/** Paired differences a − b, e.g. the latency a variant adds over another. */
export function pairedDifference(a: readonly MeasuredValue[], b: readonly MeasuredValue[], limit = QUIET_OTHER_SHARE): PairedRatio {
  return pairedCompare(a, b, (x, y) => x - y, limit);
}

/** Like pairedRatio with another way to compare a pair (`ratio` is then that comparison's median). */
export function pairedCompare(
  a: readonly MeasuredValue[],
  b: readonly MeasuredValue[],
  compare: (a: number, b: number) => number,
  limit = QUIET_OTHER_SHARE,
): PairedRatio {
  const pairs = a.slice(0, b.length).map((x, i) => [x, b[i]!] as const);
  const kept = pairs.filter(([x, y]) => !x.failed && !y.failed);
  const calm = kept.filter(([x, y]) => quiet(x, limit) && quiet(y, limit));
  const enoughQuiet = Math.min(kept.length, Math.max(MIN_QUIET_PAIRS, Math.ceil(kept.length / 2)));
  const quietOnly = calm.length > 0 && calm.length >= enoughQuiet;
  const used = quietOnly ? calm : kept;
  const shares = used.flatMap(([x, y]) => [x.otherShare, y.otherShare]).filter((s) => Number.isFinite(s));
  const spread = spreadOf(used.map(([x, y]) => compare(x.value, y.value)));
  return {
    ratio: spread.median,
    p25: spread.p25,
    p75: spread.p75,
    pairs: pairs.length,
    dropped: pairs.length - kept.length,
    quietPairs: calm.length,
    used: used.length,
    quietOnly,
    worstOtherShare: shares.length ? Math.max(...shares) : Number.NaN,
  };
}

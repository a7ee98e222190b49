// Pure: the ratio of two variants measured in interleaved rounds, robust to a shared machine. Each round pairs an
// A run with the B run next to it; rounds where other processes took much of the CPU are left out when enough
// quiet rounds remain, because a burst of someone else's work during one run of a pair skews that pair's ratio.
import { median } from './percentiles.ts';

/** Other processes' share of the machine's CPU above which a run counts as disturbed. @default 0.15 */
export const QUIET_OTHER_SHARE = 0.15;
/** Quiet pairs needed before the disturbed ones are left out. @default 2 */
export const MIN_QUIET_PAIRS = 2;

export interface MeasuredValue {
  readonly value: number;
  /** Other processes' share of the machine's CPU during the run (0..1); NaN when unknown. */
  readonly otherShare: number;
}

export interface PairedRatio {
  /** Median of a/b over the pairs used. */
  readonly ratio: number;
  readonly pairs: number;
  readonly quietPairs: number;
  /** True when only quiet pairs were used; false when too few were quiet and every pair counted. */
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

/** Like pairedRatio with another way to compare a pair, e.g. a difference of latencies (`ratio` is then that). */
export function pairedCompare(
  a: readonly MeasuredValue[],
  b: readonly MeasuredValue[],
  compare: (a: number, b: number) => number,
  limit = QUIET_OTHER_SHARE,
): PairedRatio {
  const pairs = a.slice(0, b.length).map((x, i) => [x, b[i]!] as const);
  const calm = pairs.filter(([x, y]) => quiet(x, limit) && quiet(y, limit));
  const quietOnly = calm.length >= Math.min(MIN_QUIET_PAIRS, pairs.length) && calm.length > 0;
  const used = quietOnly ? calm : pairs;
  const shares = used.flatMap(([x, y]) => [x.otherShare, y.otherShare]).filter((s) => Number.isFinite(s));
  return {
    ratio: median(used.map(([x, y]) => compare(x.value, y.value))),
    pairs: pairs.length,
    quietPairs: calm.length,
    quietOnly,
    worstOtherShare: shares.length ? Math.max(...shares) : Number.NaN,
  };
}

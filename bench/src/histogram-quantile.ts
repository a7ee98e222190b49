// Pure: quantiles of what a Prometheus histogram counted between two scrapes, as Prometheus's histogram_quantile
// estimates them: linear within the bucket the rank falls in.

/** Per-bucket counts added between `before` and `after` (both cumulative, upper bound → count). */
export function bucketDelta(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): Map<number, number> {
  const delta = new Map<number, number>();
  for (const [le, count] of after) delta.set(le, count - (before.get(le) ?? 0));
  return delta;
}

/** Observations in a cumulative bucket map: the +Inf bucket's count. */
export function bucketTotal(cumulative: ReadonlyMap<number, number>): number {
  return cumulative.get(Number.POSITIVE_INFINITY) ?? 0;
}

/**
 * The `q` quantile (0..1) of cumulative buckets; NaN when nothing was counted. A rank in the +Inf bucket reports
 * the highest finite bound, as Prometheus does.
 */
export function histogramQuantile(q: number, cumulative: ReadonlyMap<number, number>): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be from 0 to 1, got ${q}`);
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = bucketTotal(cumulative);
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = cumulative.get(bound)!;
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lower;
      const inBucket = count - below;
      return inBucket > 0 ? lower + ((bound - lower) * (rank - below)) / inBucket : bound;
    }
    lower = bound;
    below = count;
  }
  return lower;
}

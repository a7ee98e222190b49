// Pure: a target, checked against what one run measured, with by how much it was missed. A figure measured over
// paired rounds carries its spread, and only a spread wholly on the target's side counts as met.
import type { Spread } from './percentiles.ts';

export interface Target {
  readonly id: string;
  /** What is compared, e.g. "router path ÷ direct path (msg/s)". */
  readonly what: string;
  readonly comparison: 'at-least' | 'at-most' | 'equal';
  readonly value: number;
  /** For `equal`: how far off still counts as met (absolute). @default 0 */
  readonly tolerance?: number;
  /** Unit shown after the numbers: "×", " B/device", " ms". */
  readonly unit: string;
}

/** met: the whole spread meets the target; unclear: the spread straddles it; missed: otherwise. */
export type Verdict = 'met' | 'unclear' | 'missed';

export interface TargetOutcome {
  readonly id: string;
  readonly what: string;
  /** e.g. "≥ 0.40×" */
  readonly target: string;
  /** The figure: a single measurement or the median over paired rounds. */
  readonly measured: number;
  /** e.g. "0.47×", or "0.47× (IQR 0.44×–0.49×)" for a figure with a spread */
  readonly measuredText: string;
  readonly verdict: Verdict;
  /** verdict === 'met'. */
  readonly met: boolean;
  /** How far the median is from the target, in the target's unit and as a percentage; absent when met. */
  readonly missedBy?: string;
  /** Why it was missed or is unclear, from what the run measured (filled in by the scenario that knows). */
  readonly why?: string;
  /** What the figure rests on, e.g. "12 paired rounds, 9 quiet, 1 dropped". */
  readonly basis?: string;
}

function show(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : 2;
  return `${value.toFixed(digits)}${unit}`;
}

function meets(target: Target, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.comparison === 'at-least') return value >= target.value;
  if (target.comparison === 'at-most') return value <= target.value;
  return Math.abs(value - target.value) <= (target.tolerance ?? 0);
}

/** Pure: met when both ends of the spread meet the target, missed when neither does, unclear in between. */
export function verdictOf(target: Target, spread: Spread): Verdict {
  const low = meets(target, spread.p25);
  const high = meets(target, spread.p75);
  if (low && high) return 'met';
  if (!Number.isFinite(spread.p25) || !Number.isFinite(spread.p75)) return 'missed';
  // An equality target with the spread across it on both sides still has part of the spread meeting it.
  const across = target.comparison === 'equal' && (spread.p25 - target.value) * (spread.p75 - target.value) < 0;
  return low || high || across ? 'unclear' : 'missed';
}

function outcome(target: Target, measured: number, measuredText: string, verdict: Verdict, why?: string, basis?: string): TargetOutcome {
  const symbol = target.comparison === 'at-least' ? '≥' : target.comparison === 'at-most' ? '≤' : '=';
  const tolerance = target.tolerance ?? 0;
  const gap = Math.abs(measured - target.value);
  const missedBy =
    verdict === 'met'
      ? undefined
      : !Number.isFinite(measured)
        ? 'not measured'
        : `${show(gap, target.unit)} (${target.value === 0 ? '∞' : ((gap / Math.abs(target.value)) * 100).toFixed(0)} % of the target)`;
  return {
    id: target.id,
    what: target.what,
    target: `${symbol} ${show(target.value, target.unit)}${tolerance ? ` ± ${show(tolerance, target.unit)}` : ''}`,
    measured,
    measuredText,
    verdict,
    met: verdict === 'met',
    ...(missedBy ? { missedBy } : {}),
    ...(verdict !== 'met' && why ? { why } : {}),
    ...(basis ? { basis } : {}),
  };
}

/** A target checked against a single measurement: met or missed. */
export function evaluateTarget(target: Target, measured: number, why?: string, basis?: string): TargetOutcome {
  const verdict = meets(target, measured) ? 'met' : 'missed';
  return outcome(target, measured, show(measured, target.unit), verdict, why, basis);
}

/** A target checked against a figure measured over paired rounds: its median, judged by its spread. */
export function evaluateSpreadTarget(target: Target, spread: Spread, why?: string, basis?: string): TargetOutcome {
  const text = `${show(spread.median, target.unit)} (IQR ${show(spread.p25, target.unit)} to ${show(spread.p75, target.unit)})`;
  return outcome(target, spread.median, text, verdictOf(target, spread), why, basis);
}

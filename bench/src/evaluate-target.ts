// Pure: a target, checked against what one run measured, with by how much it was missed.

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

export interface TargetOutcome {
  readonly id: string;
  readonly what: string;
  /** e.g. "≥ 0.40×" */
  readonly target: string;
  readonly measured: number;
  /** e.g. "0.47×" */
  readonly measuredText: string;
  readonly met: boolean;
  /** How far from the target, in the target's unit and as a percentage; absent when met. */
  readonly missedBy?: string;
  /** Why it was missed (filled in by the scenario that knows). */
  readonly why?: string;
  /** What the figure rests on, e.g. "3 of 4 rounds quiet enough to compare". */
  readonly basis?: string;
}

function show(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : 2;
  return `${value.toFixed(digits)}${unit}`;
}

export function evaluateTarget(target: Target, measured: number, why?: string, basis?: string): TargetOutcome {
  const symbol = target.comparison === 'at-least' ? '≥' : target.comparison === 'at-most' ? '≤' : '=';
  const tolerance = target.tolerance ?? 0;
  const met =
    Number.isFinite(measured) &&
    (target.comparison === 'at-least'
      ? measured >= target.value
      : target.comparison === 'at-most'
        ? measured <= target.value
        : Math.abs(measured - target.value) <= tolerance);
  const gap = Math.abs(measured - target.value);
  const missedBy =
    met || !Number.isFinite(measured)
      ? met
        ? undefined
        : 'not measured'
      : `${show(gap, target.unit)} (${target.value === 0 ? '∞' : ((gap / Math.abs(target.value)) * 100).toFixed(0)} % of the target)`;
  return {
    id: target.id,
    what: target.what,
    target: `${symbol} ${show(target.value, target.unit)}${tolerance ? ` ± ${show(tolerance, target.unit)}` : ''}`,
    measured,
    measuredText: show(measured, target.unit),
    met,
    ...(missedBy ? { missedBy } : {}),
    ...(!met && why ? { why } : {}),
    ...(basis ? { basis } : {}),
  };
}

// Pure: what a paired figure rests on, for the targets table.
import type { PairedRatio } from '../paired-ratio.ts';

export function pairedBasis(p: PairedRatio): string {
  const load = Number.isFinite(p.worstOtherShare) ? `${Math.round(p.worstOtherShare * 100)} %` : 'unknown';
  const dropped = p.dropped ? `, ${p.dropped} dropped (lost or refused messages)` : '';
  return p.quietOnly
    ? `${p.used} of ${p.pairs} paired rounds, the quiet ones${dropped}; other processes used ≤ ${load} of the CPU`
    : `all ${p.used} kept of ${p.pairs} paired rounds, too few quiet (${p.quietPairs})${dropped}; other processes used up to ${load} of the CPU, so treat it as noisy`;
}

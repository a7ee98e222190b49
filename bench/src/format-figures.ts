// Pure: how figures read in the report and on stderr. Kept in one place so the tables and the progress lines agree.

/** `0.4712` → `0.47×`; NaN → `n/a`. */
export function formatRatio(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : 'n/a';
}

/** Messages (or operations) per second with thousands separators: `12,345/s`, `0.5/s`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  return `${perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toPrecision(3)}/s`;
}

/** Milliseconds with a precision that suits their size: `0.42 ms`, `12.3 ms`, `1,234 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms).toLocaleString('en-US')} ms`;
}

/** Bytes in binary units: `812 B`, `196.4 KiB`, `1.25 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** CPU seconds per message as microseconds: `84 µs/msg`. */
export function formatCpuPerMessage(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  const micros = seconds * 1e6;
  return `${micros >= 100 ? Math.round(micros).toLocaleString('en-US') : micros.toPrecision(3)} µs/msg`;
}

/** A share of 0..1 as a whole percentage: `0.374` → `37 %`. */
export function formatShare(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)} %` : 'n/a';
}

/** The `top` commonest reasons attempts failed with their counts, as ` (kind: n; kind: n)`; empty when none failed. */
export function commonestFailures(failures: Readonly<Record<string, number>>, top: number): string {
  const commonest = Object.entries(failures)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  return commonest.length === 0 ? '' : ` (${commonest.map(([kind, n]) => `${kind}: ${n}`).join('; ')})`;
}

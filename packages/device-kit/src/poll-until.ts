// The one way fedgate's demo, tests and drills wait for something they expect: poll a condition until it holds.

/** Every poll is this far apart: fast enough for a test, light on a broker's management API. */
const POLL_INTERVAL_MS = 50;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `condition` until it holds (true) or `timeoutMs` passed (false). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) return false;
    await sleep(POLL_INTERVAL_MS);
  }
  return true;
}

/**
 * Polls `condition` until it holds and resolves with the milliseconds that took, or rejects naming `what` (a
 * function, so its message can say how far things got).
 */
export async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<number> {
  const started = performance.now();
  if (!(await waitUntil(condition, timeoutMs))) {
    throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s waiting for ${typeof what === 'function' ? what() : what}`);
  }
  return performance.now() - started;
}

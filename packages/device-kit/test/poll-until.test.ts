import assert from 'node:assert/strict';
import { pollUntil, waitUntil } from '../src/poll-until.ts';

describe('device kit - waiting for what is expected', () => {
  it('resolves once a condition holds, with the time it took', async () => {
    let calls = 0;
    const ms = await pollUntil(() => ++calls >= 3, 1_000, 'three polls');
    assert.equal(calls, 3);
    assert.ok(ms >= 50 && ms < 1_000, `${ms} ms`);
  });

  it('waits on a condition that has to ask something asynchronously', async () => {
    let calls = 0;
    assert.equal(await waitUntil(async () => ++calls === 2, 1_000), true);
  });

  it('rejects naming what it waited for, as it stands when time runs out', async () => {
    let seen = 0;
    await assert.rejects(
      pollUntil(
        () => (seen++, false),
        120,
        () => `the device (polled ${seen} times)`,
      ),
      (err: Error) => /timed out after 0\.1 s waiting for the device \(polled \d+ times\)/.test(err.message) && seen >= 2,
    );
    assert.equal(await waitUntil(() => false, 60), false);
  });
});

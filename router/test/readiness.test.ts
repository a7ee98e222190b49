import assert from 'node:assert/strict';
import { readiness } from '../src/readiness.ts';

describe('router - readiness', () => {
  const live = { stopping: false, directoryRebuilt: true, commandConsumerLive: true };

  it('is ready only with the directory rebuilt and the command consumer live', () => {
    assert.deepEqual(readiness(live), { ready: true, reason: 'ready' });
  });

  it('is not ready before the rebuild, even with a consumer', () => {
    assert.deepEqual(readiness({ ...live, directoryRebuilt: false }), { ready: false, reason: 'rebuilding directory' });
  });

  it('is not ready while the command consumer is lost, and says so', () => {
    assert.deepEqual(readiness({ ...live, commandConsumerLive: false }), { ready: false, reason: 'command consumer down' });
  });

  it('is not ready once stopping, whatever else holds', () => {
    assert.deepEqual(readiness({ ...live, stopping: true }), { ready: false, reason: 'stopping' });
  });
});

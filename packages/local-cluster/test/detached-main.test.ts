import assert from 'node:assert/strict';
import { siblingMain } from '../src/detached-main.ts';

describe('local-cluster - detached helper entries', () => {
  it('starts the TypeScript entry from the sources and the JavaScript one from a built package', () => {
    assert.equal(
      siblingMain('file:///repo/packages/local-cluster/src/wan-proxy.ts', 'wan-proxy-main').href,
      'file:///repo/packages/local-cluster/src/wan-proxy-main.ts',
    );
    assert.equal(
      siblingMain('file:///app/node_modules/@fedgate/local-cluster/dist/wan-proxy.js', 'wan-proxy-main').href,
      'file:///app/node_modules/@fedgate/local-cluster/dist/wan-proxy-main.js',
    );
  });
});

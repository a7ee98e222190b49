import assert from 'node:assert/strict';
import { FlapDetector } from '../src/flap-detector.ts';

describe('router - flap detector', () => {
  it('calls a move to another gateway inside the window a flap, naming where the device came from', () => {
    const flaps = new FlapDetector(60_000);
    assert.equal(flaps.arrived('s-1', 'eu', 0), undefined);
    assert.equal(flaps.arrived('s-1', 'us', 30_000), 'eu');
    assert.equal(flaps.arrived('s-1', 'eu', 40_000), 'us');
  });

  it('does not call a re-subscription at the same gateway, or a move after the window, a flap', () => {
    const flaps = new FlapDetector(60_000);
    flaps.arrived('s-1', 'eu', 0);
    assert.equal(flaps.arrived('s-1', 'eu', 1_000), undefined);
    assert.equal(flaps.arrived('s-1', 'us', 61_000), undefined);
  });

  it('forgets arrivals older than the window, and never holds more than maxTracked', () => {
    const flaps = new FlapDetector(60_000, 100);
    for (let i = 0; i < 1_000; i++) flaps.arrived(`s-${i}`, 'eu', i);
    assert.equal(flaps.tracked, 100);
    flaps.arrived('late', 'eu', 200_000);
    assert.equal(flaps.tracked, 1);
  });
});

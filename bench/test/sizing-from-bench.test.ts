import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MEMORY_PER_DEVICE_BYTES, type DeviceLogin } from '@fedgate/infra';
import type { BenchResults } from '../src/bench-results.ts';

const RESULTS = 'bench/results/rabbitmq-4.0/storm-logins-no-management-stats/results.json';
const VARIANT_OF: Record<DeviceLogin, string> = { password: 'fedgate profile', certificate: 'certificates over TLS', token: 'tokens over wss' };

describe('bench - the instance sizing uses what the bench measured', () => {
  it('plans each kind of device login with the memory per device of the committed storm run', () => {
    const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchResults;
    const summary = results.scenarios.gateway!.summary;
    for (const [login, variant] of Object.entries(VARIANT_OF) as [DeviceLogin, string][]) {
      const measured = summary.find((v) => v.variant === variant);
      assert.ok(measured && measured.subscribed === results.scenarios.gateway!.settings.clients, `${RESULTS}: every ${variant} device subscribed`);
      assert.equal(MEMORY_PER_DEVICE_BYTES[login] / 1024, Math.round(measured.bytesPerConnection / 1024), `${login}: infra plans what ${RESULTS} measured`);
    }
  });
});

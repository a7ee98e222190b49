import assert from 'node:assert/strict';
import { startDeviceAuthzServer, MAX_AUTHZ_BODY_BYTES, type DeviceAuthzServer } from '@fedgate/device-authz';

describe('device-authz - the endpoint over HTTP', () => {
  let server: DeviceAuthzServer;
  const decisions: string[] = [];

  before(async () => {
    server = await startDeviceAuthzServer({ policy: { vhost: '/' }, port: 0, onDecision: (q, user, d) => decisions.push(`${q} ${user} ${d.allow}`) });
  });
  after(() => server.close());

  const post = async (path: string, body: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    return { status: res.status, text: await res.text() };
  };

  it("answers the broker's form posts with exactly allow or deny", async () => {
    assert.deepEqual(await post('/auth/user', 'username=sensor-1&vhost=%2F&client_id=sensor-1&password=none'), { status: 200, text: 'allow' });
    assert.deepEqual(await post('/auth/user', 'username=sensor-1&password=secret&vhost=%2F&client_id=sensor-1'), { status: 200, text: 'deny' });
    const key = encodeURIComponent('devices.sensor-1.commands.#');
    assert.deepEqual(await post('/auth/topic', `username=sensor-1&vhost=%2F&resource=topic&name=fedgate.devices&permission=read&routing_key=${key}`), {
      status: 200,
      text: 'allow',
    });
    assert.deepEqual(decisions.slice(-3), ['user sensor-1 true', 'user sensor-1 false', 'topic sensor-1 true']);
  });

  it('denies unknown paths and oversized bodies, and answers health checks', async () => {
    assert.deepEqual(await post('/auth/admin', 'username=sensor-1'), { status: 404, text: 'deny' });
    const big = await post('/auth/user', `username=${'x'.repeat(MAX_AUTHZ_BODY_BYTES + 1)}`).catch(() => ({ status: 0, text: '' }));
    assert.notEqual(big.text, 'allow');
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).text(), 'ok');
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/auth/user`)).status, 405);
  });
});

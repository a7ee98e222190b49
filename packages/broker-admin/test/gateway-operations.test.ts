import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { credentialFileKey, parseTopology, requiredCredentials, secretsFromMap, type Gateway } from '@fedgate/topology';
import { compileCluster } from '@fedgate/broker-config';
import {
  ConnectionLimitError,
  DrainError,
  LinkRestartError,
  ManagementApiError,
  ManagementClient,
  drainDevices,
  normalizeConnectionLimit,
  normalizeDrainOptions,
  restartLinks,
  setConnectionLimit,
} from '@fedgate/broker-admin';

const topology = parseTopology(readFileSync('test/fixtures/drill-fleet.yaml', 'utf8'), 'drill-fleet.yaml');
const gateway = (name: string) => topology.gateways.find((g) => g.name === name) as Gateway;
const secrets = secretsFromMap(new Map(requiredCredentials(topology).map((ref) => [credentialFileKey(ref), `pw-${ref.user}`])));

type Handler = (body?: unknown) => unknown;

/**
 * A management API that answers from a table of `METHOD path` → handler, and records every call. It replaces
 * the client's HTTP verbs only, so everything built on them (such as `find`) is the real client's code.
 */
class FakeManagement extends ManagementClient {
  readonly calls: string[] = [];
  readonly bodies: unknown[] = [];
  constructor(readonly routes: Record<string, Handler>) {
    super({ baseUrl: 'http://recorded.invalid', user: 'unused', password: 'unused' });
  }

  #call(method: string, path: string, body?: unknown): unknown {
    this.calls.push(`${method} ${path}`);
    if (body !== undefined) this.bodies.push(body);
    const handler = this.routes[`${method} ${path}`];
    if (!handler) throw new ManagementApiError(404, method, path, 'Object Not Found');
    return handler(body);
  }

  override async get<T>(path: string): Promise<T> {
    return this.#call('GET', path) as T;
  }
  override async put(path: string, body: unknown): Promise<void> {
    this.#call('PUT', path, body);
  }
  override async post<T>(path: string, body: unknown): Promise<T> {
    return this.#call('POST', path, body) as T;
  }
  override async delete(path: string): Promise<void> {
    this.#call('DELETE', path);
  }
  get client(): ManagementClient {
    return this;
  }
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('GET '));
  }
}

const running =
  (...names: string[]) =>
  () =>
    names.map((name) => ({ name, state: 'running' }));

describe('broker-admin - connection limits', () => {
  it('takes 0 and up as a limit and -1 as none; refuses anything else, naming the range and the value', () => {
    assert.equal(normalizeConnectionLimit(0), 0);
    assert.equal(normalizeConnectionLimit(2_000), 2_000);
    assert.equal(normalizeConnectionLimit(-1), null);
    for (const bad of [-2, 1.5, '5', Number.NaN]) {
      assert.throws(
        () => normalizeConnectionLimit(bad),
        (err: Error) =>
          err instanceof ConnectionLimitError && err.code === 'INVALID_LIMIT' && /from 0 to 10000000 \(or -1 for no limit\), got/.test(err.message),
      );
    }
  });

  function limitsApi(devices: number | undefined, vhost: number) {
    return new FakeManagement({
      'GET /user-limits/fedgate-device': () => (devices === undefined ? [] : [{ user: 'fedgate-device', value: { 'max-connections': devices } }]),
      'GET /vhost-limits/%2F': () => [{ vhost: '/', value: { 'max-connections': vhost } }],
      'GET /connections/username/fedgate-device': () => [{ name: 'a' }, { name: 'b' }],
      'PUT /user-limits/fedgate-device/max-connections': () => undefined,
      'DELETE /user-limits/fedgate-device/max-connections': () => undefined,
      'PUT /vhost-limits/%2F/max-connections': () => undefined,
    });
  }

  it('sets the device limit on the device user, and removes it for "none"', async () => {
    const api = limitsApi(undefined, 5000);
    const { before } = await setConnectionLimit(api.client, '/', 'devices', 0);
    assert.deepEqual(before, { devices: null, vhost: 5000, deviceConnections: 2 });
    assert.deepEqual(api.writes(), ['PUT /user-limits/fedgate-device/max-connections']);
    assert.deepEqual(api.bodies, [{ value: 0 }]);

    const limited = limitsApi(0, 5000);
    await setConnectionLimit(limited.client, '/', 'devices', null);
    assert.deepEqual(limited.writes(), ['DELETE /user-limits/fedgate-device/max-connections']);
    const none = limitsApi(undefined, 5000);
    await setConnectionLimit(none.client, '/', 'devices', null);
    assert.deepEqual(none.writes(), [], 'nothing to remove');
  });

  it('sets the vhost limit on the vhost; a dry run writes nothing', async () => {
    const api = limitsApi(undefined, 5000);
    await setConnectionLimit(api.client, '/', 'vhost', 100);
    assert.deepEqual(api.writes(), ['PUT /vhost-limits/%2F/max-connections']);
    const dry = limitsApi(undefined, 5000);
    const { after } = await setConnectionLimit(dry.client, '/', 'vhost', 100, { dryRun: true });
    assert.equal(after.vhost, 100);
    assert.deepEqual(dry.writes(), []);
  });
});

describe('broker-admin - device drain', () => {
  /** Open device connections as the broker tracks them; a close removes one. `tooNew` answer 404 to their first close. */
  function drainApi(open: string[], options: { tooNew?: string[]; stuck?: string[] } = {}) {
    const connections = new Set(open);
    const tooNew = new Set(options.tooNew ?? []);
    return new FakeManagement({
      'GET /user-limits/fedgate-device': () => [],
      'GET /vhost-limits/%2F': () => [{ value: { 'max-connections': 5000 } }],
      'GET /connections/username/fedgate-device': () => [...connections].map((name) => ({ name })),
      'PUT /user-limits/fedgate-device/max-connections': () => undefined,
      ...Object.fromEntries(
        open.map((name) => [
          `DELETE /connections/${name}`,
          () => {
            if (tooNew.delete(name) || options.stuck?.includes(name)) throw new ManagementApiError(404, 'DELETE', name, 'Not Found');
            connections.delete(name);
          },
        ]),
      ),
    });
  }

  it('refuses new devices first, then closes the open ones in batches until none is left', async () => {
    const api = drainApi(['a', 'b', 'c', 'd', 'e']);
    const progress: number[][] = [];
    const report = await drainDevices(api.client, '/', { batchSize: 2, pauseMs: 0, onProgress: (p) => progress.push([p.batch, p.closed, p.remaining]) });
    assert.equal(api.writes()[0], 'PUT /user-limits/fedgate-device/max-connections', 'the device limit goes to 0 before any close');
    assert.deepEqual(api.bodies[0], { value: 0 });
    assert.deepEqual(api.writes().slice(1), [
      'DELETE /connections/a',
      'DELETE /connections/b',
      'DELETE /connections/c',
      'DELETE /connections/d',
      'DELETE /connections/e',
    ]);
    assert.deepEqual(progress, [
      [1, 2, 3],
      [2, 4, 1],
      [3, 5, 0],
    ]);
    assert.deepEqual(
      { found: report.found, closed: report.closed, remaining: report.remaining, batches: report.batches, previous: report.previousDeviceLimit },
      { found: 5, closed: 5, remaining: 0, batches: 3, previous: null },
    );
  });

  it('retries a connection too new for the management API to close in the next batch', async () => {
    const api = drainApi(['a', 'b'], { tooNew: ['b'] });
    const progress: number[][] = [];
    const report = await drainDevices(api.client, '/', { batchSize: 10, pauseMs: 0, onProgress: (p) => progress.push([p.closed, p.notYetListed]) });
    assert.deepEqual(progress, [
      [1, 1],
      [2, 0],
    ]);
    assert.equal(report.closed, 2);
  });

  it('gives up after its timeout and says how many are left', async () => {
    const api = drainApi(['a'], { stuck: ['a'] });
    await assert.rejects(
      drainDevices(api.client, '/', { batchSize: 1, pauseMs: 600, timeoutMs: 1_000 }),
      (err: Error) => err instanceof DrainError && err.code === 'DRAIN_INCOMPLETE' && /1 device connection\(s\) still open/.test(err.message),
    );
  });

  it('a dry run counts and changes nothing; bad options are refused before anything runs', async () => {
    const api = drainApi(['a', 'b', 'c']);
    const report = await drainDevices(api.client, '/', { dryRun: true });
    assert.equal(report.found, 3);
    assert.deepEqual(api.writes(), []);
    assert.throws(() => normalizeDrainOptions({ batchSize: 0 }), /batch-size must be an integer from 1 to 100000, got 0/);
    assert.throws(() => normalizeDrainOptions({ pauseMs: -1 }), /pause must be an integer/);
  });
});

describe('broker-admin - link restart', () => {
  const v = '%2F';

  it('restarts each shovel of a gateway through its restart endpoint and waits until they run', async () => {
    const api = new FakeManagement({
      'GET /shovels': running('fedgate-down-eu', 'fedgate-up-eu', 'fedgate-presence-eu'),
      [`DELETE /shovels/vhost/${v}/fedgate-down-eu/restart`]: () => undefined,
      [`DELETE /shovels/vhost/${v}/fedgate-up-eu/restart`]: () => undefined,
      [`DELETE /shovels/vhost/${v}/fedgate-presence-eu/restart`]: () => undefined,
    });
    const results = await restartLinks(topology, gateway('eu'), api.client, { waitMs: 2_000 });
    assert.deepEqual(api.writes(), [
      `DELETE /shovels/vhost/${v}/fedgate-down-eu/restart`,
      `DELETE /shovels/vhost/${v}/fedgate-up-eu/restart`,
      `DELETE /shovels/vhost/${v}/fedgate-presence-eu/restart`,
    ]);
    assert.deepEqual(
      results.map((r) => [r.direction, r.after]),
      [
        ['downlink', 'running'],
        ['uplink', 'running'],
        ['presence', 'running'],
      ],
    );
  });

  it('restarts every link of a federation upstream, on the node that runs it', async () => {
    const api = new FakeManagement({
      'GET /shovels': running('fedgate-up-us', 'fedgate-presence-us'),
      'GET /federation-links': () => [{ upstream: 'fedgate-backend-for-us', id: 'ab12', node: 'rabbit@us-1', status: 'running' }],
      [`DELETE /federation-links/vhost/${v}/ab12/rabbit%40us-1/restart`]: () => undefined,
    });
    await restartLinks(topology, gateway('us'), api.client, { directions: ['downlink'], waitMs: 0 });
    assert.deepEqual(api.writes(), [`DELETE /federation-links/vhost/${v}/ab12/rabbit%40us-1/restart`]);
  });

  it('refuses to restart a link that is not defined, and says how to re-create it', async () => {
    const api = new FakeManagement({ 'GET /shovels': running('fedgate-up-eu', 'fedgate-presence-eu') });
    await assert.rejects(
      restartLinks(topology, gateway('eu'), api.client, { directions: ['downlink'], waitMs: 0 }),
      (err: Error) => err instanceof LinkRestartError && err.code === 'LINK_NOT_FOUND' && /--recreate or `fedgate apply --cluster eu`/.test(err.message),
    );
  });

  it('a dry run names the links and touches nothing', async () => {
    const api = new FakeManagement({ 'GET /shovels': running('fedgate-down-eu', 'fedgate-up-eu', 'fedgate-presence-eu') });
    const results = await restartLinks(topology, gateway('eu'), api.client, { dryRun: true });
    assert.equal(results.length, 3);
    assert.deepEqual(api.writes(), []);
  });

  it('--recreate declares a shovel again from the compiled definitions', async () => {
    const desired = compileCluster(topology, gateway('eu'), secrets).definitions;
    const path = `/parameters/shovel/${v}/fedgate-down-eu`;
    const api = new FakeManagement({
      'GET /shovels': running('fedgate-down-eu', 'fedgate-up-eu', 'fedgate-presence-eu'),
      [`GET ${path}`]: () => ({ value: {} }),
      [`DELETE ${path}`]: () => undefined,
      [`PUT ${path}`]: () => undefined,
    });
    await restartLinks(topology, gateway('eu'), api.client, { directions: ['downlink'], recreateFrom: desired, waitMs: 0 });
    assert.deepEqual(api.writes(), [`DELETE ${path}`, `PUT ${path}`]);
    assert.match(JSON.stringify(api.bodies[0]), /"src-uri":"amqp:\/\/fedgate-down-eu:pw-fedgate-down-eu@127\.0\.0\.1:6150\/%2F"/);
  });

  it('--recreate of a federation downlink removes its policy first and declares it last', async () => {
    const desired = compileCluster(topology, gateway('us'), secrets).definitions;
    const upstream = `/parameters/federation-upstream/${v}/fedgate-backend-for-us`;
    const policy = `/policies/${v}/fedgate-downlink`;
    const api = new FakeManagement({
      'GET /shovels': running('fedgate-up-us', 'fedgate-presence-us'),
      'GET /federation-links': () => [],
      [`GET ${upstream}`]: () => ({}),
      [`GET ${policy}`]: () => ({}),
      [`DELETE ${upstream}`]: () => undefined,
      [`DELETE ${policy}`]: () => undefined,
      [`PUT ${upstream}`]: () => undefined,
      [`PUT ${policy}`]: () => undefined,
    });
    await restartLinks(topology, gateway('us'), api.client, { directions: ['downlink'], recreateFrom: desired, waitMs: 0 });
    assert.deepEqual(api.writes(), [`DELETE ${policy}`, `DELETE ${upstream}`, `PUT ${upstream}`, `PUT ${policy}`]);
  });
});

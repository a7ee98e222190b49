// One backend user per microservice: each publishes commands and reads events as itself, cannot read what is not
// its own, and holds no more connections than its limit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { COMMANDS_EXCHANGE, ROUTER_QUEUE } from '@fedgate/topology';
import { createClient, eventPattern, type FedgateClient } from '@fedgate/client';
import type { RunningFleet } from '@fedgate/local-cluster';
import { sharedFleet } from '../shared-fleet.ts';
import { connectAmqp, tap } from '../amqp-probe.ts';

describe('services - each microservice logs in to the backend as itself', function () {
  this.timeout(120_000);
  let fleet: RunningFleet;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    fleet = await sharedFleet();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  const service = () => fleet.topology.backend.services[0]!;
  const endpoint = () => fleet.amqpEndpoint('core', service().name);

  async function client(): Promise<FedgateClient> {
    const tls = fleet.tls && fleet.topology.backend.tls ? { tls: { ca: [fleet.tls.ca] } } : {};
    const c = await createClient({ url: fleet.amqpUri('core', service().name), ...tls, topology: fleet.topology });
    cleanups.push(() => c.close());
    return c;
  }

  it('publishes a command and subscribes to events with its own login', async () => {
    const device = `svc-${randomUUID().slice(0, 8)}`;
    const seen = await tap(fleet.amqpEndpoint('core'), COMMANDS_EXCHANGE, `devices.${device}.#`);
    cleanups.push(() => seen.close());
    const billing = await client();
    await billing.sendCommand(device, 'invoice', { total: 3 });
    await seen.next(undefined, 10_000);
    // The management API lists a new connection once its statistics are collected (every 10 s on the backend).
    const users = async () => (await fleet.admin('core').get<{ user: string }[]>('/connections')).map((c) => c.user);
    const deadline = Date.now() + 20_000;
    while (!(await users()).includes(service().name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    assert.ok((await users()).includes(service().name), `a connection of ${service().name} is listed`);
    const subscription = await billing.onEvent(eventPattern({ deviceId: device }), async () => undefined);
    cleanups.push(() => subscription.cancel());
  });

  it("cannot read the router's queue or anything else that is not its own", async () => {
    const connection = await connectAmqp(endpoint());
    cleanups.push(() => connection.close());
    const channel = await connection.createChannel();
    const refused = new Promise<Error>((resolve) => channel.once('error', resolve));
    channel.get(ROUTER_QUEUE).catch(() => undefined);
    assert.match((await refused).message, /ACCESS_REFUSED/);
  });

  it('holds at most its maxConnections connections', async () => {
    const limit = service().maxConnections;
    for (let i = 0; i < limit; i++) {
      const c = await connectAmqp(endpoint());
      cleanups.push(() => c.close());
    }
    // The broker closes the connection during the handshake (its log: "user connection limit (N) is reached").
    await assert.rejects(connectAmqp(endpoint()), /ConnectionClose|connection limit/);
  });
});

import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  MissingCredentialsError,
  credentialEnvVar,
  downlinkName,
  parseTopology,
  presenceLinkName,
  requiredCredentials,
  resolveSecrets,
  uplinkName,
  type Topology,
} from '@fedgate/topology';
import type { GatewayHealthService } from '@fedgate/broker-admin';
import { routerCredentials } from '../src/commands/router.ts';
import { gatewayHealthCredentials, startLocalGatewayHealth } from '../src/local-gateway-health.ts';
import { createTestPki, type TestPki } from './test-certificates.ts';

const ACME_FILE = 'infra/topologies/acme.example.yaml';
const acme = (): Topology => parseTopology(readFileSync(ACME_FILE, 'utf8'), ACME_FILE);

function listening<T extends HttpsServer | TcpServer>(server: T): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closed(server: HttpsServer | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('cli - services start with only their own secret', () => {
  it("router - needs the backend router password and none of the topology's other passwords", async () => {
    const topology = acme();
    const refs = routerCredentials(topology);
    assert.ok(requiredCredentials(topology).length > refs.length + 3, 'the topology has many passwords');
    const env = { [credentialEnvVar(refs[0]!)]: 'router-pw' };
    const secrets = await resolveSecrets(topology, ACME_FILE, env, refs);
    assert.equal(secrets.password('core', 'fedgate-router'), 'router-pw');
    await assert.rejects(resolveSecrets(topology, ACME_FILE, {}, refs), (err: unknown) => {
      assert.ok(err instanceof MissingCredentialsError);
      assert.equal(err.message, 'missing 1 password(s): FEDGATE_CORE_ROUTER_PASSWORD');
      return true;
    });
  });

  it("gateway-health - needs its own gateway's admin password only", async () => {
    const us = acme().gateways[0]!;
    assert.deepEqual(gatewayHealthCredentials(us).map(credentialEnvVar), ['FEDGATE_US_ADMIN_PASSWORD']);
  });
});

describe('cli - gateway-health probes its own node over verified TLS', () => {
  let pki: TestPki;
  let management: HttpsServer;
  let device: TcpServer;
  let topology: Topology;
  let service: GatewayHealthService | undefined;
  const authorizations: string[] = [];

  /** The acme topology with gateway us's management and MQTT ports where this test's stand-ins listen. */
  async function start(certificateHost: string, caFile?: string, { deviceListening = true } = {}): Promise<void> {
    const { key, cert } = pki.serverCertificate(certificateHost);
    management = createHttpsServer({ key, cert }, (req, res) => {
      authorizations.push(String(req.headers.authorization));
      const running = [downlinkName('us'), uplinkName('us'), presenceLinkName('us')].map((name) => ({ name, state: 'running' }));
      if (req.url === '/api/shovels') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(running));
      else res.writeHead(404).end();
    });
    device = createTcpServer((socket) => socket.destroy());
    const [managementPort, devicePort] = await Promise.all([listening(management), listening(device)]);
    // A port that was free a moment ago and is closed now: nothing listens there.
    if (!deviceListening) await closed(device);
    topology = acme();
    const us = topology.gateways[0]!;
    us.ports = { ...us.ports, management: managementPort, mqtt: devicePort };
    service = await startLocalGatewayHealth({
      topology,
      topologyFile: ACME_FILE,
      gateway: us,
      port: 0,
      path: '/healthz',
      env: { FEDGATE_US_ADMIN_PASSWORD: 'us-admin-pw' },
      intervalMs: 60_000,
      ...(caFile === undefined ? {} : { caFile }),
    });
  }

  async function probe(): Promise<{ status: number; body: string }> {
    const port = (service!.server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: res.status, body: await res.text() };
  }

  before(() => {
    pki = createTestPki();
  });
  after(() => pki.remove());
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await Promise.all([closed(management), device.listening ? closed(device) : undefined]);
    authorizations.length = 0;
  });

  it('gateway-health - answers 200 when the node at 127.0.0.1 presents a certificate for the gateway host signed by the fleet CA', async () => {
    await start('us.gw.acme.internal', pki.caFile);
    assert.deepEqual(await probe(), { status: 200, body: 'ok\n' });
    assert.equal(authorizations[0], `Basic ${Buffer.from('fedgate-admin:us-admin-pw').toString('base64')}`);
  });

  it("gateway-health - answers 503 when the node's certificate names another host", async () => {
    await start('eu.gw.acme.internal', pki.caFile);
    const { status, body } = await probe();
    assert.equal(status, 503);
    assert.match(body, /^management API: /);
    assert.deepEqual(authorizations, [], 'no credential was sent to a node that failed verification');
  });

  it('gateway-health - answers 503 when the fleet CA is not given (the certificate is not trusted)', async () => {
    await start('us.gw.acme.internal');
    const { status, body } = await probe();
    assert.equal(status, 503);
    assert.match(body, /^management API: /);
  });

  it("gateway-health - answers 503 naming the node's address when its device port refuses connections", async () => {
    await start('us.gw.acme.internal', pki.caFile, { deviceListening: false });
    const { status, body } = await probe();
    assert.equal(status, 503);
    assert.equal(body, `node does not accept connections on 127.0.0.1:${topology.gateways[0]!.ports.mqtt}\n`);
  });
});

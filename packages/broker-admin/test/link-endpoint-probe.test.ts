import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { ensureFleetCa, issueNodeCertificate, type FleetCa } from '@fedgate/pki';
import { probeLinkEndpoint } from '@fedgate/broker-admin';

/** A TLS listener on 127.0.0.1 with a certificate for `hosts` from `ca`. */
async function listener(ca: FleetCa, hosts: string[]): Promise<{ server: Server; port: number }> {
  const node = await issueNodeCertificate(ca, { cluster: 'core', hosts }, { outDir: mkdtempSync(join(tmpdir(), 'fedgate-probe-node-')) });
  const server = createServer({ cert: readFileSync(node.certFile), key: readFileSync(node.keyFile) }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('broker-admin - why a TLS link does not run, from its endpoint', function () {
  this.timeout(60_000);
  let fleet: FleetCa;
  let other: FleetCa;
  const servers: Server[] = [];

  before(async () => {
    const root = mkdtempSync(join(tmpdir(), 'fedgate-probe-'));
    fleet = await ensureFleetCa(join(root, 'fleet'), 'fleet');
    other = await ensureFleetCa(join(root, 'other'), 'other');
  });
  after(() => servers.forEach((s) => s.close()));

  it('says nothing when the endpoint verifies as the link verifies it', async () => {
    const { server, port } = await listener(fleet, ['127.0.0.1']);
    servers.push(server);
    assert.equal(await probeLinkEndpoint({ host: '127.0.0.1', port, serverName: '127.0.0.1', ca: readFileSync(fleet.certFile, 'utf8') }), undefined);
  });

  it('names a certificate from another CA, one for another host, and an endpoint that is not there', async () => {
    const impostor = await listener(other, ['127.0.0.1']);
    const wrongHost = await listener(fleet, ['core.example.internal']);
    servers.push(impostor.server, wrongHost.server);
    const ca = readFileSync(fleet.certFile, 'utf8');
    assert.match(
      (await probeLinkEndpoint({ host: '127.0.0.1', port: impostor.port, serverName: '127.0.0.1', ca }))!,
      /is not from the fleet CA \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
    );
    assert.match(
      (await probeLinkEndpoint({ host: '127.0.0.1', port: wrongHost.port, serverName: '127.0.0.1', ca }))!,
      /is not for 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    const closed = impostor.port;
    await new Promise<void>((r) => impostor.server.close(() => r()));
    assert.match(
      (await probeLinkEndpoint({ host: '127.0.0.1', port: closed, serverName: '127.0.0.1', ca }))!,
      /cannot reach 127\.0\.0\.1:\d+ over TLS \(ECONNREFUSED/,
    );
  });
});

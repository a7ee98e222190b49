import assert from 'node:assert/strict';
import { EXTENSIONS_SECTION, nodeSubjectAltNames, opensslConfig } from '../src/index.ts';
import { subjectOf } from '../src/identity-names.ts';

/** The `key = value` lines of the extensions section. */
function extensionsOf(config: string): Record<string, string> {
  const section = config.split(`[ ${EXTENSIONS_SECTION} ]\n`)[1] ?? '';
  return Object.fromEntries(
    section
      .trim()
      .split('\n')
      .map((line) => line.split(' = ') as [string, string]),
  );
}

describe('pki - openssl config per certificate kind (pure)', () => {
  it('CA - CA:TRUE with no intermediate below it, keyCertSign and cRLSign only', () => {
    const config = opensslConfig({ kind: 'ca' });
    assert.match(config, /^\[ req \]\ndistinguished_name = fedgate_dn\n\[ fedgate_dn \]\n/m);
    assert.deepEqual(extensionsOf(config), {
      basicConstraints: 'critical, CA:TRUE, pathlen:0',
      keyUsage: 'critical, keyCertSign, cRLSign',
      subjectKeyIdentifier: 'hash',
    });
  });

  it('node - server and client auth, SANs as given', () => {
    const ext = extensionsOf(opensslConfig({ kind: 'node', subjectAltNames: ['DNS:eu.internal', 'IP:10.1.0.5', 'DNS:localhost'] }));
    assert.equal(ext.basicConstraints, 'critical, CA:FALSE');
    assert.equal(ext.keyUsage, 'critical, digitalSignature');
    assert.equal(ext.extendedKeyUsage, 'serverAuth, clientAuth');
    assert.equal(ext.subjectAltName, 'DNS:eu.internal, IP:10.1.0.5, DNS:localhost');
    assert.equal(ext.authorityKeyIdentifier, 'keyid:always');
  });

  it("link - client auth only; the user is also its DNS SAN, so a gateway takes no client id of the holder's choosing from it", () => {
    const ext = extensionsOf(opensslConfig({ kind: 'link', user: 'fedgate-down-eu' }));
    assert.equal(ext.extendedKeyUsage, 'clientAuth');
    assert.equal(ext.subjectAltName, 'DNS:fedgate-down-eu');
  });

  it('device - client auth only, DNS SAN = the device id for the MQTT client id', () => {
    const ext = extensionsOf(opensslConfig({ kind: 'device', deviceId: 'sensor-42' }));
    assert.equal(ext.extendedKeyUsage, 'clientAuth');
    assert.equal(ext.subjectAltName, 'DNS:sensor-42');
    assert.equal(ext.basicConstraints, 'critical, CA:FALSE');
  });

  it('node SANs - IPv4 and IPv6 literals as IP, names as DNS lower-cased, localhost added once, duplicates dropped', () => {
    assert.deepEqual(nodeSubjectAltNames(['EU.Fleet.Internal.', '127.0.0.1', 'fe80::1', 'eu.fleet.internal', 'localhost']), [
      'DNS:eu.fleet.internal',
      'IP:127.0.0.1',
      'IP:fe80::1',
      'DNS:localhost',
    ]);
  });

  it('subject - characters openssl -subj treats specially are escaped', () => {
    assert.equal(subjectOf('fedgate local CA'), '/CN=fedgate local CA');
    assert.equal(subjectOf('a/b+c=d'), '/CN=a\\/b\\+c\\=d');
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PkiError, ensureFleetCa, issueDeviceCertificate, issueLinkCertificate, issueNodeCertificate, type FleetCa } from '../src/index.ts';

/** `openssl verify` of `cert` against `caFile` for a TLS purpose: true when it says OK. */
function verifies(caFile: string, cert: string, purpose: 'sslclient' | 'sslserver'): boolean {
  const run = spawnSync('openssl', ['verify', '-CAfile', caFile, '-purpose', purpose, cert], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.trim().endsWith(': OK');
}

function certText(cert: string): string {
  return execFileSync('openssl', ['x509', '-in', cert, '-noout', '-text', '-nameopt', 'RFC2253'], { encoding: 'utf8' });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function pkiError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof PkiError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('pki - fleet CA and certificates (real openssl)', () => {
  let root: string;
  let ca: FleetCa;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fedgate-pki-'));
    ca = await ensureFleetCa(join(root, 'pki'), 'local');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('CA - EC P-256, CN "fedgate <topology> CA", a CA for 10 years that signs certificates only; key 0600, directory 0700', () => {
    const text = certText(ca.certFile);
    assert.match(text, /Subject: CN=fedgate local CA/);
    assert.match(text, /Issuer: CN=fedgate local CA/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const notAfter = execFileSync('openssl', ['x509', '-in', ca.certFile, '-noout', '-enddate'], { encoding: 'utf8' }).trim().replace('notAfter=', '');
    const years = (Date.parse(notAfter) - Date.now()) / (365.25 * 86_400_000);
    assert.ok(years > 9.9 && years <= 10, `valid for ${years} years`);
    assert.equal(mode(ca.keyFile), 0o600);
    assert.equal(mode(ca.certFile), 0o644);
    assert.equal(mode(ca.dir), 0o700);
  });

  it('CA - a second ensureFleetCa keeps the same CA and narrows a widened directory back to 0700', async () => {
    const before = readFileSync(ca.certFile, 'utf8');
    const keyBefore = readFileSync(ca.keyFile, 'utf8');
    execFileSync('chmod', ['0755', ca.dir]);
    const again = await ensureFleetCa(ca.dir, 'local');
    assert.equal(again.created, false);
    assert.equal(readFileSync(again.certFile, 'utf8'), before);
    assert.equal(readFileSync(again.keyFile, 'utf8'), keyBefore);
    assert.equal(mode(ca.dir), 0o700);
  });

  it('CA - two first runs at once end with one CA, and no work files are left', async () => {
    const dir = join(root, 'race');
    const results = await Promise.all([ensureFleetCa(dir, 'race'), ensureFleetCa(dir, 'race'), ensureFleetCa(dir, 'race')]);
    assert.equal(results.filter((r) => r.created).length, 1);
    const device = await issueDeviceCertificate(results[2]!, 'sensor-1');
    assert.ok(verifies(join(dir, 'ca.pem'), device.certFile, 'sslclient'));
    assert.deepEqual(readdirSync(dir).sort(), ['ca.key', 'ca.pem', 'devices']);
  });

  it("CA - a key that is not the certificate's, or a certificate without its key, is refused rather than replaced", async () => {
    const other = await ensureFleetCa(join(root, 'other-for-mismatch'), 'other');
    const dir = join(root, 'mismatch');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ca.pem'), readFileSync(ca.certFile));
    writeFileSync(join(dir, 'ca.key'), readFileSync(other.keyFile), { mode: 0o600 });
    await assert.rejects(ensureFleetCa(dir, 'local'), pkiError('PKI_CA_MISMATCH', /ca\.key is not the key of .*ca\.pem/));

    const verifyOnly = join(root, 'verify-only');
    mkdirSync(verifyOnly);
    writeFileSync(join(verifyOnly, 'ca.pem'), readFileSync(ca.certFile));
    await assert.rejects(ensureFleetCa(verifyOnly, 'local'), pkiError('PKI_CA_INCOMPLETE', /ca\.pem is there but .*ca\.key is not/));
    assert.ok(!existsSync(join(verifyOnly, 'ca.key')));
  });

  it('CA - a run that finds a key without its certificate waits for the run creating it, then gives up with what to do', async () => {
    const dir = join(root, 'half');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ca.key'), readFileSync(ca.keyFile), { mode: 0o600 });
    const waiting = ensureFleetCa(dir, 'local');
    setTimeout(() => writeFileSync(join(dir, 'ca.pem'), readFileSync(ca.certFile)), 300);
    assert.equal((await waiting).created, false);

    const stale = join(root, 'stale');
    mkdirSync(stale);
    writeFileSync(join(stale, 'ca.key'), readFileSync(ca.keyFile), { mode: 0o600 });
    await assert.rejects(
      ensureFleetCa(stale, 'local', { creationWaitMs: 300 }),
      pkiError('PKI_CA_INCOMPLETE', /ca\.key is there but .*ca\.pem is not: .*move the key away and run again/),
    );
  });

  it('device - verifies against the CA as a TLS client (not as a server), CN and DNS SAN = the id, key 0600, CA bundle beside it', async () => {
    const out = join(root, 'devices-out');
    const issued = await issueDeviceCertificate(ca, 'sensor_42', { outDir: out });
    assert.equal(issued.keyFile, join(out, 'sensor_42.key'));
    assert.equal(issued.certFile, join(out, 'sensor_42.pem'));
    assert.equal(issued.caFile, join(out, 'ca.pem'));
    assert.ok(verifies(issued.caFile, issued.certFile, 'sslclient'));
    assert.ok(!verifies(issued.caFile, issued.certFile, 'sslserver'), 'a device certificate must not serve TLS');
    const text = certText(issued.certFile);
    assert.match(text, /Subject: CN=sensor_42\n/);
    assert.match(text, /Subject Alternative Name: \n\s+DNS:sensor_42\n/);
    assert.match(text, /Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.equal(mode(issued.keyFile), 0o600);
    assert.equal(mode(issued.certFile), 0o644);
    assert.equal(mode(out), 0o700);
    assert.equal(readFileSync(issued.caFile, 'utf8'), readFileSync(ca.certFile, 'utf8'));
    // The key is the certificate's.
    const fromKey = execFileSync('openssl', ['pkey', '-in', issued.keyFile, '-pubout'], { encoding: 'utf8' });
    const fromCert = execFileSync('openssl', ['x509', '-in', issued.certFile, '-noout', '-pubkey'], { encoding: 'utf8' });
    assert.equal(fromKey, fromCert);
    assert.deepEqual(readdirSync(out).sort(), ['ca.pem', 'sensor_42.key', 'sensor_42.pem'], 'no work files are left');
  });

  it('device - a certificate from another CA does not verify against this one', async () => {
    const other = await ensureFleetCa(join(root, 'other-ca'), 'other');
    const foreign = await issueDeviceCertificate(other, 'sensor-1', { outDir: join(root, 'foreign') });
    assert.ok(verifies(other.certFile, foreign.certFile, 'sslclient'));
    assert.ok(!verifies(ca.certFile, foreign.certFile, 'sslclient'));
  });

  it('device - invalid ids are refused before anything is written, naming the id and the rule', async () => {
    const out = join(root, 'refused');
    // fedgate-admin would log in as the administrator wherever a certificate login finds that user.
    for (const bad of ['.hidden', '-flag', 'a/b', 'a b', 'sensor.1', '', 'x'.repeat(65), '../../etc/passwd', 'fedgate-admin', 'FedGate-x']) {
      await assert.rejects(
        issueDeviceCertificate(ca, bad, { outDir: out }),
        pkiError(
          'PKI_INVALID_DEVICE_ID',
          new RegExp(
            `^invalid device id ${escapeRegExp(JSON.stringify(bad))}: expected 1 to 64 characters of letters, digits, "_" and "-", not starting with "-"`,
          ),
        ),
        bad,
      );
    }
    assert.ok(!existsSync(out));
    assert.equal((await issueDeviceCertificate(ca, 'x'.repeat(64), { outDir: out })).commonName.length, 64);
  });

  it('node - SANs are the hosts (IP SANs for address literals) and localhost; it verifies as a TLS server and client', async () => {
    const issued = await issueNodeCertificate(ca, { cluster: 'eu', hosts: ['eu.fleet.internal', '127.0.0.1', '::1'] });
    assert.equal(issued.keyFile, join(ca.dir, 'eu', 'key.pem'));
    assert.equal(issued.certFile, join(ca.dir, 'eu', 'cert.pem'));
    assert.deepEqual(issued.subjectAltNames, ['DNS:eu.fleet.internal', 'IP:127.0.0.1', 'IP:::1', 'DNS:localhost']);
    const text = certText(issued.certFile);
    assert.match(text, /Subject: CN=eu\.fleet\.internal\n/);
    assert.match(text, /DNS:eu\.fleet\.internal, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.ok(verifies(ca.certFile, issued.certFile, 'sslserver'));
    assert.ok(verifies(ca.certFile, issued.certFile, 'sslclient'));
    const hostCheck = spawnSync('openssl', ['verify', '-CAfile', ca.certFile, '-verify_ip', '127.0.0.1', issued.certFile], { encoding: 'utf8' });
    assert.equal(hostCheck.status, 0, hostCheck.stderr);
    const wrongHost = spawnSync('openssl', ['verify', '-CAfile', ca.certFile, '-verify_hostname', 'us.fleet.internal', issued.certFile], { encoding: 'utf8' });
    assert.notEqual(wrongHost.status, 0);
    assert.equal(mode(issued.keyFile), 0o600);
    assert.equal(mode(join(ca.dir, 'eu')), 0o700);
  });

  it('node - refuses no hosts, hosts that are not DNS names or addresses, and cluster names that are not directory-safe', async () => {
    await assert.rejects(issueNodeCertificate(ca, { cluster: 'eu', hosts: [] }), pkiError('PKI_INVALID_HOST', /at least one host/));
    await assert.rejects(
      issueNodeCertificate(ca, { cluster: 'eu', hosts: ['eu.internal, DNS:evil.example'] }),
      pkiError('PKI_INVALID_HOST', /invalid host "eu\.internal, DNS:evil\.example"/),
    );
    await assert.rejects(issueNodeCertificate(ca, { cluster: 'eu', hosts: ['-eu.internal'] }), pkiError('PKI_INVALID_HOST', /"-eu\.internal"/));
    await assert.rejects(issueNodeCertificate(ca, { cluster: '../eu', hosts: ['eu.internal'] }), pkiError('PKI_INVALID_CLUSTER', /"\.\.\/eu"/));
  });

  it('link - CN is the broker user, client authentication only, so EXTERNAL logs the link in as that user', async () => {
    const issued = await issueLinkCertificate(ca, { user: 'fedgate-down-eu' });
    assert.equal(issued.certFile, join(ca.dir, 'links', 'fedgate-down-eu.pem'));
    const text = certText(issued.certFile);
    assert.match(text, /Subject: CN=fedgate-down-eu\n/);
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+DNS:fedgate-down-eu\n/);
    assert.ok(verifies(ca.certFile, issued.certFile, 'sslclient'));
    assert.ok(!verifies(ca.certFile, issued.certFile, 'sslserver'));
    assert.equal(mode(issued.keyFile), 0o600);
    await assert.rejects(issueLinkCertificate(ca, { user: 'fedgate/down' }), pkiError('PKI_INVALID_USER', /invalid broker user name "fedgate\/down"/));
  });

  it('issuing - without a CA in the directory nothing is issued', async () => {
    await assert.rejects(
      issueDeviceCertificate({ ...ca, dir: join(root, 'none'), keyFile: join(root, 'none', 'ca.key'), certFile: join(root, 'none', 'ca.pem') }, 'sensor-1'),
      pkiError('PKI_CA_INCOMPLETE', /no fleet CA in/),
    );
  });
});

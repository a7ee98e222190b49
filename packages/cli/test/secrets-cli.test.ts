import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology } from '@fedgate/topology';
import { SecretsManagerAccount } from '../../../infra/test/secrets-manager-account.ts';
import { SecretsManagerEndpoint } from '../../../infra/test/secrets-manager-endpoint.ts';
import { main } from '../src/main.ts';
import { createTestPki, type TestPki } from './test-certificates.ts';

const EXAMPLE = 'infra/topologies/acme.example.yaml';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('cli - fedgate secrets push on the wire against a local Secrets Manager endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER)', () => {
  const ENV = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
  const saved: Partial<Record<(typeof ENV)[number], string>> = {};
  let endpoint: SecretsManagerEndpoint;
  let account: SecretsManagerAccount;
  let pki: TestPki;
  let tlsDir: string;

  before(async () => {
    pki = createTestPki();
    tlsDir = join(pki.dir, 'tls');
    const { topology } = await loadTopology(EXAMPLE);
    writeFileSync(join(pki.dir, 'ca-copy.pem'), pki.caPem);
    mkdirSync(tlsDir);
    writeFileSync(join(tlsDir, 'ca.pem'), pki.caPem);
    for (const c of [topology.backend, ...topology.gateways]) {
      const { key, cert } = pki.serverCertificate(c.host);
      mkdirSync(join(tlsDir, c.name));
      writeFileSync(join(tlsDir, c.name, 'cert.pem'), cert);
      writeFileSync(join(tlsDir, c.name, 'key.pem'), key);
    }
    for (const gw of topology.gateways) {
      for (const user of [`fedgate-down-${gw.name}`, `fedgate-up-${gw.name}`]) {
        const { key, cert } = pki.serverCertificate(user);
        writeFileSync(join(tlsDir, gw.name, `${user}.pem`), cert);
        writeFileSync(join(tlsDir, gw.name, `${user}.key`), key);
      }
    }
  });
  after(() => pki.remove());
  beforeEach(async () => {
    account = SecretsManagerAccount.afterStacks((await loadTopology(EXAMPLE)).topology);
    endpoint = new SecretsManagerEndpoint(account);
    const url = await endpoint.start();
    for (const key of ENV) saved[key] = process.env[key];
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret' });
    delete process.env.AWS_PROFILE;
  });
  afterEach(async () => {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await endpoint.stop();
  });

  it('secrets push puts every secret with progress and masked output, then a second push changes nothing', async () => {
    const first = await run(['secrets', 'push', '-f', EXAMPLE, '--tls-dir', tlsDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^secrets: \[1\/10\] fedgate\/acme\/operator \(eu-west-1\): created/m);
    assert.match(first.stdout, /put +fedgate\/acme\/us\/runtime \(us-east-1, \d+ bytes\)/);
    assert.match(first.stdout, /10 secret\(s\), 10 changed; generated: core\/fedgate-admin, /);
    const operator = JSON.parse(account.secrets.get('fedgate/acme/operator')!.string!) as { passwords: Record<string, string> };
    for (const password of Object.values(operator.passwords)) assert.ok(!(first.stdout + first.stderr).includes(password), 'a password was printed');
    assert.ok(endpoint.operations.includes('PutSecretValue'));

    const second = await run(['secrets', 'push', '-f', EXAMPLE, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { secrets: { action: string }[]; generated: string[] };
    assert.deepEqual([...new Set(report.secrets.map((s) => s.action))], ['unchanged']);
    assert.deepEqual(report.generated, []);
  });

  it('secrets push --pki-dir issues from the fleet CA (created if missing) and says so; again, nothing is issued or changed; with --tls-dir too it is a usage error', async function () {
    this.timeout(60_000);
    const pkiDir = join(pki.dir, 'fleet-ca');
    const first = await run(['secrets', 'push', '-f', EXAMPLE, '--pki-dir', pkiDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`^secrets: created the fleet CA of topology "acme" in ${pkiDir}$`, 'm'));
    assert.match(first.stderr, /^secrets: issued the link certificate of fedgate-down-us into /m);
    assert.ok(!first.stderr.includes('PRIVATE KEY') && !first.stdout.includes('PRIVATE KEY'), 'no key printed');
    const us = JSON.parse(account.secrets.get('fedgate/acme/us/runtime')!.string!) as { tls: Record<string, string> };
    assert.ok(us.tls['fedgate-up-us.key']!.includes('PRIVATE KEY'));
    const second = await run(['secrets', 'push', '-f', EXAMPLE, '--pki-dir', pkiDir, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /issued|created the fleet CA/);
    assert.deepEqual([...new Set((JSON.parse(second.stdout) as { secrets: { action: string }[] }).secrets.map((x) => x.action))], ['unchanged']);
    const both = await run(['secrets', 'push', '-f', EXAMPLE, '--pki-dir', pkiDir, '--tls-dir', tlsDir]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /mutually exclusive/);
  });

  it('secrets push exits 2 for TLS clusters without certificates, and 1 with the AWS error for a secret no stack created', async () => {
    const noTls = await run(['secrets', 'push', '-f', EXAMPLE]);
    assert.equal(noTls.code, 2);
    assert.match(noTls.stderr, /speak TLS but no certificates were given/);

    account.secrets.delete('fedgate/acme/eu/definitions');
    const missing = await run(['secrets', 'push', '-f', EXAMPLE, '--tls-dir', tlsDir, '--json']);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.stdout).error.code, 'SECRETS_NOT_CREATED');
  });
});

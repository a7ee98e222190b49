import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { compileCluster, definitionsText } from '@fedgate/broker-config';
import { requiredCredentials, secretsFromMap, type Topology } from '@fedgate/topology';
import { SecretsPushError, certificatesFromDirectory, pushFleetSecrets, type SecretsPushReport } from '../src/secrets/index.ts';
import { createTestPki, type TestPki } from '../../packages/cli/test/test-certificates.ts';
import { acme } from './synthesized-fleet.ts';
import { isSecretsManagerFailure, SecretsManagerAccount } from './secrets-manager-account.ts';

/** Serves `account` to every SecretsManagerClient, answering in the region the client was made for. */
function serve(account: SecretsManagerAccount): AwsClientStub<SecretsManagerClient> {
  const mock = mockClient(SecretsManagerClient);
  const regionOf = async (getClient: () => unknown) => (getClient() as SecretsManagerClient).config.region();
  const raise = (f: { type: string; message: string }) => {
    throw new SecretsManagerServiceException({ name: f.type, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: f.message });
  };
  mock.on(GetSecretValueCommand).callsFake(async (input, getClient) => {
    const out = account.get(await regionOf(getClient), input.SecretId);
    if (isSecretsManagerFailure(out)) return raise(out);
    return { Name: input.SecretId, ...(out.string === undefined ? {} : { SecretString: out.string }), ...(out.binary === undefined ? {} : { SecretBinary: out.binary }) };
  });
  mock.on(PutSecretValueCommand).callsFake(async (input, getClient) => {
    const out = account.put(await regionOf(getClient), input.SecretId, { string: input.SecretString, binary: input.SecretBinary });
    return out === undefined ? { Name: input.SecretId } : raise(out);
  });
  mock.on(CreateSecretCommand).callsFake(async (input, getClient) => {
    const out = account.create(await regionOf(getClient), input.Name, { string: input.SecretString, binary: input.SecretBinary });
    return out === undefined ? { Name: input.Name } : raise(out);
  });
  return mock;
}

function tlsDir(pki: TestPki, topology: Topology): string {
  const dir = join(pki.dir, 'fleet-tls');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ca.pem'), pki.caPem);
  for (const cluster of [topology.backend, ...topology.gateways]) {
    const { key, cert } = pki.serverCertificate(cluster.host);
    mkdirSync(join(dir, cluster.name), { recursive: true });
    writeFileSync(join(dir, cluster.name, 'cert.pem'), cert);
    writeFileSync(join(dir, cluster.name, 'key.pem'), key);
  }
  return dir;
}

describe('infra - fedgate secrets push at the SDK boundary (secrets as the stacks create them)', () => {
  let topology: Topology;
  let account: SecretsManagerAccount;
  let mock: AwsClientStub<SecretsManagerClient>;
  let pki: TestPki;
  let certificates: ReturnType<typeof certificatesFromDirectory>;
  const progress: string[] = [];
  const push = (extra: Partial<Parameters<typeof pushFleetSecrets>[0]> = {}): Promise<SecretsPushReport> =>
    pushFleetSecrets({ topology, topologyFile: 'infra/topologies/acme.example.yaml', env: {}, certificates, onProgress: (l) => progress.push(l), ...extra });

  before(() => {
    pki = createTestPki();
    certificates = certificatesFromDirectory(tlsDir(pki, acme()));
  });
  after(() => pki.remove());
  beforeEach(() => {
    topology = acme();
    account = SecretsManagerAccount.afterStacks(topology);
    mock = serve(account);
    progress.length = 0;
  });
  afterEach(() => mock.restore());

  it('secrets push - fills every secret the instances read, in its stack\'s region, in the form the boot script checks', async () => {
    const report = await push();

    const terraformSecrets = [...account.secrets.keys()].filter((n) => n !== 'fedgate/acme/operator');
    assert.ok(terraformSecrets.length >= 9, `${terraformSecrets.length} secrets from the stacks`);
    for (const name of terraformSecrets) assert.equal(account.secrets.get(name)!.versions, 1, `${name} has a value`);
    assert.deepEqual(report.secrets.find((s) => s.purpose === 'operator')!.action, 'created');
    assert.equal(report.generated.length, requiredCredentials(topology).length + 4, 'every password and one cookie per cluster');

    const operator = JSON.parse(account.secrets.get('fedgate/acme/operator')!.string!);
    const secrets = secretsFromMap(new Map(Object.entries(operator.passwords as Record<string, string>)));
    for (const cluster of [topology.backend, ...topology.gateways]) {
      const definitions = gunzipSync(account.secrets.get(`fedgate/acme/${cluster.name}/definitions`)!.binary!).toString('utf8');
      assert.equal(definitions, definitionsText(compileCluster(topology, cluster, secrets).definitions), `${cluster.name}: gzip of the rendered definitions`);
      const runtime = JSON.parse(account.secrets.get(`fedgate/acme/${cluster.name}/runtime`)!.string!);
      assert.match(runtime.erlangCookie, /^[A-Za-z0-9]{20,255}$/);
      assert.deepEqual(Object.keys(runtime.tls).sort(), ['ca.pem', 'cert.pem', 'key.pem']);
      for (const key of Object.keys(runtime.env)) assert.match(key, /^FEDGATE_[A-Z0-9_]+$/);
    }
    assert.deepEqual(Object.keys(JSON.parse(account.secrets.get('fedgate/acme/us/runtime')!.string!).env), ['FEDGATE_US_ADMIN_PASSWORD']);
    const router = JSON.parse(account.secrets.get('fedgate/acme/core/router')!.string!);
    assert.deepEqual(Object.keys(router.env), ['FEDGATE_CORE_ROUTER_PASSWORD']);
    assert.deepEqual(Object.keys(router.tls), ['ca.pem']);

    const printed = JSON.stringify(report) + progress.join('\n');
    for (const value of [...Object.values(operator.passwords as Record<string, string>), ...Object.values(operator.erlangCookies as Record<string, string>)]) {
      assert.ok(!printed.includes(value), 'a secret value reached the report or the progress lines');
    }
    assert.match(progress.at(-1)!, new RegExp(`^\\[${report.secrets.length}/${report.secrets.length}\\] fedgate/acme/core/router \\(eu-west-1\\): put \\(\\d+ bytes\\)$`));
  });

  it('secrets push - a second push reads everything back and puts nothing', async () => {
    await push();
    mock.resetHistory();
    const second = await push();
    assert.deepEqual(new Set(second.secrets.map((s) => s.action)), new Set(['unchanged']));
    assert.deepEqual(second.generated, []);
    assert.equal(mock.commandCalls(PutSecretValueCommand).length + mock.commandCalls(CreateSecretCommand).length, 0);
  });

  it('secrets push - a password given through the credentials source replaces the stored one, and only what uses it changes', async () => {
    await push();
    const changed = await push({ env: { FEDGATE_US_ADMIN_PASSWORD: 'rotated-admin-password' } });
    const actions = Object.fromEntries(changed.secrets.map((s) => [s.name, s.action]));
    assert.deepEqual(Object.entries(actions).filter(([, a]) => a !== 'unchanged').map(([n]) => n).sort(), [
      'fedgate/acme/operator', 'fedgate/acme/us/definitions', 'fedgate/acme/us/runtime',
    ]);
    assert.equal(JSON.parse(account.secrets.get('fedgate/acme/us/runtime')!.string!).env.FEDGATE_US_ADMIN_PASSWORD, 'rotated-admin-password');
  });

  it('secrets push --dry-run compares and puts nothing', async () => {
    const report = await push({ dryRun: true });
    assert.deepEqual(new Set(report.secrets.map((s) => s.action)), new Set(['would-create', 'would-put']));
    assert.equal(mock.commandCalls(PutSecretValueCommand).length + mock.commandCalls(CreateSecretCommand).length, 0);
  });

  it('secrets push - keeps the certificates a runtime secret already holds when none are given; refuses TLS clusters that have none', async () => {
    await push();
    const kept = await push({ certificates: undefined });
    assert.deepEqual(new Set(kept.secrets.map((s) => s.action)), new Set(['unchanged']));

    const fresh = SecretsManagerAccount.afterStacks(topology);
    mock.restore();
    mock = serve(fresh);
    await assert.rejects(push({ certificates: undefined }), (err: unknown) => {
      assert.ok(err instanceof SecretsPushError);
      assert.equal(err.code, 'SECRETS_TLS_MISSING');
      assert.match(err.message, /clusters core, us, eu, ap speak TLS/);
      return true;
    });
    assert.equal(fresh.puts.length, 0, 'nothing is put before every value is known');
  });

  it('secrets push - a secret the stacks have not created yet is a typed error naming it', async () => {
    account.secrets.delete('fedgate/acme/ap/runtime');
    await assert.rejects(push(), (err: unknown) => err instanceof SecretsPushError && err.code === 'SECRETS_NOT_CREATED' && /fedgate\/acme\/ap\/runtime does not exist: apply the stack/.test(err.message));
  });
});

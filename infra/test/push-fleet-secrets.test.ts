import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { compileCluster, definitionsText } from '@fedgate/broker-config';
import { requiredCredentials, secretsFromMap, type Topology } from '@fedgate/topology';
import { ensureTokenSigningKey } from '@fedgate/pki';
import {
  SecretsPushError,
  brokerTlsFileNames,
  certificatesFromDirectory,
  certificatesFromFleetPki,
  linkUsers,
  pushFleetSecrets,
  type SecretsPushReport,
} from '../src/secrets/index.ts';
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
    return {
      Name: input.SecretId,
      ...(out.string === undefined ? {} : { SecretString: out.string }),
      ...(out.binary === undefined ? {} : { SecretBinary: out.binary }),
    };
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

/** The --tls-dir layout: DIR/ca.pem, DIR/<cluster>/cert.pem|key.pem and, per gateway, DIR/<gateway>/<link user>.pem|.key. */
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
  for (const gateway of topology.gateways) {
    for (const user of linkUsers(gateway)) {
      const { key, cert } = pki.serverCertificate(user);
      writeFileSync(join(dir, gateway.name, `${user}.pem`), cert);
      writeFileSync(join(dir, gateway.name, `${user}.key`), key);
    }
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

  it("secrets push - fills every secret the instances read, in its stack's region, in the form the boot script checks", async () => {
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
      assert.deepEqual(Object.keys(runtime.tls), brokerTlsFileNames(topology, cluster).required, `${cluster.name}: exactly the files its nodes read`);
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
    assert.match(
      progress.at(-1)!,
      new RegExp(`^\\[${report.secrets.length}/${report.secrets.length}\\] fedgate/acme/core/router \\(eu-west-1\\): put \\(\\d+ bytes\\)$`),
    );
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
    assert.deepEqual(
      Object.entries(actions)
        .filter(([, a]) => a !== 'unchanged')
        .map(([n]) => n)
        .sort(),
      ['fedgate/acme/operator', 'fedgate/acme/us/definitions', 'fedgate/acme/us/runtime'],
    );
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

  it('secrets push - a runtime secret from before link certificates (ca/cert/key only) is not kept: the push names what each gateway lacks', async () => {
    await push();
    const us = JSON.parse(account.secrets.get('fedgate/acme/us/runtime')!.string!);
    const { 'fedgate-down-us.pem': _cert, 'fedgate-down-us.key': _key, ...old } = us.tls;
    account.put('us-east-1', 'fedgate/acme/us/runtime', { string: JSON.stringify({ ...us, tls: old }) });
    await assert.rejects(push({ certificates: undefined }), (err: unknown) => {
      assert.ok(err instanceof SecretsPushError && err.code === 'SECRETS_TLS_MISSING');
      assert.match(err.message, /clusters us \(missing fedgate-down-us\.pem, fedgate-down-us\.key\) speak TLS/);
      assert.match(err.message, /--pki-dir DIR/);
      return true;
    });
  });

  it('secrets push - refuses a link certificate for another user, or one from another CA, before putting anything', async () => {
    const dir = tlsDir(pki, topology);
    const wrongUser = pki.serverCertificate('fedgate-up-eu');
    writeFileSync(join(dir, 'us', 'fedgate-up-us.pem'), wrongUser.cert);
    writeFileSync(join(dir, 'us', 'fedgate-up-us.key'), wrongUser.key);
    try {
      await assert.rejects(push({ certificates: certificatesFromDirectory(dir) }), (err: unknown) => {
        assert.ok(err instanceof SecretsPushError && err.code === 'SECRETS_TLS_INVALID');
        assert.match(err.message, /^us's fedgate-up-us\.pem: does not name fedgate-up-us \(DNS:fedgate-up-eu\)$/);
        return true;
      });
      const stranger = createTestPki();
      try {
        const foreign = stranger.serverCertificate('fedgate-up-us');
        writeFileSync(join(dir, 'us', 'fedgate-up-us.pem'), foreign.cert);
        writeFileSync(join(dir, 'us', 'fedgate-up-us.key'), foreign.key);
        await assert.rejects(push({ certificates: certificatesFromDirectory(dir) }), /us's fedgate-up-us\.pem: not signed by the fleet CA/);
      } finally {
        stranger.remove();
      }
      assert.equal(account.puts.length, 0, 'nothing is put before every value is checked');
    } finally {
      tlsDir(pki, topology); // restore the directory for the other tests
    }
  });

  it('secrets push --pki-dir - issues node and link certificates from the fleet CA once, pushes its token key, never the CA key; a second push changes nothing', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-push-pki-'));
    const pkiDir = join(dir, 'pki');
    try {
      const issued: string[] = [];
      const fromPki = () => certificatesFromFleetPki(pkiDir, topology.name, { onIssued: (line) => issued.push(line) });
      await ensureTokenSigningKey(pkiDir);
      const first = await push({ certificates: fromPki() });
      assert.ok(first.secrets.every((x) => x.action !== 'unchanged'));
      assert.equal(issued[0], `created the fleet CA of topology "acme" in ${pkiDir}`);
      assert.equal(issued.filter((l) => l.startsWith('issued the node certificate')).length, 4);
      assert.equal(issued.filter((l) => l.startsWith('issued the link certificate')).length, 6);

      const caPem = readFileSync(join(pkiDir, 'ca.pem'), 'utf8');
      const caKeyLines = readFileSync(join(pkiDir, 'ca.key'), 'utf8')
        .split('\n')
        .filter((l) => l.length > 20 && !l.startsWith('-----'));
      for (const [name, stored] of account.secrets) {
        const text = stored.string ?? gunzipSync(stored.binary!).toString('utf8');
        assert.ok(
          caKeyLines.every((line) => !text.includes(line)),
          `${name} holds the CA key`,
        );
      }
      const token = readFileSync(join(pkiDir, 'token-signing.pub.pem'), 'utf8');
      for (const gateway of topology.gateways) {
        const tls = JSON.parse(account.secrets.get(`fedgate/acme/${gateway.name}/runtime`)!.string!).tls as Record<string, string>;
        assert.deepEqual(Object.keys(tls), [...brokerTlsFileNames(topology, gateway).required, 'token-signing.pub.pem']);
        assert.equal(tls['ca.pem'], caPem);
        assert.equal(tls['token-signing.pub.pem'], token);
        for (const user of linkUsers(gateway)) {
          const cert = new X509Certificate(tls[`${user}.pem`]!);
          assert.equal(cert.subject, `CN=${user}`);
          assert.ok(cert.verify(new X509Certificate(caPem).publicKey), `${user}: from the fleet CA`);
          assert.equal(tls[`${user}.key`], readFileSync(join(pkiDir, 'links', `${user}.key`), 'utf8'));
        }
        assert.ok(new X509Certificate(tls['cert.pem']!).checkHost(gateway.host), `${gateway.name}'s node certificate names ${gateway.host}`);
      }
      const core = JSON.parse(account.secrets.get('fedgate/acme/core/runtime')!.string!).tls as Record<string, string>;
      assert.deepEqual(Object.keys(core), ['ca.pem', 'cert.pem', 'key.pem'], 'the backend gets no token key and no link files');
      assert.deepEqual(JSON.parse(account.secrets.get('fedgate/acme/core/router')!.string!).tls, { 'ca.pem': caPem });

      issued.length = 0;
      mock.resetHistory();
      const second = await push({ certificates: fromPki() });
      assert.deepEqual(new Set(second.secrets.map((x) => x.action)), new Set(['unchanged']));
      assert.deepEqual(issued, [], 'nothing issued again');
      assert.equal(mock.commandCalls(PutSecretValueCommand).length + mock.commandCalls(CreateSecretCommand).length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('secrets push - a secret the stacks have not created yet is a typed error naming it', async () => {
    account.secrets.delete('fedgate/acme/ap/runtime');
    await assert.rejects(
      push(),
      (err: unknown) =>
        err instanceof SecretsPushError && err.code === 'SECRETS_NOT_CREATED' && /fedgate\/acme\/ap\/runtime does not exist: apply the stack/.test(err.message),
    );
  });
});

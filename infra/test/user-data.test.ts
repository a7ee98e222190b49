import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { authzPort, parseTopology, secretsFromMap } from '@fedgate/topology';
import { compileCluster } from '@fedgate/broker-config';
import { brokerTlsFileNames, routerTlsFileNames } from '../src/tls-material.ts';
import { InfraError, planFleet } from '../src/index.ts';
import {
  brokerCloudConfig,
  routerCloudConfig,
  decodeUserData,
  encodeUserData,
  instanceTopology,
  listenBacklog,
  renderCloudConfig,
  BOOT_SCRIPT_PATH,
  MAX_USER_DATA_BYTES,
} from '../src/user-data.ts';
import { acme } from './synthesized-fleet.ts';
import { SECRET_WAIT_SECONDS } from '../src/constructs/instance-group.ts';

const BOOT_SCRIPT = fileURLToPath(new URL('../src/boot/fedgate-boot.sh', import.meta.url));

describe('infra - user data', () => {
  const topology = acme();
  const plan = planFleet(topology);

  it('boot script is valid bash', () => {
    execFileSync('bash', ['-n', BOOT_SCRIPT]);
  });

  it('runs the boot script once, with its parameters shell-quoted', () => {
    const doc = parse(renderCloudConfig(brokerCloudConfig(plan, plan.gateways[1]!))) as {
      runcmd: string[][];
      write_files: { path: string; content: string; permissions: string }[];
    };
    assert.deepEqual(doc.runcmd, [[BOOT_SCRIPT_PATH]]);
    const script = doc.write_files.find((f) => f.path === BOOT_SCRIPT_PATH)!;
    assert.equal(script.permissions, '0755');
    const env = doc.write_files.find((f) => f.path === '/etc/fedgate/boot.env')!.content;
    assert.equal(
      env,
      [
        "FEDGATE_ROLE='gateway'",
        "FEDGATE_CLUSTER='eu'",
        "FEDGATE_REGION='eu-central-1'",
        "FEDGATE_PACKAGES='rabbitmq-server'",
        "FEDGATE_DEFINITIONS_SECRET='fedgate/acme/eu/definitions'",
        "FEDGATE_RUNTIME_SECRET='fedgate/acme/eu/runtime'",
        "FEDGATE_TLS_FILES='ca.pem cert.pem key.pem fedgate-down-eu.pem fedgate-down-eu.key fedgate-up-eu.pem fedgate-up-eu.key'",
        "FEDGATE_TLS_OPTIONAL_FILES='token-signing.pub.pem'",
        "FEDGATE_PEER_GROUP='fedgate-acme-eu'",
        "FEDGATE_AUTHZ_SERVICE='fedgate-device-authz.service'",
        `FEDGATE_AUTHZ_HEALTH_URL='http://127.0.0.1:${authzPort(topology.gateways[1]!)}/healthz'`,
        "FEDGATE_SERVICE='fedgate-gateway-health.service'",
        "FEDGATE_BUNDLE_URI='s3://fedgate-artifacts-acme/fedgate-linux-arm64.tar.gz'",
        "FEDGATE_BUNDLE_REGION='eu-west-1'",
        `FEDGATE_SECRET_WAIT_SECONDS='${SECRET_WAIT_SECONDS}'`,
        '',
      ].join('\n'),
    );
    // Run it through bash to be sure it sources cleanly and yields the same values.
    const echoed = execFileSync('bash', ['-c', 'set -a; eval "$1"; echo "$FEDGATE_RUNTIME_SECRET|$FEDGATE_TLS_OPTIONAL_FILES"', 'env', env], {
      encoding: 'utf8',
    });
    assert.equal(echoed, 'fedgate/acme/eu/runtime|token-signing.pub.pem\n');
  });

  it("gives a gateway's services the backend and that gateway only, so adding a region leaves other gateways' user data alone", () => {
    const text = instanceTopology(topology, 'eu');
    const copy = parseTopology(text, 'instance.yaml');
    assert.deepEqual(
      copy.gateways.map((g) => g.name),
      ['eu'],
    );
    assert.equal(copy.backend.host, 'core.acme.internal');
    assert.deepEqual(copy.credentials, { source: 'env' });
    assert.deepEqual(copy.dns, topology.dns);
    assert.deepEqual(
      parseTopology(instanceTopology(topology), 'router.yaml').gateways.map((g) => g.name),
      ['us', 'eu', 'ap'],
    );
  });

  it('compresses user data deterministically and refuses what EC2 would refuse', () => {
    const text = renderCloudConfig(brokerCloudConfig(plan, plan.gateways[0]!));
    assert.ok(Buffer.byteLength(text) > MAX_USER_DATA_BYTES, 'the raw gateway user data would not fit: compression is needed');
    const encoded = encodeUserData(text);
    assert.equal(encodeUserData(text), encoded);
    assert.equal(Buffer.from(encoded, 'base64')[9], 3, 'gzip header names Unix whatever machine synthesized it');
    assert.equal(decodeUserData(encoded), text);
    const incompressible = randomBytes(24_000).toString('base64');
    assert.throws(
      () => encodeUserData(incompressible),
      (err: unknown) => err instanceof InfraError && /at most 16384/.test(err.message),
    );
  });

  it('reads the deepest listen backlog from rabbitmq.conf', () => {
    assert.equal(listenBacklog(plan.gateways[0]!.rabbitmqConf), 8192);
    assert.equal(listenBacklog(plan.backend.rabbitmqConf), 4096);
  });

  it("writes TLS files where broker-config's rabbitmq.conf expects them", () => {
    const script = execFileSync('cat', [BOOT_SCRIPT], { encoding: 'utf8' });
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) {
      assert.ok(plan.gateways[0]!.rabbitmqConf.includes(`/etc/rabbitmq/tls/${file}`), `rabbitmq.conf names ${file}`);
    }
    assert.match(script, /"\/etc\/rabbitmq\/tls\/" \+ name/);
    assert.ok(plan.gateways[0]!.rabbitmqConf.includes('definitions.local.path = /etc/rabbitmq/definitions.json'));
    assert.match(script, /install_file \/etc\/rabbitmq\/definitions\.json 0640 root:rabbitmq/);
  });
});

describe('infra - services on instances boot with their own secret and trust the fleet CA', () => {
  const topology = acme();
  const plan = planFleet(topology);
  const files = (config: ReturnType<typeof brokerCloudConfig>) => new Map(config.write_files.map((f) => [f.path, f.content]));

  it("gateway-health probes its own node, checks the gateway host's certificate against the fleet CA, and trusts it through NODE_EXTRA_CA_CERTS", () => {
    const unit = files(brokerCloudConfig(plan, plan.gateways[0]!)).get('/etc/systemd/system/fedgate-gateway-health.service')!;
    assert.match(
      unit,
      /^ExecStart=\/opt\/fedgate\/bin\/fedgate gateway-health --gateway us -f \/etc\/fedgate\/topology\.yaml --node-address 127\.0\.0\.1 --ca \/etc\/fedgate\/tls\/ca\.pem$/m,
    );
    assert.match(unit, /^Environment=NODE_EXTRA_CA_CERTS=\/etc\/fedgate\/tls\/ca\.pem$/m);
    assert.match(unit, /^DynamicUser=yes$/m);
  });

  it('the router trusts the fleet CA when the backend speaks TLS, and not otherwise', () => {
    const unit = (p: typeof plan) => files(routerCloudConfig(p)).get('/etc/systemd/system/fedgate-router.service')!;
    assert.match(unit(plan), /^Environment=NODE_EXTRA_CA_CERTS=\/etc\/fedgate\/tls\/ca\.pem$/m);
    const plain = planFleet({ ...topology, backend: { ...topology.backend, tls: false } });
    assert.doesNotMatch(unit(plain), /NODE_EXTRA_CA_CERTS/);
    assert.match(files(routerCloudConfig(plan)).get('/etc/fedgate/boot.env')!, /^FEDGATE_TLS_FILES='ca\.pem'$/m);
    assert.match(files(routerCloudConfig(plain)).get('/etc/fedgate/boot.env')!, /^FEDGATE_TLS_FILES=''$/m);
  });

  it("the boot script writes the services' CA copy world-readable and broker TLS files 0640 root:rabbitmq", () => {
    const script = readFileSync(BOOT_SCRIPT, 'utf8');
    assert.match(script, /write\("\/etc\/fedgate\/tls\/ca\.pem", tls\["ca\.pem"\], 0o644\)/);
    assert.match(script, /write\("\/etc\/rabbitmq\/tls\/" \+ name, text, 0o640, "root", "rabbitmq"\)/);
  });
});

describe('infra - TLS material per instance: the names secrets push puts are the names the boot accepts', () => {
  const topology = acme();
  const plan = planFleet(topology);
  const files = (config: ReturnType<typeof brokerCloudConfig>) => new Map(config.write_files.map((f) => [f.path, f.content]));
  const bootEnv = (config: ReturnType<typeof brokerCloudConfig>): Record<string, string> =>
    Object.fromEntries(
      [
        ...files(config)
          .get('/etc/fedgate/boot.env')!
          .matchAll(/^(\w+)='([^']*)'$/gm),
      ].map((m) => [m[1]!, m[2]!]),
    );

  /** The boot script's Python step, run on `doc` with `env`: only its refusals are exercised (they exit before writing anything). */
  function bootCheck(env: Record<string, string>, doc: unknown): { status: number; stderr: string } {
    const script = readFileSync(BOOT_SCRIPT, 'utf8');
    const python = /python3 - \/run\/fedgate-runtime\.json <<'PY'[^\n]*\n([\s\S]*?)\nPY\n/.exec(script)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-boot-check-'));
    try {
      writeFileSync(join(dir, 'runtime.json'), JSON.stringify(doc));
      const run = spawnSync('python3', ['-', join(dir, 'runtime.json')], { input: python, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
      return { status: run.status ?? -1, stderr: run.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("a backend node takes ca/cert/key; a gateway also its link users' certificate and key and optionally the token key; the router the CA", () => {
    assert.deepEqual(brokerTlsFileNames(topology, topology.backend), { required: ['ca.pem', 'cert.pem', 'key.pem'], optional: [] });
    const us = topology.gateways[0]!;
    const gateway = brokerTlsFileNames(topology, us);
    assert.deepEqual(gateway.required, [
      'ca.pem',
      'cert.pem',
      'key.pem',
      'fedgate-down-us.pem',
      'fedgate-down-us.key',
      'fedgate-up-us.pem',
      'fedgate-up-us.key',
    ]);
    assert.deepEqual(gateway.optional, ['token-signing.pub.pem']);
    // Exactly the files the compiled link URIs name: the push and the links cannot disagree.
    const definitions = compileCluster(topology, us, secretsFromMap(new Map([['us/fedgate-admin', 'not-a-secret']]))).definitions;
    const named = new Set(definitions.parameters.flatMap((p) => [...JSON.stringify(p.value).matchAll(/\/etc\/rabbitmq\/tls\/([\w.-]+)/g)].map((m) => m[1]!)));
    assert.deepEqual([...named].sort(), gateway.required.filter((n) => n !== 'cert.pem' && n !== 'key.pem').sort());
    assert.deepEqual(routerTlsFileNames(topology), { required: ['ca.pem'], optional: [] });
    // A plain gateway of a TLS backend still needs its links' files and the CA; a plain fleet needs nothing.
    const plainGateway = { ...topology, gateways: topology.gateways.map((g) => ({ ...g, tls: false })) };
    assert.deepEqual(brokerTlsFileNames(plainGateway, plainGateway.gateways[0]!), {
      required: ['ca.pem', 'fedgate-down-us.pem', 'fedgate-down-us.key', 'fedgate-up-us.pem', 'fedgate-up-us.key'],
      optional: [],
    });
    const plain = { ...plainGateway, backend: { ...topology.backend, tls: false } };
    assert.deepEqual(brokerTlsFileNames(plain, plain.gateways[0]!), { required: [], optional: [] });
    assert.deepEqual(routerTlsFileNames(plain), { required: [], optional: [] });
  });

  it('the boot refuses a secret missing a link file or holding a name it does not expect, naming it', () => {
    const env: Record<string, string> = { FEDGATE_ROLE: 'gateway', ...bootEnv(brokerCloudConfig(plan, plan.gateways[0]!)) };
    const pem = '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n';
    const complete = Object.fromEntries(env.FEDGATE_TLS_FILES!.split(' ').map((n) => [n, pem]));
    const { 'fedgate-up-us.key': _, ...withoutKey } = complete;
    const missing = bootCheck(env, { erlangCookie: 'A'.repeat(32), tls: withoutKey, env: {} });
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /^tls: expected ca\.pem, cert\.pem, key\.pem, fedgate-down-us\.pem, .* \(optionally token-signing\.pub\.pem\); missing fedgate-up-us\.key$/m,
    );
    const extra = bootCheck(env, { erlangCookie: 'A'.repeat(32), tls: { ...complete, 'fedgate-down-eu.key': pem }, env: {} });
    assert.equal(extra.status, 1);
    assert.match(extra.stderr, /^tls: unexpected entry fedgate-down-eu\.key$/m);
    const traversal = bootCheck({ ...env, FEDGATE_TLS_OPTIONAL_FILES: '../x' }, { erlangCookie: 'A'.repeat(32), tls: { ...complete, '../x': pem }, env: {} });
    assert.equal(traversal.status, 1);
    assert.match(traversal.stderr, /^tls: \.\.\/x is not a PEM file$/m);
    const router = bootCheck({ FEDGATE_ROLE: 'router', ...bootEnv(routerCloudConfig(plan)) }, { tls: { 'ca.pem': pem, 'key.pem': pem }, env: {} });
    assert.equal(router.status, 1);
    assert.match(router.stderr, /^tls: unexpected entry key\.pem$/m);
  });

  it('a TLS gateway runs the device authorisation endpoint as a DynamicUser on 127.0.0.1:ports.authz, started before RabbitMQ; a plain gateway has none', () => {
    const us = plan.gateways[0]!;
    const config = files(brokerCloudConfig(plan, us));
    const unit = config.get('/etc/systemd/system/fedgate-device-authz.service')!;
    assert.match(unit, /^ExecStart=\/opt\/fedgate\/bin\/fedgate device-authz --gateway us -f \/etc\/fedgate\/topology\.yaml$/m);
    assert.match(unit, /^DynamicUser=yes$/m);
    assert.match(unit, /^Before=rabbitmq-server\.service$/m);
    assert.match(unit, /^WantedBy=multi-user\.target rabbitmq-server\.service$/m);
    assert.doesNotMatch(unit, /^EnvironmentFile=/m, 'it reads no secret');
    const env = bootEnv(brokerCloudConfig(plan, us));
    assert.equal(env.FEDGATE_AUTHZ_SERVICE, 'fedgate-device-authz.service');
    assert.equal(env.FEDGATE_AUTHZ_HEALTH_URL, `http://127.0.0.1:${authzPort(us.gateway)}/healthz`);
    // The endpoint answers for the port rabbitmq.conf asks on, and the topology it reads is this gateway's.
    assert.ok(us.rabbitmqConf.includes(`auth_http.user_path = http://127.0.0.1:${authzPort(us.gateway)}/auth/user`));
    assert.deepEqual(
      parseTopology(config.get('/etc/fedgate/topology.yaml')!, 'instance.yaml').gateways.map((g) => g.name),
      ['us'],
    );
    // The boot starts it and waits for its health before it starts RabbitMQ.
    const script = readFileSync(BOOT_SCRIPT, 'utf8');
    assert.ok(script.indexOf('systemctl enable --now "$FEDGATE_AUTHZ_SERVICE"') < script.indexOf('systemctl restart rabbitmq-server'));

    const plainTopology = { ...topology, gateways: topology.gateways.map((g) => ({ ...g, tls: false })) };
    const plainPlan = planFleet(plainTopology);
    const plain = brokerCloudConfig(plainPlan, plainPlan.gateways[0]!);
    assert.ok(!files(plain).has('/etc/systemd/system/fedgate-device-authz.service'));
    assert.equal(bootEnv(plain).FEDGATE_AUTHZ_SERVICE, undefined);
    assert.ok(!files(brokerCloudConfig(plan, plan.backend)).has('/etc/systemd/system/fedgate-device-authz.service'), 'the backend has no devices');
  });
});

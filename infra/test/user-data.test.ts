import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseTopology } from '@fedgate/topology';
import { InfraError, planFleet } from '../src/index.ts';
import {
  brokerCloudConfig, routerCloudConfig, decodeUserData, encodeUserData, instanceTopology, listenBacklog, renderCloudConfig, BOOT_SCRIPT_PATH, MAX_USER_DATA_BYTES,
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
    const doc = parse(renderCloudConfig(brokerCloudConfig(plan, plan.gateways[1]!))) as { runcmd: string[][]; write_files: { path: string; content: string; permissions: string }[] };
    assert.deepEqual(doc.runcmd, [[BOOT_SCRIPT_PATH]]);
    const script = doc.write_files.find((f) => f.path === BOOT_SCRIPT_PATH)!;
    assert.equal(script.permissions, '0755');
    const env = doc.write_files.find((f) => f.path === '/etc/fedgate/boot.env')!.content;
    assert.equal(env, [
      "FEDGATE_ROLE='gateway'",
      "FEDGATE_CLUSTER='eu'",
      "FEDGATE_REGION='eu-central-1'",
      "FEDGATE_PACKAGES='rabbitmq-server'",
      "FEDGATE_DEFINITIONS_SECRET='fedgate/acme/eu/definitions'",
      "FEDGATE_RUNTIME_SECRET='fedgate/acme/eu/runtime'",
      "FEDGATE_TLS='true'",
      "FEDGATE_PEER_GROUP='fedgate-acme-eu'",
      "FEDGATE_SERVICE='fedgate-gateway-health.service'",
      "FEDGATE_BUNDLE_URI='s3://fedgate-artifacts-acme/fedgate-linux-arm64.tar.gz'",
      "FEDGATE_BUNDLE_REGION='eu-west-1'",
      `FEDGATE_SECRET_WAIT_SECONDS='${SECRET_WAIT_SECONDS}'`,
      '',
    ].join('\n'));
    // Run it through bash to be sure it sources cleanly and yields the same values.
    const echoed = execFileSync('bash', ['-c', 'set -a; eval "$1"; echo "$FEDGATE_RUNTIME_SECRET|$FEDGATE_TLS"', 'env', env], { encoding: 'utf8' });
    assert.equal(echoed, 'fedgate/acme/eu/runtime|true\n');
  });

  it('gives a gateway\'s services the backend and that gateway only, so adding a region leaves other gateways\' user data alone', () => {
    const text = instanceTopology(topology, 'eu');
    const copy = parseTopology(text, 'instance.yaml');
    assert.deepEqual(copy.gateways.map((g) => g.name), ['eu']);
    assert.equal(copy.backend.host, 'core.acme.internal');
    assert.deepEqual(copy.credentials, { source: 'env' });
    assert.deepEqual(copy.dns, topology.dns);
    assert.deepEqual(parseTopology(instanceTopology(topology), 'router.yaml').gateways.map((g) => g.name), ['us', 'eu', 'ap']);
  });

  it('compresses user data deterministically and refuses what EC2 would refuse', () => {
    const text = renderCloudConfig(brokerCloudConfig(plan, plan.gateways[0]!));
    assert.ok(Buffer.byteLength(text) > MAX_USER_DATA_BYTES, 'the raw gateway user data would not fit: compression is needed');
    const encoded = encodeUserData(text);
    assert.equal(encodeUserData(text), encoded);
    assert.equal(Buffer.from(encoded, 'base64')[9], 3, 'gzip header names Unix whatever machine synthesized it');
    assert.equal(decodeUserData(encoded), text);
    const incompressible = randomBytes(24_000).toString('base64');
    assert.throws(() => encodeUserData(incompressible), (err: unknown) => err instanceof InfraError && /at most 16384/.test(err.message));
  });

  it('reads the deepest listen backlog from rabbitmq.conf', () => {
    assert.equal(listenBacklog(plan.gateways[0]!.rabbitmqConf), 8192);
    assert.equal(listenBacklog(plan.backend.rabbitmqConf), 4096);
  });

  it('writes TLS files where broker-config\'s rabbitmq.conf expects them', () => {
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

  it('gateway-health probes its own node, checks the gateway host\'s certificate against the fleet CA, and trusts it through NODE_EXTRA_CA_CERTS', () => {
    const unit = files(brokerCloudConfig(plan, plan.gateways[0]!)).get('/etc/systemd/system/fedgate-gateway-health.service')!;
    assert.match(unit, /^ExecStart=\/opt\/fedgate\/bin\/fedgate gateway-health --gateway us -f \/etc\/fedgate\/topology\.yaml --node-address 127\.0\.0\.1 --ca \/etc\/fedgate\/tls\/ca\.pem$/m);
    assert.match(unit, /^Environment=NODE_EXTRA_CA_CERTS=\/etc\/fedgate\/tls\/ca\.pem$/m);
    assert.match(unit, /^DynamicUser=yes$/m);
  });

  it('the router trusts the fleet CA when the backend speaks TLS, and not otherwise', () => {
    const unit = (p: typeof plan) => files(routerCloudConfig(p)).get('/etc/systemd/system/fedgate-router.service')!;
    assert.match(unit(plan), /^Environment=NODE_EXTRA_CA_CERTS=\/etc\/fedgate\/tls\/ca\.pem$/m);
    const plain = planFleet({ ...topology, backend: { ...topology.backend, tls: false } });
    assert.doesNotMatch(unit(plain), /NODE_EXTRA_CA_CERTS/);
    assert.match(files(routerCloudConfig(plan)).get('/etc/fedgate/boot.env')!, /^FEDGATE_TLS='true'$/m);
  });

  it('the boot script writes the services\' CA copy world-readable and takes only ca.pem for the router', () => {
    const script = readFileSync(BOOT_SCRIPT, 'utf8');
    assert.match(script, /write\("\/etc\/fedgate\/tls\/ca\.pem", tls\["ca\.pem"\], 0o644\)/);
    assert.match(script, /wanted = \{"ca\.pem"\} if role == "router"/);
  });
});

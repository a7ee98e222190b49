import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialFileKey, downlinkUser, loadTopology, maskSecrets, requiredCredentials, secretsFromMap, uplinkUser, type Topology } from '@fedgate/topology';
import { compileCluster, compileTopology, definitionsText, type ClusterArtifacts } from '@fedgate/broker-config';

const GOLDEN_DIR = 'packages/broker-config/test/golden';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Deterministic fake passwords, so golden files are stable and obviously not real. */
export function fakeSecrets(topology: Topology) {
  return secretsFromMap(new Map(requiredCredentials(topology).map((ref) => [credentialFileKey(ref), `pw-${ref.cluster}-${ref.user}`])));
}

async function compile(file: string): Promise<ClusterArtifacts[]> {
  const { topology } = await loadTopology(file);
  return compileTopology(topology, fakeSecrets(topology));
}

/** As local mode compiles each node: files in the node's own directory, management and Prometheus on loopback. */
async function compileLocal(file: string): Promise<ClusterArtifacts[]> {
  const { topology } = await loadTopology(file);
  return [topology.backend, ...topology.gateways].map((cluster) =>
    compileCluster(topology, cluster, fakeSecrets(topology), {
      definitionsFile: `/state/${cluster.name}/definitions.json`,
      tlsDir: `/state/${cluster.name}/tls`,
      listenIp: '127.0.0.1',
      tokenKeyId: 'fedgate-0123456789abcdef',
    }),
  );
}

function checkGolden(name: string, artifacts: ClusterArtifacts[]) {
  for (const a of artifacts) {
    const dir = join(GOLDEN_DIR, name, a.cluster.name);
    const files: [string, string][] = [
      ['definitions.json', definitionsText(a.definitions)],
      ['rabbitmq.conf', a.rabbitmqConf],
      ['enabled_plugins', a.enabledPlugins],
    ];
    for (const [file, text] of files) {
      if (UPDATE) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      assert.equal(text, readFileSync(join(dir, file), 'utf8'), `${name}/${a.cluster.name}/${file} differs from the golden file (UPDATE_GOLDEN=1 to accept)`);
    }
  }
}

describe('broker-config - golden files', () => {
  it('compiles the local topology, as local mode does, to the stored files', async () =>
    checkGolden('local', await compileLocal('infra/topologies/local.yaml')));
  it('compiles the acme example topology to the stored files', async () => checkGolden('acme', await compile('infra/topologies/acme.example.yaml')));
});

describe('broker-config - message flow', () => {
  it('gives the backend one outbox per shovel gateway and none for a federation gateway', async () => {
    const [backend] = await compile('infra/topologies/local.yaml');
    const queues = backend!.definitions.queues.map((q) => q.name);
    assert.ok(queues.includes('fedgate.to.eu.outbox'));
    assert.ok(!queues.includes('fedgate.to.us.outbox'));
    assert.equal(backend!.definitions.queues.find((q) => q.name === 'fedgate.to.eu.outbox')!.arguments['x-queue-type'], 'quorum');
  });

  it('limits connections on every gateway, and the vhost queue count only where the topology sets one', async () => {
    const { topology } = await loadTopology('infra/topologies/local.yaml');
    const [first, ...others] = topology.gateways;
    const bounded = { ...topology, gateways: [{ ...first!, limits: { ...first!.limits, maxQueues: 5_000 } }, ...others] };
    const limitsOf = (artifacts: ClusterArtifacts[], name: string) =>
      artifacts.find((a) => a.cluster.name === name)!.definitions.parameters.find((p) => p.component === 'vhost-limits')!.value as Record<string, number>;
    const plain = compileTopology(topology, fakeSecrets(topology));
    const withBound = compileTopology(bounded, fakeSecrets(bounded));
    for (const gw of topology.gateways) assert.deepEqual(limitsOf(plain, gw.name), { 'max-connections': gw.maxConnections });
    assert.deepEqual(limitsOf(withBound, first!.name), { 'max-connections': first!.maxConnections, 'max-queues': 5_000 });
  });

  it('binds broadcast to every gateway exchange', async () => {
    const [backend] = await compile('infra/topologies/acme.example.yaml');
    const targets = backend!.definitions.bindings.filter((b) => b.source === 'fedgate.broadcast').map((b) => b.destination);
    assert.deepEqual(targets.sort(), ['fedgate.to.ap', 'fedgate.to.eu', 'fedgate.to.us']);
  });

  it('dead-letters expired commands to fedgate.dead with the command TTL', async () => {
    const [backend] = await compile('infra/topologies/local.yaml');
    const policy = backend!.definitions.policies.find((p) => p.name === 'fedgate-commands')!;
    assert.equal(policy.definition['dead-letter-exchange'], 'fedgate.dead');
    assert.equal(policy.definition['message-ttl'], 60_000);
    assert.match('fedgate.router', new RegExp(policy.pattern));
    assert.match('fedgate.to.eu.outbox', new RegExp(policy.pattern));
  });

  it('has no guest user, and link users limited to the objects their link touches', async () => {
    const artifacts = await compile('infra/topologies/local.yaml');
    for (const a of artifacts) assert.ok(!a.definitions.users.some((u) => u.name === 'guest'));
    const backend = artifacts[0]!.definitions;
    const down = backend.permissions.find((p) => p.user === downlinkUser('eu'))!;
    assert.deepEqual([down.configure, down.write, down.read], ['^$', '^$', '^(fedgate\\.to\\.eu\\.outbox)$']);
    assert.doesNotMatch('fedgate.to.us.outbox', new RegExp(down.read));
    const up = backend.permissions.find((p) => p.user === uplinkUser('eu'))!;
    assert.deepEqual([up.configure, up.read], ['^$', '^$']);
    assert.match('fedgate.events', new RegExp(up.write));
    assert.doesNotMatch('fedgate.commands', new RegExp(up.write));
  });

  it('restricts each device of a plain gateway to its own command and event topics', async () => {
    const [, eu] = await compile('test/fixtures/drill-fleet.yaml');
    const [topic] = eu!.definitions.topic_permissions;
    assert.equal(topic!.user, 'fedgate-device');
    const read = new RegExp(topic!.read.replace('{client_id}', 'sensor-1'));
    const write = new RegExp(topic!.write.replace('{client_id}', 'sensor-1'));
    assert.match('devices.sensor-1.commands.#', read);
    assert.doesNotMatch('devices.sensor-2.commands.#', read);
    assert.match('devices.sensor-1.events.temp', write);
    assert.doesNotMatch('devices.sensor-2.events.temp', write);
  });

  it('stamps uplink and presence with the gateway through user_id and app_id', async () => {
    const [, eu] = await compile('infra/topologies/local.yaml');
    const up = eu!.definitions.parameters.find((p) => p.name === 'fedgate-up-eu')!;
    assert.deepEqual(up.value['dest-publish-properties'], { user_id: 'fedgate-up-eu', app_id: 'eu' });
  });

  it('keeps passwords out of rabbitmq.conf and hashes user passwords', async () => {
    for (const a of await compile('infra/topologies/local.yaml')) {
      assert.doesNotMatch(a.rabbitmqConf, /pw-/);
      for (const u of a.definitions.users) assert.doesNotMatch(u.password_hash, /pw-/);
    }
  });

  it('turns anonymous MQTT off and puts MQTT and STOMP on fedgate.devices', async () => {
    const [, eu] = await compile('infra/topologies/local.yaml');
    assert.match(eu!.rabbitmqConf, /^mqtt\.allow_anonymous = false$/m);
    assert.match(eu!.rabbitmqConf, /^mqtt\.exchange = fedgate\.devices$/m);
    assert.match(eu!.rabbitmqConf, /^stomp\.default_topic_exchange = fedgate\.devices$/m);
  });

  it('comments every setting with why it is there', async () => {
    for (const a of await compile('infra/topologies/acme.example.yaml')) {
      const lines = a.rabbitmqConf.split('\n');
      lines.forEach((line, i) => {
        if (line !== '' && !line.startsWith('#')) assert.match(lines[i - 1] ?? '', /^# /, `${a.cluster.name}: "${line}" has no comment`);
      });
    }
  });

  it('masks passwords in URIs', () => {
    assert.equal(maskSecrets('src-uri "amqp://fedgate-down-eu:s3cr%2Ft@core:5672/%2F"'), 'src-uri "amqp://fedgate-down-eu:***@core:5672/%2F"');
  });
});

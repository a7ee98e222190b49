import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MqttClient } from 'mqtt';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ManagementClient } from '@fedgate/broker-admin';
import { ADMIN_USER, loadTopology, type Topology } from '@fedgate/topology';
import { DEFAULT_BROKER_ROOT } from '@fedgate/local-cluster';
import { planFleet } from '../src/index.ts';
import { RegionBox, type BootedInstance, type BoxInstance } from './box/region-box.ts';

const ACME = 'infra/topologies/acme.example.yaml';
/** Longest one instance's boot may take in the box (packages are there; RabbitMQ starts in ~10 s). */
const BOOT_TIMEOUT_MS = 5 * 60_000;
/** Longest the services may take to answer 200 after their boot returned (links connect, health refreshes every 5 s). */
const READY_TIMEOUT_MS = 2 * 60_000;
/** DynamicUser ids systemd allocates from; the box's systemctl runs such units as one of them. */
const DYNAMIC_UID_MIN = 61184;

const INSTANCES: readonly BoxInstance[] = [
  { name: 'core', group: 'fedgate-acme-core', stack: 'backend-core-eu-west-1', hosts: ['core.acme.internal'] },
  { name: 'us', group: 'fedgate-acme-us', stack: 'gateway-us-us-east-1', hosts: ['us.gw.acme.internal'] },
  { name: 'router', group: 'fedgate-acme-core-router', stack: 'backend-core-eu-west-1', hosts: [] },
  // Booted last, after its release was tampered with: it must refuse to unpack it.
  { name: 'eu', group: 'fedgate-acme-eu', stack: 'gateway-eu-eu-central-1', hosts: ['eu.gw.acme.internal'] },
];

interface Definitions {
  users: { name: string }[];
  queues: { name: string }[];
  exchanges: { name: string }[];
  policies: { name: string }[];
  parameters: { component: string; name: string; value: Record<string, unknown> }[];
}

/** The last lines of the box's service logs, for a failure message. */
async function diagnostics(booted: BootedInstance): Promise<string> {
  const root = booted.root.root;
  const logs = execFileSync(
    'sh',
    [
      '-c',
      `for f in ${root}/var/log/rabbitmq/*.log ${root}/var/log/fedgate-box/*; do [ -f "$f" ] && { echo "== \${f#${root}}"; tail -n 15 "$f"; }; done; true`,
    ],
    { encoding: 'utf8' },
  );
  return `boot of ${booted.instance.name} exited ${booted.boot.code}\n--- boot stderr ---\n${booted.boot.stderr.slice(-4000)}\n--- logs ---\n${logs}`;
}

async function httpStatus(url: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Polls `url` until it answers 200 or `timeoutMs` passes; returns the last answer. */
async function until200(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = await httpStatus(url);
  while (!('status' in last && last.status === 200) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2_000));
    last = await httpStatus(url);
  }
  return last;
}

/** The uid a unit's main process runs as, from the box systemctl's pid file. */
async function unitUid(booted: BootedInstance, unit: string): Promise<number> {
  const pid = (await booted.root.readFile(`/run/fedgate-box/${unit}.main`)).trim();
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

describe("infra - a region booted in a box: each instance's user data from fedgate synth, booted against stand-ins filled by fedgate secrets push and release push", function () {
  // Checks poll until links connect and services answer; npm test's default timeout is shorter than that.
  this.timeout(READY_TIMEOUT_MS + 60_000);
  let topology: Topology;
  let box: RegionBox | undefined;
  let core: BootedInstance;
  let us: BootedInstance;
  let router: BootedInstance;
  let operator: { passwords: Record<string, string>; erlangCookies: Record<string, string> };
  let boot: (name: string, timeoutMs: number) => Promise<BootedInstance>;
  const lower = process.env.FEDGATE_BROKER_ROOT ?? DEFAULT_BROKER_ROOT;

  before(async function () {
    this.timeout(3 * BOOT_TIMEOUT_MS + 5 * 60_000);
    // Not skipped when it cannot run: a box that silently does nothing would hide the boot faults it exists to catch.
    assert.equal(process.getuid?.(), 0, 'the box needs root (network namespaces, overlay and proc mounts, chroot)');
    assert.ok(
      existsSync(join(lower, '.fedgate-ready')),
      `no Debian 13 root with RabbitMQ 4.0 at ${lower}: run \`bash scripts/broker-runtime\` (or set FEDGATE_BROKER_ROOT)`,
    );
    topology = (await loadTopology(ACME)).topology;
    const plan = planFleet(topology);
    box = await RegionBox.create(topology, ACME);
    await box.start(plan.release.bucket, plan.release.region);
    const stacks = await box.synth();
    await box.push();
    operator = JSON.parse(box.account.secrets.get('fedgate/acme/operator')!.string!) as typeof operator;
    boot = await box.prepare(INSTANCES, stacks, lower);
    // The backend first, as the apply order has it; the gateway's links and the router connect to it.
    core = await boot('core', BOOT_TIMEOUT_MS);
    [us, router] = await Promise.all([boot('us', BOOT_TIMEOUT_MS), boot('router', BOOT_TIMEOUT_MS)]);
  });

  after(async function () {
    this.timeout(2 * 60_000);
    await box?.destroy();
  });

  const management = (booted: BootedInstance, cluster: string, host: string) =>
    new ManagementClient({
      baseUrl: `https://${booted.address}:15671`,
      user: ADMIN_USER,
      password: operator.passwords[`${cluster}/${ADMIN_USER}`]!,
      // The node's certificate must name the cluster host and chain to the fleet CA the push put in its secret.
      tls: { ca: box!.caPem, servername: host },
    });

  const pushedDefinitions = (cluster: string): Definitions =>
    JSON.parse(gunzipSync(box!.account.secrets.get(`fedgate/acme/${cluster}/definitions`)!.binary!).toString('utf8')) as Definitions;

  async function assertRunsPushedDefinitions(booted: BootedInstance, cluster: string, host: string): Promise<void> {
    assert.equal(booted.boot.code, 0, await diagnostics(booted));
    const live = await management(booted, cluster, host).get<Definitions>('/definitions');
    const pushed = pushedDefinitions(cluster);
    for (const kind of ['users', 'queues', 'exchanges', 'policies'] as const) {
      const names = (list: { name: string }[]) => list.map((x) => x.name).sort();
      assert.deepEqual(
        names(live[kind]).filter((n) => names(pushed[kind]).includes(n)),
        names(pushed[kind]),
        `${cluster}: every pushed ${kind.slice(0, -1)} is live`,
      );
    }
    assert.ok(pushed.queues.length > 0 && pushed.users.length > 0, `${cluster}: the pushed definitions hold queues and users`);
  }

  it('boots a backend node: release installed from S3 after its checksum, secrets fetched, RabbitMQ 4.0 running the pushed definitions', async () => {
    await assertRunsPushedDefinitions(core, 'core', 'core.acme.internal');
    assert.match(core.boot.stderr, /fedgate-boot: release "commit":"[0-9a-f]{40}(-dirty)?" installed/);
    // Credentials came from the instance role (IMDSv2), as on EC2: the boot's environment holds no keys.
    assert.ok(box!.imds.requests.some((r) => r.request === 'PUT /latest/api/token'));
    assert.ok(box!.imds.requests.filter((r) => r.request.startsWith('GET')).every((r) => r.withToken));
    const overview = await management(core, 'core', 'core.acme.internal').get<{ rabbitmq_version: string; cluster_name: string }>('/overview');
    assert.match(overview.rabbitmq_version, /^4\.0\./);
    assert.equal(overview.cluster_name, 'core');
    // Peer discovery found this node through DescribeInstances on its Auto Scaling group.
    assert.match(
      await core.root.readFile('/etc/rabbitmq/conf.d/20-fedgate-peers.conf'),
      new RegExp(`^cluster_formation\\.classic_config\\.nodes\\.1 = rabbit@${core.root.hostname}$`, 'm'),
    );
  });

  it('boots a gateway node whose links log in to the backend with their own certificates (EXTERNAL) over TLS verified against the fleet CA', async () => {
    await assertRunsPushedDefinitions(us, 'us', 'us.gw.acme.internal');
    const links = pushedDefinitions('us').parameters.filter((p) => p.component === 'shovel');
    assert.deepEqual(links.map((l) => l.name).sort(), ['fedgate-down-us', 'fedgate-presence-us', 'fedgate-up-us']);
    for (const link of links) {
      const uri = String(link.value['src-uri'] === 'amqp://' ? link.value['dest-uri'] : link.value['src-uri']);
      const user = link.name === 'fedgate-down-us' ? 'fedgate-down-us' : 'fedgate-up-us';
      assert.equal(
        uri,
        `amqps://core.acme.internal:5671/%2F?cacertfile=/etc/rabbitmq/tls/ca.pem&certfile=/etc/rabbitmq/tls/${user}.pem&keyfile=/etc/rabbitmq/tls/${user}.key` +
          '&verify=verify_peer&server_name_indication=core.acme.internal&auth_mechanism=external',
        link.name,
      );
    }
    // The link files the URIs name are on the node as the boot wrote them: the broker's group reads them, nobody else.
    const rabbitmqGid = Number(/^rabbitmq:[^:]*:(\d+):/m.exec(await us.root.readFile('/etc/group'))![1]);
    for (const file of ['fedgate-down-us.pem', 'fedgate-down-us.key', 'fedgate-up-us.pem', 'fedgate-up-us.key']) {
      const info = await stat(join(us.root.root, 'etc/rabbitmq/tls', file));
      assert.equal(info.mode & 0o777, 0o640, file);
      assert.equal(info.uid, 0, file);
      assert.equal(info.gid, rabbitmqGid, file);
    }
    assert.deepEqual((await readdir(join(us.root.root, 'etc/rabbitmq/tls'))).sort(), [
      'ca.pem',
      'cert.pem',
      'fedgate-down-us.key',
      'fedgate-down-us.pem',
      'fedgate-up-us.key',
      'fedgate-up-us.pem',
      'key.pem',
      'token-signing.pub.pem',
    ]);
    // The backend's link users have no password: the links can only have logged in with their certificates.
    const coreUsers = await management(core, 'core', 'core.acme.internal').get<{ name: string; password_hash: string }[]>('/users');
    for (const user of ['fedgate-down-us', 'fedgate-up-us']) assert.equal(coreUsers.find((u) => u.name === user)?.password_hash, '', user);
    const client = management(us, 'us', 'us.gw.acme.internal');
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let states: string[] = [];
    while (Date.now() < deadline) {
      states = (await client.get<{ name: string; state: string }[]>('/shovels')).map((s) => `${s.name}=${s.state}`).sort();
      if (states.length === 3 && states.every((s) => s.endsWith('=running'))) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    assert.deepEqual(states, ['fedgate-down-us=running', 'fedgate-presence-us=running', 'fedgate-up-us=running'], await diagnostics(us));
  });

  it("starts gateway-health as a DynamicUser with only its instance's secret; it answers 200 through the gateway's own node", async () => {
    const health = await until200(`http://${us.address}:8080/healthz`, READY_TIMEOUT_MS);
    assert.deepEqual(health, { status: 200, body: 'ok\n' }, await diagnostics(us));
    assert.deepEqual(envKeys(await us.root.readFile('/etc/fedgate/env')), ['FEDGATE_US_ADMIN_PASSWORD']);
    assert.ok((await unitUid(us, 'fedgate-gateway-health.service')) >= DYNAMIC_UID_MIN, 'runs as a dynamic user, not root');
    const asked = box!.secretsManager.requests.filter((r) => r.from === us.address).map((r) => r.secret);
    assert.deepEqual(
      [...new Set(asked)].sort(),
      ['fedgate/acme/us/definitions', 'fedgate/acme/us/runtime'],
      "the gateway instance reads its own cluster's secrets only",
    );
  });

  it('runs the device authorisation endpoint as a DynamicUser: a device with a certificate from the pushed fleet CA is admitted over MQTT TLS, one claiming another client id is refused', async () => {
    assert.ok((await unitUid(us, 'fedgate-device-authz.service')) >= DYNAMIC_UID_MIN, 'runs as a dynamic user, not root');
    assert.match(us.boot.stderr, /fedgate-boot: starting fedgate-device-authz\.service\n[\s\S]*fedgate-boot: starting RabbitMQ/);
    assert.ok(!existsSync(join(core.root.root, 'etc/systemd/system/fedgate-device-authz.service')), 'the backend runs none');
    const sensor = await box!.issueDevice('box-sensor-1');
    const other = 'box-sensor-2';
    const device = await mqttThroughLoadBalancer(us.address, 8883, 'us.gw.acme.internal', sensor, 'box-sensor-1');
    try {
      const granted = await device.subscribeAsync('devices/box-sensor-1/commands/#', { qos: 1 });
      assert.deepEqual(
        granted.map((g) => g.qos),
        [1],
        'its own commands',
      );
      await device.publishAsync('devices/box-sensor-1/events/boot', 'hello', { qos: 1 });
    } finally {
      await device.endAsync(true);
    }
    await assert.rejects(mqttThroughLoadBalancer(us.address, 8883, 'us.gw.acme.internal', sensor, other), (err: { code?: number }) => {
      assert.equal(err.code, 2, 'CONNACK: identifier rejected');
      return true;
    });
    // The endpoint answers for the fleet vhost on the port rabbitmq.conf names.
    const log = await us.root.readFile('/var/log/fedgate-box/fedgate-device-authz.service.log');
    assert.match(log, /"msg":"listening on 127\.0\.0\.1:15680","vhost":"\/"/);
  });

  it('starts the router as a DynamicUser with only the router secret; it connects to the backend over TLS and answers 200', async () => {
    assert.equal(router.boot.code, 0, await diagnostics(router));
    const ready = await until200(`http://${router.address}:9464/readyz`, READY_TIMEOUT_MS);
    assert.deepEqual(ready, { status: 200, body: 'ready\n' }, await diagnostics(router));
    assert.deepEqual(await httpStatus(`http://${router.address}:9464/healthz`), { status: 200, body: 'ok\n' });
    assert.deepEqual(envKeys(await router.root.readFile('/etc/fedgate/env')), ['FEDGATE_CORE_ROUTER_PASSWORD']);
    assert.ok((await unitUid(router, 'fedgate-router.service')) >= DYNAMIC_UID_MIN, 'runs as a dynamic user, not root');
    const asked = box!.secretsManager.requests.filter((r) => r.from === router.address).map((r) => r.secret);
    assert.deepEqual([...new Set(asked)], ['fedgate/acme/core/router']);
  });

  it('refuses a release whose checksum does not match: the boot fails loudly before unpacking anything', async function () {
    this.timeout(BOOT_TIMEOUT_MS + 60_000);
    const plan = planFleet(topology);
    const arm64 = plan.gateways.find((g) => g.name === 'eu')!.bundle;
    const stored = box!.s3.object(arm64.bucket, arm64.key)!;
    const tampered = Buffer.from(stored.body);
    tampered[tampered.length - 100]! ^= 0xff;
    box!.s3.putObject(arm64.bucket, arm64.key, { ...stored, body: tampered });
    const eu = await boot('eu', BOOT_TIMEOUT_MS);
    assert.equal(eu.boot.code, 1, await diagnostics(eu));
    assert.match(
      eu.boot.stderr,
      /fedgate-boot: FAILED: s3:\/\/fedgate-artifacts-acme\/fedgate-linux-arm64\.tar\.gz has SHA-256 [0-9a-f]{64}, its \.sha256 says [0-9a-f]{64}: not unpacking it/,
    );
    assert.ok(!existsSync(join(eu.root.root, 'opt/fedgate/bin/fedgate')), 'nothing was unpacked');
    assert.ok(!existsSync(join(eu.root.root, 'etc/rabbitmq/definitions.json')), 'the boot stopped before fetching secrets');
  });

  it('no boot printed a password, an Erlang cookie or a private key; no secret holds the CA key', () => {
    const keys = box!.privateKeys();
    assert.ok(keys.length >= 1 + 4 + 2 * 3, `${keys.length} private keys: the CA, every cluster's node key, every link user's key`);
    // A key's body lines, so a key printed without its PEM armour still counts.
    const keyLines = keys.flatMap((k) => k.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----')));
    const secrets = [...Object.values(operator.passwords), ...Object.values(operator.erlangCookies), ...keyLines];
    for (const booted of box!.booted) {
      const output = booted.boot.stdout + booted.boot.stderr;
      assert.deepEqual(secrets.filter((s) => output.includes(s)).length, 0, `${booted.instance.name}'s boot output holds a secret`);
    }
    const caKey = box!
      .privateKeys()[0]!
      .split('\n')
      .filter((l) => l.length >= 40 && !l.startsWith('-----'));
    for (const [name, stored] of box!.account.secrets) {
      const text = stored.string ?? gunzipSync(stored.binary!).toString('utf8');
      assert.ok(
        caKey.every((line) => !text.includes(line) && !text.includes(JSON.stringify(line).slice(1, -1))),
        `${name} holds the CA key`,
      );
    }
  });
});

/**
 * An MQTT 3.1.1 connection as the device NLB hands it to a node: a PROXY protocol header (the gateway's listeners
 * expect one), then TLS with the device's certificate, verifying the node against the fleet CA for the gateway host.
 */
function mqttThroughLoadBalancer(
  address: string,
  port: number,
  servername: string,
  identity: { key: string; cert: string; ca: string },
  clientId: string,
): Promise<MqttClient> {
  const client = new MqttClient(
    () => {
      const raw = connect({ host: address, port });
      raw.write(`PROXY TCP4 198.51.100.7 ${address} 40000 ${port}\r\n`);
      return tlsConnect({ socket: raw, servername, ca: identity.ca, cert: identity.cert, key: identity.key });
    },
    { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000 },
  );
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** Variable names of an EnvironmentFile (values are secrets; never compared or printed). */
function envKeys(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => l.split('=')[0]!)
    .sort();
}

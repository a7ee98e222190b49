// What a user installs: the client SDK and the fedgate CLI, built, packed with npm pack and installed from the
// tarballs into a fresh project outside the repository, then run by plain node: no tsx, no sources, no workspace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { APP_USER, COMMANDS_EXCHANGE, commandRoutingKey } from '@fedgate/topology';
import { sharedFleet } from '../shared-fleet.ts';
import { tap } from '../amqp-probe.ts';

const execFileAsync = promisify(execFile);
const REPOSITORY = resolve(import.meta.dirname, '..', '..');

/** A topology with one mistake, at line 7, column 17. */
const BROKEN_TOPOLOGY = `name: broken
backend: { name: core, region: eu-west-1, cidr: 10.0.0.0/16 }
gateways:
  - name: eu
    region: eu-west-1
    cidr: 10.1.0.0/16
    protocols: [carrier-pigeon]
credentials: { source: env }
`;

/** A microservice of the user's: sends one command with the SDK and prints where the SDK came from and what it sent. */
const SEND_COMMAND = `import { createClient } from '@fedgate/client';
const { FEDGATE_URL, FEDGATE_CA, DEVICE } = process.env;
const client = await createClient({ url: FEDGATE_URL, tls: { ca: FEDGATE_CA } });
const sent = await client.sendCommand(DEVICE, 'reboot', { delaySeconds: 1 });
await client.close();
console.log(JSON.stringify({ sdk: import.meta.resolve('@fedgate/client'), ...sent }));
`;

interface NodeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Plain node in the installed project, without the loader options the test run itself has. */
async function runNode(cwd: string, args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  const { NODE_OPTIONS: _inherited, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, args, { cwd, env: { ...inherited, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('installed packages - built, packed, installed outside the repository and run by plain node', function () {
  this.timeout(60_000);
  let packs: string;
  let project: string;
  let fedgate: (...args: string[]) => Promise<NodeRun>;

  before(async function () {
    this.timeout(240_000);
    packs = await mkdtemp(join(tmpdir(), 'fedgate-packs-'));
    // Real paths: node reports the modules it resolves by theirs.
    project = await realpath(await mkdtemp(join(tmpdir(), 'fedgate-installed-')));
    const { stdout } = await execFileAsync('bash', [join(REPOSITORY, 'scripts', 'pack'), packs], { cwd: REPOSITORY, maxBuffer: 16 * 1024 * 1024 });
    // The AWS kit is an optional peer of the CLI: a user who does not deploy on AWS installs everything else.
    const tarballs = stdout.split('\n').filter((line) => line.endsWith('.tgz') && !basename(line).startsWith('fedgate-infra-'));
    assert.ok(tarballs.some((t) => basename(t).startsWith('fedgate-client-')) && tarballs.some((t) => basename(t).startsWith('fedgate-cli-')));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'fedgate-user', private: true, type: 'module' }));
    await execFileAsync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
    });
    const bin = join(project, 'node_modules', '@fedgate', 'cli', 'bin', 'fedgate.js');
    fedgate = (...args) => runNode(project, [bin, ...args]);
  });

  after(async () => {
    for (const dir of [packs, project]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs no sources, no tsx and no development tools', () => {
    const installed = (path: string) => existsSync(join(project, 'node_modules', path));
    assert.equal(installed('@fedgate/cli/dist/main.js'), true);
    assert.equal(installed('@fedgate/client/dist/index.d.ts'), true);
    assert.equal(installed('@fedgate/web/example-app/index.html'), true, 'the example app the CLI serves');
    for (const absent of ['@fedgate/cli/src', 'tsx', '@fedgate/bench', '@fedgate/infra', 'esbuild', 'typescript']) {
      assert.equal(installed(absent), false, `${absent} is not installed`);
    }
  });

  it('fedgate validate passes a good topology with exit 0 and reports a broken one as file:line:col with exit 2', async () => {
    const good = await fedgate('validate', '-f', join(REPOSITORY, 'infra', 'topologies', 'local.yaml'), '--json');
    assert.equal(good.code, 0, good.stderr);
    const report = JSON.parse(good.stdout) as { ok: boolean; name: string; clusters: number };
    assert.deepEqual({ ok: report.ok, name: report.name, clusters: report.clusters }, { ok: true, name: 'local', clusters: 4 });

    const file = join(project, 'broken.yaml');
    await writeFile(file, BROKEN_TOPOLOGY);
    const bad = await fedgate('validate', '-f', file);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, new RegExp(`${file}:7:17: gateways\\[0\\]\\.protocols\\[0\\]: expected one of "mqtt"`));
  });

  it('commands whose tools the installed CLI lacks exit 2 and say how to get them', async () => {
    const bench = await fedgate('bench', '--json');
    assert.equal(bench.code, 2);
    assert.match(JSON.parse(bench.stdout).error.message, /fedgate bench needs @fedgate\/bench.*ships with the fedgate repository only/);
    const synth = await fedgate('synth', '-f', join(REPOSITORY, 'infra', 'topologies', 'acme.example.yaml'), '--json');
    assert.equal(synth.code, 2);
    assert.match(JSON.parse(synth.stdout).error.message, /npm install @fedgate\/infra/);
  });

  it('a service sends a command with the installed SDK and it reaches fedgate.commands on the fleet', async function () {
    // The first suite to ask starts the shared fleet.
    this.timeout(180_000);
    const fleet = await sharedFleet();
    assert.ok(fleet.tls && fleet.topology.backend.tls, 'the shared fleet speaks TLS, as a deployed backend does');
    const device = `installed-${randomUUID().slice(0, 8)}`;
    const seen = await tap(fleet.amqpEndpoint('core'), COMMANDS_EXCHANGE, `devices.${device}.#`);
    try {
      await writeFile(join(project, 'send-command.js'), SEND_COMMAND);
      const run = await runNode(project, ['send-command.js'], { FEDGATE_URL: fleet.amqpUri('core', APP_USER), FEDGATE_CA: fleet.tls.ca, DEVICE: device });
      assert.equal(run.code, 0, run.stderr);
      const sent = JSON.parse(run.stdout) as { sdk: string; messageId: string; routingKey: string };
      assert.ok(sent.sdk.startsWith(`file://${project}/node_modules/@fedgate/client/dist/`), sent.sdk);
      assert.equal(sent.routingKey, commandRoutingKey(device, 'reboot'));
      const arrived = await seen.next((m) => m.properties.messageId === sent.messageId);
      assert.deepEqual(JSON.parse(arrived.content.toString()), { delaySeconds: 1 });
    } finally {
      await seen.close();
    }
  });
});

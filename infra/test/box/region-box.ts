/**
 * Test support: a region booted in a box. The topology's instances take their user data from `fedgate synth`
 * output, exactly as EC2 would hand it to cloud-init; each runs its boot script in its own BoxRoot and network
 * namespace against local stand-ins for Secrets Manager, S3 and EC2 that `fedgate secrets push` and
 * `fedgate release push` filled. The stand-ins listen on the host side of the box bridge; fleet host names resolve to
 * the boxes through /etc/hosts, as the private hosted zone resolves them to load balancers on AWS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Topology } from '@fedgate/topology';
import { processAlive } from '@fedgate/local-cluster';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { main } from '../../../packages/cli/src/main.ts';
import { decodeUserData, type CloudConfig } from '../../src/user-data.ts';
import { SecretsManagerAccount } from '../secrets-manager-account.ts';
import { SecretsManagerEndpoint } from '../secrets-manager-endpoint.ts';
import { S3Endpoint, TEST_S3_CREDENTIALS } from '../s3-endpoint.ts';
import { resources } from '../synthesized-fleet.ts';
import { BoxError, BoxNetwork } from './box-network.ts';
import { BoxRoot, removeBox, type BoxRun } from './box-root.ts';
import { Ec2Endpoint } from './ec2-endpoint.ts';
import { InstanceMetadataEndpoint } from '../instance-metadata-endpoint.ts';

const BOX_DIR_PREFIX = 'fedgate-box-';
const STATE_FILE = 'box.json';

/** What a run owns outside its directory, and who the run is. */
interface BoxState {
  readonly pid: number;
  readonly network?: { bridge: string; namespaces: string[] };
}

/** What one instance of the region is, by its Auto Scaling group. */
export interface BoxInstance {
  /** Short name for the namespace (core, us, router). */
  readonly name: string;
  /** Launch template / Auto Scaling group name in the synthesized stack. */
  readonly group: string;
  /** Stack whose launch template holds its user data. */
  readonly stack: string;
  /** Fleet host names (cluster hosts) that resolve to this instance. */
  readonly hosts: readonly string[];
}

export interface BootedInstance {
  readonly instance: BoxInstance;
  readonly address: string;
  readonly root: BoxRoot;
  readonly userData: CloudConfig;
  readonly boot: BoxRun;
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Runs `work` with `env` merged into process.env (the SDK reads endpoints and credentials there), then restores it. */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export class RegionBox {
  readonly secretsManager: SecretsManagerEndpoint;
  readonly s3 = new S3Endpoint();
  readonly ec2 = new Ec2Endpoint();
  /** The instances' role: what every box gets its AWS credentials from, as an instance does (IMDSv2). */
  readonly imds = new InstanceMetadataEndpoint('fedgate-box-node', { ...TEST_S3_CREDENTIALS, sessionToken: 'box-role-session-token' });
  readonly booted: BootedInstance[] = [];
  private network: BoxNetwork | undefined;
  private pushOutput: string | undefined;
  /** Service endpoints for everyone; the operator adds static keys, instances the metadata service. */
  private endpoints: Record<string, string> = {};
  private instanceEnv: Record<string, string> = {};
  private readonly roots: BoxRoot[] = [];

  private constructor(
    readonly topology: Topology,
    readonly topologyFile: string,
    readonly dir: string,
    readonly account: SecretsManagerAccount,
  ) {
    this.secretsManager = new SecretsManagerEndpoint(account);
  }

  static async create(topology: Topology, topologyFile: string): Promise<RegionBox> {
    await RegionBox.reapAbandoned();
    const dir = await mkdtemp(join(tmpdir(), BOX_DIR_PREFIX));
    const box = new RegionBox(topology, topologyFile, dir, SecretsManagerAccount.afterStacks(topology));
    await box.record();
    return box;
  }

  /**
   * Removes what runs that died without their after hook (a killed mocha) left behind: boxes whose owning process is
   * gone. Boxes of runs still alive (another engineer's, in parallel) are left alone.
   */
  static async reapAbandoned(): Promise<void> {
    for (const entry of await readdir(tmpdir())) {
      if (!entry.startsWith(BOX_DIR_PREFIX)) continue;
      const dir = join(tmpdir(), entry);
      const state = await readFile(join(dir, STATE_FILE), 'utf8').then(
        (t) => JSON.parse(t) as BoxState,
        () => undefined,
      );
      if (state === undefined || processAlive(state.pid)) continue;
      await removeBox(dir);
      if (state.network) await BoxNetwork.remove(state.network);
    }
  }

  /** Writes what this run owns, so reapAbandoned() can remove it if the process dies first. */
  private async record(): Promise<void> {
    const state: BoxState = { pid: process.pid, ...(this.network ? { network: this.network.resources } : {}) };
    await writeFile(join(this.dir, STATE_FILE), JSON.stringify(state));
  }

  get hostAddress(): string {
    if (!this.network) throw new BoxError('the box network is not up');
    return this.network.hostAddress;
  }

  /** Bridge, stand-ins on it, and the release bucket (created as the release stack would). */
  async start(releaseBucket: string, releaseRegion: string): Promise<void> {
    this.network = await BoxNetwork.create();
    await this.record();
    const host = this.network.hostAddress;
    this.s3.createBucket(releaseBucket, releaseRegion);
    this.endpoints = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: await this.secretsManager.start(host),
      AWS_ENDPOINT_URL_S3: await this.s3.start(host),
      AWS_ENDPOINT_URL_EC2: await this.ec2.start(host),
    };
    // No keys in an instance's environment: the bundled SDK and fetch-release.mjs must find the role themselves.
    this.instanceEnv = { ...this.endpoints, AWS_EC2_METADATA_SERVICE_ENDPOINT: await this.imds.start(host) };
  }

  /**
   * The operator's side: `fedgate secrets push --pki-dir` (the fleet CA is created there and every node and link
   * certificate issued from it), `fedgate release build` and `push`. A token signing key is made first with
   * `fedgate app token`, as an operator handing out app tokens would, so gateways get its public key.
   */
  async push(): Promise<{ secrets: string; release: string }> {
    const releaseDir = join(this.dir, 'release');
    const operator = { ...this.endpoints, AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey };
    return withEnv({ ...operator, AWS_SESSION_TOKEN: '', AWS_PROFILE: '' }, async () => {
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      const token = await runCli(['app', 'token', 'box-app', '-f', this.topologyFile, '--pki-dir', this.pkiDir, '--json']);
      if (token.code !== 0) throw new BoxError(`fedgate app token exited ${token.code}: ${token.stderr}`);
      const secrets = await runCli(['secrets', 'push', '-f', this.topologyFile, '--pki-dir', this.pkiDir]);
      if (secrets.code !== 0) throw new BoxError(`fedgate secrets push exited ${secrets.code}: ${secrets.stderr}`);
      const build = await runCli(['release', 'build', '--out', releaseDir]);
      if (build.code !== 0) throw new BoxError(`fedgate release build exited ${build.code}: ${build.stderr}`);
      const release = await runCli(['release', 'push', '-f', this.topologyFile, '--bundle-dir', releaseDir]);
      if (release.code !== 0) throw new BoxError(`fedgate release push exited ${release.code}: ${release.stderr}`);
      this.pushOutput = secrets.stdout + secrets.stderr;
      return { secrets: this.pushOutput, release: release.stdout + release.stderr };
    });
  }

  /** The fleet CA directory the push issued from (packages/pki's layout; the CA key stays here). */
  get pkiDir(): string {
    return join(this.dir, 'pki');
  }

  get caPem(): string {
    if (this.pushOutput === undefined) throw new BoxError('nothing pushed yet');
    return readFileSync(join(this.pkiDir, 'ca.pem'), 'utf8');
  }

  /** Every private key the operator holds for the fleet (CA, nodes, links, token signing): none may be printed by a boot. */
  privateKeys(): string[] {
    const keys = [join(this.pkiDir, 'ca.key'), join(this.pkiDir, 'token-signing.key')];
    for (const entry of readdirSync(this.pkiDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      for (const file of readdirSync(join(this.pkiDir, entry.name))) {
        if (file.endsWith('.key') || file === 'key.pem') keys.push(join(this.pkiDir, entry.name, file));
      }
    }
    return keys.map((k) => readFileSync(k, 'utf8'));
  }

  /** `fedgate device issue ID` from the pushed fleet CA: the device's key, certificate and the CA bundle. */
  async issueDevice(id: string): Promise<{ key: string; cert: string; ca: string }> {
    const out = join(this.dir, 'devices');
    const run = await runCli(['device', 'issue', id, '-f', this.topologyFile, '--pki-dir', this.pkiDir, '--out', out, '--json']);
    if (run.code !== 0) throw new BoxError(`fedgate device issue exited ${run.code}: ${run.stderr}`);
    const files = JSON.parse(run.stdout) as { key: string; cert: string; ca: string };
    return { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8'), ca: readFileSync(files.ca, 'utf8') };
  }

  /** `fedgate synth` of the topology into the box directory: stack id → cdk.tf.json text. */
  async synth(): Promise<Map<string, string>> {
    const out = join(this.dir, 'cdktf.out');
    const run = await runCli(['synth', '-f', this.topologyFile, '--out', out, '--json']);
    if (run.code !== 0) throw new BoxError(`fedgate synth exited ${run.code}: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { stacks: { id: string }[] };
    const stacks = new Map<string, string>();
    for (const { id } of report.stacks) stacks.set(id, await readFile(join(out, 'stacks', id, 'cdk.tf.json'), 'utf8'));
    return stacks;
  }

  /**
   * Gives every instance its namespace and root first (so /etc/hosts can name them all), registers each in its Auto
   * Scaling group for peer discovery, then returns a function that boots one of them.
   */
  async prepare(
    instances: readonly BoxInstance[],
    stacks: ReadonlyMap<string, string>,
    lower: string,
  ): Promise<(name: string, timeoutMs: number) => Promise<BootedInstance>> {
    if (!this.network) throw new BoxError('start the box first');
    const prepared = new Map<string, Omit<BootedInstance, 'boot'>>();
    for (const instance of instances) {
      const { netns, address } = await this.network.attach(instance.name);
      await this.record();
      // EC2's private DNS name; the node name is rabbit@<its first label>.
      const hostname = `ip-${address.replaceAll('.', '-')}`;
      const root = await BoxRoot.create(join(this.dir, `box-${instance.name}`), lower, hostname, netns);
      this.roots.push(root);
      this.ec2.addInstance(instance.group, `${hostname}.box.internal`);
      prepared.set(instance.name, { instance, address, root, userData: launchTemplateUserData(stacks, instance) });
    }
    const hosts = [...prepared.values()].map((p) => [p.address, p.root.hostname, ...p.instance.hosts] as const);
    for (const p of prepared.values()) await p.root.setHosts(hosts);
    return async (name, timeoutMs) => {
      const p = prepared.get(name);
      if (!p) throw new BoxError(`no instance ${name}`);
      await p.root.writeFiles(p.userData.write_files);
      const [command] = p.userData.runcmd;
      if (!command || p.userData.runcmd.length !== 1) throw new BoxError(`${name}: expected one runcmd entry, got ${JSON.stringify(p.userData.runcmd)}`);
      const booted = { ...p, boot: await p.root.run(command, this.instanceEnv, timeoutMs) };
      this.booted.push(booted);
      return booted;
    };
  }

  /** Stops every box, removes namespaces, bridge and files, stops the stand-ins; each step runs even if one fails. */
  async destroy(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (err) {
        failures.push(err);
      }
    };
    for (const root of this.roots.splice(0)) await attempt(() => root.destroy());
    await attempt(async () => this.network?.destroy());
    await attempt(() => this.secretsManager.stop());
    await attempt(() => this.s3.stop());
    await attempt(() => this.ec2.stop());
    await attempt(() => this.imds.stop());
    await attempt(() => rm(this.dir, { recursive: true, force: true }));
    if (failures.length > 0) throw new BoxError(`cleaning up the box: ${failures.map((f) => (f as Error).message).join('; ')}`);
  }
}

/** The cloud-config EC2 would hand the instance: the launch template's user data, decoded. */
function launchTemplateUserData(stacks: ReadonlyMap<string, string>, instance: BoxInstance): CloudConfig {
  const json = stacks.get(instance.stack);
  if (!json) throw new BoxError(`synth wrote no stack ${instance.stack}`);
  const template = Object.values(resources(json, LaunchTemplate.tfResourceType)).find((t) => t.name === instance.group);
  if (!template) throw new BoxError(`${instance.stack} has no launch template ${instance.group}`);
  const text = decodeUserData(String(template.user_data));
  if (!text.startsWith('#cloud-config\n')) throw new BoxError(`${instance.group}: user data is not a cloud-config`);
  return parse(text) as CloudConfig;
}

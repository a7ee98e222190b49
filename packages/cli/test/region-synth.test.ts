import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.ts';

const EXAMPLE = 'infra/topologies/acme.example.yaml';

/** Runs the CLI in-process and captures what it prints. */
async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function commentLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trimStart().startsWith('#') || line.includes(' # '));
}

interface SynthJson {
  ok: boolean;
  stacks: { id: string; kind: string; region: string; resources: number; bytes: number }[];
  resources: number;
  staleStacks: string[];
}

describe('cli - region add/remove and synth', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-region-'));
    file = join(dir, 'acme.yaml');
    copyFileSync(EXAMPLE, file);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('region add keeps every comment, adds a valid region, and synth then has one more gateway stack', async () => {
    const out = join(dir, 'out');
    const before = await run(['synth', '-f', file, '--out', out, '--json']);
    assert.equal(before.code, 0, before.stderr);
    const beforeReport = JSON.parse(before.stdout) as SynthJson;
    assert.match(before.stderr, /^synth: \[1\/6\] built release-acme \(release, eu-west-1\)$/m, 'progress on stderr');
    assert.match(before.stderr, /^synth: \[2\/6\] built backend-core-eu-west-1 \(backend, eu-west-1\)$/m);

    const added = await run(['region', 'add', 'nordics', '--region', 'eu-north-1', '-f', file]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^added gateway nordics \(eu-north-1, 10\.4\.0\.0\/16, the first free \/16\)/);
    assert.match(added.stdout, /^ {2}1\. fedgate synth -f .*acme\.yaml --out cdktf\.out$/m);
    assert.match(added.stdout, /terraform -chdir=cdktf\.out\/stacks\/gateway-nordics-eu-north-1 init/);
    assert.match(added.stdout, /fedgate apply -f /);
    assert.match(added.stdout, /fedgate secrets push -f /);
    assert.match(added.stdout, /terraform -chdir=cdktf\.out\/stacks\/dns-acme init && terraform -chdir=cdktf\.out\/stacks\/dns-acme apply/);
    assert.doesNotMatch(added.stdout, /fedgate dns apply/, 'the DNS stack alone owns the records');
    const edited = readFileSync(file, 'utf8');
    assert.deepEqual(commentLines(edited), commentLines(readFileSync(EXAMPLE, 'utf8')));
    assert.ok(edited.startsWith(readFileSync(EXAMPLE, 'utf8').split('credentials:')[0]!), 'everything before the insertion is untouched');

    const after = await run(['synth', '-f', file, '--out', out, '--json']);
    assert.equal(after.code, 0, after.stderr);
    const report = JSON.parse(after.stdout) as SynthJson;
    const gateways = (r: SynthJson) => r.stacks.filter((s) => s.kind === 'gateway').map((s) => s.id);
    assert.deepEqual(gateways(report), [...gateways(beforeReport), 'gateway-nordics-eu-north-1']);
    assert.ok(existsSync(join(out, 'stacks', 'gateway-nordics-eu-north-1', 'cdk.tf.json')));
    const nordics = report.stacks.find((s) => s.id === 'gateway-nordics-eu-north-1')!;
    assert.equal(nordics.region, 'eu-north-1');
    assert.ok(nordics.resources > 50, `a whole region: ${nordics.resources} resources`);
    // The new region's latency record and health check join the DNS stack.
    const dns = (r: SynthJson) => r.stacks.find((s) => s.kind === 'dns')!.resources;
    assert.equal(dns(report), dns(beforeReport) + 2);
  });

  it('region add refuses an existing name, an unknown region and a taken CIDR with exit 2, leaving the file byte-identical', async () => {
    const original = readFileSync(file);
    const cases: [string[], RegExp][] = [
      [['region', 'add', 'eu', '--region', 'eu-north-1'], /a cluster named "eu" already exists \(gateways\[1\]\)/],
      [['region', 'add', 'nordics', '--region', 'eu-nowhere-9'], /unknown AWS region "eu-nowhere-9"/],
      [['region', 'add', 'nordics', '--region', 'eu-north-1', '--cidr', '10.1.0.0/16'], /10\.1\.0\.0\/16 overlaps us's 10\.1\.0\.0\/16/],
      [['region', 'add', 'nordics', '--region', 'eu-north-1', '--cidr', '10.0.64.0/18'], /overlaps core's 10\.0\.0\.0\/16/],
      [['region', 'add', 'Nordics', '--region', 'eu-north-1'], /gateways\[3\]\.name: expected a DNS-safe name/],
      [['region', 'remove', 'nordics'], /no gateway named "nordics"/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run([...argv, '-f', file]);
      assert.equal(code, 2, `${argv.join(' ')}: exit 2`);
      assert.match(stderr, message);
      assert.match(stderr, /is unchanged/);
      assert.deepEqual(readFileSync(file), original, `${argv.join(' ')}: file untouched`);
    }
  });

  it('region remove asks for the DNS drain first, while the file still has the region, then removes it and prints the rest in order', async () => {
    const original = readFileSync(file, 'utf8');
    assert.equal((await run(['region', 'add', 'nordics', '--region', 'eu-north-1', '-f', file])).code, 0);
    const added = readFileSync(file, 'utf8');

    const refused = await run(['region', 'remove', 'nordics', '-f', file]);
    assert.equal(refused.code, 2);
    assert.equal(readFileSync(file, 'utf8'), added, 'not removed before the drain');
    assert.match(refused.stderr, /1\. fedgate dns drain nordics -f \S+acme\.yaml\n {2}2\. fedgate region remove nordics -f \S+acme\.yaml --drained/);

    const removed = await run(['region', 'remove', 'nordics', '-f', file, '--drained']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stderr, /^warning: removing gateway nordics \(eu-north-1\) tears down/m);
    assert.match(removed.stderr, /stack gateway-nordics-eu-north-1: VPC 10\.4\.0\.0\/16, 3 node\(s\)/);
    const steps = [...removed.stdout.matchAll(/^ {2}\d+\. (.*)$/gm)].map((m) => m[1]!);
    const index = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s));
    assert.ok(index(/^fedgate synth/) === 0, 'synth first');
    assert.ok(index(/stacks\/dns-acme apply/) < index(/gateway-nordics-eu-north-1 destroy/), 'the record leaves before its load balancer');
    assert.ok(index(/gateway-nordics-eu-north-1 destroy/) < index(/fedgate apply .* --prune/), 'prune last');
    assert.equal(index(/dns drain/), -1, 'no step needs the region in the file any more');
    assert.equal(readFileSync(file, 'utf8'), original);
  });

  it('synth exits 2 and writes nothing for a topology that validates but cannot be deployed', async () => {
    const out = join(dir, 'local-out');
    const { code, stderr } = await run(['synth', '-f', 'infra/topologies/local.yaml', '--out', out]);
    assert.equal(code, 2);
    assert.match(stderr, /cannot be deployed on AWS as written:\nfedgate: backend\.host: expected a DNS name/);
    assert.ok(!existsSync(out));
  });

  it('synth reports a stack left from an earlier synth as stale', async () => {
    const out = join(dir, 'out');
    await run(['region', 'add', 'nordics', '--region', 'eu-north-1', '-f', file]);
    assert.equal((await run(['synth', '-f', file, '--out', out])).code, 0);
    await run(['region', 'remove', 'nordics', '-f', file, '--drained']);
    const { code, stdout, stderr } = await run(['synth', '-f', file, '--out', out]);
    assert.equal(code, 0);
    assert.match(stderr, /warning: .*stacks\/gateway-nordics-eu-north-1 is from an earlier synth and not in this topology/);
    assert.match(stdout, /^6 stacks, \d+ resources, [\d.]+ KiB of Terraform JSON/m);
    assert.match(stdout, /^apply in order: the release stack \(then fedgate release push\), the backend stack, /m);
  });
});

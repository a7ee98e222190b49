import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialEnvVar, requiredCredentials, loadTopology } from '@fedgate/topology';
import { main } from '../src/main.ts';

/** Runs the CLI in-process and captures what it prints. */
async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}

describe('cli - validate, render, schema', () => {
  it('validate exits 0 on a valid file and lists expected passwords by name only', async () => {
    const { code, stdout } = await run(['validate', '-f', 'infra/topologies/acme.example.yaml', '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.ok, true);
    const from = report.credentials.map((c: { from: string }) => c.from);
    assert.ok(from.includes('FEDGATE_US_ADMIN_PASSWORD'));
    // Over TLS links log in with certificates and devices with theirs: neither has a password to provide.
    assert.ok(!from.includes('FEDGATE_CORE_DOWN_US_PASSWORD') && !from.includes('FEDGATE_US_DEVICE_PASSWORD'), from.join());
  });

  it('validate exits 2 with every problem located', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-cli-'));
    const file = join(dir, 'bad.yaml');
    const text = readFileSync('infra/topologies/acme.example.yaml', 'utf8');
    writeFileSync(file, text.replace('region: eu-central-1', 'region: mars-1'));
    // The location is where the example has that line, wherever edits to the example moved it.
    const line = text.split('\n').findIndex((l) => l.includes('region: eu-central-1')) + 1;
    const { code, stderr } = await run(['validate', '-f', file]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`bad\\.yaml:${line}:13: gateways\\[1\\]\\.region: unknown AWS region code "mars-1"`));
  });

  it('validate exits 2 on a missing file', async () => {
    const { code, stderr } = await run(['validate', '-f', 'nope.yaml']);
    assert.equal(code, 2);
    assert.match(stderr, /nope\.yaml: file not found/);
  });

  it('an unknown command exits 2', async () => {
    const { code, stderr } = await run(['frobnicate']);
    assert.equal(code, 2);
    assert.match(stderr, /Unknown argument: frobnicate/);
  });

  it('render writes the three files per cluster, definitions with mode 0600, and never prints a password', async () => {
    const { topology } = await loadTopology('infra/topologies/acme.example.yaml');
    const env = Object.fromEntries(requiredCredentials(topology).map((ref) => [credentialEnvVar(ref), `secret-${ref.cluster}-${ref.user}`]));
    const out = mkdtempSync(join(tmpdir(), 'fedgate-render-'));
    const { code, stdout, stderr } = await run(['render', '-f', 'infra/topologies/acme.example.yaml', '--out', out], env);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stdout + stderr, /secret-/);
    for (const cluster of ['core', 'us', 'eu', 'ap']) {
      assert.equal(statSync(join(out, cluster, 'definitions.json')).mode & 0o777, 0o600);
      assert.ok(statSync(join(out, cluster, 'rabbitmq.conf')).isFile());
      assert.ok(statSync(join(out, cluster, 'enabled_plugins')).isFile());
    }
    const us = readFileSync(join(out, 'us', 'definitions.json'), 'utf8');
    assert.match(us, /amqps:\/\/core\.acme\.internal:5671\/%2F\?cacertfile=.*&auth_mechanism=external/);
    assert.doesNotMatch(us, /secret-/);
  });

  it('render exits 2 and names every missing password variable', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fedgate-render-'));
    const { code, stderr } = await run(['render', '-f', 'infra/topologies/acme.example.yaml', '--out', out]);
    assert.equal(code, 2);
    assert.match(stderr, /missing 8 password\(s\): FEDGATE_CORE_ADMIN_PASSWORD, .*FEDGATE_CORE_BILLING_PASSWORD, FEDGATE_CORE_FLEET_OPS_PASSWORD/);
  });

  it('schema prints a JSON Schema that requires backend and gateways', async () => {
    const { code, stdout } = await run(['schema']);
    assert.equal(code, 0);
    const schema = JSON.parse(stdout);
    assert.deepEqual([...schema.required].sort(), ['backend', 'gateways', 'name']);
  });
});

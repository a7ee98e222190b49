import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.ts';

const DRILL = 'test/fixtures/drill-fleet.yaml';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('cli - link, gateway and wan refuse bad input with exit 2, before touching a broker', () => {
  for (const [argv, message] of [
    [['gateway', 'limit', 'nope', '-f', DRILL], /no gateway "nope" in test\/fixtures\/drill-fleet\.yaml \(gateways: eu, us\)/],
    [
      ['gateway', 'limit', 'eu', '-f', DRILL, '--max-connections', '-5'],
      /max-connections must be an integer from 0 to 10000000 \(or -1 for no limit\), got -5/,
    ],
    [['gateway', 'limit', 'eu', '-f', DRILL, '--max-connections', '5', '--reset'], /mutually exclusive/],
    [['gateway', 'limit', 'eu', '-f', DRILL, '--scope', 'everyone'], /Invalid values/],
    [['gateway', 'drain', 'eu', '-f', DRILL, '--batch-size', '0'], /batch-size must be an integer from 1 to 100000, got 0/],
    [['link', 'restart', 'eu', '-f', DRILL, '--direction', 'sideways'], /Choices: "down", "up", "presence"/],
    [['link', 'restart', 'nope', '-f', DRILL], /no gateway "nope"/],
    // A TLS gateway has no shared device user: its device limit and drain are refused, not silently empty.
    [
      ['gateway', 'drain', 'eu', '-f', 'infra/topologies/local.yaml'],
      /eu speaks TLS: its devices log in with their own certificates, so there is no shared device user/,
    ],
    [['gateway', 'limit', 'eu', '-f', 'infra/topologies/local.yaml', '--max-connections', '0'], /no shared device user to limit or drain; use --scope vhost/],
    [['wan', 'partition', 'eu', '-f', 'infra/topologies/local.yaml'], /gateway "eu" in infra\/topologies\/local\.yaml has no wan section/],
    [['wan', 'status', '-f', 'infra/topologies/local.yaml'], /no gateway in infra\/topologies\/local\.yaml has a wan section/],
    [['wan', 'set', 'eu', '-f', DRILL], /give --latency-ms, --jitter-ms or both/],
    [['wan', 'set', 'eu', '-f', DRILL, '--latency-ms', '70000'], /latencyMs must be an integer from 0 to 60000 ms, got 70000/],
    [['wan', 'partition', 'eu', '-f', DRILL, '--mode', 'drop'], /Choices: "reset", "blackhole"/],
  ] as const) {
    it(`fedgate ${argv.join(' ')}`, async () => {
      const { code, stderr } = await run([...argv]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    });
  }

  it('a WAN command for a fleet whose proxy is not running exits 1 and says how to start it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-wan-'));
    const file = join(dir, 'idle.yaml');
    writeFileSync(file, readFileSync(DRILL, 'utf8').replace('name: drill', `name: idle${process.pid}`));
    const { code, stderr } = await run(['wan', 'heal', 'eu', '-f', file]);
    assert.equal(code, 1);
    assert.match(stderr, /the WAN proxy of eu is not running; start the fleet with `fedgate local up -f /);
  });
});

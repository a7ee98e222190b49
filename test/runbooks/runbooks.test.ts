import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { COMMANDS } from '../../packages/cli/src/commands/index.ts';
import type { CommandContext } from '../../packages/cli/src/command.ts';
import { parseFedgate, runbookCommands, runbookFiles, words, type RunbookCommand } from './runbook-commands.ts';
import { alertNames } from '../ops/alert-rules.ts';

/** The incidents and procedures on-call needs a runbook for. */
const REQUIRED_RUNBOOKS = [
  'runbooks/gateway-region-down.md',
  'runbooks/backend-node-lost.md',
  'runbooks/reconnect-storm.md',
  'runbooks/link-not-forwarding.md',
  'runbooks/backlog-growing.md',
  'runbooks/new-region.md',
  'runbooks/rolling-upgrade-gateway.md',
  'runbooks/rotate-link-credentials.md',
  'runbooks/presence-untrusted.md',
];

/** Alert names as runbooks write them: `FedgateSomething` or `RabbitmqSomething`, in backticks. */
const ALERT_REFERENCE = /`((?:Fedgate|Rabbitmq)[A-Z][A-Za-z]+)`/g;

/** Top-level fedgate commands registered in the CLI, e.g. `status`, `gateway`, `router`. */
function registeredCommands(): Set<string> {
  const ctx: CommandContext = { io: { stdout: () => {}, stderr: () => {} }, json: false, exitCode: 0, emitted: false };
  return new Set(COMMANDS.map((c) => String([c(ctx).command].flat()[0]).split(' ')[0]!));
}

describe('runbooks - every fedgate command in them parses with the real CLI', () => {
  const all: RunbookCommand[] = runbookFiles().flatMap((file) => runbookCommands(file));

  it('has a runbook for each incident and procedure on-call needs, each with steps, verification and roll-back', () => {
    for (const file of REQUIRED_RUNBOOKS) {
      assert.ok(existsSync(file), `${file} exists`);
      const text = readFileSync(file, 'utf8');
      for (const section of ['## Steps', '## Verify', '## Roll back']) assert.ok(text.includes(section), `${file} has a "${section}" section`);
      assert.ok(/^## (Symptoms|Before you start)/m.test(text), `${file} says how the incident shows (Symptoms) or what to prepare`);
      assert.ok(runbookCommands(file).length >= 3, `${file} has fedgate commands to follow`);
    }
  });

  it("finds the commands, with the runbook's variables expanded", () => {
    assert.ok(all.length >= 60, `found ${all.length} commands`);
    const storm = runbookCommands('runbooks/reconnect-storm.md');
    assert.deepEqual(storm.find((c) => c.argv.includes('--max-connections'))!.argv, [
      'gateway',
      'limit',
      'eu',
      '-f',
      'infra/topologies/acme.example.yaml',
      '--max-connections',
      '0',
    ]);
  });

  it('parses every command: known commands, options, choices and required arguments', async function () {
    this.timeout(60_000);
    const registered = registeredCommands();
    const failures: string[] = [];
    const skipped: string[] = [];
    for (const c of all) {
      // Only a command that is not registered (yet) may be skipped, and the test says so.
      if (!registered.has(c.argv[0] ?? '')) {
        skipped.push(`${c.runbook}:${c.line}: fedgate ${c.argv.join(' ')}`);
        continue;
      }
      const result = await parseFedgate(c.argv);
      if (!result.ok) {
        failures.push(`${c.runbook}:${c.line}: fedgate ${c.argv.join(' ')}\n    ${result.message.replace(/\n/g, '\n    ')}`);
        continue;
      }
      const file = result.argv.file;
      if (typeof file === 'string' && !existsSync(file)) failures.push(`${c.runbook}:${c.line}: -f ${file} does not exist in this repository`);
    }
    if (skipped.length > 0)
      process.stderr.write(`      [runbooks] skipped ${skipped.length} command(s) of unregistered commands:\n        ${skipped.join('\n        ')}\n`);
    assert.deepEqual(failures, [], `runbook commands that do not parse:\n${failures.join('\n')}`);
  });

  it('refuses what would not run: an unknown option, a bad choice, a missing argument', async () => {
    for (const argv of [
      ['gateway', 'limit', 'eu', '--max-conections', '0'],
      ['link', 'restart', 'eu', '--direction', 'sideways'],
      ['gateway', 'drain'],
      ['dns', 'drain'],
      ['region', 'add', 'nordics', '-f', 'x.yaml'],
    ]) {
      assert.equal((await parseFedgate(argv)).ok, false, `fedgate ${argv.join(' ')} is refused`);
    }
  });

  it('refuses a variable no block of the runbook sets', () => {
    assert.throws(
      () => runbookCommands('x.md', '```sh\nfedgate status -f "$TOPOLOGY"\n```\n'),
      /x\.md:2: \$TOPOLOGY is used but no sh block of this runbook sets it/,
    );
    assert.deepEqual(words(`a "b c" 'd $E' $F`, new Map([['F', 'f']]), 'here'), ['a', 'b c', 'd $E', 'f']);
  });

  it('names only alerts that ops/prometheus/alerts.yml defines', () => {
    const defined = new Set(alertNames());
    const unknown = runbookFiles().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(ALERT_REFERENCE)]
        .map((m) => m[1]!)
        .filter((name) => !defined.has(name))
        .map((name) => `${file}: ${name}`),
    );
    assert.deepEqual(unknown, []);
  });
});

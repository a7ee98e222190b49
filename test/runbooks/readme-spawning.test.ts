import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseFedgate, runbookCommands } from './runbook-commands.ts';

/** The README's "Spawning a region" section, up to the next heading of its level. */
function spawningSection(): string {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('## Spawning a region');
  assert.ok(start >= 0, 'README has a "Spawning a region" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README - spawning a region: every fedgate command parses with the real CLI', () => {
  const section = spawningSection();
  const commands = runbookCommands('README.md#spawning-a-region', section);

  it('is a numbered list of steps from an empty account to devices connected', () => {
    const steps = [...section.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      steps,
      steps.map((_, i) => i + 1),
    );
    assert.ok(steps.length >= 6, `${steps.length} steps`);
    const order = commands.map((c) => c.argv.slice(0, 2).join(' '));
    const pairs: [string, string][] = [
      ['synth -f', 'release push'],
      ['release push', 'secrets push'],
      ['secrets push', 'apply -f'],
      ['apply -f', 'dns plan'],
    ];
    for (const [before, after] of pairs) {
      const i = order.findIndex((o) => o.startsWith(before));
      const j = order.findIndex((o) => o.startsWith(after));
      assert.ok(i >= 0 && j > i, `${before} comes before ${after}`);
    }
  });

  it('parses each command (options, required arguments, existing -f files)', async () => {
    const failures: string[] = [];
    for (const c of commands) {
      const result = await parseFedgate(c.argv);
      if (!result.ok) failures.push(`${c.line}: fedgate ${c.argv.join(' ')}: ${result.message}`);
      else if (typeof result.argv.file === 'string' && !existsSync(result.argv.file)) failures.push(`${c.line}: -f ${result.argv.file} does not exist`);
    }
    assert.deepEqual(failures, []);
    assert.ok(commands.length >= 10, `${commands.length} commands`);
  });
});

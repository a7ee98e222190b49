// The CLI's two contracts, driven through every command: an error exits 2 (input) or 1 (runtime), and with --json
// every outcome, errors included, is exactly one line of JSON on stdout with `ok`. No RabbitMQ is needed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { credentialEnvVar, parseTopology, requiredCredentials } from '@fedgate/topology';
import type { CommandContext } from '../src/command.ts';
import { createCli } from '../src/main.ts';
import { runCli } from '../../../test/run-cli.ts';

/** One command as yargs registered it: its words (`gateway limit`), positionals it demands and options it declares. */
interface CommandPath {
  readonly words: readonly string[];
  readonly leaf: boolean;
  readonly positionals: readonly string[];
  readonly options: readonly string[];
  readonly demandedOptions: readonly string[];
  readonly choices: Readonly<Record<string, readonly unknown[]>>;
}

interface YargsCommandHandler {
  readonly builder: unknown;
  readonly demanded: readonly { readonly cmd: readonly string[] }[];
}

/** yargs' own command registry (what --help lists), so a command added later is driven here without a hand list. */
function handlersOf(y: Argv): Record<string, YargsCommandHandler> {
  return (y as unknown as { getInternalMethods(): { getCommandInstance(): { getCommandHandlers(): Record<string, YargsCommandHandler> } } })
    .getInternalMethods()
    .getCommandInstance()
    .getCommandHandlers();
}

/** Every command and subcommand, found by running each builder on a fresh parser and reading what it registered. */
function commandTree(y: Argv, above: readonly string[] = []): CommandPath[] {
  return Object.entries(handlersOf(y))
    .filter(([name]) => name !== '$0')
    .flatMap(([name, handler]) => {
      const sub = yargs([]);
      if (typeof handler.builder === 'function') (handler.builder as (y: Argv) => unknown)(sub);
      const declared = (
        sub as unknown as { getOptions(): { key: Record<string, unknown>; demandedOptions: Record<string, unknown>; choices: Record<string, unknown[]> } }
      ).getOptions();
      const words = [...above, name];
      const children = commandTree(sub, words);
      const self: CommandPath = {
        words,
        leaf: children.length === 0,
        positionals: handler.demanded.flatMap((d) => d.cmd),
        options: Object.keys(declared.key),
        demandedOptions: Object.keys(declared.demandedOptions),
        choices: declared.choices,
      };
      return [self, ...children];
    });
}

const quietCtx: CommandContext = { io: { stdout: () => {}, stderr: () => {} }, json: false, exitCode: 0, emitted: false };
const COMMANDS = commandTree(createCli([], quietCtx));

/** Parses stdout as the one JSON line the contract promises, failing with what was printed otherwise. */
function oneJsonLine(stdout: string): { ok: boolean; error?: { code: string; kind: string; message: string } } {
  const lines = stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected exactly one line on stdout, got:\n${stdout}`);
  assert.ok(stdout.endsWith('\n'));
  return JSON.parse(lines[0]!);
}

function assertJsonError(result: { code: number; stdout: string }, exitCode: number, kind: 'input' | 'runtime') {
  const report = oneJsonLine(result.stdout);
  assert.equal(report.ok, false);
  assert.equal(result.code, exitCode);
  assert.equal(report.error?.kind, kind, JSON.stringify(report));
  assert.equal(typeof report.error?.code, 'string');
  assert.equal(typeof report.error?.message, 'string');
  assert.deepEqual(Object.keys(report.error!).sort(), ['code', 'kind', 'message']);
}

describe('cli - every command keeps the error and output contracts', () => {
  it('finds the command tree through yargs, subcommands included', () => {
    const names = COMMANDS.map((c) => c.words.join(' '));
    for (const expected of ['validate', 'local', 'dns drain', 'gateway limit', 'wan set', 'release build', 'bench'])
      assert.ok(names.includes(expected), names.join(', '));
    assert.ok(COMMANDS.length > 30, `${COMMANDS.length} commands`);
  });

  describe('an option no command has (--bogus-option): exit 2, one JSON line with ok:false (yargs failure path)', () => {
    for (const command of COMMANDS) {
      it(`fedgate ${command.words.join(' ')} --json --bogus-option`, async () => {
        const result = await runCli([...command.words, '--json', '--bogus-option']);
        assertJsonError(result, 2, 'input');
      });
    }
  });

  describe('a topology file that does not exist: exit 2, one JSON line with ok:false (handler path)', () => {
    for (const command of COMMANDS.filter((c) => c.leaf && c.options.includes('file'))) {
      it(`fedgate ${command.words.join(' ')} -f <missing> --json`, async () => {
        // Demanded positionals and options get a harmless value (the first choice where there are choices), so
        // the handler runs and the missing file is what stops it, before anything is started or written.
        const filler = (name: string) => String(command.choices[name]?.[0] ?? 'x');
        const positionals = command.positionals.map(filler);
        const options = command.demandedOptions.filter((o) => o !== 'file').flatMap((o) => [`--${o}`, filler(o)]);
        const missing = join(tmpdir(), `fedgate-missing-${process.pid}.yaml`);
        const result = await runCli([...command.words, ...positionals, ...options, '-f', missing, '--json']);
        assertJsonError(result, 2, 'input');
        assert.doesNotMatch(oneJsonLine(result.stdout).error!.message, /Unknown argument|Missing required|Invalid values/);
      });
    }
  });

  it('a usage failure without --json still goes to stderr with the help hint, stdout stays empty', async () => {
    const { code, stdout, stderr } = await runCli(['validate', '--bogus-option']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^fedgate: Unknown arguments?: bogus-option.*\nRun with --help for usage\.\n$/);
  });

  it('--json is read as yargs reads it: --no-json prints for people', async () => {
    const { code, stdout } = await runCli(['validate', '-f', 'infra/topologies/acme.example.yaml', '--no-json']);
    assert.equal(code, 0);
    assert.match(stdout, /: ok — topology "acme"/);
  });

  it('successful results are one JSON line with ok:true (validate, schema)', async () => {
    for (const argv of [
      ['validate', '-f', 'infra/topologies/acme.example.yaml', '--json'],
      ['schema', '--json'],
    ]) {
      const result = await runCli(argv);
      assert.equal(result.code, 0);
      assert.equal(oneJsonLine(result.stdout).ok, true);
    }
  });
});

describe('cli - runtime failures exit 1 with one JSON line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedgate-contracts-'));
  const name = `nobody${process.pid}`;
  let file = '';
  let savedEnv: NodeJS.ProcessEnv;

  before(async () => {
    // A fleet on ports nothing listens on: each was free a moment ago, and a name `local up` never ran here.
    const ports = await Promise.all(Array.from({ length: 12 }, freePort));
    const text = readFileSync('test/fixtures/down-fleet.yaml', 'utf8')
      .replace('name: lifecycle', `name: ${name}`)
      .replace(/credentials:\n( {2}.*\n)+/, 'credentials: { source: env }\n')
      .replace(/: (5910|15910|25910|15911|5920|15920|25920|15921|2090|61820)\b/g, () => `: ${ports.pop()}`);
    file = join(dir, 'nobody.yaml');
    writeFileSync(file, text);
    const topology = parseTopology(text, file);
    savedEnv = { ...process.env };
    for (const ref of requiredCredentials(topology)) process.env[credentialEnvVar(ref)] = `unused-${ref.user}`;
  });

  after(() => {
    process.env = savedEnv;
  });

  it('status against a fleet nobody runs', async () => {
    const result = await runCli(['status', '-f', file, '--no-canary', '--json']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(oneJsonLine(result.stdout).ok, false);
  });

  it('local status of a fleet never started', async () => {
    const result = await runCli(['local', 'status', '-f', file, '--json']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(oneJsonLine(result.stdout).ok, false);
  });

  it('link restart against an unreachable management API', async () => {
    assertJsonError(await runCli(['link', 'restart', 'gw', '-f', file, '--wait', '0', '--json']), 1, 'runtime');
  });

  it('wan heal when the WAN proxy is not running', async () => {
    const drill = join(dir, 'idle.yaml');
    writeFileSync(drill, readFileSync('test/fixtures/drill-fleet.yaml', 'utf8').replace('name: drill', `name: idle${process.pid}`));
    const result = await runCli(['wan', 'heal', 'eu', '-f', drill, '--json']);
    assertJsonError(result, 1, 'runtime');
    assert.match(oneJsonLine(result.stdout).error!.message, /the WAN proxy of eu is not running/);
  });
});

/** A TCP port that was free when asked. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

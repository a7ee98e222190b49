// Reads the fedgate commands out of the runbooks and parses them with the real CLI, without running them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCli } from '../../packages/cli/src/main.ts';
import type { CommandContext } from '../../packages/cli/src/command.ts';

export const RUNBOOK_DIR = 'runbooks';

/** One `fedgate …` invocation written in a runbook's ```sh block. */
export interface RunbookCommand {
  readonly runbook: string;
  /** 1-based line of the command's first line in the markdown. */
  readonly line: number;
  /** As written (continuations joined, comment removed). */
  readonly text: string;
  /** The arguments after `fedgate`, with the runbook's variables expanded. */
  readonly argv: readonly string[];
}

export function runbookFiles(): string[] {
  return readdirSync(RUNBOOK_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(RUNBOOK_DIR, f));
}

/**
 * The fedgate commands of one runbook, in order. Variables are the runbook's own: an assignment such as
 * `GW=eu` in an sh block defines `$GW` for the commands after it; a command using a variable no block defined is
 * an error, so a runbook cannot refer to something it never told on-call to set.
 */
export function runbookCommands(file: string, markdown = readFileSync(file, 'utf8')): RunbookCommand[] {
  const vars = new Map<string, string>();
  const commands: RunbookCommand[] = [];
  for (const block of shBlocks(markdown)) {
    for (const { line, text } of logicalLines(block)) {
      for (const segment of splitCommands(text)) {
        const assignment = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(segment);
        if (assignment) {
          vars.set(assignment[1]!, words(assignment[2]!, vars, `${file}:${line}`).join(' '));
          continue;
        }
        const argv = words(segment, vars, `${file}:${line}`);
        const start = argv[0] === 'npx' ? 1 : 0;
        if (argv[start] === 'fedgate') commands.push({ runbook: file, line, text: segment, argv: argv.slice(start + 1) });
      }
    }
  }
  return commands;
}

interface Line {
  readonly line: number;
  readonly text: string;
}

/** The lines of every ```sh (or ```bash) fenced block, with their line numbers in the file. */
function shBlocks(markdown: string): Line[][] {
  const blocks: Line[][] = [];
  let current: Line[] | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (current === undefined && /^\s*```(sh|bash|shell)\s*$/.test(text)) current = [];
    else if (current !== undefined && /^\s*```\s*$/.test(text)) {
      blocks.push(current);
      current = undefined;
    } else if (current !== undefined) current.push({ line: i + 1, text });
  });
  return blocks;
}

/** Joins `\` continuations and drops comments and blank lines. */
function logicalLines(block: Line[]): Line[] {
  const out: Line[] = [];
  let pending: Line | undefined;
  for (const { line, text } of block) {
    const joined = pending ? { line: pending.line, text: `${pending.text} ${text.trim()}` } : { line, text: text.trim() };
    if (joined.text.endsWith('\\')) {
      pending = { line: joined.line, text: joined.text.slice(0, -1).trimEnd() };
      continue;
    }
    pending = undefined;
    const code = stripComment(joined.text);
    if (code !== '') out.push({ line: joined.line, text: code });
  }
  return out;
}

/** Everything before an unquoted `#` that starts a word. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trim();
  }
  return text.trim();
}

/** A line's commands: split at unquoted `|`, `||`, `&&` and `;`. What follows a pipe (jq, grep) is kept too. */
function splitCommands(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '|' || c === ';' || (c === '&' && text[i + 1] === '&')) {
      parts.push(text.slice(start, i));
      if (text[i + 1] === c) i++;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Shell words with quotes removed and `$VAR` / `${VAR}` expanded (not inside single quotes). */
export function words(text: string, vars: ReadonlyMap<string, string>, where: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  const expand = (i: number): number => {
    const match = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i));
    if (!match) {
      word += '$';
      return i + 1;
    }
    const name = (match[1] ?? match[2])!;
    const value = vars.get(name);
    if (value === undefined) throw new Error(`${where}: $${name} is used but no sh block of this runbook sets it`);
    word += value;
    return i + match[0].length;
  };
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '$') {
        i = expand(i);
        continue;
      } else word += c;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
      i++;
    } else {
      inWord = true;
      if (c === '"' || c === "'") quote = c;
      else if (c === '$') {
        i = expand(i);
        continue;
      } else word += c;
      i++;
    }
  }
  if (quote) throw new Error(`${where}: unbalanced ${quote} quote`);
  if (inWord) out.push(word);
  return out;
}

const PARSED = Symbol('parsed');

export type ParseResult =
  { readonly ok: true; readonly command: string; readonly argv: Record<string, unknown> } | { readonly ok: false; readonly message: string };

/**
 * Parses `argv` with the real fedgate CLI — every command, option, choice, conflict and required argument — and
 * stops before any handler runs: a middleware that runs after validation throws a marker instead.
 */
export async function parseFedgate(argv: readonly string[]): Promise<ParseResult> {
  let stderr = '';
  const ctx: CommandContext = { io: { stdout: () => {}, stderr: (t) => void (stderr += t) }, json: false, exitCode: 0, emitted: false };
  let parsed: Record<string, unknown> | undefined;
  try {
    await createCli([...argv], ctx)
      .middleware((a) => {
        parsed = a as Record<string, unknown>;
        throw Object.assign(new Error('parsed'), { [PARSED]: true });
      }, false)
      .exitProcess(false)
      .parseAsync();
    return { ok: false, message: 'no command handler would run (a parent command without its subcommand?)' };
  } catch (err) {
    if ((err as Record<symbol, unknown>)[PARSED] && parsed) {
      return { ok: true, command: (parsed._ as string[]).join(' '), argv: parsed };
    }
    return { ok: false, message: (stderr || (err as Error).message).trim() };
  }
}

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { topologySchema, type Topology } from './schema.ts';
import { checkClusters, findInlineSecrets, isSecretKey, type RawProblem } from './check-topology.ts';
import { formatPath, TopologyValidationError, type TopologyProblem } from './errors.ts';

export interface LoadedTopology {
  /** The path the topology was loaded from, as given. */
  readonly file: string;
  readonly topology: Topology;
}

/** Reads and validates a topology file; throws one TopologyValidationError listing every problem. */
export async function loadTopology(file: string): Promise<LoadedTopology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT';
    const message = missing ? 'file not found' : `cannot read the file (${code ?? String(err)})`;
    throw new TopologyValidationError(file, [{ path: '', message }], {
      code: missing ? 'TOPOLOGY_NOT_FOUND' : 'TOPOLOGY_UNREADABLE',
      cause: err,
    });
  }
  return { file, topology: parseTopology(text, file) };
}

/** Pure: YAML text → validated topology. `file` only labels the messages. */
export function parseTopology(text: string, file: string): Topology {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TopologyValidationError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: '', message: `YAML syntax: ${firstLine(e.message)}`, line: pos?.line, column: pos?.col };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  const secrets = findInlineSecrets(raw);
  const parsed = topologySchema.safeParse(raw);
  const schemaProblems = parsed.success ? [] : parsed.error.issues.flatMap(toRawProblems);
  const problems = [...secrets, ...schemaProblems, ...checkClusters(raw)];
  if (problems.length > 0 || !parsed.success) {
    throw new TopologyValidationError(
      file,
      dedupe(problems).map((p) => locate(p, doc, lines)),
    );
  }
  return parsed.data;
}

function toRawProblems(issue: z.core.$ZodIssue): RawProblem[] {
  if (issue.code === 'unrecognized_keys') {
    // Secret-looking keys already have their own, sharper message.
    return issue.keys.filter((k) => !isSecretKey(k)).map((key) => ({ path: [...issue.path, key], message: 'unknown key' }));
  }
  return [{ path: issue.path, message: issue.message }];
}

function dedupe(problems: RawProblem[]): RawProblem[] {
  const seen = new Set<string>();
  const secretPaths = new Set(problems.filter((p) => p.message.startsWith('inline secret')).map((p) => formatPath(p.path)));
  return problems.filter((p) => {
    if (p.message === 'unknown key' && secretPaths.has(formatPath(p.path))) return false;
    const key = `${formatPath(p.path)}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function locate(problem: RawProblem, doc: Document, lines: LineCounter): TopologyProblem {
  const path = formatPath(problem.path);
  // An unknown or missing key has no value node of its own: fall back to the nearest ancestor.
  for (let depth = problem.path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(problem.path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { path, message: problem.message, line: pos.line, column: pos.col };
    }
  }
  return { path, message: problem.message };
}

/** yaml's pretty message without its code frame and its own " at line N, column M:" (we print the position first). */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

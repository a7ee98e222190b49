/** One thing wrong with a topology file, located inside it. */
export interface TopologyProblem {
  /** Path inside the document, e.g. `gateways[1].cidr`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, when known. */
  readonly line?: number;
  readonly column?: number;
}

import { FedgateError, type ErrorKind } from './fedgate-error.ts';

export type TopologyErrorCode = 'TOPOLOGY_INVALID' | 'TOPOLOGY_NOT_FOUND' | 'TOPOLOGY_UNREADABLE';

/** Base of the topology package's errors: all of them are about what the caller wrote, so all are input. */
export abstract class TopologyError extends FedgateError {
  readonly kind: ErrorKind = 'input';
}

/** Every problem of one topology file at once, formatted `file:line:col: path: message`. */
export class TopologyValidationError extends TopologyError {
  override readonly name = 'TopologyValidationError';
  readonly code: TopologyErrorCode;
  readonly file: string;
  readonly problems: readonly TopologyProblem[];

  constructor(file: string, problems: readonly TopologyProblem[], options: { code?: TopologyErrorCode; cause?: unknown } = {}) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'), { cause: options.cause });
    this.code = options.code ?? 'TOPOLOGY_INVALID';
    this.file = file;
    this.problems = problems;
  }
}

export function formatProblem(file: string, problem: TopologyProblem): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

/** `['gateways', 1, 'cidr']` → `gateways[1].cidr`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

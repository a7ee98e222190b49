/** Errors of the infra package. Each has a stable `code`; the CLI maps InfraConfigError to exit 2. */

export type InfraErrorCode = 'INFRA_CONFIG' | 'INFRA_SYNTH';

export class InfraError extends Error {
  override readonly name: string = 'InfraError';
  constructor(
    readonly code: InfraErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Wraps a failure of cdktf's synthesis (an invalid construct tree, a write error) with what was being done. */
  static from(err: unknown, doing: string): InfraError {
    if (err instanceof InfraError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new InfraError('INFRA_SYNTH', `${doing}: ${message}`, { cause: err });
  }
}

/** One thing in the topology or the options that the AWS deployment cannot take, with where it is. */
export interface InfraProblem {
  /** Path in the topology (`gateways[1].host`) or the option name (`options.azCount`). */
  readonly path: string;
  readonly message: string;
}

/** The topology validates, but cannot be deployed as given; lists every problem at once. */
export class InfraConfigError extends InfraError {
  override readonly name = 'InfraConfigError';
  constructor(
    readonly problems: readonly InfraProblem[],
    options?: { cause?: unknown },
  ) {
    super('INFRA_CONFIG', problems.map((p) => `${p.path}: ${p.message}`).join('\n'), options);
  }
}

import { FedgateError, maskSecrets, type ErrorKind } from '@fedgate/topology';

export type BrokerAdminErrorCode =
  'BROKER_UNREACHABLE' | 'MANAGEMENT_API_ERROR' | 'APPLY_FAILED' | 'LINK_NOT_FOUND' | 'LINK_NOT_RUNNING' | 'INVALID_LIMIT' | 'DRAIN_INCOMPLETE';

const KIND: Record<BrokerAdminErrorCode, ErrorKind> = {
  BROKER_UNREACHABLE: 'runtime',
  MANAGEMENT_API_ERROR: 'runtime',
  APPLY_FAILED: 'runtime',
  LINK_NOT_FOUND: 'runtime',
  LINK_NOT_RUNNING: 'runtime',
  INVALID_LIMIT: 'input',
  DRAIN_INCOMPLETE: 'runtime',
};

/** Base of broker-admin's errors: a stable `code`, the cause chained, secrets masked in the message. */
export class BrokerAdminError extends FedgateError {
  override readonly name: string = 'BrokerAdminError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: BrokerAdminErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(maskSecrets(message), options);
    this.kind = KIND[code];
  }
}

/** The management API could not be reached at all (node down, wrong port, partition). */
export class BrokerUnreachableError extends BrokerAdminError {
  override readonly name = 'BrokerUnreachableError';
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    const reason = (options?.cause as { cause?: { code?: string } } | undefined)?.cause?.code ?? (options?.cause as Error | undefined)?.message;
    super('BROKER_UNREACHABLE', `management API at ${url} is unreachable${reason ? ` (${reason})` : ''}`, options);
  }
}

/** The management API answered with an error status. */
export class ManagementApiError extends BrokerAdminError {
  override readonly name = 'ManagementApiError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super('MANAGEMENT_API_ERROR', `${method} ${path} failed: ${status} ${reason}`);
  }

  /** Turns a management API error response (`{ error, reason }` body) into a typed error. */
  static async from(response: Response, method: string, path: string): Promise<ManagementApiError> {
    const text = await response.text().catch(() => '');
    let reason = text || response.statusText;
    try {
      const body = JSON.parse(text) as { error?: string; reason?: string };
      reason = [body.error, body.reason].filter(Boolean).join(': ') || reason;
    } catch {
      // not JSON: keep the raw text
    }
    return new ManagementApiError(response.status, method, path, reason.trim());
  }
}

import { FedgateError, type ErrorKind } from '@fedgate/topology';

/** Every code the local-cluster package's errors carry. */
export type LocalClusterErrorCode =
  | 'LOCAL_FLEET_FAILED'
  | 'BROKER_RUNTIME_UNAVAILABLE'
  | 'RABBITMQ_CLI_FAILED'
  | 'LINKS_NOT_READY'
  | 'DEVICE_AUTHZ_FAILED'
  | 'TCP_PROXY_FAILED'
  | 'WAN_PROXY_NOT_CONFIGURED'
  | 'WAN_PROXY_NOT_RUNNING'
  | 'WAN_PROXY_FAILED'
  | 'WAN_CONDITIONS_INVALID';

const KIND: Record<LocalClusterErrorCode, ErrorKind> = {
  LOCAL_FLEET_FAILED: 'runtime',
  BROKER_RUNTIME_UNAVAILABLE: 'runtime',
  RABBITMQ_CLI_FAILED: 'runtime',
  LINKS_NOT_READY: 'runtime',
  DEVICE_AUTHZ_FAILED: 'runtime',
  TCP_PROXY_FAILED: 'runtime',
  // The topology gives the gateway no WAN section, or the conditions asked for are out of range: fix the input.
  WAN_PROXY_NOT_CONFIGURED: 'input',
  WAN_PROXY_NOT_RUNNING: 'runtime',
  WAN_PROXY_FAILED: 'runtime',
  WAN_CONDITIONS_INVALID: 'input',
};

/** Base of every error the local-cluster package throws. */
export class LocalClusterError extends FedgateError {
  override readonly name: string = 'LocalClusterError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: LocalClusterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = KIND[code];
  }
}

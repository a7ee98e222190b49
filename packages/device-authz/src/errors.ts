import { FedgateError, type ErrorKind } from '@fedgate/topology';

/** Stable codes of what the device authorisation endpoint throws. */
export type DeviceAuthzErrorCode = 'DEVICE_AUTHZ_LISTEN_FAILED' | 'DEVICE_AUTHZ_INVALID_OPTIONS';

export class DeviceAuthzError extends FedgateError {
  override readonly name = 'DeviceAuthzError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: DeviceAuthzErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = code === 'DEVICE_AUTHZ_INVALID_OPTIONS' ? 'input' : 'runtime';
  }
}

/** Stable codes of what the device authorisation endpoint throws. */
export type DeviceAuthzErrorCode = 'DEVICE_AUTHZ_LISTEN_FAILED' | 'DEVICE_AUTHZ_INVALID_OPTIONS';

export class DeviceAuthzError extends Error {
  override readonly name = 'DeviceAuthzError';
  constructor(readonly code: DeviceAuthzErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

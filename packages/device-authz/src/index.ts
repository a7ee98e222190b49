export { parseAuthzRequest, type AuthzQuestion, type AuthzRequest } from './authz-request.ts';
export { decideAuthz, type AuthzDecision, type DevicePolicy } from './device-authz-rules.ts';
export {
  startDeviceAuthzServer,
  DEFAULT_AUTHZ_HOST,
  MAX_AUTHZ_BODY_BYTES,
  type DeviceAuthzServer,
  type DeviceAuthzServerOptions,
} from './device-authz-server.ts';
export { DeviceAuthzError, type DeviceAuthzErrorCode } from './errors.ts';

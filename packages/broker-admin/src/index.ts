export * from './errors.ts';
export { ManagementClient, seg, DEFAULT_REQUEST_TIMEOUT_MS, type ManagementClientOptions } from './management-client.ts';

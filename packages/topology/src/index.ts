export * from './schema.ts';
export * from './names.ts';
export * from './aws-regions.ts';
export * from './cidr.ts';
export * from './errors.ts';
export * from './fedgate-error.ts';
export { maskSecrets } from './mask-secrets.ts';
export { loadTopology, parseTopology, type LoadedTopology } from './load-topology.ts';
export { INLINE_SECRET_MESSAGE } from './check-topology.ts';
export * from './credentials.ts';
export {
  addGateway,
  removeGateway,
  TopologyEditError,
  type NewGateway,
  type TopologyEdit,
  type AddedGateway,
  type TopologyEditErrorCode,
} from './edit-topology.ts';

export * from './local-fleet.ts';
export { ensureLocalSecrets } from './local-secrets.ts';
export { killNode, launchNode, localNode, nodePid, stopNode, fdLimitFor, type LocalNode } from './local-node.ts';

import type { BundleLocation } from './fleet-plan.ts';
import type { PolicyStatement } from './constructs/instance-group.ts';

/** A broker node reads its own cluster's secrets, lists its group's instances (peers), and maybe the bundle. */
export function brokerStatements(input: { secrets: string[]; peerDiscovery: boolean; bundle?: BundleLocation }): PolicyStatement[] {
  return [
    { Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: input.secrets },
    // DescribeInstances has no resource-level permissions; it reveals instance metadata, not data.
    ...(input.peerDiscovery ? [{ Sid: 'FindPeers', Effect: 'Allow' as const, Action: ['ec2:DescribeInstances'], Resource: '*' }] : []),
    ...(input.bundle ? [bundleStatement(input.bundle)] : []),
  ];
}

export function routerStatements(input: { secret: string; bundle: BundleLocation }): PolicyStatement[] {
  return [
    { Sid: 'ReadRouterSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [input.secret] },
    bundleStatement(input.bundle),
  ];
}

function bundleStatement(bundle: BundleLocation): PolicyStatement {
  return { Sid: 'ReadFedgateBundle', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bundle.bucket}/${bundle.key}`] };
}

import type { BundleLocation } from './release/release-files.ts';
import type { PolicyStatement } from './constructs/instance-group.ts';

/** A broker node reads its own cluster's secrets, lists its group's instances (peers), and downloads the release. */
export function brokerStatements(input: { secrets: string[]; peerDiscovery: boolean; bundle: BundleLocation }): PolicyStatement[] {
  return [
    { Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: input.secrets },
    // DescribeInstances has no resource-level permissions; it reveals instance metadata, not data.
    ...(input.peerDiscovery ? [{ Sid: 'FindPeers', Effect: 'Allow' as const, Action: ['ec2:DescribeInstances'], Resource: '*' }] : []),
    bundleStatement(input.bundle),
  ];
}

export function routerStatements(input: { secret: string; bundle: BundleLocation }): PolicyStatement[] {
  return [{ Sid: 'ReadRouterSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [input.secret] }, bundleStatement(input.bundle)];
}

/** Exactly the bundle of the instance's architecture and its checksum: no listing, no other object of the bucket. */
function bundleStatement(bundle: BundleLocation): PolicyStatement {
  const object = (key: string) => `arn:aws:s3:::${bundle.bucket}/${key}`;
  return { Sid: 'ReadFedgateRelease', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [object(bundle.key), object(bundle.checksumKey)] };
}

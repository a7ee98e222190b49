import assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { buildFleet, planFleet } from '../src/index.ts';
import { acme, resources, stackJson, synthesize, userData } from './synthesized-fleet.ts';

interface PolicyDocument {
  Statement: { Sid: string; Effect: string; Action: string[] | string; Resource: string[] | string; Condition?: unknown }[];
}

/**
 * A policy as cdktf renders Fn.jsonencode: `${jsonencode({"Key" = value, ...})}` with references bare
 * (`aws_s3_bucket.bucket.arn`); read back as JSON with each reference as its string.
 */
function policyDocument(rendered: unknown): PolicyDocument {
  const text = String(rendered);
  assert.ok(text.startsWith('${jsonencode(') && text.endsWith(')}'), text);
  const json = text
    .slice('${jsonencode('.length, -2)
    .replaceAll('" = ', '": ')
    .replace(/(?<=[[,]\s*)(aws_[\w.-]+)(?=\s*[\],])/g, '"$1"');
  return JSON.parse(json) as PolicyDocument;
}

describe('infra - release stack: the bucket instances download the bundle from', () => {
  const fleet = synthesize(acme());
  const json = stackJson(fleet, 'release-acme');

  it("creates the bucket the bundle URI names, in the backend's region, applied before the backend", () => {
    assert.ok(Testing.toHaveProviderWithProperties(json, 'aws', { region: 'eu-west-1' }));
    assert.ok(Testing.toHaveResourceWithProperties(json, S3Bucket.tfResourceType, { bucket: 'fedgate-artifacts-acme', force_destroy: false }));
    const built = buildFleet(Testing.app({ stackTraces: false }), planFleet(acme()));
    assert.deepEqual(
      built.backend.dependencies.map((d) => d.node.id),
      ['release-acme'],
      'cdktf deploy applies the release stack first',
    );
    assert.doesNotMatch(stackJson(fleet, 'backend-core-eu-west-1'), /terraform_remote_state/, 'instances name the bucket; no cross-stack reference');
    const custom = synthesize(acme(), { bundleUri: 's3://acme-releases/fleet/fedgate-{arch}.tgz' });
    assert.ok(Testing.toHaveResourceWithProperties(stackJson(custom, 'release-acme'), S3Bucket.tfResourceType, { bucket: 'acme-releases' }));
  });

  it('keeps it private: every public access blocked, ACLs disabled, plain HTTP denied', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, S3BucketPublicAccessBlock.tfResourceType, {
        bucket: '${aws_s3_bucket.bucket.id}',
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(json, S3BucketOwnershipControls.tfResourceType, { rule: { object_ownership: 'BucketOwnerEnforced' } }));
    const policy = policyDocument(Object.values(resources(json, S3BucketPolicy.tfResourceType))[0]!.policy);
    assert.deepEqual(
      policy.Statement.map((s) => [s.Effect, s.Condition]),
      [['Deny', { Bool: { 'aws:SecureTransport': 'false' } }]],
    );
  });

  it('versions and encrypts what it holds', () => {
    assert.ok(Testing.toHaveResourceWithProperties(json, S3BucketVersioningA.tfResourceType, { versioning_configuration: { status: 'Enabled' } }));
    assert.ok(
      Testing.toHaveResourceWithProperties(json, S3BucketServerSideEncryptionConfigurationA.tfResourceType, {
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' }, bucket_key_enabled: true }],
      }),
    );
  });

  it("lets every instance read exactly its architecture's bundle and checksum, and nothing else of the bucket", () => {
    const reads = new Map<string, string[]>();
    for (const [id, stack] of fleet.stacks) {
      for (const [name, role] of Object.entries(resources(stack, IamRolePolicy.tfResourceType))) {
        const statement = policyDocument(role.policy).Statement.find((s) => s.Sid === 'ReadFedgateRelease');
        assert.ok(statement, `${id} ${name}: reads the release`);
        assert.deepEqual(statement.Action, ['s3:GetObject']);
        reads.set(`${id}/${name}`, statement.Resource as string[]);
      }
    }
    const x64 = ['arn:aws:s3:::fedgate-artifacts-acme/fedgate-linux-x64.tar.gz', 'arn:aws:s3:::fedgate-artifacts-acme/fedgate-linux-x64.tar.gz.sha256'];
    const arm64 = x64.map((r) => r.replace('x64', 'arm64'));
    assert.deepEqual([...reads.entries()].find(([k]) => k.startsWith('backend-core-eu-west-1/brokers'))![1], x64);
    assert.deepEqual([...reads.entries()].find(([k]) => k.startsWith('backend-core-eu-west-1/routers'))![1], x64);
    assert.deepEqual([...reads.entries()].find(([k]) => k.startsWith('gateway-us-us-east-1/brokers'))![1], arm64);
    assert.equal(reads.size, 5, 'backend brokers, routers, three gateways');
  });

  it("user data downloads the bundle of the instance's architecture from the release bucket's region", () => {
    const plan = planFleet(acme());
    const router = userData(stackJson(fleet, 'backend-core-eu-west-1')).get(plan.router.groupName)!;
    assert.match(router, /^ {6}FEDGATE_BUNDLE_URI='s3:\/\/fedgate-artifacts-acme\/fedgate-linux-x64\.tar\.gz'$/m);
    const gateway = userData(stackJson(fleet, 'gateway-ap-ap-southeast-1')).get(plan.gateways[2]!.groupName)!;
    assert.match(gateway, /^ {6}FEDGATE_BUNDLE_URI='s3:\/\/fedgate-artifacts-acme\/fedgate-linux-arm64\.tar\.gz'$/m);
    assert.match(gateway, /^ {6}FEDGATE_BUNDLE_REGION='eu-west-1'$/m);
    assert.match(gateway, /path: \/usr\/local\/lib\/fedgate\/fetch-release\.mjs/);
  });

  it('refuses a bundle URI without {arch} in its key (x64 and arm64 would download the same file)', () => {
    assert.throws(() => planFleet(acme(), { bundleUri: 's3://acme-releases/fedgate.tar.gz' }), /options\.bundleUri: expected \{arch\} in the key/);
  });
});

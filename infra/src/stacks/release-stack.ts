import type { Construct } from 'constructs';
import { Fn, TerraformOutput } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { TAG_ROLE } from '../aws-names.ts';
import type { FleetPlan, ReleasePlan } from '../fleet-plan.ts';
import { FleetStack } from './fleet-stack.ts';

/** Superseded release versions are kept this long for a rollback, then expire. @default 90 */
export const RELEASE_NONCURRENT_DAYS = 90;

/**
 * The bucket `fedgate release push` uploads the bundle to and every instance downloads it from at boot: private
 * (public access blocked, ACLs disabled, TLS only), versioned (a bad release can be rolled back by version), encrypted
 * at rest. Instances read it through their own roles (s3:GetObject on their architecture's bundle and checksum),
 * granted in the backend and gateway stacks; this stack grants nothing. Applied first: nodes boot from it.
 */
export class ReleaseStack extends FleetStack {
  readonly kind = 'release';
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, fleet: FleetPlan, release: ReleasePlan) {
    super(scope, id, fleet, release.region);
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: release.bucket,
      // A release bucket that still holds versions is kept: deleting it would strand every booting node.
      forceDestroy: false,
      tags: { [TAG_ROLE]: 'release' },
    });
    const bucket = this.bucket.id;
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketVersioningA(this, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    // SSE-S3: encrypted at rest without a KMS key every instance role would also need grants on.
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-superseded-releases',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: RELEASE_NONCURRENT_DAYS }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyPlainHttp',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    new TerraformOutput(this, 'bundle-uri', {
      value: release.uriTemplate,
      description: 'Where `fedgate release push` uploads and nodes download the release ({arch}: x64, arm64)',
    });
  }
}

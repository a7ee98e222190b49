import type { Construct } from 'constructs';
import { S3Backend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TAG_CLUSTER, TAG_MANAGED_BY, TAG_TOPOLOGY } from '../aws-names.ts';
import type { FleetPlan } from '../fleet-plan.ts';

export type StackKind = 'backend' | 'gateway' | 'dns';

/** What every fedgate stack shares: its kind and region (for summaries), one AWS provider, tags and state. */
export abstract class FleetStack extends TerraformStack {
  abstract readonly kind: StackKind;
  readonly region: string;
  readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, fleet: FleetPlan, region: string, cluster?: string) {
    super(scope, id);
    this.region = region;
    this.provider = new AwsProvider(this, 'aws', {
      region,
      defaultTags: [
        {
          tags: {
            [TAG_TOPOLOGY]: fleet.topology.name,
            ...(cluster ? { [TAG_CLUSTER]: cluster } : {}),
            [TAG_MANAGED_BY]: 'fedgate',
          },
        },
      ],
    });
    const state = fleet.options.state;
    if (state) {
      new S3Backend(this, { bucket: state.bucket, key: `fedgate/${fleet.topology.name}/${id}.tfstate`, region: state.region, encrypt: true });
      // Terraform >= 1.10 locks with an object next to the state; no DynamoDB table to create first.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    }
  }
}

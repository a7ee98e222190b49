import type { Construct } from 'constructs';
import { LocalBackend, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TAG_CLUSTER, TAG_MANAGED_BY, TAG_TOPOLOGY } from '../aws-names.ts';
import type { FleetPlan } from '../fleet-plan.ts';
import type { Architecture } from '../instance-type.ts';

/** Terraform that runs these stacks: the S3 backend's lock file (use_lockfile) needs 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10.0';
/** Local state, relative to the stack's directory (terraform -chdir=<out>/stacks/<id>), wherever synth ran. */
export const LOCAL_STATE_FILE = 'terraform.tfstate';

export type StackKind = 'release' | 'backend' | 'gateway' | 'dns';

/** What every fedgate stack shares: its kind and region (for summaries), one AWS provider, tags and state. */
export abstract class FleetStack extends TerraformStack {
  abstract readonly kind: StackKind;
  readonly region: string;
  readonly provider: AwsProvider;
  readonly #images = new Map<Architecture, string>();

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
    } else {
      new LocalBackend(this, { path: LOCAL_STATE_FILE });
    }
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  }

  /**
   * The Debian 13 AMI id for `architecture` in this stack's region, as an input (`-var debian13_ami_arm64=ami-…`):
   * pinned by the operator, so a new image never replaces nodes on an unrelated apply.
   */
  debianImage(architecture: Architecture): string {
    let image = this.#images.get(architecture);
    if (image === undefined) {
      const variable = new TerraformVariable(this, `debian13_ami_${architecture}`, {
        type: 'string',
        description: `Debian 13 (trixie) AMI id for ${architecture} in ${this.region} (Debian's official images; RabbitMQ 4.0 from its packages)`,
        validation: [
          {
            condition: `\${can(regex("^ami-[0-9a-f]{8,17}$", var.debian13_ami_${architecture}))}`,
            errorMessage: 'expected an AMI id such as ami-0123456789abcdef0',
          },
        ],
      });
      image = variable.stringValue;
      this.#images.set(architecture, image);
    }
    return image;
  }
}

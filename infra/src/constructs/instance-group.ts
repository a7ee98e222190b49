import { Construct } from 'constructs';
import { Fn, Token } from 'cdktf';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { boundedName } from '../aws-names.ts';
import type { Architecture } from '../instance-type.ts';

/** Root device of Debian's official AMIs (all architectures). */
const DEBIAN_ROOT_DEVICE = '/dev/xvda';
/** IAM role names are limited to 64 characters. */
const ROLE_NAME_MAX = 64;
/**
 * Longest the boot script waits for its secrets to get a value (`fedgate secrets push`) before it fails and the group
 * replaces the instance. @default 1800 (30 minutes)
 */
export const SECRET_WAIT_SECONDS = 1800;
/** Installing packages and the release, starting RabbitMQ and forming the cluster, with room. */
export const BOOT_WORK_SECONDS = 600;
/**
 * Seconds before the group judges a new node by its load balancer health: the whole wait for secrets plus the boot's
 * own work, so a node is never replaced while it still legitimately waits. One number with the boot script's wait.
 */
export const HEALTH_CHECK_GRACE_SECONDS = SECRET_WAIT_SECONDS + BOOT_WORK_SECONDS;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string | string[];
}

export interface InstanceGroupConfig {
  /** Auto Scaling group and launch template name. */
  readonly name: string;
  readonly instanceType: string;
  readonly architecture: Architecture;
  /** AMI id (a Terraform variable's token): Debian 13 for this region and architecture. */
  readonly imageId: string;
  readonly count: number;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  /** base64 user data. */
  readonly userData: string;
  readonly rootVolumeGiB: number;
  /** What the instances may do besides Session Manager. */
  readonly statements: readonly PolicyStatement[];
  readonly targetGroupArns?: string[];
  /**
   * Replace instances one by one when the launch template changes. Right for stateless services (the router);
   * wrong for broker nodes, whose replacement an operator schedules (quorum queues move, links reconnect).
   * @default false
   */
  readonly rollOnChange?: boolean;
  readonly tags: Record<string, string>;
}

/**
 * A fixed-size Auto Scaling group of Debian 13 instances (the AMI is an input, never `most_recent`): IAM role with exactly the permissions given, IMDSv2 only,
 * an encrypted gp3 root volume, and no SSH (Session Manager instead).
 */
export class InstanceGroup extends Construct {
  readonly group: AutoscalingGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, config: InstanceGroupConfig) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: boundedName([config.name, 'node'], ROLE_NAME_MAX),
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags: config.tags,
    });
    new IamRolePolicy(this, 'permissions', {
      role: this.role.name,
      name: 'fedgate-node',
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: config.statements }),
    });
    new IamRolePolicyAttachment(this, 'session-manager', {
      role: this.role.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    });
    const profile = new IamInstanceProfile(this, 'profile', { name: this.role.name, role: this.role.name });

    this.launchTemplate = new LaunchTemplate(this, 'template', {
      name: config.name,
      imageId: config.imageId,
      instanceType: config.instanceType,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: config.securityGroupIds,
      userData: config.userData,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: DEBIAN_ROOT_DEVICE,
          ebs: { volumeSize: config.rootVolumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: [
        { resourceType: 'instance', tags: { ...config.tags, Name: config.name } },
        { resourceType: 'volume', tags: { ...config.tags, Name: config.name } },
      ],
      tags: config.tags,
    });

    const balanced = (config.targetGroupArns ?? []).length > 0;
    this.group = new AutoscalingGroup(this, 'group', {
      name: config.name,
      minSize: config.count,
      maxSize: config.count,
      desiredCapacity: config.count,
      vpcZoneIdentifier: config.subnetIds,
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      ...(balanced ? { targetGroupArns: config.targetGroupArns } : {}),
      healthCheckType: balanced ? 'ELB' : 'EC2',
      healthCheckGracePeriod: HEALTH_CHECK_GRACE_SECONDS,
      // Nodes wait for their secrets at boot; apply must not block on capacity the operator has not unlocked yet.
      waitForCapacityTimeout: '0',
      // Rebalancing across zones terminates healthy nodes; a broker cluster should lose a node only on purpose.
      suspendedProcesses: config.rollOnChange ? [] : ['AZRebalance'],
      ...(config.rollOnChange ? { instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 50 } } } : {}),
      tag: Object.entries({ ...config.tags, Name: config.name }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    });
  }
}

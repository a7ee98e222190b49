import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';

/** Anywhere on the IPv4 internet. */
export const WORLD = '0.0.0.0/0';

export interface IngressRule {
  /** Says who needs it and why; shows in the console next to the rule. */
  readonly description: string;
  readonly fromPort: number;
  /** @default fromPort */
  readonly toPort?: number;
  /** A CIDR, "self" for the other members of this group (nodes of the same cluster), or a managed prefix list. */
  readonly from: string | 'self' | { readonly prefixListId: string };
}

export interface NodeFirewallConfig {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  readonly ingress: readonly IngressRule[];
  readonly tags?: Record<string, string>;
}

/**
 * A security group with one resource per rule (aws_vpc_security_group_ingress_rule), so each rule has its own
 * description, shows in plans on its own, and other stacks can add rules without rewriting the group.
 */
export class NodeFirewall extends Construct {
  readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, config: NodeFirewallConfig) {
    super(scope, id);
    this.group = new SecurityGroup(this, 'group', {
      name: config.name,
      description: config.description,
      vpcId: config.vpcId,
      tags: { ...config.tags, Name: config.name },
    });
    config.ingress.forEach((rule, i) => {
      new VpcSecurityGroupIngressRule(this, `ingress-${i}`, {
        securityGroupId: this.group.id,
        description: rule.description,
        ipProtocol: 'tcp',
        fromPort: rule.fromPort,
        toPort: rule.toPort ?? rule.fromPort,
        ...(rule.from === 'self'
          ? { referencedSecurityGroupId: this.group.id }
          : typeof rule.from === 'string'
            ? { cidrIpv4: rule.from }
            : { prefixListId: rule.from.prefixListId }),
      });
    });
    // Egress: apt and the RabbitMQ package at boot, S3 and Secrets Manager, and the links to the backend.
    new VpcSecurityGroupEgressRule(this, 'egress', {
      securityGroupId: this.group.id,
      description: 'Packages, S3, Secrets Manager at boot; links to the backend',
      ipProtocol: '-1',
      cidrIpv4: WORLD,
    });
  }
}

/** Erlang distribution between the nodes of one cluster: epmd, the node port, and the CLI tools' range. */
export function clusterPortRules(cluster: string): IngressRule[] {
  return [
    { description: `epmd between ${cluster} nodes`, fromPort: 4369, from: 'self' },
    { description: `Erlang distribution between ${cluster} nodes`, fromPort: 25672, from: 'self' },
    { description: `rabbitmqctl between ${cluster} nodes`, fromPort: 35672, toPort: 35682, from: 'self' },
  ];
}

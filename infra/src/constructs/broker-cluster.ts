import type { Construct } from 'constructs';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { ROLE_BROKER_SECURITY_GROUP, TAG_CLUSTER, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { ClusterPlan, FleetPlan } from '../fleet-plan.ts';
import { brokerStatements } from '../node-permissions.ts';
import { brokerCloudConfig, encodeUserData, renderCloudConfig } from '../user-data.ts';
import type { ClusterNetwork } from './cluster-network.ts';
import { emptySecret } from './empty-secret.ts';
import { InstanceGroup } from './instance-group.ts';
import { NetworkLoadBalancer } from './network-load-balancer.ts';
import { NodeFirewall, type IngressRule } from './node-firewall.ts';

export interface BrokerClusterConfig {
  readonly fleet: FleetPlan;
  readonly plan: ClusterPlan;
  readonly network: ClusterNetwork;
  /** The nodes' machine image (the stack's Debian AMI input for their architecture). */
  readonly imageId: string;
  /** Every rule of the nodes' security group, the cluster's own ports (`clusterPortRules`) included. */
  readonly ingress: readonly IngressRule[];
  /** Port the internal load balancer probes on each node instead of each listener's own. @default the listener's port */
  readonly healthCheckPort?: number;
  /** Target groups of the cluster's other load balancers that the nodes join too (a gateway's device load balancer). */
  readonly otherTargetGroups?: readonly LbTargetGroup[];
}

/**
 * A cluster's RabbitMQ nodes, backend or gateway alike: their security group, the two secrets they boot from
 * (definitions and runtime), an internal load balancer for AMQP and management, and the instance group.
 * It adds its resources to the stack it is given rather than under a scope of its own: a resource's Terraform
 * address comes from its construct path, and a new path would make Terraform replace every node of a deployed fleet.
 */
export class BrokerCluster {
  /** Where the cluster's host name points (AMQP and management inside the fleet's networks). */
  readonly internal: NetworkLoadBalancer;

  constructor(stack: Construct, config: BrokerClusterConfig) {
    const { fleet, plan, network } = config;
    const topology = fleet.topology.name;
    const owner = { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: plan.name };
    const { ports } = plan.cluster;
    const gateway = plan.role === 'gateway';
    const firewall = new NodeFirewall(stack, 'nodes', {
      name: `fedgate-${topology}-${plan.name}-nodes`,
      description: gateway ? `RabbitMQ nodes of gateway ${plan.name}` : `RabbitMQ nodes of the ${plan.name} backend`,
      vpcId: network.vpc.id,
      tags: { ...owner, [TAG_ROLE]: ROLE_BROKER_SECURITY_GROUP },
      ingress: [...config.ingress],
    });
    const definitions = emptySecret(stack, 'definitions', {
      name: plan.definitionsSecret,
      description: `definitions.json of ${plan.name}, gzip-compressed, as SecretBinary (fedgate render, then put-secret-value)`,
      tags: owner,
    });
    const runtime = emptySecret(stack, 'runtime', {
      name: plan.runtimeSecret,
      description: `JSON {erlangCookie, tls?, env} for the ${plan.name} nodes${gateway ? ' and gateway-health' : ''}`,
      tags: owner,
    });
    const probe = config.healthCheckPort === undefined ? {} : { healthCheckPort: config.healthCheckPort };
    this.internal = new NetworkLoadBalancer(stack, 'internal-lb', {
      topology,
      cluster: plan.name,
      internal: true,
      subnetIds: network.privateSubnets.map((s) => s.id),
      vpcId: network.vpc.id,
      listeners: [
        { name: 'amqp', port: ports.amqp, ...probe },
        { name: 'management', port: ports.management, ...probe },
      ],
      tags: owner,
    });
    new InstanceGroup(stack, 'brokers', {
      name: plan.groupName,
      instanceType: plan.instanceType,
      architecture: plan.architecture,
      imageId: config.imageId,
      count: plan.nodes,
      subnetIds: network.privateSubnets.map((s) => s.id),
      securityGroupIds: [firewall.group.id],
      userData: encodeUserData(renderCloudConfig(brokerCloudConfig(fleet, plan))),
      rootVolumeGiB: fleet.options.rootVolumeGiB,
      statements: brokerStatements({ secrets: [definitions.arn, runtime.arn], peerDiscovery: plan.nodes > 1, bundle: plan.bundle }),
      targetGroupArns: [...(config.otherTargetGroups ?? []), ...this.internal.targetGroups].map((g) => g.arn),
      tags: owner,
    });
  }
}

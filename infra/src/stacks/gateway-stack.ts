import type { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { ROLE_DEVICE_LOAD_BALANCER, TAG_CLUSTER, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { FleetPlan, GatewayPlan } from '../fleet-plan.ts';
import { BackendLink } from '../constructs/backend-link.ts';
import { BrokerCluster } from '../constructs/broker-cluster.ts';
import { ClusterNetwork } from '../constructs/cluster-network.ts';
import { NetworkLoadBalancer } from '../constructs/network-load-balancer.ts';
import { clusterPortRules, WORLD, type IngressRule } from '../constructs/node-firewall.ts';
import { FleetStack } from './fleet-stack.ts';

/**
 * One gateway region, its provider in that region: VPC with the topology's CIDR, nodes that devices reach through an
 * internet-facing NLB (MQTT/STOMP and the gateway-health port only), AMQP and management reachable only from the
 * backend's CIDR through an internal NLB, and the peering link to the backend.
 */
export class GatewayStack extends FleetStack {
  readonly kind = 'gateway';

  constructor(scope: Construct, id: string, fleet: FleetPlan, plan: GatewayPlan) {
    super(scope, id, fleet, plan.region, plan.name);
    const topology = fleet.topology.name;
    const owner = { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: plan.name };
    const backend = fleet.backend;

    const network = new ClusterNetwork(this, 'network', { topology, cluster: plan.name, cidr: plan.cidr, subnets: plan.subnets });
    // AWS keeps this list of Route53's health-checker addresses per region; nothing else reaches gateway-health.
    const healthCheckers = new DataAwsEc2ManagedPrefixList(this, 'route53-health-checkers', { name: ROUTE53_HEALTH_CHECKERS_PREFIX_LIST });
    // Health checks of the private listeners probe a device port too: load balancer addresses are in this VPC, and
    // AMQP and management admit the backend's CIDR only.
    const probe = plan.deviceListeners[0]!.port;
    const devices = new NetworkLoadBalancer(this, 'device-lb', {
      topology,
      cluster: plan.name,
      internal: false,
      subnetIds: network.publicSubnets.map((s) => s.id),
      vpcId: network.vpc.id,
      // Every target group judges a node by its first device port, gateway-health's included: the group replaces
      // nodes whose RabbitMQ is down, never nodes whose health service reports a cut link (that is DNS's job).
      // Device listeners get PROXY protocol v2 when the topology says the gateway expects it (it then sees device
      // addresses); gateway-health's HTTP never does.
      listeners: plan.deviceListeners.map((l) => ({
        name: l.name,
        port: l.port,
        ...(l.name === 'health' ? { healthCheckPort: probe } : { proxyProtocol: plan.gateway.proxyProtocol }),
      })),
      // The DNS stack finds this load balancer by these tags.
      tags: { ...owner, [TAG_ROLE]: ROLE_DEVICE_LOAD_BALANCER },
    });
    const brokers = new BrokerCluster(this, {
      fleet,
      plan,
      network,
      imageId: this.debianImage(plan.architecture),
      ingress: gatewayIngress(plan, backend.cidr, healthCheckers.id),
      healthCheckPort: probe,
      otherTargetGroups: devices.targetGroups,
    });

    const link = new BackendLink(this, 'backend-link', {
      topology,
      gateway: { name: plan.name, region: plan.region, cidr: plan.cidr },
      backend: { name: backend.name, region: backend.region, cidr: backend.cidr, amqpPort: fleet.topology.backend.ports.amqp },
      azCount: fleet.options.azCount,
      privateZone: fleet.privateZone,
      network,
    });
    new Route53Record(this, 'host', {
      zoneId: link.zone.zoneId,
      name: plan.gateway.host,
      type: 'A',
      alias: { name: brokers.internal.lb.dnsName, zoneId: brokers.internal.lb.zoneId, evaluateTargetHealth: true },
    });

    new TerraformOutput(this, 'device-endpoint', { value: devices.lb.dnsName, description: 'Load balancer devices reach (DNS latency records point here)' });
    new TerraformOutput(this, 'secrets', {
      value: { definitions: plan.definitionsSecret, runtime: plan.runtimeSecret },
      description: 'Secrets to put before the nodes can finish booting',
    });
  }
}

/** AWS-managed prefix list of Route53 health checker addresses (one per region). */
export const ROUTE53_HEALTH_CHECKERS_PREFIX_LIST = 'com.amazonaws.route53-healthchecks';

/**
 * Devices reach the protocols this gateway has from anywhere; Route53's checkers (their prefix list) reach gateway-health; AMQP,
 * management and Prometheus admit the backend's CIDR only (links are initiated by the gateway, so the backend
 * side needs them only for fedgate apply/status and scraping). Management is never open to the world.
 */
export function gatewayIngress(plan: GatewayPlan, backendCidr: string, healthCheckersPrefixList: string): IngressRule[] {
  const { ports } = plan.gateway;
  const device = plan.deviceListeners.map((l): IngressRule =>
    l.name === 'health'
      ? {
          description: 'gateway-health from Route53 health checkers only (through the device load balancer, client IPs preserved)',
          fromPort: l.port,
          from: { prefixListId: healthCheckersPrefixList },
        }
      : { description: `${l.name.toUpperCase()} from devices anywhere`, fromPort: l.port, from: WORLD },
  );
  return [
    ...device,
    { description: 'AMQP from the backend VPC only', fromPort: ports.amqp, from: backendCidr },
    { description: 'Management API from the backend VPC only (fedgate plan/apply/status)', fromPort: ports.management, from: backendCidr },
    { description: 'Prometheus scrapes from the backend VPC', fromPort: ports.prometheus, from: backendCidr },
    ...clusterPortRules(plan.name),
  ];
}

import type { Construct } from 'constructs';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone/index.js';
import { TAG_CLUSTER, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { FleetPlan } from '../fleet-plan.ts';
import { encodeUserData, renderCloudConfig, routerCloudConfig } from '../user-data.ts';
import { BrokerCluster } from '../constructs/broker-cluster.ts';
import { ClusterNetwork } from '../constructs/cluster-network.ts';
import { emptySecret } from '../constructs/empty-secret.ts';
import { InstanceGroup } from '../constructs/instance-group.ts';
import { clusterPortRules, NodeFirewall } from '../constructs/node-firewall.ts';
import { routerStatements } from '../node-permissions.ts';
import { FleetStack } from './fleet-stack.ts';

/** Where `fedgate router` serves /metrics, /healthz and /readyz (its --port default). */
export const ROUTER_METRICS_PORT = 9464;
/** The router keeps nothing on disk beyond the OS and the bundle. */
const ROUTER_ROOT_VOLUME_GIB = 20;

/**
 * The backend region: the backend cluster behind an internal NLB (AMQP and management never leave the private
 * network), the router instances, and the fleet's private hosted zone that names every cluster's host.
 * Gateways attach themselves to it (peering, routes, an AMQP rule, zone association) from their own stacks.
 */
export class BackendStack extends FleetStack {
  readonly kind = 'backend';

  constructor(scope: Construct, id: string, fleet: FleetPlan) {
    const plan = fleet.backend;
    super(scope, id, fleet, plan.region, plan.name);
    const topology = fleet.topology.name;
    const owner = { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: plan.name };
    const { ports } = fleet.topology.backend;

    const network = new ClusterNetwork(this, 'network', { topology, cluster: plan.name, cidr: plan.cidr, subnets: plan.subnets });
    const brokers = new BrokerCluster(this, {
      fleet,
      plan,
      network,
      imageId: this.debianImage(plan.architecture),
      ingress: [
        { description: 'AMQP from the backend VPC: router, microservices, load balancer health checks', fromPort: ports.amqp, from: plan.cidr },
        { description: 'Management API from the backend VPC only (fedgate plan/apply/status)', fromPort: ports.management, from: plan.cidr },
        { description: 'Prometheus scrapes from the backend VPC', fromPort: ports.prometheus, from: plan.cidr },
        ...clusterPortRules(plan.name),
      ],
    });

    // The private zone every VPC of the fleet is associated with; gateway stacks add their VPC and host record.
    const zone = new Route53Zone(this, 'private-zone', {
      name: fleet.privateZone,
      comment: `fedgate ${topology}: cluster hosts (links, router, fedgate apply)`,
      vpc: [{ vpcId: network.vpc.id, vpcRegion: plan.region }],
      // Gateway stacks associate their VPCs with aws_route53_zone_association; this stack must not undo that.
      lifecycle: { ignoreChanges: ['vpc'] },
      forceDestroy: false,
    });
    new Route53Record(this, 'host', {
      zoneId: zone.zoneId,
      name: fleet.topology.backend.host,
      type: 'A',
      alias: { name: brokers.internal.lb.dnsName, zoneId: brokers.internal.lb.zoneId, evaluateTargetHealth: true },
    });

    const router = fleet.router;
    const monitoring = new TerraformVariable(this, 'monitoring_cidr', {
      type: 'string',
      description: "IPv4 CIDR of the monitoring network whose Prometheus scrapes the routers' /metrics",
      validation: [{ condition: '${can(cidrhost(var.monitoring_cidr, 0))}', errorMessage: 'expected an IPv4 CIDR such as 10.0.0.0/16' }],
    });
    const routerFirewall = new NodeFirewall(this, 'router', {
      name: `fedgate-${topology}-router`,
      description: 'fedgate router instances: AMQP out to the backend; /metrics in from monitoring',
      vpcId: network.vpc.id,
      tags: owner,
      ingress: [
        {
          description: 'Prometheus scrapes of the router (/metrics, /healthz) from the monitoring network',
          fromPort: ROUTER_METRICS_PORT,
          from: monitoring.stringValue,
        },
      ],
    });
    const routerSecret = emptySecret(this, 'router-secret', {
      name: router.secret,
      description: 'JSON {env, tls?} for the router: its FEDGATE_<BACKEND>_ROUTER_PASSWORD and, with TLS, the fleet CA (ca.pem)',
      tags: owner,
    });
    new InstanceGroup(this, 'routers', {
      name: router.groupName,
      instanceType: router.instanceType,
      architecture: router.architecture,
      imageId: this.debianImage(router.architecture),
      count: router.nodes,
      subnetIds: network.privateSubnets.map((s) => s.id),
      securityGroupIds: [routerFirewall.group.id],
      userData: encodeUserData(renderCloudConfig(routerCloudConfig(fleet))),
      rootVolumeGiB: ROUTER_ROOT_VOLUME_GIB,
      statements: routerStatements({ secret: routerSecret.arn, bundle: router.bundle }),
      rollOnChange: true,
      tags: { ...owner, [TAG_ROLE]: 'router' },
    });

    new TerraformOutput(this, 'amqp-endpoint', {
      value: `${fleet.topology.backend.host}:${ports.amqp}`,
      description: 'Where links and microservices reach the backend',
    });
    new TerraformOutput(this, 'secrets', {
      value: { definitions: plan.definitionsSecret, runtime: plan.runtimeSecret, router: router.secret },
      description: 'Secrets to put before the nodes can finish booting',
    });
  }
}

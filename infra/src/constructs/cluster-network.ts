import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { ROLE_PRIVATE_ROUTE_TABLE, TAG_AZ_INDEX, TAG_CLUSTER, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { SubnetLayout } from '../subnet-layout.ts';

export interface ClusterNetworkConfig {
  readonly topology: string;
  readonly cluster: string;
  /** The topology's CIDR for this cluster. */
  readonly cidr: string;
  readonly subnets: SubnetLayout;
}

/**
 * A cluster's VPC: public subnets (load balancers, NAT) and private subnets (nodes) in each availability zone, one NAT
 * gateway per zone so losing a zone does not cut the others' egress (nodes reach apt, S3 and Secrets Manager at boot).
 */
export class ClusterNetwork extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly privateRouteTables: RouteTable[];

  constructor(scope: Construct, id: string, config: ClusterNetworkConfig) {
    super(scope, id);
    const { topology, cluster } = config;
    const owner = { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: cluster };
    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    // Fn.element wraps around: in a region with fewer zones than subnets, the extra subnets share a zone.
    const zone = (i: number) => Fn.element(zones.names, i);

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: config.cidr,
      // Nodes find each other by their EC2 host names (rabbit@ip-10-1-8-12) and resolve the fleet's private zone.
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { ...owner, Name: `fedgate-${topology}-${cluster}` },
    });
    const internet = new InternetGateway(this, 'internet', { vpcId: this.vpc.id, tags: { Name: `fedgate-${topology}-${cluster}` } });

    const publicTable = new RouteTable(this, 'public-routes', { vpcId: this.vpc.id, tags: { Name: `fedgate-${topology}-${cluster}-public` } });
    new Route(this, 'public-default', { routeTableId: publicTable.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: internet.id });

    this.publicSubnets = config.subnets.public.map((cidr, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        tags: { ...owner, Name: `fedgate-${topology}-${cluster}-public-${i}`, [TAG_AZ_INDEX]: String(i) },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicTable.id });
      return subnet;
    });

    this.privateRouteTables = [];
    this.privateSubnets = config.subnets.private.map((cidr, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        privateDnsHostnameTypeOnLaunch: 'ip-name',
        tags: { ...owner, Name: `fedgate-${topology}-${cluster}-private-${i}`, [TAG_AZ_INDEX]: String(i) },
      });
      const eip = new Eip(this, `nat-${i}-address`, { domain: 'vpc', tags: { Name: `fedgate-${topology}-${cluster}-nat-${i}` } });
      const nat = new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i]!.id,
        tags: { Name: `fedgate-${topology}-${cluster}-nat-${i}` },
        dependsOn: [internet],
      });
      // Gateway stacks look these tables up (by tags) to route their CIDR to the backend over peering.
      const table = new RouteTable(this, `private-${i}-routes`, {
        vpcId: this.vpc.id,
        tags: { ...owner, Name: `fedgate-${topology}-${cluster}-private-${i}`, [TAG_ROLE]: ROLE_PRIVATE_ROUTE_TABLE, [TAG_AZ_INDEX]: String(i) },
      });
      new Route(this, `private-${i}-default`, { routeTableId: table.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-${i}-association`, { subnetId: subnet.id, routeTableId: table.id });
      this.privateRouteTables.push(table);
      return subnet;
    });
  }
}

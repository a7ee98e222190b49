import { Construct } from 'constructs';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone/index.js';
import { DataAwsRouteTable } from '@cdktf/provider-aws/lib/data-aws-route-table/index.js';
import { DataAwsSecurityGroup } from '@cdktf/provider-aws/lib/data-aws-security-group/index.js';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { Route53ZoneAssociation } from '@cdktf/provider-aws/lib/route53-zone-association/index.js';
import { VpcPeeringConnection } from '@cdktf/provider-aws/lib/vpc-peering-connection/index.js';
import { VpcPeeringConnectionAccepterA } from '@cdktf/provider-aws/lib/vpc-peering-connection-accepter/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { ROLE_BROKER_SECURITY_GROUP, ROLE_PRIVATE_ROUTE_TABLE, TAG_AZ_INDEX, TAG_CLUSTER, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { ClusterNetwork } from './cluster-network.ts';

export interface BackendLinkConfig {
  readonly topology: string;
  readonly gateway: { readonly name: string; readonly region: string; readonly cidr: string };
  readonly backend: { readonly name: string; readonly region: string; readonly cidr: string; readonly amqpPort: number };
  readonly azCount: number;
  /** The fleet's private hosted zone (created by the backend stack). */
  readonly privateZone: string;
  readonly network: ClusterNetwork;
}

/**
 * The gateway's private path to the backend, owned entirely by the gateway stack: an inter-region VPC peering
 * connection (requested here, accepted in the backend region), routes on both sides, the backend security-group
 * rule that admits this gateway's CIDR to AMQP, and this VPC's association with the fleet's private zone.
 * Backend resources are found by tags, so adding or removing a gateway never changes the backend stack.
 */
export class BackendLink extends Construct {
  readonly peering: VpcPeeringConnection;
  readonly zone: DataAwsRoute53Zone;

  constructor(scope: Construct, id: string, config: BackendLinkConfig) {
    super(scope, id);
    const { backend, gateway, topology } = config;
    const backendTags = { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: backend.name };
    const inBackend = { region: backend.region };

    const backendVpc = new DataAwsVpc(this, 'backend-vpc', { ...inBackend, cidrBlock: backend.cidr, tags: backendTags });
    this.peering = new VpcPeeringConnection(this, 'peering', {
      vpcId: config.network.vpc.id,
      peerVpcId: backendVpc.id,
      peerRegion: backend.region,
      tags: { Name: `fedgate-${topology}-${gateway.name}-to-${backend.name}` },
    });
    const accepter = new VpcPeeringConnectionAccepterA(this, 'accepter', {
      ...inBackend,
      vpcPeeringConnectionId: this.peering.id,
      autoAccept: true,
      tags: { Name: `fedgate-${topology}-${gateway.name}-to-${backend.name}` },
    });

    config.network.privateRouteTables.forEach((table, i) => {
      new Route(this, `to-backend-${i}`, {
        routeTableId: table.id,
        destinationCidrBlock: backend.cidr,
        vpcPeeringConnectionId: this.peering.id,
        dependsOn: [accepter],
      });
    });
    for (let i = 0; i < config.azCount; i++) {
      const table = new DataAwsRouteTable(this, `backend-routes-${i}`, {
        ...inBackend,
        vpcId: backendVpc.id,
        tags: { ...backendTags, [TAG_ROLE]: ROLE_PRIVATE_ROUTE_TABLE, [TAG_AZ_INDEX]: String(i) },
      });
      new Route(this, `from-backend-${i}`, {
        ...inBackend,
        routeTableId: table.routeTableId,
        destinationCidrBlock: gateway.cidr,
        vpcPeeringConnectionId: this.peering.id,
        dependsOn: [accepter],
      });
    }

    const backendNodes = new DataAwsSecurityGroup(this, 'backend-nodes', {
      ...inBackend,
      vpcId: backendVpc.id,
      tags: { ...backendTags, [TAG_ROLE]: ROLE_BROKER_SECURITY_GROUP },
    });
    new VpcSecurityGroupIngressRule(this, 'backend-amqp', {
      ...inBackend,
      securityGroupId: backendNodes.id,
      description: `AMQP from gateway ${gateway.name} (${gateway.region}): its shovels and federation links`,
      ipProtocol: 'tcp',
      fromPort: backend.amqpPort,
      toPort: backend.amqpPort,
      cidrIpv4: gateway.cidr,
    });

    this.zone = new DataAwsRoute53Zone(this, 'private-zone', { name: config.privateZone, privateZone: true, vpcId: backendVpc.id });
    new Route53ZoneAssociation(this, 'zone-association', { zoneId: this.zone.zoneId, vpcId: config.network.vpc.id, vpcRegion: gateway.region });
  }
}

import type { Construct } from 'constructs';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb/index.js';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone/index.js';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { ROLE_DEVICE_LOAD_BALANCER, TAG_CLUSTER, TAG_GATEWAY, TAG_RECORD, TAG_ROLE, TAG_TOPOLOGY } from '../aws-names.ts';
import type { DnsPlan, FleetPlan } from '../fleet-plan.ts';
import { FleetStack } from './fleet-stack.ts';

/** Route53 is a global service; its API lives in us-east-1. */
export const ROUTE53_REGION = 'us-east-1';
/**
 * Health check attributes `fedgate dns drain|undrain` sets (Disabled + Inverted force a region unhealthy). They are
 * operational state: Terraform creates the checks but must never revert a drain on a later apply.
 */
export const DRAIN_ATTRIBUTES = ['disabled', 'inverted'] as const;

/**
 * Devices resolve one name (e.g. mqtt.acme.example.com) and get their nearest healthy gateway: one latency record per
 * gateway region (set identifier = region), aliasing that region's device NLB with evaluate-target-health, and a
 * health check on `fedgate gateway-health` through the same NLB, which fails when the gateway is cut off from the
 * backend. Each region's NLB is found by its tags in that region, so this stack needs no other stack's state.
 * This stack is the only owner of the records and checks; `fedgate dns` reads them, finds the checks by their tags,
 * and drains a region by toggling the DRAIN_ATTRIBUTES this stack ignores.
 */
export class DnsStack extends FleetStack {
  readonly kind = 'dns';

  constructor(scope: Construct, id: string, fleet: FleetPlan, dns: DnsPlan) {
    super(scope, id, fleet, ROUTE53_REGION);
    const topology = fleet.topology.name;
    const zone = new DataAwsRoute53Zone(this, 'zone', { name: dns.zone, privateZone: false });
    const recordFqdn = `${dns.recordName}.`.toLowerCase();

    for (const gateway of fleet.gateways) {
      const lb = new DataAwsLb(this, `${gateway.name}-lb`, {
        region: gateway.region,
        tags: { [TAG_TOPOLOGY]: topology, [TAG_CLUSTER]: gateway.name, [TAG_ROLE]: ROLE_DEVICE_LOAD_BALANCER },
      });
      const check = new Route53HealthCheck(this, `${gateway.name}-health`, {
        type: 'HTTP',
        fqdn: lb.dnsName,
        port: dns.healthCheck.port,
        resourcePath: dns.healthCheck.path,
        requestInterval: dns.healthCheck.intervalSeconds,
        failureThreshold: dns.healthCheck.failureThreshold,
        tags: { Name: `fedgate-${topology}-${gateway.name}`, [TAG_TOPOLOGY]: topology, [TAG_GATEWAY]: gateway.name, [TAG_RECORD]: recordFqdn },
        lifecycle: { ignoreChanges: [...DRAIN_ATTRIBUTES] },
      });
      new Route53Record(this, `${gateway.name}-latency`, {
        zoneId: zone.zoneId,
        name: dns.recordName,
        type: 'A',
        setIdentifier: gateway.region,
        latencyRoutingPolicy: { region: gateway.region },
        healthCheckId: check.id,
        // Alias records take the target's TTL (60 s for an NLB); dns.ttlSeconds cannot apply to them.
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
      });
    }
  }
}

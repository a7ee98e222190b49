/**
 * Test support: a Route53 account seeded with exactly what the infra DNS stack's Terraform creates, read from the
 * synthesized stack JSON (records, health checks with their tags and the provider's default tags). References to
 * the regions' load balancers become NLB names in those regions, as `data.aws_lb` would resolve them.
 */
import type { HealthCheck, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { NLB_HOSTED_ZONE_IDS } from '../src/index.ts';
import { synthesize, stackJson } from '../../../infra/test/synthesized-fleet.ts';
import { Route53Account, canonical } from './route53-account.ts';

type Block = Record<string, unknown>;
interface StackJson {
  provider?: { aws?: { default_tags?: { tags?: Record<string, string> }[] }[] };
  data?: Record<string, Record<string, Block>>;
  resource?: Record<string, Record<string, Block>>;
}

/** The fake NLB name a gateway's `data.aws_lb` resolves to. */
export function deviceLoadBalancerName(topology: string, gateway: string, region: string): string {
  return `${topology}-${gateway}-dev-0123456789abcdef.elb.${region}.amazonaws.com`;
}

const synthesized = new Map<string, string>();

/** The DNS stack of `topology` as Terraform JSON (what `fedgate synth` writes for it); synthesized once per topology. */
export function dnsStackJson(topology: Topology): string {
  const key = JSON.stringify(topology);
  let json = synthesized.get(key);
  if (json === undefined) {
    json = stackJson(synthesize(topology), `dns-${topology.name}`);
    synthesized.set(key, json);
  }
  return json;
}

/** An account holding the public zone and everything `terraform apply` of the DNS stack leaves in it. */
export function accountAfterDnsStack(topology: Topology, json = dnsStackJson(topology)): Route53Account {
  const stack = JSON.parse(json) as StackJson;
  const account = new Route53Account();
  const defaults = stack.provider?.aws?.[0]?.default_tags?.[0]?.tags ?? {};
  const zoneName = String(stack.data?.aws_route53_zone?.zone?.name);
  account.zones = [{ Id: '/hostedzone/ZACME', Name: canonical(zoneName), CallerReference: 'zone', Config: { PrivateZone: false } }];

  const lbs = stack.data?.aws_lb ?? {};
  const lbRef = (ref: unknown, attribute: 'dns_name' | 'zone_id'): string => {
    const id = new RegExp(`^\\$\\{data\\.aws_lb\\.([^.]+)\\.${attribute}\\}$`).exec(String(ref))?.[1];
    const lb = lbs[id ?? ''];
    if (lb === undefined) throw new Error(`dns stack: unresolvable load balancer reference ${String(ref)}`);
    const region = String(lb.region);
    const cluster = String((lb.tags as Record<string, string>)['fedgate:cluster']);
    return attribute === 'dns_name' ? deviceLoadBalancerName(topology.name, cluster, region) : NLB_HOSTED_ZONE_IDS[region]!;
  };

  const checkIds = new Map<string, string>();
  for (const [logicalId, hc] of Object.entries(stack.resource?.aws_route53_health_check ?? {})) {
    const id = `hc-${checkIds.size + 1}`;
    checkIds.set(logicalId, id);
    const check: HealthCheck = {
      Id: id,
      CallerReference: `terraform-${logicalId}`,
      HealthCheckVersion: 1,
      HealthCheckConfig: {
        Type: String(hc.type) as 'HTTP',
        FullyQualifiedDomainName: lbRef(hc.fqdn, 'dns_name'),
        Port: Number(hc.port),
        ResourcePath: String(hc.resource_path),
        RequestInterval: Number(hc.request_interval),
        FailureThreshold: Number(hc.failure_threshold),
        // Terraform's defaults for attributes the stack leaves out.
        Disabled: hc.disabled === true,
        Inverted: hc.inverted === true,
        MeasureLatency: false,
        EnableSNI: false,
      },
    };
    account.healthChecks.push(check);
    account.tags.set(id, { ...defaults, ...(hc.tags as Record<string, string>) });
  }

  for (const record of Object.values(stack.resource?.aws_route53_record ?? {})) {
    const alias = (record.alias ?? {}) as Block;
    const checkRef = /^\$\{aws_route53_health_check\.([^.]+)\.id\}$/.exec(String(record.health_check_id))?.[1];
    const rrs: ResourceRecordSet = {
      Name: canonical(String(record.name)),
      Type: String(record.type) as 'A',
      SetIdentifier: String(record.set_identifier),
      Region: String((record.latency_routing_policy as Block).region) as ResourceRecordSet['Region'],
      AliasTarget: {
        DNSName: canonical(lbRef(alias.name, 'dns_name')),
        HostedZoneId: lbRef(alias.zone_id, 'zone_id'),
        EvaluateTargetHealth: alias.evaluate_target_health === true,
      },
      ...(checkRef === undefined ? {} : { HealthCheckId: checkIds.get(checkRef)! }),
    };
    account.records.push(rrs);
  }
  return account;
}

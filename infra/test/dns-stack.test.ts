import assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb/index.js';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone/index.js';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { parseTopology } from '@fedgate/topology';
import { healthCheckTags, recordFqdn } from '@fedgate/dns';
import { DRAIN_ATTRIBUTES } from '../src/stacks/dns-stack.ts';
import { ACME_FILE, ACME_TEXT, acme, dataSources, resources, stackJson, synthesize } from './synthesized-fleet.ts';

describe('infra - DNS stack', () => {
  const fleet = synthesize(acme());
  const json = stackJson(fleet, 'dns-acme');

  it('has one latency record per gateway region with the region as set identifier and evaluate-target-health', () => {
    for (const [gateway, region] of [
      ['us', 'us-east-1'],
      ['eu', 'eu-central-1'],
      ['ap', 'ap-southeast-1'],
    ] as const) {
      assert.ok(
        Testing.toHaveResourceWithProperties(json, Route53Record.tfResourceType, {
          name: 'mqtt.acme.example.com',
          type: 'A',
          set_identifier: region,
          latency_routing_policy: { region },
          health_check_id: `\${aws_route53_health_check.${gateway}-health.id}`,
          alias: { name: `\${data.aws_lb.${gateway}-lb.dns_name}`, zone_id: `\${data.aws_lb.${gateway}-lb.zone_id}`, evaluate_target_health: true },
        }),
        `${gateway}: latency record in ${region}`,
      );
    }
    assert.equal(Object.keys(resources(json, Route53Record.tfResourceType)).length, 3);
    assert.ok(Testing.toHaveDataSourceWithProperties(json, DataAwsRoute53Zone.tfResourceType, { name: 'acme.example.com', private_zone: false }));
  });

  it('checks each region through its device load balancer on the gateway-health port and path', () => {
    for (const gateway of ['us', 'eu', 'ap']) {
      assert.ok(
        Testing.toHaveResourceWithProperties(json, Route53HealthCheck.tfResourceType, {
          type: 'HTTP',
          fqdn: `\${data.aws_lb.${gateway}-lb.dns_name}`,
          port: 8080,
          resource_path: '/healthz',
          request_interval: 10,
          failure_threshold: 3,
        }),
        `${gateway}: health check`,
      );
    }
    // Each load balancer is looked up in its own region by the tags the gateway stack gave it.
    assert.ok(
      Testing.toHaveDataSourceWithProperties(json, DataAwsLb.tfResourceType, {
        region: 'ap-southeast-1',
        tags: { 'fedgate:topology': 'acme', 'fedgate:cluster': 'ap', 'fedgate:role': 'device-load-balancer' },
      }),
    );
    assert.equal(Object.keys(dataSources(json, DataAwsLb.tfResourceType)).length, 3);
  });

  it('ignores the drain attributes of its health checks, so a later apply never undoes fedgate dns drain', () => {
    const checks = Object.values(resources(json, Route53HealthCheck.tfResourceType));
    assert.equal(checks.length, 3);
    for (const check of checks) {
      // Exactly what fedgate dns drain sets (UpdateHealthCheck Disabled + Inverted), and nothing else.
      assert.deepEqual(check.lifecycle, { ignore_changes: ['disabled', 'inverted'] });
      assert.deepEqual(check.lifecycle, { ignore_changes: [...DRAIN_ATTRIBUTES] });
      assert.equal(check.disabled, undefined, 'the stack never sets a drain attribute itself');
    }
  });

  it('tags each health check the way fedgate dns finds it: topology, gateway, steered name', () => {
    const fqdn = recordFqdn({ record: 'mqtt', zone: 'acme.example.com' });
    for (const gateway of ['us', 'eu', 'ap']) {
      assert.ok(
        Testing.toHaveResourceWithProperties(json, Route53HealthCheck.tfResourceType, { tags: healthCheckTags('acme', gateway, fqdn) }),
        `${gateway}: tagged ${JSON.stringify(healthCheckTags('acme', gateway, fqdn))}`,
      );
    }
  });

  it("follows the topology's health-check settings", () => {
    const text = ACME_TEXT.replace(
      'healthCheck: { intervalSeconds: 10, failureThreshold: 3, port: 8080, path: /healthz }',
      'healthCheck: { intervalSeconds: 30, failureThreshold: 2, port: 9090, path: /ready }',
    );
    const custom = stackJson(synthesize(parseTopology(text, ACME_FILE)), 'dns-acme');
    assert.ok(
      Testing.toHaveResourceWithProperties(custom, Route53HealthCheck.tfResourceType, {
        port: 9090,
        resource_path: '/ready',
        request_interval: 30,
        failure_threshold: 2,
      }),
    );
    assert.ok(!Testing.toHaveResourceWithProperties(custom, Route53HealthCheck.tfResourceType, { port: 8080 }));
  });

  it('is left out when the topology has no dns section', () => {
    const text = ACME_TEXT.replace(/^dns:\n( {2}.*\n)+/m, '');
    const withoutDns = synthesize(parseTopology(text, ACME_FILE));
    assert.deepEqual(
      [...withoutDns.stacks.keys()].filter((id) => id.startsWith('dns-')),
      [],
    );
    // No health service to probe, so the device load balancer has no gateway-health listener either.
    assert.ok(!stackJson(withoutDns, 'gateway-us-us-east-1').includes('"port": 8080'));
  });
});

import assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { parse } from 'yaml';
import { acme, resources, stackJson, synthesize, userData } from './synthesized-fleet.ts';

describe('infra - backend stack', () => {
  const fleet = synthesize(acme());
  const json = stackJson(fleet, 'backend-core-eu-west-1');

  it('puts the backend in its region and CIDR, behind an internal load balancer only', () => {
    assert.ok(Testing.toHaveProviderWithProperties(json, 'aws', { region: 'eu-west-1' }));
    assert.ok(Testing.toHaveResourceWithProperties(json, Vpc.tfResourceType, { cidr_block: '10.0.0.0/16' }));
    const lbs = Object.values(resources(json, Lb.tfResourceType));
    assert.equal(lbs.length, 1);
    assert.equal(lbs[0]!.internal, true);
    const world = Object.values(resources(json, VpcSecurityGroupIngressRule.tfResourceType)).filter((r) => r.cidr_ipv4 === '0.0.0.0/0');
    assert.deepEqual(world, [], 'nothing on the backend is reachable from the internet');
  });

  it('tags what gateway stacks look up: the broker security group and one private route table per zone', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, SecurityGroup.tfResourceType, {
        tags: { 'fedgate:topology': 'acme', 'fedgate:cluster': 'core', 'fedgate:role': 'broker-security-group' },
      }),
    );
    for (const index of ['0', '1', '2']) {
      assert.ok(
        Testing.toHaveResourceWithProperties(json, RouteTable.tfResourceType, {
          tags: { 'fedgate:cluster': 'core', 'fedgate:role': 'private-route-table', 'fedgate:az-index': index },
        }),
        `private route table ${index}`,
      );
    }
  });

  it('names every cluster host in a private zone taken from the backend host', () => {
    assert.ok(Testing.toHaveResourceWithProperties(json, Route53Zone.tfResourceType, { name: 'acme.internal', lifecycle: { ignore_changes: ['vpc'] } }));
    assert.ok(Testing.toHaveResourceWithProperties(json, Route53Record.tfResourceType, { name: 'core.acme.internal', type: 'A' }));
    assert.ok(
      Testing.toHaveResourceWithProperties(stackJson(fleet, 'gateway-eu-eu-central-1'), Route53Record.tfResourceType, {
        name: 'eu.gw.acme.internal',
        type: 'A',
      }),
    );
  });

  it('runs the router on its own instances that roll when their launch template changes, unlike brokers', () => {
    assert.ok(Testing.toHaveResourceWithProperties(json, LaunchTemplate.tfResourceType, { name: 'fedgate-acme-core-router', instance_type: 'c6i.large' }));
    assert.ok(
      Testing.toHaveResourceWithProperties(json, AutoscalingGroup.tfResourceType, {
        name: 'fedgate-acme-core-router',
        desired_capacity: 2,
        instance_refresh: { strategy: 'Rolling' },
      }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(json, AutoscalingGroup.tfResourceType, { name: 'fedgate-acme-core', suspended_processes: ['AZRebalance'] }));
    const brokers = Object.values(resources(json, AutoscalingGroup.tfResourceType)).find((g) => g.name === 'fedgate-acme-core')!;
    assert.equal(brokers.instance_refresh, undefined, 'broker nodes are replaced when an operator decides');
    const router = parse(userData(json).get('fedgate-acme-core-router')!) as { write_files: { path: string; content: string }[] };
    const unit = router.write_files.find((f) => f.path === '/etc/systemd/system/fedgate-router.service')!;
    assert.match(unit.content, /^ExecStart=\/opt\/fedgate\/bin\/fedgate router -f \/etc\/fedgate\/topology\.yaml$/m);
  });
});

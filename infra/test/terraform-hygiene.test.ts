import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Testing } from 'cdktf';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { BOOT_WORK_SECONDS, HEALTH_CHECK_GRACE_SECONDS, SECRET_WAIT_SECONDS } from '../src/constructs/instance-group.ts';
import { acme, resources, stackJson, synthesize } from './synthesized-fleet.ts';

interface TerraformBlock {
  terraform: { required_version?: string; backend?: Record<string, Record<string, unknown>> };
}

describe('infra - Terraform hygiene of the synthesized stacks', () => {
  const fleet = synthesize(acme());

  it('every stack requires Terraform 1.10+ and keeps local state relative to its own directory', () => {
    for (const [id, json] of fleet.stacks) {
      const { terraform } = JSON.parse(json) as TerraformBlock;
      assert.equal(terraform.required_version, '>= 1.10.0', id);
      assert.deepEqual(terraform.backend, { local: { path: 'terraform.tfstate' } }, `${id}: no absolute path from where synth ran`);
    }
    const remote = JSON.parse(stackJson(synthesize(acme(), { stateBucket: 'acme-tf' }), 'gateway-us-us-east-1')) as TerraformBlock;
    assert.deepEqual(remote.terraform.backend?.s3, {
      bucket: 'acme-tf',
      key: 'fedgate/acme/gateway-us-us-east-1.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    });
  });

  it('gives every instance Session Manager for shell access (no SSH)', () => {
    for (const [id, json] of fleet.stacks) {
      if (id.startsWith('dns-')) continue;
      const groups = Object.keys(resources(json, AutoscalingGroup.tfResourceType)).length;
      const ssm = Object.values(resources(json, IamRolePolicyAttachment.tfResourceType)).filter(
        (a) => a.policy_arn === 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      );
      assert.equal(ssm.length, groups, `${id}: one Session Manager attachment per instance group`);
    }
  });

  it('allows the boot its whole wait for secrets before the group judges a node: one constant behind both', () => {
    assert.equal(HEALTH_CHECK_GRACE_SECONDS, SECRET_WAIT_SECONDS + BOOT_WORK_SECONDS);
    for (const group of Object.values(resources(stackJson(fleet, 'gateway-eu-eu-central-1'), AutoscalingGroup.tfResourceType))) {
      assert.equal(group.health_check_grace_period, HEALTH_CHECK_GRACE_SECONDS);
    }
    const script = readFileSync('infra/src/boot/fedgate-boot.sh', 'utf8');
    assert.match(script, /^INPUTS_DEADLINE=\$\(\(SECONDS \+ FEDGATE_SECRET_WAIT_SECONDS\)\)$/m);
  });

  it('sends PROXY protocol v2 to device listeners only, so gateways see device addresses and gateway-health stays plain HTTP', () => {
    const groups = Object.values(resources(stackJson(fleet, 'gateway-us-us-east-1'), LbTargetGroup.tfResourceType));
    const proxied = groups
      .filter((g) => g.proxy_protocol_v2 === true)
      .map((g) => Number(g.port))
      .sort((a, b) => a - b);
    assert.deepEqual(proxied, [8093, 8883, 61614]);
    assert.ok(groups.some((g) => Number(g.port) === 8080 && g.proxy_protocol_v2 === undefined));
  });

  it('lets the monitoring network (an input) scrape the routers, and nothing else reach them', () => {
    const json = stackJson(fleet, 'backend-core-eu-west-1');
    assert.ok(
      Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, {
        from_port: 9464,
        to_port: 9464,
        cidr_ipv4: '${var.monitoring_cidr}',
      }),
    );
    assert.ok('monitoring_cidr' in (JSON.parse(json) as { variable: object }).variable);
  });

  it("boot leaves /opt/fedgate readable by the services' DynamicUser despite umask 077", () => {
    const script = readFileSync('infra/src/boot/fedgate-boot.sh', 'utf8');
    assert.match(script, /^umask 077$/m);
    assert.match(script, /install -d -m 0755 \/opt\/fedgate/);
    assert.match(script, /chmod -R u=rwX,go=rX \/opt\/fedgate/);
  });
});

import assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { parse } from 'yaml';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcPeeringConnection } from '@cdktf/provider-aws/lib/vpc-peering-connection/index.js';
import { VpcPeeringConnectionAccepterA } from '@cdktf/provider-aws/lib/vpc-peering-connection-accepter/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { compileCluster, definitionsText } from '@fedgate/broker-config';
import { parseTopology, protocolPort, type Topology } from '@fedgate/topology';
import { gatewayStackId } from '../src/index.ts';
import { NodeFirewall, WORLD } from '../src/constructs/node-firewall.ts';
import { gatewayIngress } from '../src/stacks/gateway-stack.ts';
import {
  ACME_FILE,
  ACME_TEXT,
  LAST_GATEWAY_MAX_CONNECTIONS,
  acme,
  fakeSecrets,
  resources,
  stackJson,
  synthesize,
  userData,
  type SynthesizedFleet,
} from './synthesized-fleet.ts';

interface CloudConfigFile {
  path: string;
  content: string;
}

function writtenFiles(cloudConfig: string): Map<string, string> {
  assert.ok(cloudConfig.startsWith('#cloud-config\n'), 'user data is a cloud-config document');
  const doc = parse(cloudConfig) as { write_files: CloudConfigFile[] };
  return new Map(doc.write_files.map((f) => [f.path, f.content]));
}

/** Ingress rules as (port, source) pairs; the source is a CIDR or "self". */
function ingress(json: string): { port: number; to: number; from: string; region?: string }[] {
  return Object.values(resources(json, VpcSecurityGroupIngressRule.tfResourceType)).map((r) => ({
    port: Number(r.from_port),
    to: Number(r.to_port),
    from: typeof r.cidr_ipv4 === 'string' ? r.cidr_ipv4 : 'self',
    ...(typeof r.region === 'string' ? { region: r.region } : {}),
  }));
}

/** Listener ports of each load balancer, keyed "internal" or "internet-facing". */
function listenerPorts(json: string): Record<'internal' | 'internet-facing', number[]> {
  const lbs = resources(json, Lb.tfResourceType);
  const out: Record<'internal' | 'internet-facing', number[]> = { internal: [], 'internet-facing': [] };
  for (const listener of Object.values(resources(json, LbListener.tfResourceType))) {
    const id = /aws_lb\.([^.]+)\.arn/.exec(String(listener.load_balancer_arn))?.[1];
    const lb = lbs[id ?? ''];
    assert.ok(lb, `listener on an unknown load balancer ${String(listener.load_balancer_arn)}`);
    out[lb.internal === true ? 'internal' : 'internet-facing'].push(Number(listener.port));
  }
  out.internal.sort((a, b) => a - b);
  out['internet-facing'].sort((a, b) => a - b);
  return out;
}

describe('infra - gateway stacks of the example topology', () => {
  let topology: Topology;
  let fleet: SynthesizedFleet;

  before(() => {
    topology = acme();
    fleet = synthesize(topology);
  });

  it('has one stack per gateway, named after the gateway and its region, with its provider in that region', () => {
    for (const gateway of topology.gateways) {
      const json = stackJson(fleet, gatewayStackId(gateway.name, gateway.region));
      assert.ok(Testing.toHaveProviderWithProperties(json, 'aws', { region: gateway.region }), `${gateway.name}: provider in ${gateway.region}`);
    }
    assert.deepEqual(
      [...fleet.stacks.keys()],
      ['release-acme', 'backend-core-eu-west-1', 'gateway-us-us-east-1', 'gateway-eu-eu-central-1', 'gateway-ap-ap-southeast-1', 'dns-acme'],
    );
  });

  it('gives each gateway VPC the topology CIDR and subnets across three zones', () => {
    for (const gateway of topology.gateways) {
      const json = stackJson(fleet, gatewayStackId(gateway.name, gateway.region));
      assert.ok(Testing.toHaveResourceWithProperties(json, Vpc.tfResourceType, { cidr_block: gateway.cidr }), `${gateway.name}: VPC ${gateway.cidr}`);
      const octet = gateway.cidr.split('.')[1];
      const subnets = Object.values(resources(json, Subnet.tfResourceType))
        .map((s) => s.cidr_block)
        .sort();
      assert.deepEqual(subnets, [
        `10.${octet}.0.0/20`,
        `10.${octet}.128.0/20`,
        `10.${octet}.144.0/20`,
        `10.${octet}.16.0/20`,
        `10.${octet}.160.0/20`,
        `10.${octet}.32.0/20`,
      ]);
      const zones = Object.values(resources(json, Subnet.tfResourceType)).map((s) => s.availability_zone);
      assert.equal(new Set(zones).size, 3, 'three distinct zone expressions');
    }
  });

  it('opens MQTT and STOMP to the world only for the protocols each gateway has', () => {
    const us = ingress(stackJson(fleet, 'gateway-us-us-east-1'));
    const eu = ingress(stackJson(fleet, 'gateway-eu-eu-central-1'));
    assert.ok(
      Testing.toHaveResourceWithProperties(stackJson(fleet, 'gateway-us-us-east-1'), VpcSecurityGroupIngressRule.tfResourceType, {
        from_port: 8883,
        to_port: 8883,
        cidr_ipv4: WORLD,
        ip_protocol: 'tcp',
      }),
    );
    assert.ok(
      us.some((r) => r.port === 61614 && r.from === WORLD),
      'us has STOMP over TLS open',
    );
    assert.ok(
      eu.some((r) => r.port === 8883 && r.from === WORLD),
      'eu has MQTT over TLS open',
    );
    assert.ok(!eu.some((r) => r.port === 61614), 'eu has no STOMP, so no STOMP rule');
    // Browser apps: STOMP over wss where the gateway speaks it (us), nowhere else.
    assert.ok(
      us.some((r) => r.port === 8093 && r.from === WORLD),
      'us has web-stomp open',
    );
    assert.ok(!eu.some((r) => r.port === 8083 || r.port === 8093), 'eu has no web protocol, so no web rule');
    // Only the listeners RabbitMQ has: with TLS on, plain 1883/61613 stay closed.
    assert.ok(!us.some((r) => r.port === 1883 || r.port === 61613), 'no plain-text device ports on a TLS gateway');
  });

  it('admits AMQP and management only from the backend CIDR and opens nothing else to the world', () => {
    for (const gateway of topology.gateways) {
      const rules = ingress(stackJson(fleet, gatewayStackId(gateway.name, gateway.region))).filter((r) => r.region === undefined);
      for (const port of [gateway.ports.amqp, gateway.ports.management, gateway.ports.prometheus]) {
        const forPort = rules.filter((r) => r.port <= port && port <= r.to);
        assert.deepEqual(
          forPort.map((r) => r.from),
          [topology.backend.cidr],
          `${gateway.name}: port ${port} from the backend only`,
        );
      }
      const worldPorts = rules
        .filter((r) => r.from === WORLD)
        .map((r) => r.port)
        .sort((a, b) => a - b);
      const expected = gateway.protocols.map((p) => protocolPort(gateway, p)).sort((a, b) => a - b);
      assert.deepEqual(worldPorts, expected, `${gateway.name}: the world reaches device ports only`);
      const json = stackJson(fleet, gatewayStackId(gateway.name, gateway.region));
      assert.ok(
        Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, {
          from_port: topology.dns!.healthCheck.port,
          prefix_list_id: '${data.aws_ec2_managed_prefix_list.route53-health-checkers.id}',
        }),
        `${gateway.name}: gateway-health from Route53's health checkers only`,
      );
      assert.ok(Testing.toHaveDataSourceWithProperties(json, DataAwsEc2ManagedPrefixList.tfResourceType, { name: 'com.amazonaws.route53-healthchecks' }));
    }
  });

  it('never opens management to the world, whatever the ports (construct alone, synthScope)', () => {
    const plan = fleet.plan.gateways[0]!;
    const json = Testing.synthScope((scope) => {
      new NodeFirewall(scope, 'nodes', { name: 'n', description: 'd', vpcId: 'vpc-1', ingress: gatewayIngress(plan, '10.0.0.0/16', 'pl-route53') });
    });
    assert.ok(Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, { from_port: 15671, cidr_ipv4: '10.0.0.0/16' }));
    assert.ok(!Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, { from_port: 15671, cidr_ipv4: WORLD }));
    assert.ok(!Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, { from_port: 5671, cidr_ipv4: WORLD }));
  });

  it('puts device ports and gateway-health on the internet-facing NLB, AMQP and management on an internal one', () => {
    assert.deepEqual(listenerPorts(stackJson(fleet, 'gateway-us-us-east-1')), { 'internet-facing': [8080, 8093, 8883, 61614], internal: [5671, 15671] });
    assert.deepEqual(listenerPorts(stackJson(fleet, 'gateway-eu-eu-central-1')), { 'internet-facing': [8080, 8883], internal: [5671, 15671] });
    assert.ok(
      Testing.toHaveResourceWithProperties(stackJson(fleet, 'gateway-us-us-east-1'), Lb.tfResourceType, {
        load_balancer_type: 'network',
        internal: false,
        enable_cross_zone_load_balancing: true,
      }),
    );
  });

  it('runs compute-optimised instances sized by the profile: c7g for connections, c6i.xlarge for throughput', () => {
    for (const gateway of topology.gateways) {
      const json = stackJson(fleet, gatewayStackId(gateway.name, gateway.region));
      // 100,000 certificate devices on 3 nodes: 50,000 per node with one node down × 159 KiB (the bench's figure for a
      // certificate login), ~15.2 GiB below the 0.5 watermark.
      assert.ok(Testing.toHaveResourceWithProperties(json, LaunchTemplate.tfResourceType, { instance_type: 'c7g.2xlarge' }), gateway.name);
      assert.ok(Testing.toHaveResourceWithProperties(json, LaunchTemplate.tfResourceType, { image_id: '${var.debian13_ami_arm64}' }), 'the AMI is an input');
      assert.ok(Testing.toHaveResourceWithProperties(json, AutoscalingGroup.tfResourceType, { min_size: 3, max_size: 3, desired_capacity: 3 }));
    }
    assert.ok(Testing.toHaveResourceWithProperties(stackJson(fleet, 'backend-core-eu-west-1'), LaunchTemplate.tfResourceType, { instance_type: 'c6i.xlarge' }));
  });

  it('lets instanceType override the profile and picks the image for its architecture', () => {
    const text = ACME_TEXT.replace(
      /maxConnections: 100000\n(?=(?: {4}\S.*\n)* {2}- name: eu)/,
      'maxConnections: 100000\n    instanceType: c6i.4xlarge\n',
    ).replace(LAST_GATEWAY_MAX_CONNECTIONS, 'maxConnections: 50000\n');
    const custom = synthesize(parseTopology(text, ACME_FILE));
    const us = stackJson(custom, 'gateway-us-us-east-1');
    assert.ok(Testing.toHaveResourceWithProperties(us, LaunchTemplate.tfResourceType, { instance_type: 'c6i.4xlarge' }));
    assert.ok(Testing.toHaveResourceWithProperties(us, LaunchTemplate.tfResourceType, { image_id: '${var.debian13_ami_x86_64}' }));
    assert.ok(!Testing.toHaveDataSource(us, DataAwsAmi.tfResourceType), 'no most_recent image lookup');
    const variables = (JSON.parse(us) as { variable: Record<string, { description: string }> }).variable;
    assert.deepEqual(Object.keys(variables), ['debian13_ami_x86_64']);
    assert.match(variables.debian13_ami_x86_64!.description, /Debian 13 \(trixie\) AMI id for x86_64 in us-east-1/);
    // The last gateway (ap) now has 50,000 connections: 25,000 per node fit a c7g.xlarge.
    assert.ok(
      Testing.toHaveResourceWithProperties(stackJson(custom, 'gateway-ap-ap-southeast-1'), LaunchTemplate.tfResourceType, { instance_type: 'c7g.xlarge' }),
    );
  });

  it("user data carries broker-config's rabbitmq.conf and enabled_plugins byte for byte and no secret", () => {
    const { secrets, passwords } = fakeSecrets(topology);
    for (const cluster of [topology.backend, ...topology.gateways]) {
      const artifacts = compileCluster(topology, cluster, secrets);
      const id = cluster === topology.backend ? 'backend-core-eu-west-1' : gatewayStackId(cluster.name, cluster.region);
      const json = stackJson(fleet, id);
      const cloudConfig = userData(json).get(`fedgate-acme-${cluster.name}`);
      assert.ok(cloudConfig, `${cluster.name}: a launch template for its brokers`);
      const files = writtenFiles(cloudConfig);
      assert.equal(files.get('/etc/rabbitmq/rabbitmq.conf'), artifacts.rabbitmqConf, `${cluster.name}: rabbitmq.conf byte for byte`);
      assert.equal(files.get('/etc/rabbitmq/enabled_plugins'), artifacts.enabledPlugins, `${cluster.name}: enabled_plugins byte for byte`);

      // No password, password hash or definitions document anywhere: not in user data, not in the stack's JSON.
      // Link users of a TLS backend have no password at all (an empty hash), so there is nothing of theirs to leak.
      const hashes = artifacts.definitions.users.map((u) => u.password_hash).filter((h) => h !== '');
      for (const text of [...userData(json).values(), json]) {
        for (const secret of [...passwords, ...hashes]) assert.ok(!text.includes(secret), `${cluster.name}: a secret leaked into the synthesized output`);
        assert.ok(!text.includes(definitionsText(artifacts.definitions).slice(0, 200)), `${cluster.name}: definitions embedded`);
      }
      assert.ok(![...files.keys()].some((path) => path.includes('definitions.json')), 'definitions are fetched, never written from user data');
    }
  });

  it('fetches secrets at boot from Secrets Manager secrets that Terraform creates without a value', () => {
    const json = stackJson(fleet, 'gateway-us-us-east-1');
    assert.ok(
      Testing.toHaveResourceWithProperties(json, SecretsmanagerSecret.tfResourceType, { name: 'fedgate/acme/us/definitions', recovery_window_in_days: 0 }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(json, SecretsmanagerSecret.tfResourceType, { name: 'fedgate/acme/us/runtime' }));
    for (const stack of fleet.stacks.values()) {
      assert.ok(!Testing.toHaveResource(stack, SecretsmanagerSecretVersion.tfResourceType), 'a secret value would sit in Terraform state');
    }
    const policy = String(Object.values(resources(json, IamRolePolicy.tfResourceType))[0]!.policy);
    assert.match(policy, /secretsmanager:GetSecretValue/);
    assert.match(policy, /Resource" = \[aws_secretsmanager_secret\.definitions\.arn, aws_secretsmanager_secret\.runtime\.arn\]/);
    assert.match(policy, /arn:aws:s3:::fedgate-artifacts-acme\/fedgate-linux-arm64\.tar\.gz/);
    const boot = writtenFiles(userData(json).get('fedgate-acme-us')!).get('/etc/fedgate/boot.env')!;
    assert.match(boot, /^FEDGATE_DEFINITIONS_SECRET='fedgate\/acme\/us\/definitions'$/m);
    assert.match(boot, /^FEDGATE_RUNTIME_SECRET='fedgate\/acme\/us\/runtime'$/m);
    assert.match(boot, /^FEDGATE_PEER_GROUP='fedgate-acme-us'$/m);
  });

  it('links to the backend by inter-region peering, accepted in the backend region, with routes both ways', () => {
    const json = stackJson(fleet, 'gateway-ap-ap-southeast-1');
    assert.ok(Testing.toHaveResourceWithProperties(json, VpcPeeringConnection.tfResourceType, { peer_region: 'eu-west-1' }));
    assert.ok(Testing.toHaveResourceWithProperties(json, VpcPeeringConnectionAccepterA.tfResourceType, { region: 'eu-west-1', auto_accept: true }));
    const routes = Object.values(resources(json, Route.tfResourceType)).filter((r) => r.vpc_peering_connection_id !== undefined);
    assert.deepEqual(
      routes.filter((r) => r.region === undefined).map((r) => r.destination_cidr_block),
      ['10.0.0.0/16', '10.0.0.0/16', '10.0.0.0/16'],
    );
    assert.deepEqual(
      routes.filter((r) => r.region === 'eu-west-1').map((r) => r.destination_cidr_block),
      ['10.3.0.0/16', '10.3.0.0/16', '10.3.0.0/16'],
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, VpcSecurityGroupIngressRule.tfResourceType, {
        region: 'eu-west-1',
        cidr_ipv4: '10.3.0.0/16',
        from_port: 5671,
        to_port: 5671,
      }),
      'the backend admits this gateway to AMQP, from the gateway stack',
    );
  });

  it('raises the open-file limit and the kernel accept queue for a reconnect storm', () => {
    const files = writtenFiles(userData(stackJson(fleet, 'gateway-us-us-east-1')).get('fedgate-acme-us')!);
    // 50,000 connections per node with one node down, twice that for lingering sockets, plus 16,384.
    assert.match(files.get('/etc/systemd/system/rabbitmq-server.service.d/10-fedgate-limits.conf')!, /^LimitNOFILE=116736$/m);
    // rabbitmq.conf asks for an MQTT backlog of 8192; the kernel would silently cap it at a lower somaxconn.
    assert.match(files.get('/etc/sysctl.d/60-fedgate.conf')!, /^net\.core\.somaxconn = 8192$/m);
    assert.match(files.get('/etc/rabbitmq/conf.d/10-fedgate-cluster.conf')!, /^cluster_formation\.peer_discovery_backend = classic_config$/m);
  });
});

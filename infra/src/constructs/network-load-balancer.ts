import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { boundedName } from '../aws-names.ts';

/** Load balancer, target group and listener names are limited to 32 characters. */
const LB_NAME_MAX = 32;
/**
 * Seconds a deregistering node keeps its connections before the NLB closes them; devices then reconnect to another
 * node. Short, because a node leaves only when it is replaced. @default 60
 */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 60;

export interface LoadBalancerListener {
  /** Names the target group (mqtt, stomp, health, amqp, management). */
  readonly name: string;
  readonly port: number;
  /** Port the NLB probes on each node; "traffic-port" by default. */
  readonly healthCheckPort?: number;
  /**
   * Prepend a PROXY protocol v2 header so the node sees the client's address (RabbitMQ's listener must expect it:
   * `mqtt.proxy_protocol` / `stomp.proxy_protocol`). @default false
   */
  readonly proxyProtocol?: boolean;
}

export interface NetworkLoadBalancerConfig {
  readonly topology: string;
  readonly cluster: string;
  readonly internal: boolean;
  readonly subnetIds: string[];
  readonly vpcId: string;
  readonly listeners: readonly LoadBalancerListener[];
  readonly tags?: Record<string, string>;
}

/**
 * A TCP network load balancer: one listener and target group per port, TLS passing through to RabbitMQ (which holds
 * the certificates). Client IPs are preserved, so the nodes' security group decides who may connect.
 */
export class NetworkLoadBalancer extends Construct {
  readonly lb: Lb;
  readonly targetGroups: LbTargetGroup[];

  constructor(scope: Construct, id: string, config: NetworkLoadBalancerConfig) {
    super(scope, id);
    const kind = config.internal ? 'int' : 'dev';
    this.lb = new Lb(this, 'lb', {
      name: boundedName([config.topology, config.cluster, kind], LB_NAME_MAX),
      loadBalancerType: 'network',
      internal: config.internal,
      subnets: config.subnetIds,
      // Nodes sit in every zone; without cross-zone, a zone's NLB address only reaches that zone's node.
      enableCrossZoneLoadBalancing: true,
      tags: { ...config.tags, Name: `fedgate-${config.topology}-${config.cluster}-${kind}` },
    });
    this.targetGroups = config.listeners.map((listener) => {
      const group = new LbTargetGroup(this, `${listener.name}-targets`, {
        name: boundedName([config.topology, config.cluster, kind, listener.name], LB_NAME_MAX),
        port: listener.port,
        protocol: 'TCP',
        targetType: 'instance',
        vpcId: config.vpcId,
        deregistrationDelay: String(DEFAULT_DEREGISTRATION_DELAY_SECONDS),
        connectionTermination: true,
        ...(listener.proxyProtocol ? { proxyProtocolV2: true } : {}),
        healthCheck: {
          protocol: 'TCP',
          port: listener.healthCheckPort === undefined ? 'traffic-port' : String(listener.healthCheckPort),
          interval: 10,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        },
        tags: config.tags,
      });
      new LbListener(this, `${listener.name}-listener`, {
        loadBalancerArn: this.lb.arn,
        port: listener.port,
        protocol: 'TCP',
        defaultAction: [{ type: 'forward', targetGroupArn: group.arn }],
      });
      return group;
    });
  }
}

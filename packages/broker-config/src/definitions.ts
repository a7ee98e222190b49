/** The subset of RabbitMQ's definitions document (`rabbitmqctl import_definitions`) fedgate writes. */

export interface UserDefinition {
  name: string;
  password_hash: string;
  hashing_algorithm: 'rabbit_password_hashing_sha256';
  tags: string[];
  limits: Record<string, number>;
}

export interface PermissionDefinition {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface TopicPermissionDefinition {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}

export interface ParameterDefinition {
  component: 'shovel' | 'federation-upstream' | 'vhost-limits';
  vhost: string;
  name: string;
  value: Record<string, unknown>;
}

export interface PolicyDefinition {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to': 'queues' | 'exchanges' | 'all';
  priority: number;
  definition: Record<string, unknown>;
}

export interface QueueDefinition {
  name: string;
  vhost: string;
  durable: true;
  auto_delete: false;
  arguments: Record<string, unknown>;
}

export interface ExchangeDefinition {
  name: string;
  vhost: string;
  type: 'topic' | 'fanout' | 'direct' | 'x-consistent-hash';
  durable: true;
  auto_delete: false;
  internal: boolean;
  arguments: Record<string, unknown>;
}

export interface BindingDefinition {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Record<string, unknown>;
}

export interface Definitions {
  rabbit_version: string;
  users: UserDefinition[];
  vhosts: { name: string }[];
  permissions: PermissionDefinition[];
  topic_permissions: TopicPermissionDefinition[];
  parameters: ParameterDefinition[];
  policies: PolicyDefinition[];
  queues: QueueDefinition[];
  exchanges: ExchangeDefinition[];
  bindings: BindingDefinition[];
}

/** The RabbitMQ release fedgate targets (Debian bookworm's package). */
export const RABBITMQ_VERSION = '4.0.5';

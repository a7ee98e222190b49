/**
 * Test support: the Secrets Manager secrets of an account, in memory, seeded with exactly the secrets the synthesized
 * stacks create (names and regions from their Terraform JSON, without values, as Terraform leaves them). Served at the
 * SDK boundary (aws-sdk-client-mock) and on the wire (SecretsManagerEndpoint).
 */
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import type { Topology } from '@fedgate/topology';
import { resources, synthesize } from './synthesized-fleet.ts';

/** Synthesizing is slow; the secrets a topology's stacks create are read once per topology. */
const createdSecrets = new Map<string, [name: string, region: string][]>();

export interface StoredSecret {
  readonly region: string;
  string?: string;
  binary?: Uint8Array;
  versions: number;
}

/** What the service answers for a missing secret or value: its error type and message. */
export interface SecretsManagerFailure {
  readonly type: string;
  readonly message: string;
}

export class SecretsManagerAccount {
  readonly secrets = new Map<string, StoredSecret>();
  readonly puts: { name: string; region: string }[] = [];

  /** Every secret the topology's stacks create, in the region of the stack that creates it. */
  static afterStacks(topology: Topology): SecretsManagerAccount {
    const key = JSON.stringify(topology);
    let created = createdSecrets.get(key);
    if (created === undefined) {
      created = [];
      for (const json of synthesize(topology).stacks.values()) {
        const region = String((JSON.parse(json) as { provider: { aws: { region: string }[] } }).provider.aws[0]!.region);
        for (const secret of Object.values(resources(json, SecretsmanagerSecret.tfResourceType))) created.push([String(secret.name), region]);
      }
      createdSecrets.set(key, created);
    }
    const account = new SecretsManagerAccount();
    for (const [name, region] of created) account.secrets.set(name, { region, versions: 0 });
    return account;
  }

  get(region: string, name: string): StoredSecret | SecretsManagerFailure {
    const secret = this.secrets.get(name);
    if (secret === undefined || secret.region !== region)
      return { type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." };
    if (secret.versions === 0)
      return { type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT" };
    return secret;
  }

  put(region: string, name: string, value: { string?: string; binary?: Uint8Array }): SecretsManagerFailure | undefined {
    const secret = this.secrets.get(name);
    if (secret === undefined || secret.region !== region)
      return { type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." };
    secret.string = value.string;
    secret.binary = value.binary;
    secret.versions++;
    this.puts.push({ name, region });
    return undefined;
  }

  create(region: string, name: string, value: { string?: string; binary?: Uint8Array }): SecretsManagerFailure | undefined {
    if (this.secrets.has(name)) return { type: 'ResourceExistsException', message: `the secret ${name} already exists` };
    this.secrets.set(name, { region, ...value, versions: 1 });
    this.puts.push({ name, region });
    return undefined;
  }
}

export function isSecretsManagerFailure(value: unknown): value is SecretsManagerFailure {
  return typeof value === 'object' && value !== null && 'type' in value && 'message' in value;
}

/** Test support: the example topology synthesized once with cdktf's Testing app, and readers for its JSON. */
import { readFileSync } from 'node:fs';
import { Testing } from 'cdktf';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { parseTopology, requiredCredentials, credentialFileKey, secretsFromMap, type Secrets, type Topology } from '@fedgate/topology';
import { buildFleet, planFleet, type FleetPlan, type InfraOptions } from '../src/index.ts';
import { decodeUserData } from '../src/user-data.ts';

export const ACME_FILE = 'infra/topologies/acme.example.yaml';
export const ACME_TEXT = readFileSync(ACME_FILE, 'utf8');
/** The last gateway's `maxConnections: 100000` line in ACME_TEXT (the settings after it, up to `credentials:`, may change). */
export const LAST_GATEWAY_MAX_CONNECTIONS = /maxConnections: 100000\n(?=(?: {4}\S.*\n)*credentials:)/;

export function acme(): Topology {
  return parseTopology(ACME_TEXT, ACME_FILE);
}

/** Fake, recognisable passwords for every user of `topology`, so a test can look for them in the output. */
export function fakeSecrets(topology: Topology): { secrets: Secrets; passwords: string[] } {
  const map = new Map(requiredCredentials(topology).map((ref, i) => [credentialFileKey(ref), `fake-pw-${i}-${ref.cluster}-${ref.user}`]));
  return { secrets: secretsFromMap(map), passwords: [...map.values()] };
}

export interface SynthesizedFleet {
  readonly plan: FleetPlan;
  /** Stack id → the stack's Terraform JSON text (what Testing's matchers take). */
  readonly stacks: ReadonlyMap<string, string>;
}

export function synthesize(topology: Topology, options: InfraOptions = {}): SynthesizedFleet {
  const plan = planFleet(topology, options);
  const app = Testing.app({ stackTraces: false });
  const fleet = buildFleet(app, plan);
  return { plan, stacks: new Map(fleet.all.map((stack) => [stack.node.id, Testing.synth(stack)])) };
}

export function stackJson(fleet: SynthesizedFleet, id: string): string {
  const json = fleet.stacks.get(id);
  if (json === undefined) throw new Error(`no stack ${id}; stacks: ${[...fleet.stacks.keys()].join(', ')}`);
  return json;
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

/** Every resource of `type` in a stack's JSON, by logical id. */
export function resources(json: string, type: string): Record<string, Record<string, unknown>> {
  return ((JSON.parse(json) as { resource?: Blocks }).resource ?? {})[type] ?? {};
}

export function dataSources(json: string, type: string): Record<string, Record<string, unknown>> {
  return ((JSON.parse(json) as { data?: Blocks }).data ?? {})[type] ?? {};
}

/** The decoded cloud-config text of each launch template in a stack, by launch template name. */
export function userData(json: string): Map<string, string> {
  return new Map(Object.values(resources(json, LaunchTemplate.tfResourceType)).map((lt) => [String(lt.name), decodeUserData(String(lt.user_data))]));
}

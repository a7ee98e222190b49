/**
 * The CDKTF app: builds every stack of a topology and writes Terraform JSON, with no Terraform binary involved.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import type { Topology } from '@fedgate/topology';
import { InfraError } from './errors.ts';
import { planFleet, type FleetPlan, type InfraOptions } from './fleet-plan.ts';
import { BackendStack } from './stacks/backend-stack.ts';
import { DnsStack } from './stacks/dns-stack.ts';
import type { FleetStack, StackKind } from './stacks/fleet-stack.ts';
import { GatewayStack } from './stacks/gateway-stack.ts';
import { ReleaseStack } from './stacks/release-stack.ts';

export interface Fleet {
  readonly release: ReleaseStack;
  readonly backend: BackendStack;
  readonly gateways: readonly GatewayStack[];
  readonly dns?: DnsStack;
  readonly all: readonly FleetStack[];
}

/**
 * Adds the fleet's stacks to `app`: the release bucket (nodes download the bundle from it at boot), the backend, one
 * per gateway region (each applied after the backend, whose resources it looks up), and the DNS stack (after every
 * gateway, whose load balancers it points at). `onStack` is called after each stack is built, for progress.
 */
export function buildFleet(app: App, plan: FleetPlan, onStack: (stack: FleetStack, index: number, total: number) => void = () => {}): Fleet {
  const total = 2 + plan.gateways.length + (plan.dns ? 1 : 0);
  const release = new ReleaseStack(app, plan.release.stackId, plan, plan.release);
  onStack(release, 1, total);
  const backend = new BackendStack(app, plan.backend.stackId, plan);
  backend.addDependency(release);
  onStack(backend, 2, total);
  const gateways = plan.gateways.map((gatewayPlan, i) => {
    const stack = new GatewayStack(app, gatewayPlan.stackId, plan, gatewayPlan);
    stack.addDependency(backend);
    onStack(stack, i + 3, total);
    return stack;
  });
  let dns: DnsStack | undefined;
  if (plan.dns) {
    dns = new DnsStack(app, plan.dns.stackId, plan, plan.dns);
    for (const gateway of gateways) dns.addDependency(gateway);
    onStack(dns, total, total);
  }
  return { release, backend, gateways, ...(dns ? { dns } : {}), all: [release, backend, ...gateways, ...(dns ? [dns] : [])] };
}

export interface StackSummary {
  readonly id: string;
  readonly kind: StackKind;
  readonly region: string;
  /** Managed resources (not data sources) in the stack. */
  readonly resources: number;
  readonly dataSources: number;
  /** Size of the stack's cdk.tf.json. */
  readonly bytes: number;
  readonly file: string;
}

export interface SynthReport {
  readonly outdir: string;
  readonly stacks: readonly StackSummary[];
  readonly resources: number;
  readonly bytes: number;
  readonly durationMs: number;
  /** Stack directories in `outdir` from an earlier synth that this topology no longer has (e.g. a removed region). */
  readonly staleStacks: readonly string[];
}

export interface SynthOptions {
  /** Directory for Terraform JSON (`<outdir>/stacks/<id>/cdk.tf.json`). */
  readonly outdir: string;
  readonly infra?: InfraOptions;
  /** Progress lines, e.g. for stderr. */
  readonly onProgress?: (line: string) => void;
}

/** Plans, builds and writes every stack. Throws InfraConfigError (before writing anything) when the plan fails. */
export function synthFleet(topology: Topology, options: SynthOptions): SynthReport {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const outdir = resolve(options.outdir);
  const plan = planFleet(topology, options.infra);
  progress(`planned ${plan.gateways.length} gateway region(s) for topology "${topology.name}"${plan.dns ? '' : ' (no dns section: no DNS stack)'}`);

  // Stack traces on every construct cost a large share of synth time and end up in the JSON; nobody reads them.
  const app = new App({ outdir, stackTraces: false });
  const fleet = withPlainStackTraces(() => {
    const built = buildFleet(app, plan, (stack, i, total) => progress(`[${i}/${total}] built ${stack.node.id} (${stack.kind}, ${stack.region})`));
    progress(`writing Terraform JSON to ${outdir}`);
    try {
      app.synth();
    } catch (err) {
      throw InfraError.synthFailure(err, `synthesizing ${topology.name}`);
    }
    return built;
  });

  const stacks = fleet.all.map((stack): StackSummary => {
    const file = join(outdir, 'stacks', stack.node.id, 'cdk.tf.json');
    const text = readFileSync(file, 'utf8');
    const json = JSON.parse(text) as { resource?: Record<string, object>; data?: Record<string, object> };
    return {
      id: stack.node.id,
      kind: stack.kind,
      region: stack.region,
      resources: countBlocks(json.resource),
      dataSources: countBlocks(json.data),
      bytes: statSync(file).size,
      file,
    };
  });
  const current = new Set(stacks.map((s) => s.id));
  const stacksDir = join(outdir, 'stacks');
  const staleStacks = existsSync(stacksDir)
    ? readdirSync(stacksDir)
        .filter((id) => !current.has(id))
        .sort()
    : [];
  return {
    outdir,
    stacks,
    resources: stacks.reduce((n, s) => n + s.resources, 0),
    bytes: stacks.reduce((n, s) => n + s.bytes, 0),
    durationMs: performance.now() - started,
    staleStacks,
  };
}

/**
 * cdktf captures a full stack trace for every token it creates; under tsx, whose source maps Node applies to each
 * trace, that is half the time of building the stacks. Building is synchronous, so turning source-mapped traces off
 * for its duration affects nothing else (an error raised meanwhile carries compiled rather than source positions).
 */
function withPlainStackTraces<T>(work: () => T): T {
  const enabled = process.sourceMapsEnabled;
  if (enabled) process.setSourceMapsEnabled(false);
  try {
    return work();
  } finally {
    if (enabled) process.setSourceMapsEnabled(true);
  }
}

function countBlocks(blocks: Record<string, object> | undefined): number {
  return Object.values(blocks ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { addGateway, removeGateway, TopologyEditError, TopologyValidationError, type Topology } from '@fedgate/topology';
import { UsageError } from '../cli-errors.ts';
import type { CommandContext, FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { loadOptionalPackage } from '../optional-package.ts';
import type { Argv } from 'yargs';
import { DEFAULT_SYNTH_OUT } from './synth.ts';

interface RegionArgs {
  name: string;
  file: string;
}

/** Editing a file is never implicit: region commands take -f without a default. */
function withEditedFile<T>(y: Argv<T>) {
  return y.option('file', { alias: 'f', type: 'string', demandOption: true, describe: 'Topology file to edit in place (YAML)', normalize: true });
}

export const regionCommand: FedgateCommand = (ctx) => ({
  command: 'region <command>',
  describe: 'Add or remove a gateway region in a topology file, keeping its comments and layout',
  builder: (y) =>
    y
      .command({
        command: 'add <name>',
        describe: "Add a gateway region (copies the last gateway's settings; picks a free CIDR unless --cidr)",
        builder: (a: Argv) =>
          withEditedFile(a)
            .positional('name', { type: 'string', demandOption: true, describe: 'Gateway name (DNS-safe)' })
            .option('region', { type: 'string', demandOption: true, describe: 'AWS region code, e.g. eu-north-1' })
            .option('cidr', { type: 'string', describe: 'VPC range; the first free 10.N.0.0/16 when omitted' })
            .example('$0 region add nordics --region eu-north-1 -f infra/topologies/acme.yaml', 'Add a region with a free CIDR'),
        handler: (argv: RegionArgs & { region: string; cidr?: string }) => addRegion(ctx, argv),
      })
      .command({
        command: 'remove <name>',
        describe: 'Remove a gateway region and say what its teardown destroys',
        builder: (r: Argv) =>
          withEditedFile(r)
            .positional('name', { type: 'string', demandOption: true, describe: 'Gateway name' })
            .option('drained', {
              type: 'boolean',
              default: false,
              describe: 'Confirm the region is already drained from DNS (fedgate dns drain), which needs it still in the file',
            })
            .example('$0 region remove nordics -f infra/topologies/acme.yaml --drained', 'Remove it after fedgate dns drain nordics')
            .epilogue('With a dns section the region must leave DNS first: without --drained the file is left alone and the ordered steps are printed.'),
        handler: (argv: RegionArgs & { drained: boolean }) => removeRegion(ctx, argv),
      })
      .demandCommand(1, 'Name a region command: add or remove.'),
  handler: () => {},
});

async function addRegion(ctx: CommandContext, argv: RegionArgs & { region: string; cidr?: string }): Promise<void> {
  const text = await readTopologyText(argv.file);
  const edit = refuseUnchanged(ctx, argv.file, 'region add', () =>
    addGateway(text, argv.file, { name: argv.name, region: argv.region, ...(argv.cidr === undefined ? {} : { cidr: argv.cidr }) }),
  );
  await writeInPlace(argv.file, edit.text);
  const names = await loadOptionalPackage('region', '@fedgate/infra', () => import('@fedgate/infra'));
  const { gateway, topology } = edit;
  const stack = names.gatewayStackId(gateway.name, gateway.region);
  const out = DEFAULT_SYNTH_OUT;
  const backendStack = names.backendStackId(topology.backend.name, topology.backend.region);
  const next = [
    `fedgate synth -f ${argv.file} --out ${out}`,
    terraform(out, stack, 'apply'),
    `fedgate secrets push -f ${argv.file}   (fills ${names.definitionsSecretName(topology.name, gateway.name)} and ${names.runtimeSecretName(topology.name, gateway.name)}, refreshes ${names.definitionsSecretName(topology.name, topology.backend.name)}; add --tls-dir DIR for TLS clusters)`,
    `fedgate apply -f ${argv.file}`,
    `${terraform(out, backendStack, 'apply')}   (the routers roll onto the topology that has ${gateway.name})`,
    ...(topology.dns
      ? [
          `${terraform(out, names.dnsStackId(topology.name), 'apply')}   (the DNS stack adds ${gateway.name}'s latency record and health check)`,
          `fedgate dns status -f ${argv.file}`,
        ]
      : []),
  ];
  const cidr = edit.cidrPicked ? `${gateway.cidr}, the first free /16` : gateway.cidr;
  emit(
    ctx,
    {
      ok: true,
      file: argv.file,
      added: { name: gateway.name, region: gateway.region, cidr: gateway.cidr, cidrPicked: edit.cidrPicked, template: edit.template },
      stack,
      next,
    },
    `added gateway ${gateway.name} (${gateway.region}, ${cidr}) to ${argv.file}, with ${edit.template}'s settings: ` +
      `${gateway.nodes} node(s), ${gateway.protocols.join('+')}, downlink ${gateway.downlink.kind}, up to ${gateway.maxConnections} connections\n` +
      `next:\n${next.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}\n`,
  );
}

async function removeRegion(ctx: CommandContext, argv: RegionArgs & { drained: boolean }): Promise<void> {
  const text = await readTopologyText(argv.file);
  const edit = refuseUnchanged(ctx, argv.file, 'region remove', () => removeGateway(text, argv.file, argv.name));
  if (edit.topology.dns && !argv.drained) {
    // Draining needs the region in the file; once removed, `dns drain` could no longer name it.
    throw new UsageError(
      `region remove refused, ${argv.file} is unchanged: take ${argv.name} out of DNS first, while the file still has it:\n` +
        `  1. fedgate dns drain ${argv.name} -f ${argv.file}\n` +
        `  2. fedgate region remove ${argv.name} -f ${argv.file} --drained   (prints the remaining steps)`,
    );
  }
  const names = await loadOptionalPackage('region', '@fedgate/infra', () => import('@fedgate/infra'));
  const { gateway } = edit;
  const before = { ...edit.topology, gateways: [...edit.topology.gateways, gateway] } satisfies Topology;
  const stack = names.gatewayStackId(gateway.name, gateway.region);
  const teardown = [
    `stack ${stack}: VPC ${gateway.cidr}, ${gateway.nodes} node(s) with their disks (the uplink buffer on them is lost), the device and internal load balancers, the peering to ${before.backend.name} and the backend's routes and AMQP rule for ${gateway.cidr}`,
    ...(before.dns
      ? [
          `DNS stack: the latency record ${before.dns.record}.${before.dns.zone} for ${gateway.region} and its health check; devices there move to the next-nearest region`,
        ]
      : []),
    `backend ${before.backend.name}: the outbox fedgate.to.${gateway.name}.outbox (commands still in it are dropped) and the users of this gateway's links (with fedgate apply --prune)`,
    `secrets ${names.definitionsSecretName(before.name, gateway.name)} and ${names.runtimeSecretName(before.name, gateway.name)}, deleted without a recovery window`,
  ];
  const out = DEFAULT_SYNTH_OUT;
  const backendStack = names.backendStackId(before.backend.name, before.backend.region);
  const next = [
    `fedgate synth -f ${argv.file} --out ${out}   (the removed stack's directory stays, reported as stale)`,
    // The record goes before the load balancer it aliases.
    ...(before.dns
      ? [`${terraform(out, names.dnsStackId(before.name), 'apply')}   (the DNS stack drops ${gateway.name}'s latency record and health check)`]
      : []),
    `${terraform(out, backendStack, 'apply')}   (the routers roll onto the topology without ${gateway.name})`,
    `${terraform(out, stack, 'destroy')}   (the stack as last synthesized; if ${out} lacks it, synthesize the previous topology first)`,
    `fedgate apply -f ${argv.file} --prune`,
  ];
  await writeInPlace(argv.file, edit.text);
  if (!ctx.json)
    ctx.io.stderr(`warning: removing gateway ${gateway.name} (${gateway.region}) tears down, once applied:\n${teardown.map((t) => `  - ${t}`).join('\n')}\n`);
  emit(
    ctx,
    { ok: true, file: argv.file, removed: { name: gateway.name, region: gateway.region, cidr: gateway.cidr }, stack, teardown, next },
    `removed gateway ${gateway.name} from ${argv.file}\nnext:\n${next.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}\n`,
  );
}

function terraform(out: string, stack: string, action: 'apply' | 'destroy'): string {
  return `terraform -chdir=${out}/stacks/${stack} init && terraform -chdir=${out}/stacks/${stack} ${action}`;
}

async function readTopologyText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read the topology file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Runs a pure edit; for a refused or invalid edit (an input error, exit 2) people are also told the file was not touched. */
function refuseUnchanged<T>(ctx: CommandContext, file: string, what: string, edit: () => T): T {
  try {
    return edit();
  } catch (err) {
    if (!ctx.json && (err instanceof TopologyEditError || err instanceof TopologyValidationError)) ctx.io.stderr(`${what} refused, ${file} is unchanged:\n`);
    throw err;
  }
}

/** Replaces the file atomically (temp file + rename in the same directory), keeping its mode. */
async function writeInPlace(file: string, text: string): Promise<void> {
  const { mode } = await stat(file);
  const temp = `${file}.fedgate-${process.pid}.tmp`;
  await writeFile(temp, text, { mode });
  await rename(temp, file);
}

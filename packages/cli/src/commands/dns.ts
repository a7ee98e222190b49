import type { Argv, CommandModule } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import type { DnsAnswerReport, DnsPlan, DnsProgressEvent, DnsStatusReport, DrainResult } from '@fedgate/dns';
import { withTopologyFile, type CommandContext, type FedgateCommand, type FedgateCommandModule } from '../command.ts';
import { emit } from '../emit.ts';

/** The AWS SDK is large: only `fedgate dns …` pays for loading it. */
const loadDns = () => import('@fedgate/dns');

const AWS_NOTE =
  'The DNS stack (fedgate synth, then terraform apply) creates the latency records and health checks; these commands read them, ' +
  'find the checks by their fedgate:* tags, and drain or undrain a region (attributes the stack ignores). ' +
  'AWS credentials and region come from the standard AWS SDK chain (AWS_PROFILE, environment, SSO, instance role).';

export const dnsCommand: FedgateCommand = (ctx) => ({
  command: 'dns',
  describe: 'Read and operate the Route53 latency records the DNS stack creates: plan, status, drain, undrain, test',
  builder: (y) => {
    let out: Argv = y;
    for (const sub of [planCommand, statusCommand, drainCommand, undrainCommand, testCommand]) {
      out = out.command(sub(ctx) as CommandModule);
    }
    return out.demandCommand(1, 'Name a dns command: plan, status, drain, undrain or test.').epilogue(AWS_NOTE);
  },
  handler: () => {},
});

const planCommand = (ctx: CommandContext): FedgateCommandModule => ({
  command: 'plan',
  describe: "Compare the hosted zone with what the topology's DNS stack creates; changes nothing",
  builder: (y) =>
    withTopologyFile(y)
      .example('$0 dns plan -f infra/topologies/acme.example.yaml', 'Is the zone what the DNS stack should have left?')
      .epilogue(
        'Differences are fixed by applying the DNS stack (terraform -chdir=cdktf.out/stacks/dns-<topology> apply). A drained region is not a difference.',
      ),
  handler: (argv: { file: string }) =>
    withDns(async (dns) => {
      const { topology } = await loadTopology(argv.file);
      const plan = await dns.planDns(topology, { onProgress: progress(ctx) });
      emit(ctx, { ok: true, plan }, () => formatPlan(plan));
    }),
});

const statusCommand = (ctx: CommandContext): FedgateCommandModule => ({
  command: 'status',
  describe: "Per region: the record, its health check and what Route53's checkers report",
  builder: (y) =>
    withTopologyFile(y)
      .example('$0 dns status -f infra/topologies/acme.example.yaml', 'Which regions devices are sent to now')
      .epilogue('Exits 1 when a region is unhealthy, missing, or every region is down (Route53 then fails open).'),
  handler: (argv: { file: string }) =>
    withDns(async (dns) => {
      const { topology } = await loadTopology(argv.file);
      const report = await dns.dnsStatus(topology, { onProgress: progress(ctx) });
      emit(ctx, report, () => formatStatus(report));
    }),
});

const drainCommand = (ctx: CommandContext): FedgateCommandModule => ({
  command: 'drain <gateway>',
  describe: 'Take a region out of DNS (maintenance, incident) without deleting its record or health check',
  builder: (y) =>
    withTopologyFile(y)
      .positional('gateway', { type: 'string', describe: 'Gateway name from the topology' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Check and report, change nothing' })
      .option('force', { type: 'boolean', default: false, describe: 'Drain even if no other region is healthy (Route53 then fails open)' })
      .example('$0 dns drain eu -f infra/topologies/acme.example.yaml', 'Send new eu connections to the next-nearest region')
      .epilogue(
        "The region's health check is forced unhealthy (disabled + inverted). New lookups avoid the region once resolver caches " +
          'expire (the record TTL); devices already connected stay until they reconnect.',
      ),
  handler: (argv: { file: string; gateway: string; dryRun: boolean; force: boolean }) =>
    withDns(async (dns) => {
      const { topology } = await loadTopology(argv.file);
      const result = await dns.drainGateway(topology, argv.gateway, { dryRun: argv.dryRun, force: argv.force, onProgress: progress(ctx) });
      emitDrain(ctx, result);
    }),
});

const undrainCommand = (ctx: CommandContext): FedgateCommandModule => ({
  command: 'undrain <gateway>',
  describe: 'Put a drained region back into DNS',
  builder: (y) =>
    withTopologyFile(y)
      .positional('gateway', { type: 'string', describe: 'Gateway name from the topology' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Check and report, change nothing' })
      .example('$0 dns undrain eu -f infra/topologies/acme.example.yaml', 'Let devices reach eu again')
      .epilogue('The health check probes again; the region returns once it passes (up to interval × failure threshold).'),
  handler: (argv: { file: string; gateway: string; dryRun: boolean }) =>
    withDns(async (dns) => {
      const { topology } = await loadTopology(argv.file);
      const result = await dns.undrainGateway(topology, argv.gateway, { dryRun: argv.dryRun, onProgress: progress(ctx) });
      emitDrain(ctx, result);
    }),
});

const testCommand = (ctx: CommandContext): FedgateCommandModule => ({
  command: 'test',
  describe: 'Ask Route53 (TestDNSAnswer) what a device in a given subnet gets',
  builder: (y) =>
    withTopologyFile(y)
      .option('client-subnet', { type: 'string', demandOption: true, describe: 'EDNS client subnet of the device, e.g. 203.0.113.0/24' })
      .option('resolver', { type: 'string', describe: 'IP address of the resolver asking (default: Route53 picks one)' })
      .example('$0 dns test -f infra/topologies/acme.example.yaml --client-subnet 203.0.113.0/24', 'Where a device in that subnet is sent'),
  handler: (argv: { file: string; clientSubnet: string; resolver?: string }) =>
    withDns(async (dns) => {
      const { topology } = await loadTopology(argv.file);
      const report = await dns.testDnsAnswer(
        topology,
        { clientSubnet: argv.clientSubnet, ...(argv.resolver === undefined ? {} : { resolver: argv.resolver }) },
        { onProgress: progress(ctx) },
      );
      emit(ctx, { ok: true, ...report }, () => formatAnswer(report));
    }),
});

/** Runs `body` with the library loaded; its errors carry their own kind (a DnsConfigError is input, exit 2). */
async function withDns(body: (dns: Awaited<ReturnType<typeof loadDns>>) => Promise<void>): Promise<void> {
  await body(await loadDns());
}

/** Progress goes to stderr so stdout stays one JSON document with --json. */
function progress(ctx: CommandContext): (event: DnsProgressEvent) => void {
  return (event) => ctx.io.stderr(`${formatProgress(event)}\n`);
}

function formatProgress(e: DnsProgressEvent): string {
  switch (e.type) {
    case 'retry':
      return `retrying ${e.operation} after ${e.reason} in ${seconds(e.delayMs)} (attempt ${e.attempt}/${e.maxAttempts})`;
    case 'health-check-updated':
      return `updated health check ${e.healthCheckId} of ${e.gateway} (${e.fields.join(', ')})`;
  }
}

function formatPlan(plan: DnsPlan): string {
  const head = `${plan.recordName} in zone ${plan.zone} (${plan.hostedZoneId})`;
  if (plan.inSync) return `${head}\nas the DNS stack leaves it: a latency alias and a tagged health check for every region\n`;
  return (
    [
      head,
      `${plan.differences.length} difference(s) from what the DNS stack creates:`,
      ...plan.differences.map((d) => `  ~ ${d.kind}: ${d.message}`),
      'apply the DNS stack to fix them (terraform -chdir=<out>/stacks/dns-<topology> apply); fedgate dns changes no record',
    ].join('\n') + '\n'
  );
}

function formatStatus(report: DnsStatusReport): string {
  const lines = [`${report.recordName} in zone ${report.zone} (${report.hostedZoneId})`];
  const width = Math.max(...report.regions.map((r) => r.gateway.length));
  for (const r of report.regions) {
    const state = r.drained ? 'DRAINED' : r.state;
    const record = r.record ? `${r.record.type} → ${r.record.target}` : 'no record';
    const check = r.healthCheck ? `check ${r.healthCheck.id} ${r.healthCheck.endpoint}` : 'no health check';
    const checkers = r.checkers ? `, ${r.checkers.healthy}/${r.checkers.reporting} checkers ok` : '';
    const answers = r.inAnswers ? '' : ', not answered';
    lines.push(`  ${r.gateway.padEnd(width)}  ${r.region.padEnd(14)}  ${state.padEnd(9)}  ${record}; ${check}${checkers}${answers}`);
  }
  for (const s of report.strayRecords) lines.push(`  (stray)  ${s.setIdentifier}: ${s.type} → ${s.target}`);
  if (report.drained.length > 0) lines.push(`drained: ${report.drained.join(', ')}`);
  if (report.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of report.warnings) lines.push(`  ${w.severity === 'error' ? '!' : '-'} ${w.code}: ${w.message}`);
  } else {
    lines.push('no warnings: every region is answered by its health');
  }
  return `${lines.join('\n')}\n`;
}

function emitDrain(ctx: CommandContext, result: DrainResult): void {
  emit(ctx, { ok: true, ...result }, () => formatDrain(result));
}

function formatDrain(result: DrainResult): string {
  const where = `${result.gateway} (${result.region}), health check ${result.healthCheckId}`;
  const past = result.action === 'drain' ? 'drained' : 'undrained';
  let text: string;
  if (result.alreadyInState) text = `${where} is already ${past}: nothing to change`;
  else if (result.dryRun) text = `dry run: would ${result.action} ${where}`;
  else if (result.action === 'drain') {
    text = `${past} ${where}: new lookups avoid it once resolver caches expire; connected devices stay until they reconnect`;
  } else {
    text = `${past} ${where}: it returns to DNS once its health check passes`;
  }
  for (const w of result.warnings) text += `\n  ! ${w.code}: ${w.message}`;
  return `${text}\n`;
}

function formatAnswer(report: DnsAnswerReport): string {
  const via = report.resolver === undefined ? '' : ` via resolver ${report.resolver}`;
  const data = report.recordData.length > 0 ? report.recordData.join(', ') : '(no data)';
  const gateway = report.gateway !== undefined ? ` → gateway ${report.gateway}` : '';
  return (
    `a device in ${report.clientSubnet}${via} asking ${report.recordType} ${report.recordName} gets: ${data}${gateway}\n` +
    `  (${report.responseCode} from ${report.nameserver} over ${report.protocol})\n`
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

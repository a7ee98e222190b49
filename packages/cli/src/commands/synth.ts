import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { loadOptionalPackage } from '../optional-package.ts';

export const DEFAULT_SYNTH_OUT = 'cdktf.out';

interface SynthArgs {
  file: string;
  out: string;
  stateBucket?: string;
  bundleUri?: string;
}

export const synthCommand: FedgateCommand = (ctx) => ({
  command: 'synth',
  describe: 'Write Terraform JSON for the fleet on AWS: the release bucket, a backend stack, one stack per gateway region, a DNS stack',
  builder: (y) =>
    withTopologyFile(y)
      .option('out', { alias: 'o', type: 'string', default: DEFAULT_SYNTH_OUT, describe: 'Directory for <out>/stacks/<stack>/cdk.tf.json', normalize: true })
      .option('state-bucket', { type: 'string', describe: 'S3 bucket for Terraform state (one key per stack); local state files otherwise' })
      .option('bundle-uri', {
        type: 'string',
        describe: 'S3 URI of the release bundle nodes install (fedgate release push uploads it there); {arch} becomes x64 or arm64',
      })
      .example('$0 synth -f infra/topologies/acme.example.yaml', 'Synthesize the example fleet into cdktf.out/')
      .example('$0 synth -f fleet.yaml --state-bucket acme-terraform --json', 'Remote state, machine-readable summary')
      .epilogue('No Terraform binary and no passwords are needed: secrets are fetched by the nodes at boot, never synthesized.'),
  handler: async (argv: SynthArgs) => {
    const { topology } = await loadTopology(argv.file);
    // cdktf and the AWS provider bindings load only for this command.
    const { synthFleet, InfraConfigError } = await loadOptionalPackage('synth', '@fedgate/infra', () => import('@fedgate/infra'));
    let report;
    try {
      report = synthFleet(topology, {
        outdir: argv.out,
        infra: { ...(argv.stateBucket ? { stateBucket: argv.stateBucket } : {}), ...(argv.bundleUri ? { bundleUri: argv.bundleUri } : {}) },
        onProgress: (line) => ctx.io.stderr(`synth: ${line}\n`),
      });
    } catch (err) {
      // An input error (exit 2) whose problems name topology paths: say which file, and that it did validate.
      if (err instanceof InfraConfigError && !ctx.json) ctx.io.stderr(`${argv.file}: the topology is valid but cannot be deployed on AWS as written:\n`);
      throw err;
    }
    const out = argv.out;
    for (const stale of report.staleStacks) {
      ctx.io.stderr(
        `synth: warning: ${out}/stacks/${stale} is from an earlier synth and not in this topology; destroy it (terraform -chdir=${out}/stacks/${stale} destroy) before deleting the directory\n`,
      );
    }
    const stacks = report.stacks.map(({ id, kind, region, resources, dataSources, bytes }) => ({ id, kind, region, resources, dataSources, bytes }));
    const result = {
      ok: true,
      outdir: report.outdir,
      stacks,
      resources: report.resources,
      bytes: report.bytes,
      durationMs: Math.round(report.durationMs),
      staleStacks: report.staleStacks,
    };
    const width = Math.max(5, ...report.stacks.map((s) => s.id.length));
    const rows = report.stacks.map(
      (s) => `${s.id.padEnd(width)}  ${s.kind.padEnd(7)}  ${s.region.padEnd(14)}  ${String(s.resources).padStart(9)}  ${kib(s.bytes).padStart(9)}`,
    );
    emit(
      ctx,
      result,
      [
        `${'stack'.padEnd(width)}  ${'kind'.padEnd(7)}  ${'region'.padEnd(14)}  resources  ${'size'.padStart(9)}`,
        ...rows,
        `${report.stacks.length} stacks, ${report.resources} resources, ${kib(report.bytes)} of Terraform JSON in ${(report.durationMs / 1000).toFixed(1)} s → ${out}/stacks/`,
        `apply in order: the release stack (then fedgate release push), the backend stack, then gateway stacks, then the DNS stack (terraform -chdir=${out}/stacks/<stack> init && terraform -chdir=${out}/stacks/<stack> apply)`,
      ].join('\n') + '\n',
    );
  },
});

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

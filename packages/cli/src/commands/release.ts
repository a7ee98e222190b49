import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { loadOptionalPackage } from '../optional-package.ts';

/** Where `npm run release` writes and `fedgate release push` reads (the infra package's DEFAULT_RELEASE_DIR). */
export const DEFAULT_BUNDLE_DIR = 'dist/release';

interface BuildArgs {
  out: string;
}
interface PushArgs {
  file: string;
  bundleDir: string;
  bundleUri?: string;
  dryRun: boolean;
}

export const releaseCommand: FedgateCommand = (ctx) => ({
  command: 'release <command>',
  describe: 'Build the release bundle instances install at boot, and push it to the release bucket',
  builder: (y) =>
    y
      .command({
        command: 'build',
        describe:
          'Bundle router, gateway-health, device-authz and the boot helper with esbuild into fedgate-linux-{x64,arm64}.tar.gz + .sha256 (npm run release)',
        builder: (b: Argv) =>
          b
            .option('out', {
              alias: 'o',
              type: 'string',
              default: DEFAULT_BUNDLE_DIR,
              normalize: true,
              describe: 'Directory for the tarballs and their checksums',
            })
            .example('$0 release build', `Write the release to ${DEFAULT_BUNDLE_DIR}/`),
        handler: (argv: BuildArgs) => build(ctx, argv),
      })
      .command({
        command: 'push',
        describe: 'Upload the tarballs and checksums to the release bucket at the keys the instances download; skips objects already there',
        builder: (p: Argv) =>
          withTopologyFile(p)
            .option('bundle-dir', { type: 'string', default: DEFAULT_BUNDLE_DIR, normalize: true, describe: 'Where npm run release wrote the release' })
            .option('bundle-uri', { type: 'string', describe: 'The --bundle-uri given to fedgate synth, if any ({arch} becomes x64 or arm64)' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'Compare with the bucket, upload nothing' })
            .example('$0 release push -f infra/topologies/acme.example.yaml --dry-run', 'What would be uploaded')
            .epilogue(
              "The bucket is the release stack's (apply it first). Credentials and endpoint come from the standard AWS SDK chain; an object whose sha256 metadata matches is left alone.",
            ),
        handler: (argv: PushArgs) => push(ctx, argv),
      })
      .demandCommand(1, 'Name a release command: build, push.'),
  handler: () => {},
});

async function build(ctx: Parameters<FedgateCommand>[0], argv: BuildArgs): Promise<void> {
  const { buildRelease } = await loadOptionalPackage('release build', '@fedgate/infra', () => import('@fedgate/infra/release'));
  // The bundle is built from the repository's sources with esbuild, which loads only for this command.
  const report = await loadOptionalPackage('release build', 'esbuild', () =>
    buildRelease({ outDir: argv.out, onProgress: (line) => ctx.io.stderr(`release: ${line}\n`) }),
  );
  emit(
    ctx,
    { ok: true, ...report },
    [
      ...report.entries.map((e) => `  ${e.command.padEnd(15)} ${(e.bytes / 1024).toFixed(0)} KiB`),
      ...report.files.map((f) => `  ${f.bundle} (${f.bytes} bytes, sha256 ${f.sha256})`),
      `release of ${report.commit} in ${report.outDir}; next: fedgate release push -f FILE --bundle-dir ${argv.out}`,
    ].join('\n') + '\n',
  );
}

async function push(ctx: Parameters<FedgateCommand>[0], argv: PushArgs): Promise<void> {
  const { topology } = await loadTopology(argv.file);
  const [{ normalizeInfraOptions, InfraConfigError }, { pushRelease }] = await loadOptionalPackage('release push', '@fedgate/infra', () =>
    Promise.all([import('@fedgate/infra'), import('@fedgate/infra/release')]),
  );
  const { options, problems } = normalizeInfraOptions(topology, argv.bundleUri === undefined ? {} : { bundleUri: argv.bundleUri });
  if (problems.length > 0) throw new InfraConfigError(problems);
  const report = await pushRelease({
    uriTemplate: options.bundleUri,
    region: topology.backend.region,
    bundleDir: argv.bundleDir,
    dryRun: argv.dryRun,
    onProgress: (line) => ctx.io.stderr(`release: ${line}\n`),
  });
  const changed = report.objects.filter((o) => o.action !== 'unchanged').length;
  emit(
    ctx,
    { ok: true, ...report },
    [
      ...report.objects.map((o) => `  ${o.action.padEnd(12)} ${o.uri} (${o.bytes} bytes)`),
      `${report.objects.length} object(s) in s3://${report.bucket} (${report.region}), ${changed} ${report.dryRun ? 'would change' : 'changed'}`,
    ].join('\n') + '\n',
  );
}

/**
 * `npm run release`: bundles each entry (router, gateway-health, device-authz, the boot helper) with esbuild into one ESM file with
 * its dependencies inlined, adds the launcher, and writes `fedgate-linux-<arch>.tar.gz` plus `.sha256` per
 * architecture. Reproducible: entries sorted, one mtime (SOURCE_DATE_EPOCH or the commit's time), gzip without a
 * timestamp, so pushing the same commit twice uploads nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BuildFailure } from 'esbuild';
import { ReleaseError } from './release-error.ts';
import {
  BUNDLE_ENTRIES,
  MIN_NODE_MAJOR,
  RELEASE_ARCHITECTURES,
  bundleFileName,
  checksumLine,
  checksumName,
  type BundleEntry,
  type ReleaseArchitecture,
} from './release-files.ts';
import { launcherScript } from './launcher-script.ts';
import { tarArchive, type TarEntry } from './tar-archive.ts';

/** The repository root, from this file's place in it (infra/src/release). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where `npm run release` writes, relative to the repository root. @default "dist/release" */
export const DEFAULT_RELEASE_DIR = 'dist/release';

export interface BuildReleaseOptions {
  /** Output directory; created if missing. */
  readonly outDir: string;
  /** @default REPOSITORY_ROOT */
  readonly root?: string;
  /** mtime of every archive entry, seconds. @default SOURCE_DATE_EPOCH, else the HEAD commit's time */
  readonly sourceDateEpoch?: number;
  readonly onProgress?: (line: string) => void;
}

export interface ReleaseFile {
  readonly arch: ReleaseArchitecture;
  /** Absolute paths of the tarball and its checksum file. */
  readonly bundle: string;
  readonly checksum: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ReleaseReport {
  readonly outDir: string;
  readonly commit: string;
  readonly entries: readonly { command: string; bytes: number }[];
  readonly files: readonly ReleaseFile[];
}

export async function buildRelease(options: BuildReleaseOptions): Promise<ReleaseReport> {
  const root = options.root ?? REPOSITORY_ROOT;
  const outDir = resolve(options.outDir);
  const progress = options.onProgress ?? (() => {});
  const commit = gitCommit(root);
  const mtime = options.sourceDateEpoch ?? sourceDateEpoch(root);
  progress(`bundling ${BUNDLE_ENTRIES.map((e) => e.command).join(', ')} with esbuild (node${MIN_NODE_MAJOR}, ESM)`);
  const bundled = await bundleEntries(root, BUNDLE_ENTRIES);
  await mkdir(outDir, { recursive: true });
  const files: ReleaseFile[] = [];
  for (const arch of RELEASE_ARCHITECTURES) {
    const tarball = gzipDeterministic(tarArchive(bundleTree(bundled, { commit, arch }), mtime));
    const name = bundleFileName(arch);
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    const bundle = join(outDir, name);
    const checksum = join(outDir, checksumName(name));
    await writeAtomically(bundle, tarball);
    await writeAtomically(checksum, checksumLine(sha256, name));
    files.push({ arch, bundle, checksum, sha256, bytes: tarball.byteLength });
    progress(`wrote ${name} (${tarball.byteLength} bytes, sha256 ${sha256})`);
  }
  return { outDir, commit, entries: bundled.map((b) => ({ command: b.entry.command, bytes: b.code.byteLength })), files };
}

interface BundledEntry {
  readonly entry: BundleEntry;
  readonly code: Uint8Array;
}

/** One self-contained ESM file per entry; CommonJS dependencies get a `require` made from the file's own URL. */
async function bundleEntries(root: string, entries: readonly BundleEntry[]): Promise<BundledEntry[]> {
  // esbuild is a development tool of the repository, which the bundle is built from: loaded only here, so pushing a
  // release works where esbuild is not installed.
  const { build } = await import('esbuild');
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(entries.map((e) => [e.command, e.source])),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${MIN_NODE_MAJOR}`,
      outdir: 'bundle',
      outExtension: { '.js': '.mjs' },
      write: false,
      // Whitespace and syntax only: identifiers keep their names, so a stack trace on an instance still reads.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      logLevel: 'silent',
      banner: { js: nodeBanner() },
    });
    return entries.map((entry) => {
      const file = result.outputFiles.find((f) => f.path.endsWith(`/bundle/${entry.command}.mjs`));
      if (!file) throw new ReleaseError('RELEASE_BUILD_FAILED', `esbuild wrote no output for ${entry.source}`);
      return { entry, code: file.contents };
    });
  } catch (err) {
    if (err instanceof ReleaseError) throw err;
    const failure = err as Partial<BuildFailure>;
    const first = failure.errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new ReleaseError('RELEASE_BUILD_FAILED', `bundling failed: ${first?.text ?? (err as Error).message}${where}`, { cause: err });
  }
}

/** First lines of each bundled file: refuse an older Node by name, and give CommonJS dependencies `require`. */
function nodeBanner(): string {
  return [
    `if (Number(process.versions.node.split('.')[0]) < ${MIN_NODE_MAJOR}) { process.stderr.write('fedgate: needs Node ${MIN_NODE_MAJOR} or later, this is ' + process.version + '\\n'); process.exit(1); }`,
    "import { createRequire as __fedgateCreateRequire } from 'node:module';",
    'const require = __fedgateCreateRequire(import.meta.url);',
  ].join('\n');
}

/** The tree the tarball unpacks into /opt/fedgate. */
function bundleTree(bundled: readonly BundledEntry[], about: { commit: string; arch: ReleaseArchitecture }): TarEntry[] {
  const manifest = {
    name: 'fedgate',
    commit: about.commit,
    platform: 'linux',
    arch: about.arch,
    node: `>=${MIN_NODE_MAJOR}`,
    commands: bundled.map((b) => b.entry.command),
  };
  return [
    { path: 'bin/', mode: 0o755 },
    { path: 'bin/fedgate', mode: 0o755, content: Buffer.from(launcherScript(bundled.map((b) => b.entry.command))) },
    { path: 'lib/', mode: 0o755 },
    ...[...bundled]
      .sort((a, b) => a.entry.command.localeCompare(b.entry.command))
      .map((b) => ({ path: `lib/${b.entry.command}.mjs`, mode: 0o644, content: b.code })),
    { path: 'lib/release.json', mode: 0o644, content: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
  ];
}

/** gzip with no timestamp and the OS byte pinned to Unix, so the bytes do not depend on the building machine. */
function gzipDeterministic(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: 9 });
  gz[9] = 3;
  return gz;
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

function gitCommit(root: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !==
      '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

function sourceDateEpoch(root: string): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 0;
  } catch {
    return 0;
  }
}

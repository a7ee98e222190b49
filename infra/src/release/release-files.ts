/**
 * What a release is made of and what its files are called: the names the boot downloads (`fedgate-linux-{arch}.tar.gz`
 * through the synthesized bundle URI) and the names `npm run release` writes and `fedgate release push` uploads.
 */
import type { Architecture } from '../instance-type.ts';

/** Architectures a release is published for, in Node's names (`process.arch`). The JS is the same; the name says which instances download it. */
export const RELEASE_ARCHITECTURES = ['x64', 'arm64'] as const;
export type ReleaseArchitecture = (typeof RELEASE_ARCHITECTURES)[number];

/** Placeholder in a bundle URI replaced by a release architecture. */
export const ARCH_PLACEHOLDER = '{arch}';

/** A command of the bundle's launcher (`/opt/fedgate/bin/fedgate <command>`) and the source bundled for it. */
export interface BundleEntry {
  readonly command: 'router' | 'gateway-health' | 'device-authz' | 'boot';
  /** Entry module, relative to the repository root. */
  readonly source: string;
}

export const BUNDLE_ENTRIES: readonly BundleEntry[] = [
  { command: 'router', source: 'packages/cli/src/bundle/router.ts' },
  { command: 'gateway-health', source: 'packages/cli/src/bundle/gateway-health.ts' },
  { command: 'device-authz', source: 'packages/cli/src/bundle/device-authz.ts' },
  { command: 'boot', source: 'infra/src/boot/boot-main.ts' },
];

/** Oldest Node major the bundle runs on: Debian 13's nodejs package is 20. */
export const MIN_NODE_MAJOR = 20;

/** EC2 architecture → the release built for it. */
export function releaseArchitecture(architecture: Architecture): ReleaseArchitecture {
  return architecture === 'x86_64' ? 'x64' : 'arm64';
}

export function bundleFileName(arch: ReleaseArchitecture): string {
  return `fedgate-linux-${arch}.tar.gz`;
}

/** The checksum object lives next to the bundle: same key plus `.sha256`. */
export function checksumName(bundleName: string): string {
  return `${bundleName}.sha256`;
}

/** `sha256sum` format, so `sha256sum -c` works on a directory holding both. */
export function checksumLine(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

/** The hex digest of a `.sha256` file, or undefined when it holds none. */
export function parseChecksum(text: string): string | undefined {
  return /^([0-9a-f]{64})(\s|$)/.exec(text)?.[1];
}

/** Where one architecture's bundle lives: the URI with `{arch}` filled in, its bucket, key and the bucket's region. */
export interface BundleLocation {
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  /** Key of the `.sha256` object next to the bundle. */
  readonly checksumKey: string;
}

/** Pure: `s3://bucket/path/fedgate-linux-{arch}.tar.gz` and an architecture → that bundle's location. */
export function bundleLocation(template: string, arch: ReleaseArchitecture, region: string): BundleLocation {
  const uri = template.replaceAll(ARCH_PLACEHOLDER, arch);
  const [bucket = '', ...key] = uri.slice('s3://'.length).split('/');
  return { uri, bucket, key: key.join('/'), region, checksumKey: checksumName(key.join('/')) };
}

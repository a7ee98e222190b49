/** `@fedgate/infra/release`: building the release bundle and pushing it to the release bucket, without loading cdktf. */
export { buildRelease, DEFAULT_RELEASE_DIR, REPOSITORY_ROOT, type BuildReleaseOptions, type ReleaseReport, type ReleaseFile } from './build-release.ts';
export {
  pushRelease,
  SHA256_METADATA,
  type PushReleaseOptions,
  type ReleasePushReport,
  type ReleaseObjectOutcome,
  type ReleaseObjectAction,
} from './push-release.ts';
export {
  RELEASE_ARCHITECTURES,
  BUNDLE_ENTRIES,
  ARCH_PLACEHOLDER,
  bundleFileName,
  bundleLocation,
  checksumName,
  parseChecksum,
  type ReleaseArchitecture,
  type BundleLocation,
} from './release-files.ts';
export { ReleaseError, type ReleaseErrorCode } from './release-error.ts';

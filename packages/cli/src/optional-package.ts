import { UsageError } from './cli-errors.ts';

/**
 * Packages some commands load that an installed CLI may lack, and how to get each. The AWS kit is an optional peer:
 * its CDKTF provider bindings alone are about 400 MB, which a CLI that validates, applies and watches a fleet does not
 * need. The bench and esbuild (for the release bundle, built from the sources) are development tools of the repository.
 */
const REMEDIES = {
  '@fedgate/infra': 'install the AWS kit beside the CLI: npm install @fedgate/infra',
  '@fedgate/bench': 'the bench ships with the fedgate repository only: run it from a checkout (npm run bench)',
  esbuild: 'the release bundle is built from the fedgate repository: run it from a checkout (npm run release)',
} as const;

export type OptionalPackage = keyof typeof REMEDIES;

/** Runs `load`; a missing `packageName` becomes a usage error that says how to get it, instead of a resolution stack. */
export async function loadOptionalPackage<T>(command: string, packageName: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (err as Error).message.includes(`'${packageName}'`);
    if (!missing) throw err;
    throw new UsageError(`fedgate ${command} needs ${packageName}, which is not installed; ${REMEDIES[packageName]}`, { cause: err });
  }
}

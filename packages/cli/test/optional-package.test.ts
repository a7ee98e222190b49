import assert from 'node:assert/strict';
import { loadOptionalPackage } from '../src/optional-package.ts';
import { UsageError } from '../src/cli-errors.ts';

/** What node throws when an import names a package that is not installed. */
function moduleNotFound(packageName: string): Error {
  return Object.assign(new Error(`Cannot find package '${packageName}' imported from /app/node_modules/@fedgate/cli/dist/commands/synth.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('cli - optional packages', () => {
  it('turns the named package missing into a usage error that says how to get it', async () => {
    const err = await loadOptionalPackage('synth', '@fedgate/infra', () => Promise.reject(moduleNotFound('@fedgate/infra'))).catch((e: unknown) => e);
    assert.ok(err instanceof UsageError);
    assert.equal(err.kind, 'input');
    assert.match(err.message, /^fedgate synth needs @fedgate\/infra, which is not installed; install the AWS kit beside the CLI: npm install @fedgate\/infra$/);
  });

  it('lets any other failure through as it is, a module missing inside the package included', async () => {
    const inner = moduleNotFound('cdktf');
    assert.equal(await loadOptionalPackage('synth', '@fedgate/infra', () => Promise.reject(inner)).catch((e: unknown) => e), inner);
    assert.deepEqual(await loadOptionalPackage('bench', '@fedgate/bench', () => Promise.resolve({ loaded: true })), { loaded: true });
  });
});

import assert from 'node:assert/strict';
import { main } from '../../packages/cli/src/main.ts';

/** Runs the CLI in-process; these cases fail before any node starts. */
async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('bench - command line', () => {
  it('exits 2 for a scenario it does not know, naming the choices', async () => {
    const { code, stderr } = await run(['bench', 'speed']);
    assert.equal(code, 2);
    assert.match(stderr, /Choices: "all", "directory", "downlink", "router", "routing", "gateway"/);
  });

  it('exits 2 for a gateway count out of range, before starting anything', async () => {
    const { code, stderr } = await run(['bench', 'routing', '--gateways', '1']);
    assert.equal(code, 2);
    assert.match(stderr, /gateways must be an integer from 2 to 8, got 1/);
  });
});

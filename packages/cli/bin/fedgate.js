#!/usr/bin/env node
// An installed fedgate runs its built JavaScript (dist/). In a checkout it runs the TypeScript sources through tsx, so
// no build step sits between an edit and the CLI: the repository's tsconfig maps every @fedgate package to its sources,
// and naming it in the environment lets the helper processes the CLI starts through tsx map them too.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../src/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/main.js'));
}
// The one exit of the CLI: a long-running command stopped by a second signal must not wait for its open sockets.
process.exit(await main(process.argv.slice(2)));

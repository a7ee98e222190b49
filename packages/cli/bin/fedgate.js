#!/usr/bin/env node
// fedgate is TypeScript run through tsx, so there is no build step between a checkout and the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
// The one exit of the CLI: a long-running command stopped by a second signal must not wait for its open sockets.
process.exit(await main(process.argv.slice(2)));

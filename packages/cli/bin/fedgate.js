#!/usr/bin/env node
// fedgate is TypeScript run through tsx, so there is no build step between a checkout and the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

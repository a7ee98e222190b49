import { join } from 'node:path';
import type { PkiError } from '@fedgate/pki';
import { EXIT_USAGE } from './exit-codes.ts';

/** Where local mode keeps a topology's fleet CA and token signing key. */
export function localPkiDir(topologyName: string): string {
  return join('.fedgate', topologyName, 'pki');
}

/** Where `fedgate device issue` writes device files by default. */
export function localDevicesDir(topologyName: string): string {
  return join('.fedgate', topologyName, 'devices');
}

/** A PkiError the user caused (a bad id, ttl, …) exits 2 like every usage error; the rest exit 1. */
export function exitCodeOfPkiError(err: unknown): unknown {
  const pki = err as Partial<PkiError>;
  if (pki?.name === 'PkiError' && pki.kind === 'input') return Object.assign(err as PkiError, { exitCode: EXIT_USAGE });
  return err;
}

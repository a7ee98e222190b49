import { join } from 'node:path';

/** Where local mode keeps a topology's fleet CA and token signing key. */
export function localPkiDir(topologyName: string): string {
  return join('.fedgate', topologyName, 'pki');
}

/** Where `fedgate device issue` writes device files by default. */
export function localDevicesDir(topologyName: string): string {
  return join('.fedgate', topologyName, 'devices');
}

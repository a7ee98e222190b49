// The package's only I/O, kept out of the pure entry point: writing rendered artifacts to disk.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { definitionsText, type ClusterArtifacts } from './compile-topology.ts';

export interface WrittenFiles {
  readonly cluster: string;
  readonly dir: string;
  readonly files: readonly string[];
}

/**
 * Writes `<dir>/definitions.json` (mode 0600: link URIs carry passwords), `rabbitmq.conf` and `enabled_plugins`.
 */
export async function writeArtifacts(artifacts: ClusterArtifacts, dir: string): Promise<WrittenFiles> {
  await mkdir(dir, { recursive: true });
  const definitions = join(dir, 'definitions.json');
  // Create with 0600 and chmod again in case the file existed with a wider mode.
  await writeFile(definitions, definitionsText(artifacts.definitions), { mode: 0o600 });
  await chmod(definitions, 0o600);
  const conf = join(dir, 'rabbitmq.conf');
  await writeFile(conf, artifacts.rabbitmqConf, { mode: 0o644 });
  const plugins = join(dir, 'enabled_plugins');
  await writeFile(plugins, artifacts.enabledPlugins, { mode: 0o644 });
  return { cluster: artifacts.cluster.name, dir, files: [definitions, conf, plugins] };
}

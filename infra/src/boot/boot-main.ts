/** Release bundle entry: `fedgate boot …`, the boot script's AWS helper (see boot-command.ts). */
import { runBootCommand } from './boot-command.ts';

process.exitCode = await runBootCommand(process.argv.slice(2), {
  stdout: (bytes) => process.stdout.write(bytes),
  stderr: (text) => process.stderr.write(text),
});

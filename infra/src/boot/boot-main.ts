/** Release bundle entry: `fedgate boot …`, the boot script's AWS helper (see boot-command.ts). */
import { runBootCommand } from './boot-command.ts';

// Instances run Debian 13's Node 20 on purpose, with the SDK version this release pinned; the SDK's notice that its
// future versions need Node 22 would only clutter every boot log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runBootCommand(process.argv.slice(2), {
  stdout: (bytes) => process.stdout.write(bytes),
  stderr: (text) => process.stderr.write(text),
});

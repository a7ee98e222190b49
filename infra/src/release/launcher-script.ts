/**
 * `/opt/fedgate/bin/fedgate`: runs one bundled entry with the instance's Node (Debian's nodejs). The systemd units
 * and the boot script call it exactly like the development CLI (`fedgate router -f …`).
 */
export function launcherScript(commands: readonly string[]): string {
  const list = commands.join('|');
  return [
    '#!/bin/sh',
    "# fedgate release launcher: each command is one self-contained file in ../lib, run with the system's node.",
    'set -e',
    'here=$(dirname "$(readlink -f "$0")")',
    'case "${1:-}" in',
    `  ${list}) exec node "$here/../lib/$1.mjs" "$@" ;;`,
    '  --version) cat "$here/../lib/release.json"; exit 0 ;;',
    `  -h|--help) echo "usage: fedgate ${list.replaceAll('|', ' | ')} [options]   (fedgate <command> --help; --version)"; exit 0 ;;`,
    `  '') echo "usage: fedgate ${list.replaceAll('|', ' | ')} [options]" >&2; exit 2 ;;`,
    `  *) echo "fedgate: this release has no command \\"$1\\" (commands: ${commands.join(', ')})" >&2; exit 2 ;;`,
    'esac',
    '',
  ].join('\n');
}

import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import { withJson, withTopologyFile, type CommandContext, type FedgateCommand } from '../command.ts';
import { exitCodeOfPkiError, localPkiDir } from '../local-pki.ts';

interface TokenArgs {
  file: string;
  json: boolean;
  name: string;
  ttl: string;
  pkiDir?: string;
}

export const appCommand: FedgateCommand = (ctx) => ({
  command: 'app <command>',
  describe: 'App identities: signed tokens for STOMP and web apps',
  builder: (y) =>
    y
      .command({
        command: 'token <name>',
        describe: 'Print a token that lets app NAME use only its own topics: subscribe devices.NAME.commands.#, publish devices.NAME.events.*',
        builder: (p: Argv) =>
          withJson(withTopologyFile(p))
            .positional('name', { type: 'string', demandOption: true, describe: 'App name: 1 to 64 letters, digits, "_" and "-", not starting with "-"' })
            .option('ttl', { type: 'string', default: '1h', describe: 'Lifetime: a whole number and s, m, h or d, at most 30d' })
            .option('pki-dir', { type: 'string', normalize: true, describe: 'Directory of the fleet signing key [default: .fedgate/<topology>/pki]' })
            .example('$0 app token dashboard --ttl 15m', 'A token for app "dashboard" valid for 15 minutes')
            .epilogue(
              'Only the token goes to stdout, so TOKEN=$(fedgate app token NAME) works; its scopes go to stderr. The app connects over STOMP ' +
                'with the token as passcode and subscribes with the header x-queue-name: fedgate.app.NAME.<anything>, the only queues it may use; ' +
                'over MQTT (web-mqtt, from a browser) the token is the password and the client id must be NAME (its session queues are the only MQTT ones it may use). ' +
                'The signing key (RS256) is created beside the fleet CA if missing; gateways verify tokens with its public key.',
            ),
        handler: (argv: TokenArgs) => appToken(ctx, argv),
      })
      .demandCommand(1, 'Name an app command: token.'),
  handler: () => {},
});

async function appToken(ctx: CommandContext, argv: TokenArgs): Promise<void> {
  const pki = await import('@fedgate/pki');
  try {
    // Input first: a bad name or ttl is refused before a topology is read or a key created.
    const app = pki.validateAppName(argv.name);
    const ttlSeconds = pki.parseTtl(argv.ttl);
    const { topology } = await loadTopology(argv.file);
    const dir = argv.pkiDir ?? localPkiDir(topology.name);
    const key = await pki.ensureTokenSigningKey(dir);
    if (key.created) ctx.io.stderr(`app: created the token signing key ${key.kid} of topology "${topology.name}" in ${dir}\n`);
    const scopes = pki.appScopes(app, topology.vhost, pki.DEFAULT_RESOURCE_SERVER_ID);
    const token = await pki.signAppToken(key, { app, scopes, ttlSeconds, audience: pki.DEFAULT_RESOURCE_SERVER_ID });
    const subscriptionQueue = pki.appSubscriptionQueue(app);
    if (argv.json) {
      ctx.io.stdout(JSON.stringify({ ok: true, app, token: token.token, kid: token.kid, scopes, expiresAt: token.expiresAt.toISOString(), subscriptionQueue }) + '\n');
      return;
    }
    ctx.io.stderr(
      [`app ${app}: token ${token.kid}, expires ${token.expiresAt.toISOString()}; subscribe with x-queue-name: ${subscriptionQueue}; scopes:`, ...scopes.map((s) => `  ${s}`)].join('\n') + '\n',
    );
    ctx.io.stdout(token.token + '\n');
  } catch (err) {
    throw exitCodeOfPkiError(err);
  }
}

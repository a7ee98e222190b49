import type { Argv } from 'yargs';
import { loadTopology, webMqttPort, type Topology } from '@fedgate/topology';
import { withTopologyFile, type CommandContext, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { localPkiDir } from '../local-pki.ts';
import { UsageError } from '../cli-errors.ts';

/** Where `fedgate app serve` listens unless told otherwise (the demo's default too). */
export const DEFAULT_WEB_APP_PORT = 8090;

interface ServeArgs {
  file: string;
  name: string;
  gateway: string;
  ttl: string;
  port: number;
  host: string;
  pkiDir?: string;
}

interface TokenArgs {
  file: string;
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
          withTopologyFile(p)
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
      .command({
        command: 'serve <name>',
        describe: 'Serve the browser example app (packages/web/example-app) for app NAME, connected to a gateway over MQTT on WebSockets with a fresh token',
        builder: (p: Argv) =>
          withTopologyFile(p)
            .positional('name', { type: 'string', demandOption: true, describe: "App name (the token's subject and the MQTT client id)" })
            .option('gateway', { type: 'string', demandOption: true, describe: 'A gateway with web-mqtt in its protocols' })
            .option('ttl', { type: 'string', default: '1h', describe: 'Lifetime of the token the page gets' })
            .option('port', { type: 'number', default: DEFAULT_WEB_APP_PORT, describe: 'Listen port (0: any free port)' })
            .option('host', { type: 'string', default: '127.0.0.1', describe: 'Listen address; the page carries the token, so keep it on loopback' })
            .option('pki-dir', { type: 'string', normalize: true, describe: 'Directory of the fleet signing key [default: .fedgate/<topology>/pki]' })
            .example('$0 app serve dashboard --gateway eu', 'Open the printed URL: the page connects to eu as app "dashboard"')
            .epilogue(
              "The token goes to the page only (as config.json), never to the terminal. The browser must trust the gateway's certificate (the fleet CA).",
            ),
        handler: (argv: ServeArgs) => appServe(ctx, argv),
      })
      .demandCommand(1, 'Name an app command: token, serve.'),
  handler: () => {},
});

/** The browser's URL of `gateway`'s MQTT-over-WebSockets listener; refuses a gateway that has none. */
export function webMqttUrl(topology: Topology, file: string, gateway: string): string {
  const gw = topology.gateways.find((g) => g.name === gateway);
  if (!gw) throw new UsageError(`no gateway "${gateway}" in ${file} (gateways: ${topology.gateways.map((g) => g.name).join(', ')})`);
  if (!gw.protocols.includes('web-mqtt'))
    throw new UsageError(`gateway "${gateway}" does not speak web-mqtt (its protocols: ${gw.protocols.join(', ')}); add web-mqtt to its protocols`);
  return `${gw.tls ? 'wss' : 'ws'}://${gw.host}:${webMqttPort(gw)}/ws`;
}

async function appServe(ctx: CommandContext, argv: ServeArgs): Promise<void> {
  const pki = await import('@fedgate/pki');
  const { startExampleAppServer } = await import('@fedgate/web');
  const app = pki.validateAppName(argv.name);
  const ttlSeconds = pki.parseTtl(argv.ttl);
  const { topology } = await loadTopology(argv.file);
  const url = webMqttUrl(topology, argv.file, argv.gateway);
  const key = await pki.ensureTokenSigningKey(argv.pkiDir ?? localPkiDir(topology.name));
  const token = (await pki.signAppToken(key, { app, scopes: pki.appScopes(app, topology.vhost), ttlSeconds })).token;
  const server = await startExampleAppServer({ config: { url, app: argv.name, token }, host: argv.host, port: argv.port });
  ctx.io.stdout(`${server.url}\n`);
  ctx.io.stderr(`app ${argv.name}: the page connects to ${url}; stop with Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function appToken(ctx: CommandContext, argv: TokenArgs): Promise<void> {
  const pki = await import('@fedgate/pki');
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
  // Only the token goes to stdout for people, so TOKEN=$(fedgate app token NAME) works; what it allows goes to stderr.
  if (!ctx.json) {
    ctx.io.stderr(
      [
        `app ${app}: token ${token.kid}, expires ${token.expiresAt.toISOString()}; subscribe with x-queue-name: ${subscriptionQueue}; scopes:`,
        ...scopes.map((s) => `  ${s}`),
      ].join('\n') + '\n',
    );
  }
  emit(ctx, { ok: true, app, token: token.token, kid: token.kid, scopes, expiresAt: token.expiresAt.toISOString(), subscriptionQueue }, token.token + '\n');
}

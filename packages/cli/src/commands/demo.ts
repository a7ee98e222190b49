import { withTopologyFile, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { DEFAULT_WEB_APP_PORT } from './app.ts';
import { DEFAULT_CONSOLE_PORT } from './console.ts';

export const demoCommand: FedgateCommand = (ctx) => ({
  command: 'demo',
  describe: 'Bring up the local fleet and the router, then show devices on two gateways commanded through the router',
  builder: (y) =>
    withTopologyFile(y)
      .option('router-port', { type: 'number', default: 9464, describe: 'HTTP port of the background router (/metrics, /readyz)' })
      .option('web-app-port', {
        type: 'number',
        default: DEFAULT_WEB_APP_PORT,
        describe: 'HTTP port of the browser example app (on 127.0.0.1), when a gateway speaks web-mqtt',
      })
      .option('console-port', { type: 'number', default: DEFAULT_CONSOLE_PORT, describe: 'HTTP port of the fleet console (on 127.0.0.1)' })
      .example('$0 demo', 'What `npm start` runs'),
  handler: async (argv: { file: string; routerPort: number; webAppPort: number; consolePort: number }) => {
    const [{ upFleet, consolePidFile, webAppPidFile }, { ensureBackgroundRouter }, { runDemo }, { ensureBackgroundService }] = await Promise.all([
      import('@fedgate/local-cluster'),
      import('../demo/background-router.ts'),
      import('../demo/run-demo.ts'),
      import('../demo/background-service.ts'),
    ]);
    const progress = (line: string) => ctx.io.stderr(`${line}\n`);
    const fleet = await upFleet(argv.file, { onProgress: progress });
    const router = await ensureBackgroundRouter(argv.file, fleet.stateDir, argv.routerPort);
    progress(router.started ? `router: started (pid ${router.pid}), logs in ${router.log}` : `router: already running on :${argv.routerPort}`);
    // People watch the steps as they happen; with --json they arrive together in the one result line.
    const steps: { ok: boolean; text: string }[] = [];
    if (!ctx.json) ctx.io.stdout('\nfedgate demo\n');
    const ok = await runDemo(fleet, (s) => {
      steps.push({ ok: s.ok, text: s.text });
      if (!ctx.json) ctx.io.stdout(`  ${s.ok ? '✔' : '✘'} ${s.text}\n`);
    });
    const web = fleet.topology.gateways.find((g) => g.protocols.includes('web-mqtt'));
    const page = web
      ? await ensureBackgroundService(fleet.stateDir, {
          name: 'web-app',
          args: ['app', 'serve', 'browser-app', '--gateway', web.name, '-f', argv.file, '--port', String(argv.webAppPort), '--ttl', '12h'],
          port: argv.webAppPort,
          probePath: '/app.js',
          pidFile: webAppPidFile(fleet.stateDir),
        })
      : undefined;
    const fleetConsole = await ensureBackgroundService(fleet.stateDir, {
      name: 'console',
      args: ['console', '-f', argv.file, '--port', String(argv.consolePort), '--router', `http://127.0.0.1:${argv.routerPort}/metrics`],
      port: argv.consolePort,
      probePath: '/',
      pidFile: consolePidFile(fleet.stateDir),
    });
    const browser =
      web && page
        ? `\nBrowser example app (app "browser-app" on gateway ${web.name}, MQTT over WebSockets): ${page.url}\n` +
          (web.tls && fleet.tls ? `  your browser must trust the fleet CA ${fleet.tls.caFile} for the gateway's wss:// listener\n` : '') +
          `  send it a command: the client SDK's sendCommand('browser-app', 'hello', …) or any publish to fedgate.commands with routing key devices.browser-app.commands.hello\n`
        : '';
    emit(
      ctx,
      { ok, steps, routerPort: argv.routerPort, consoleUrl: fleetConsole.url, ...(page ? { webAppUrl: page.url } : {}) },
      `\nFleet console (live, read-only): ${fleetConsole.url}\n` +
        browser +
        `\n${ok ? 'Everything worked.' : 'Something did not work (✘ above).'}\n` +
        `The fleet and the router keep running: metrics at http://127.0.0.1:${argv.routerPort}/metrics, status with \`npx fedgate status -f ${argv.file}\`.\n` +
        `Stop everything with: npx fedgate local down -f ${argv.file}\n`,
    );
  },
});

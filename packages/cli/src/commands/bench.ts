import type { Argv } from 'yargs';
import type { FedgateCommand } from '../command.ts';
import { InterruptedError } from '../cli-errors.ts';
import { emit } from '../emit.ts';
import { loadOptionalPackage } from '../optional-package.ts';

const SCENARIO_CHOICES = ['all', 'directory', 'downlink', 'router', 'routing', 'gateway', 'scale-out', 'cold-start'] as const;

/** The scenario, its options and what --help teaches. */
function benchOptions(y: Argv) {
  return y
    .positional('scenario', { choices: SCENARIO_CHOICES, default: 'all', describe: 'One scenario, or all of them' })
    .option('quick', { type: 'boolean', default: false, describe: 'The short run: fewer rounds, messages and variants (storms keep --storm-clients)' })
    .option('out', { type: 'string', describe: 'Folder for results.json, report.md and the charts (default: bench-results/<timestamp>)', normalize: true })
    .option('gateways', { type: 'number', default: 3, describe: 'Gateways in the bench fleet (the N of the amplification scenario)' })
    .option('rounds', { type: 'number', describe: 'Interleaved rounds per scenario (default: 2 quick, 3 full)' })
    .option('storm-clients', { type: 'number', describe: 'Devices connecting at once in each storm of the gateway and scale-out scenarios (default: 10000)' })
    .option('storm-logins', {
      type: 'string',
      array: true,
      choices: ['password', 'stock', 'certificate', 'token'],
      describe: 'Only these kinds of login storm the gateway (default: all four, side by side)',
    })
    .option('storm-connect-timeout', {
      type: 'number',
      describe: 'Seconds a storm device waits for CONNACK before it retries (default: 60, a device default)',
    })
    .option('render', {
      type: 'string',
      describe: "Only re-render report.md and the charts of an earlier run's folder from its results.json",
      normalize: true,
    })
    .example('$0 bench --quick --storm-clients 2000', 'Every scenario, short, with storms of 2,000 devices')
    .example('$0 bench router', 'Only router path vs direct publish, full length')
    .example('$0 bench gateway --storm-clients 2000', 'Reconnect storms of 2,000 devices: password, certificate, token and stock')
    .example('$0 bench gateway --storm-logins certificate --storm-connect-timeout 600', '10,000 certificate devices that wait for their turn')
    .example('$0 bench scale-out --quick --storm-clients 3000', 'A 3-node backend and gateway beside single nodes: commands/s and a storm')
    .example('$0 bench cold-start', 'Only router cold start at 1,000,000 devices (--quick: 100,000)')
    .example('$0 bench --quick --out bench/results/latest', 'Refresh the committed report')
    .example('$0 bench --render bench/results/latest', 'Rewrite that report with the current templates, same figures')
    .epilogue(
      'The bench starts its own fleet (.fedgate/bench, ports 7000-7999, 17000-17999, 27000-27999, MQTT 2200-2299, STOMP 62000-62099), a stock ' +
        'RabbitMQ node for comparison and, for the gateway scenario, a TLS fleet (.fedgate/bench/identity) for certificate and token logins and, for scale-out, a fleet of 3-node clusters (.fedgate/bench/scale), and stops them at the end; ' +
        'FEDGATE_BENCH_PORT_OFFSET=N shifts all their ports by N. Progress goes to stderr. Ctrl-C stops at the next step and still stops the nodes.',
    );
}

export const benchCommand: FedgateCommand = (ctx) => ({
  command: 'bench [scenario]',
  describe: 'Run the performance lab on a fleet of its own: variants side by side, JSON results and a report with charts',
  builder: benchOptions,
  handler: async (argv: {
    scenario: string;
    quick: boolean;
    out?: string;
    gateways: number;
    rounds?: number;
    stormClients?: number;
    stormLogins?: string[];
    stormConnectTimeout?: number;
    render?: string;
  }) => {
    const { runBench, rerenderReport } = await loadOptionalPackage('bench', '@fedgate/bench', () => import('@fedgate/bench'));
    if (argv.render) {
      const { files } = await rerenderReport(argv.render);
      emit(ctx, { ok: true, files }, `re-rendered ${files.length} files in ${argv.render}\n`);
      return;
    }
    const abort = new AbortController();
    let signals = 0;
    // A second signal gives up on the orderly stop: the handler fails with it and the bin exits at once.
    let interruptedTwice: (err: InterruptedError) => void = () => {};
    const givenUp = new Promise<never>((_, reject) => (interruptedTwice = reject));
    const onSignal = () => {
      if (++signals > 1) {
        interruptedTwice(new InterruptedError('bench: interrupted twice; nodes may still run: `npx fedgate local down -f .fedgate/bench/bench-topology.yaml`'));
        return;
      }
      ctx.io.stderr('bench: interrupted; stopping at the next step and shutting the nodes down (Ctrl-C again leaves them running)\n');
      abort.abort(new Error('interrupted'));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const started = Date.now();
      const { results, outDir } = await Promise.race([
        givenUp,
        runBench({
          scenario: argv.scenario,
          quick: argv.quick,
          ...(argv.out ? { out: argv.out } : {}),
          gateways: argv.gateways,
          ...(argv.rounds !== undefined ? { rounds: argv.rounds } : {}),
          ...(argv.stormClients !== undefined ? { stormClients: argv.stormClients } : {}),
          ...(argv.stormLogins !== undefined ? { stormLogins: argv.stormLogins } : {}),
          ...(argv.stormConnectTimeout !== undefined ? { stormConnectTimeoutSeconds: argv.stormConnectTimeout } : {}),
          signal: abort.signal,
          onProgress: (line) => ctx.io.stderr(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
        }),
      ]);
      // With --json, results.json's content (non-finite figures become null, as JSON has no Infinity).
      emit(ctx, { ok: results.failures.length === 0, ...results }, () =>
        [
          ...results.targets.map((t) => `${t.met ? 'met   ' : 'MISSED'} ${t.what}: ${t.measuredText} (goal ${t.target})\n`),
          ...results.failures.map((f) => `FAILED ${f.scenario}: ${f.message}\n`),
          `report: ${outDir}/report.md\n`,
        ].join(''),
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});

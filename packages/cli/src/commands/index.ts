import type { FedgateCommand } from '../command.ts';
import { validateCommand } from './validate.ts';
import { renderCommand } from './render.ts';
import { schemaCommand } from './schema.ts';
import { dnsCommand } from './dns.ts';
import { localCommand } from './local.ts';
import { planCommand } from './plan.ts';
import { applyCommand } from './apply.ts';
import { statusCommand } from './status.ts';
import { gatewayHealthCommand } from './gateway-health.ts';
import { deviceAuthzCommand } from './device-authz.ts';
import { routerCommand } from './router.ts';
import { demoCommand } from './demo.ts';
import { synthCommand } from './synth.ts';
import { regionCommand } from './region.ts';
import { benchCommand } from './bench.ts';
import { linkCommand } from './link.ts';
import { gatewayCommand } from './gateway.ts';
import { wanCommand } from './wan.ts';
import { secretsCommand } from './secrets.ts';
import { deviceCommand } from './device.ts';
import { appCommand } from './app.ts';
import { releaseCommand } from './release.ts';
import { consoleCommand } from './console.ts';

/** Every fedgate command, in the order `--help` lists them. */
export const COMMANDS: FedgateCommand[] = [
  validateCommand,
  renderCommand,
  schemaCommand,
  localCommand,
  planCommand,
  applyCommand,
  statusCommand,
  consoleCommand,
  gatewayHealthCommand,
  deviceAuthzCommand,
  routerCommand,
  demoCommand,
  dnsCommand,
  synthCommand,
  releaseCommand,
  secretsCommand,
  deviceCommand,
  appCommand,
  regionCommand,
  benchCommand,
  linkCommand,
  gatewayCommand,
  wanCommand,
];

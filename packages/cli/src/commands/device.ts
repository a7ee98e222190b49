import type { Argv } from 'yargs';
import { loadTopology } from '@fedgate/topology';
import { withTopologyFile, type CommandContext, type FedgateCommand } from '../command.ts';
import { emit } from '../emit.ts';
import { localDevicesDir, localPkiDir } from '../local-pki.ts';

interface IssueArgs {
  file: string;
  id: string;
  out?: string;
  pkiDir?: string;
}

export const deviceCommand: FedgateCommand = (ctx) => ({
  command: 'device <command>',
  describe: "Device identities: certificates from the topology's fleet CA",
  builder: (y) =>
    y
      .command({
        command: 'issue <id>',
        describe: "Write a device's key, certificate (CN and DNS SAN = the id) and the CA bundle; the fleet CA is created if missing",
        builder: (p: Argv) =>
          withTopologyFile(p)
            // A string, or yargs would turn an id such as 0042 into the number 42.
            .positional('id', { type: 'string', demandOption: true, describe: 'Device id: 1 to 64 letters, digits, "_" and "-", not starting with "-"' })
            .option('out', {
              alias: 'o',
              type: 'string',
              normalize: true,
              describe: 'Directory for <id>.key, <id>.pem and ca.pem [default: .fedgate/<topology>/devices]',
            })
            .option('pki-dir', { type: 'string', normalize: true, describe: 'Directory of the fleet CA [default: .fedgate/<topology>/pki]' })
            .example('$0 device issue sensor-42', 'Key and certificate for device sensor-42 of the local fleet')
            .example('$0 device issue sensor-42 --out /tmp/sensor-42 --json', 'Into a directory of your choice, reported as JSON')
            .epilogue(
              'The key is written with mode 0600 and the directory with 0700. The device connects with TLS and this certificate: ' +
                "the broker logs it in as its common name and takes its MQTT client id from the certificate, so it cannot borrow another's.",
            ),
        handler: (argv: IssueArgs) => issueDevice(ctx, argv),
      })
      .demandCommand(1, 'Name a device command: issue.'),
  handler: () => {},
});

async function issueDevice(ctx: CommandContext, argv: IssueArgs): Promise<void> {
  const pki = await import('@fedgate/pki');
  // The id first: a bad one is refused before a topology is read or a CA created.
  const deviceId = pki.validateDeviceId(argv.id);
  const { topology } = await loadTopology(argv.file);
  const caDir = argv.pkiDir ?? localPkiDir(topology.name);
  const ca = await pki.ensureFleetCa(caDir, topology.name);
  if (ca.created) ctx.io.stderr(`device: created the fleet CA of topology "${topology.name}" in ${caDir}\n`);
  const issued = await pki.issueDeviceCertificate(ca, deviceId, { outDir: argv.out ?? localDevicesDir(topology.name) });
  emit(
    ctx,
    { ok: true, device: deviceId, key: issued.keyFile, cert: issued.certFile, ca: issued.caFile },
    `device ${deviceId}: key ${issued.keyFile} (mode 0600), certificate ${issued.certFile} (serial ${issued.serial}, ${issued.validityDays} days), CA ${issued.caFile}\n`,
  );
}

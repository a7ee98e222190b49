import assert from 'node:assert/strict';
import { DescribeInstancesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { parseBootArgs, runBootCommand, type BootClients } from '../src/boot/boot-command.ts';
import { BootHelperError } from '../src/boot/boot-helper-error.ts';

interface Captured {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function boot(argv: string[], env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }): Promise<Captured> {
  const out: Buffer[] = [];
  let stderr = '';
  const clients: BootClients = { secretsManager: (region) => new SecretsManagerClient({ region }), ec2: (region) => new EC2Client({ region }) };
  const code = await runBootCommand(argv, { stdout: (b) => void out.push(Buffer.from(b)), stderr: (t) => void (stderr += t) }, env, clients);
  return { code, stdout: Buffer.concat(out), stderr };
}

describe('infra - boot helper (fedgate boot): what the boot script asks AWS, through the SDK', () => {
  // Created when the suite runs, not when the file loads: a class mocked at load time would leak into other files' tests.
  let sm: AwsClientStub<SecretsManagerClient>;
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    sm = mockClient(SecretsManagerClient);
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => {
    sm.reset();
    ec2.reset();
  });
  after(() => {
    sm.restore();
    ec2.restore();
  });

  it("prints a binary secret's bytes and a string secret's text, and nothing else", async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'fedgate/acme/us/definitions' }).resolves({ SecretBinary: new Uint8Array([0x1f, 0x8b, 8, 0]) });
    sm.on(GetSecretValueCommand, { SecretId: 'fedgate/acme/us/runtime' }).resolves({ SecretString: '{"erlangCookie":"x"}' });
    const binary = await boot(['boot', 'secret-value', '--secret-id', 'fedgate/acme/us/definitions', '--field', 'binary']);
    assert.deepEqual([binary.code, [...binary.stdout], binary.stderr], [0, [0x1f, 0x8b, 8, 0], '']);
    const text = await boot(['boot', 'secret-value', '--secret-id', 'fedgate/acme/us/runtime', '--field', 'string']);
    assert.equal(text.stdout.toString(), '{"erlangCookie":"x"}');
  });

  it('fails (exit 1) without printing a value when the secret holds the other kind or AWS refuses', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'a-password-like-value' });
    const wrongKind = await boot(['boot', 'secret-value', '--secret-id', 'fedgate/acme/us/definitions', '--field', 'binary']);
    assert.equal(wrongKind.code, 1);
    assert.equal(wrongKind.stdout.length, 0);
    assert.equal(wrongKind.stderr, 'fedgate boot: secret fedgate/acme/us/definitions has no SecretBinary (it holds the other kind)\n');
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"), { name: 'ResourceNotFoundException' }),
    );
    const notYet = await boot(['boot', 'secret-value', '--secret-id', 'fedgate/acme/us/runtime', '--field', 'string']);
    assert.equal(notYet.code, 1);
    assert.match(notYet.stderr, /^fedgate boot: GetSecretValue fedgate\/acme\/us\/runtime failed: ResourceNotFoundException: /);
  });

  it("lists the group's pending and running instances over every page, sorted", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ PrivateDnsName: 'ip-10-1-2-3.ec2.internal' }, { PrivateDnsName: '' }] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Reservations: [{ Instances: [{ PrivateDnsName: 'ip-10-1-0-9.ec2.internal' }] }] });
    const peers = await boot(['boot', 'peers', '--group', 'fedgate-acme-us'], { AWS_REGION: 'us-east-1' });
    assert.equal(peers.code, 0, peers.stderr);
    assert.equal(peers.stdout.toString(), 'ip-10-1-0-9.ec2.internal\nip-10-1-2-3.ec2.internal\n');
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    assert.deepEqual(calls[0]!.Filters, [
      { Name: 'tag:aws:autoscaling:groupName', Values: ['fedgate-acme-us'] },
      { Name: 'instance-state-name', Values: ['pending', 'running'] },
    ]);
    assert.equal(calls[1]!.NextToken, 'page-2');
    ec2
      .on(DescribeInstancesCommand)
      .rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'not authorized' }));
    const denied = await boot(['boot', 'peers', '--group', 'fedgate-acme-us']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /DescribeInstances group fedgate-acme-us failed: UnauthorizedOperation: not authorized/);
  });

  it('normalises its arguments before any request: exit 2 naming the option and what it got', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['boot', 'secret-value', '--secret-id', 'x', '--field', 'json'], { AWS_REGION: 'eu-west-1' }, /--field: expected binary or string, got "json"/],
      [['boot', 'secret-value', '--field', 'binary'], { AWS_REGION: 'eu-west-1' }, /--secret-id: required/],
      [['boot', 'peers', '--group', 'g'], {}, /--region: expected an AWS region such as eu-west-1 \(or AWS_REGION\), got ""/],
      [['boot', 'launch'], { AWS_REGION: 'eu-west-1' }, /unknown command "launch" \(secret-value, peers\)/],
      [['boot', 'peers', '--grop', 'g'], { AWS_REGION: 'eu-west-1' }, /Unknown option '--grop'/],
    ];
    for (const [argv, env, message] of cases) {
      const run = await boot(argv, env);
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, message);
    }
    assert.equal(sm.calls().length + ec2.calls().length, 0);
    assert.deepEqual(parseBootArgs(['boot', 'peers', '--group', 'g', '--region', 'ap-southeast-1'], {}), {
      command: 'peers',
      options: { region: 'ap-southeast-1', group: 'g' },
    });
    assert.throws(
      () => parseBootArgs(['secret-value'], {}),
      (err: unknown) => err instanceof BootHelperError && err.code === 'BOOT_USAGE',
    );
  });
});

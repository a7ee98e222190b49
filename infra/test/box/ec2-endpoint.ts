/**
 * Test support: EC2's DescribeInstances over the EC2 query protocol (form-encoded POST, XML answer), as the boot
 * helper's `fedgate boot peers` asks it through the SDK (AWS_ENDPOINT_URL_EC2). Instances are registered per Auto
 * Scaling group; the group tag and state filters are honoured, anything else is refused so a new filter shows up.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class Ec2Endpoint {
  private server: Server | undefined;
  private readonly groups = new Map<string, string[]>();
  readonly requests: Record<string, string>[] = [];

  /** `privateDnsName` runs in Auto Scaling group `group`. */
  addInstance(group: string, privateDnsName: string): void {
    this.groups.set(group, [...(this.groups.get(group) ?? []), privateDnsName]);
  }

  async start(host = '127.0.0.1'): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      this.requests.push(form);
      const xml = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'text/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
      const error = (code: string, message: string) =>
        xml(400, `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>box</RequestID></Response>`);
      if (!/Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/ec2\/aws4_request/.test(String(req.headers.authorization)))
        return error('AuthFailure', 'requests must be signed for ec2');
      if (form.Action !== 'DescribeInstances') return error('InvalidAction', `${form.Action} is not served`);
      const filters = new Map<string, string[]>();
      for (let i = 1; form[`Filter.${i}.Name`]; i++) {
        const values: string[] = [];
        for (let j = 1; form[`Filter.${i}.Value.${j}`]; j++) values.push(form[`Filter.${i}.Value.${j}`]!);
        filters.set(form[`Filter.${i}.Name`]!, values);
      }
      const unknown = [...filters.keys()].filter((name) => name !== 'tag:aws:autoscaling:groupName' && name !== 'instance-state-name');
      if (unknown.length > 0) return error('InvalidParameterValue', `filters not served: ${unknown.join(', ')}`);
      const running = filters.get('instance-state-name')?.includes('running') ?? true;
      const names = running ? (filters.get('tag:aws:autoscaling:groupName') ?? [...this.groups.keys()]).flatMap((g) => this.groups.get(g) ?? []) : [];
      const items = names
        .map(
          (name, i) =>
            `<item><instanceId>i-box${i}</instanceId><privateDnsName>${name}</privateDnsName><instanceState><code>16</code><name>running</name></instanceState></item>`,
        )
        .join('');
      xml(
        200,
        `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>box</requestId><reservationSet>${names.length ? `<item><reservationId>r-box</reservationId><instancesSet>${items}</instancesSet></item>` : ''}</reservationSet></DescribeInstancesResponse>`,
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Test support: a Route53Account served over HTTP in Route53's REST-XML protocol, for the operations `fedgate dns`
 * sends. The real AWS SDK talks to it when AWS_ENDPOINT_URL_ROUTE_53 names it, so requests go through the SDK's
 * serializers, signing, middleware and XML parsing exactly as against Route53. Listens on 127.0.0.1, an ephemeral port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthCheck, HealthCheckObservation, HostedZone, ResourceRecordSet } from '@aws-sdk/client-route-53';
import { isFailure } from './fake-route53.ts';
import type { Route53Account, Route53Failure } from './route53-account.ts';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  readonly body: string;
}

export class Route53Endpoint {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;

  constructor(readonly account: Route53Account) {}

  /** Starts listening; resolves with the endpoint URL to give the SDK. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://route53');
    const path = url.pathname.replace(/^\/2013-04-01/, '');
    const q = (name: string) => url.searchParams.get(name) ?? undefined;
    const route = this.route(req.method ?? 'GET', path);
    this.requests.push({ method: req.method ?? 'GET', path, operation: route?.operation ?? 'unknown', body });
    if (route === undefined) return send(res, 404, errorXml({ code: 'UnknownOperation', message: `${req.method} ${path}`, status: 404 }));
    if (!/^AWS4-HMAC-SHA256 Credential=\S+\/route53\/aws4_request/.test(String(req.headers.authorization))) {
      return send(res, 403, errorXml({ code: 'MissingAuthenticationToken', message: 'requests must be signed for route53', status: 403 }));
    }
    const failure = this.account.takeFailure(route.operation);
    if (isFailure(failure)) return send(res, failure.status, errorXml(failure));
    const out = route.answer(q, body);
    if (isFailure(out)) return send(res, out.status, errorXml(out));
    send(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n${out}`);
  }

  private route(
    method: string,
    path: string,
  ): { operation: string; answer: (q: (n: string) => string | undefined, body: string) => string | Route53Failure } | undefined {
    const a = this.account;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/hostedzonesbyname') {
      return {
        operation: 'ListHostedZonesByName',
        answer: (q) => {
          const res = a.listHostedZonesByName(q('dnsname'));
          return el(
            'ListHostedZonesByNameResponse',
            [el('HostedZones', res.HostedZones.map(hostedZoneXml)), el('IsTruncated', 'false'), el('MaxItems', '100')],
            NS,
          );
        },
      };
    }
    if (method === 'GET' && (m = /^\/hostedzone\/([^/]+)\/rrset$/.exec(path))) {
      return {
        operation: 'ListResourceRecordSets',
        answer: (q) => {
          const res = a.listRecords({
            HostedZoneId: m![1],
            StartRecordName: q('name'),
            StartRecordType: q('type') as never,
            StartRecordIdentifier: q('identifier'),
          });
          return el(
            'ListResourceRecordSetsResponse',
            [
              el('ResourceRecordSets', res.ResourceRecordSets.map(recordXml)),
              el('IsTruncated', String(res.IsTruncated)),
              ...optional('NextRecordName', res.NextRecordName),
              ...optional('NextRecordType', res.NextRecordType),
              ...optional('NextRecordIdentifier', res.NextRecordIdentifier),
              el('MaxItems', String(res.MaxItems)),
            ],
            NS,
          );
        },
      };
    }
    if (method === 'GET' && path === '/healthcheck') {
      return {
        operation: 'ListHealthChecks',
        answer: (q) => {
          const res = a.listHealthChecks(q('marker'));
          return el(
            'ListHealthChecksResponse',
            [
              el('HealthChecks', res.HealthChecks.map(healthCheckXml)),
              el('Marker', q('marker') ?? ''),
              el('IsTruncated', String(res.IsTruncated)),
              ...optional('NextMarker', res.NextMarker),
              el('MaxItems', String(res.MaxItems)),
            ],
            NS,
          );
        },
      };
    }
    if (method === 'POST' && (m = /^\/tags\/([^/]+)$/.exec(path))) {
      return {
        operation: 'ListTagsForResources',
        answer: (_q, body) => {
          const ids = [...body.matchAll(/<ResourceId>([^<]*)<\/ResourceId>/g)].map((x) => x[1]!);
          const res = a.listTags(m![1], ids);
          return el(
            'ListTagsForResourcesResponse',
            [
              el(
                'ResourceTagSets',
                res.ResourceTagSets.map((set) =>
                  el('ResourceTagSet', [
                    el('ResourceType', set.ResourceType),
                    el('ResourceId', set.ResourceId),
                    el(
                      'Tags',
                      set.Tags.map((t) => el('Tag', [el('Key', t.Key), el('Value', t.Value)])),
                    ),
                  ]),
                ),
              ),
            ],
            NS,
          );
        },
      };
    }
    if (method === 'GET' && (m = /^\/healthcheck\/([^/]+)\/status$/.exec(path))) {
      return {
        operation: 'GetHealthCheckStatus',
        answer: () => el('GetHealthCheckStatusResponse', [el('HealthCheckObservations', a.healthCheckStatus(m![1]!).map(observationXml))], NS),
      };
    }
    if (method === 'POST' && (m = /^\/healthcheck\/([^/]+)$/.exec(path))) {
      return {
        operation: 'UpdateHealthCheck',
        answer: (_q, body) => {
          const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
          const flag = (name: string) => (field(name) === undefined ? undefined : field(name) === 'true');
          const version = field('HealthCheckVersion');
          const out = a.updateHealthCheck({
            HealthCheckId: m![1],
            ...(version === undefined ? {} : { HealthCheckVersion: Number(version) }),
            ...(flag('Disabled') === undefined ? {} : { Disabled: flag('Disabled') }),
            ...(flag('Inverted') === undefined ? {} : { Inverted: flag('Inverted') }),
          });
          return isFailure(out) ? out : el('UpdateHealthCheckResponse', [healthCheckXml(out)], NS);
        },
      };
    }
    if (method === 'GET' && path === '/testdnsanswer') {
      return {
        operation: 'TestDNSAnswer',
        answer: () => {
          const t = a.testAnswer;
          if (t === undefined) return { code: 'InvalidInput', message: 'fake: no TestDNSAnswer set', status: 400 };
          return el(
            'TestDNSAnswerResponse',
            [
              el('Nameserver', t.Nameserver ?? ''),
              el('RecordName', t.RecordName ?? ''),
              el('RecordType', t.RecordType ?? 'A'),
              el(
                'RecordData',
                (t.RecordData ?? []).map((d) => el('RecordDataEntry', d)),
              ),
              el('ResponseCode', t.ResponseCode ?? ''),
              el('Protocol', t.Protocol ?? 'UDP'),
            ],
            NS,
          );
        },
      };
    }
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-request' }).end(body);
}

function errorXml(f: Route53Failure): string {
  return `<?xml version="1.0"?>\n${el('ErrorResponse', [el('Error', [el('Type', f.status >= 500 ? 'Receiver' : 'Sender'), el('Code', f.code), el('Message', f.message)]), el('RequestId', 'fake-request')], NS)}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function el(name: string, content: string | string[], xmlns?: string): string {
  const inner = Array.isArray(content) ? content.join('') : escape(content);
  return `<${name}${xmlns ? ` xmlns="${xmlns}"` : ''}>${inner}</${name}>`;
}

function optional(name: string, value: string | undefined): string[] {
  return value === undefined ? [] : [el(name, value)];
}

function hostedZoneXml(z: HostedZone): string {
  return el('HostedZone', [
    el('Id', z.Id ?? ''),
    el('Name', z.Name ?? ''),
    el('CallerReference', z.CallerReference ?? ''),
    el('Config', [el('PrivateZone', String(z.Config?.PrivateZone === true))]),
    el('ResourceRecordSetCount', '3'),
  ]);
}

function recordXml(r: ResourceRecordSet): string {
  return el('ResourceRecordSet', [
    el('Name', r.Name ?? ''),
    el('Type', r.Type ?? ''),
    ...optional('SetIdentifier', r.SetIdentifier),
    ...optional('Region', r.Region),
    ...optional('TTL', r.TTL === undefined ? undefined : String(r.TTL)),
    ...(r.ResourceRecords
      ? [
          el(
            'ResourceRecords',
            r.ResourceRecords.map((v) => el('ResourceRecord', [el('Value', v.Value ?? '')])),
          ),
        ]
      : []),
    ...(r.AliasTarget
      ? [
          el('AliasTarget', [
            el('HostedZoneId', r.AliasTarget.HostedZoneId ?? ''),
            el('DNSName', r.AliasTarget.DNSName ?? ''),
            el('EvaluateTargetHealth', String(r.AliasTarget.EvaluateTargetHealth === true)),
          ]),
        ]
      : []),
    ...optional('HealthCheckId', r.HealthCheckId),
  ]);
}

function healthCheckXml(hc: HealthCheck): string {
  const c = hc.HealthCheckConfig ?? { Type: 'HTTP' };
  return el('HealthCheck', [
    el('Id', hc.Id ?? ''),
    el('CallerReference', hc.CallerReference ?? ''),
    el('HealthCheckConfig', [
      ...optional('IPAddress', c.IPAddress),
      ...optional('Port', c.Port === undefined ? undefined : String(c.Port)),
      el('Type', c.Type ?? 'HTTP'),
      ...optional('ResourcePath', c.ResourcePath),
      ...optional('FullyQualifiedDomainName', c.FullyQualifiedDomainName),
      ...optional('RequestInterval', c.RequestInterval === undefined ? undefined : String(c.RequestInterval)),
      ...optional('FailureThreshold', c.FailureThreshold === undefined ? undefined : String(c.FailureThreshold)),
      el('MeasureLatency', String(c.MeasureLatency === true)),
      el('Inverted', String(c.Inverted === true)),
      el('Disabled', String(c.Disabled === true)),
      el('EnableSNI', String(c.EnableSNI === true)),
    ]),
    el('HealthCheckVersion', String(hc.HealthCheckVersion ?? 1)),
  ]);
}

function observationXml(o: HealthCheckObservation): string {
  return el('HealthCheckObservation', [
    el('Region', o.Region ?? ''),
    el('IPAddress', o.IPAddress ?? ''),
    el('StatusReport', [el('Status', o.StatusReport?.Status ?? ''), el('CheckedTime', (o.StatusReport?.CheckedTime ?? new Date(0)).toISOString())]),
  ]);
}

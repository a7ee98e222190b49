/**
 * Test support: decides what a token's scopes allow the way RabbitMQ 4.0's OAuth 2 backend does
 * (`rabbit_oauth2_scope.erl` and `wildcard.erl` of rabbitmq_auth_backend_oauth2, restated here), so
 * the tests can say what an app can and cannot do without a broker.
 */
type Permission = 'configure' | 'write' | 'read';

interface ParsedScope {
  readonly permission: Permission;
  readonly vhost: string;
  readonly name: string;
  /** Only scopes with a third part grant topic access. */
  readonly routingKey: string | undefined;
}

export class RabbitScopeMatcher {
  private readonly scopes: ParsedScope[];

  /** `scopes` as in the token; those without `<resourceServerId>.` are ignored, like the broker does. */
  constructor(scopes: readonly string[], resourceServerId: string) {
    const prefix = `${resourceServerId}.`;
    this.scopes = scopes.filter((s) => s.startsWith(prefix)).flatMap((s) => parse(s.slice(prefix.length)));
  }

  vhostAccess(vhost: string): boolean {
    return this.scopes.some((s) => wildcardMatch(vhost, s.vhost));
  }

  /** A queue or an exchange: the broker's resource check does not tell them apart. */
  resourceAccess(vhost: string, name: string, permission: Permission): boolean {
    return this.scopes.some((s) => s.permission === permission && wildcardMatch(vhost, s.vhost) && wildcardMatch(name, s.name));
  }

  topicAccess(vhost: string, exchange: string, routingKey: string, permission: 'read' | 'write'): boolean {
    return this.scopes.some(
      (s) =>
        s.permission === permission &&
        s.routingKey !== undefined &&
        wildcardMatch(vhost, s.vhost) &&
        wildcardMatch(exchange, s.name) &&
        wildcardMatch(routingKey, s.routingKey),
    );
  }

  /** A STOMP SUBSCRIBE to `/topic/<bindingKey>` on `exchange` into queue `queue`: declare, bind, consume. */
  canSubscribe(vhost: string, exchange: string, bindingKey: string, queue: string): boolean {
    return (
      this.vhostAccess(vhost) &&
      this.resourceAccess(vhost, queue, 'configure') &&
      this.resourceAccess(vhost, queue, 'write') &&
      this.resourceAccess(vhost, exchange, 'read') &&
      this.topicAccess(vhost, exchange, bindingKey, 'read') &&
      this.resourceAccess(vhost, queue, 'read')
    );
  }

  /** A publish to a topic exchange. */
  canPublish(vhost: string, exchange: string, routingKey: string): boolean {
    return this.vhostAccess(vhost) && this.resourceAccess(vhost, exchange, 'write') && this.topicAccess(vhost, exchange, routingKey, 'write');
  }
}

function parse(scope: string): ParsedScope[] {
  const match = /^(configure|write|read):(.*)$/.exec(scope);
  if (!match) return [];
  const parts = match[2]!.split('/');
  if (parts.length !== 2 && parts.length !== 3) return [];
  return [{ permission: match[1] as Permission, vhost: parts[0]!, name: parts[1]!, routingKey: parts[2] }];
}

/** `*` is any string; the parts between are percent-decoded, "+" as a space (cow_qs:urldecode). */
export function wildcardMatch(subject: string, pattern: string): boolean {
  let parts: string[];
  try {
    parts = pattern.split('*').map((p) => decodeURIComponent(p.replace(/\+/g, ' ')));
  } catch {
    return false; // an invalid pattern matches nothing
  }
  const [first, ...rest] = parts;
  if (!subject.startsWith(first!)) return false;
  return scan(subject, rest, first!.length);
}

function scan(subject: string, rest: string[], pos: number): boolean {
  if (rest.length === 1 && rest[0] === '') return true; // the pattern ends with a wildcard
  if (rest.length === 0) return pos === subject.length;
  if (pos === subject.length) return false;
  if (rest[0] === '') return scan(subject, rest.slice(1), pos);
  const at = subject.indexOf(rest[0]!, pos);
  return at >= 0 && scan(subject, rest.slice(1), at + rest[0]!.length);
}

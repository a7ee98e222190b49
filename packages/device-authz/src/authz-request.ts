/**
 * What RabbitMQ's HTTP auth backend asks, as fedgate's endpoint reads it: the path says which question, the form
 * body (auth_http.http_method = post) carries the fields. Pure, so the rules are tested on the same values the
 * server sees.
 */

export type AuthzQuestion = 'user' | 'vhost' | 'resource' | 'topic';

export interface AuthzRequest {
  readonly question: AuthzQuestion;
  /** Every form field as sent, e.g. `username`, `vhost`, `name`, `routing_key`, `variable_map.client_id`. */
  readonly fields: Readonly<Record<string, string>>;
}

const QUESTIONS: Record<string, AuthzQuestion> = {
  '/auth/user': 'user',
  '/auth/vhost': 'vhost',
  '/auth/resource': 'resource',
  '/auth/topic': 'topic',
};

/**
 * The question of `path` and the fields of a form body, or undefined for a path the endpoint does not answer.
 * A field sent twice counts as malformed (undefined): the broker never does that, so someone else is asking.
 */
export function parseAuthzRequest(path: string, body: string): AuthzRequest | undefined {
  const question = QUESTIONS[path];
  if (question === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, key)) return undefined;
    fields[key] = value;
  }
  return { question, fields };
}

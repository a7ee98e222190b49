import { BrokerUnreachableError, ManagementApiError } from './errors.ts';

/** Management requests are small; a node that does not answer in this time counts as unreachable. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface ManagementClientOptions {
  /** e.g. `http://127.0.0.1:15672` */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** A typed, thin client of RabbitMQ's management HTTP API. */
export class ManagementClient {
  readonly baseUrl: string;
  readonly #auth: string;
  readonly #timeoutMs: number;

  constructor(options: ManagementClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#auth = 'Basic ' + Buffer.from(`${options.user}:${options.password}`).toString('base64');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.#request('GET', path)) as T;
  }

  /** Like get, but a 404 is `undefined` instead of an error. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof ManagementApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async put(path: string, body: unknown): Promise<void> {
    await this.#request('PUT', path, body);
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    return (await this.#request('POST', path, body)) as T;
  }

  /** `headers` carry what some deletes take, e.g. `X-Reason` when closing a connection. */
  async delete(path: string, headers: Record<string, string> = {}): Promise<void> {
    await this.#request('DELETE', path, undefined, headers);
  }

  async #request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const url = `${this.baseUrl}/api${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, authorization: this.#auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new BrokerUnreachableError(this.baseUrl, { cause: err });
    }
    if (!response.ok) throw await ManagementApiError.from(response, method, path);
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  }
}

/** `/` → `%2F`: vhosts and names are path segments. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

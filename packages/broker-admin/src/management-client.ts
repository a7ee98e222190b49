import { Agent, type Dispatcher } from 'undici';
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
  /**
   * TLS settings for an https `baseUrl`: the fleet CA (PEM) to trust, and the name the node's certificate must carry
   * when the URL names an address instead (a service reaching its own node at 127.0.0.1 checks the cluster host).
   * @default the process's trust store (NODE_EXTRA_CA_CERTS included) and the URL's host
   */
  readonly tls?: { readonly ca?: string; readonly servername?: string };
}

/** A typed, thin client of RabbitMQ's management HTTP API. */
export class ManagementClient {
  readonly baseUrl: string;
  readonly #auth: string;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(options: ManagementClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#auth = 'Basic ' + Buffer.from(`${options.user}:${options.password}`).toString('base64');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const tls = options.tls;
    this.#dispatcher =
      tls?.ca === undefined && tls?.servername === undefined
        ? undefined
        : new Agent({ connect: { ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.servername === undefined ? {} : { servername: tls.servername }) } });
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
        // Node's fetch is undici's; `dispatcher` is its extension to RequestInit for per-client TLS settings.
        ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
      } as RequestInit);
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

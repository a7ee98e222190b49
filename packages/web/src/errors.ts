export type WebErrorCode = 'WEB_INVALID_OPTION' | 'WEB_LISTEN_FAILED';

/** A bad option (exit 2) or a server that could not start (exit 1); the CLI prints the message. */
export class WebError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: WebErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebError';
    this.exitCode = code === 'WEB_INVALID_OPTION' ? 2 : 1;
  }
}

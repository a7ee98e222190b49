export type WebErrorCode = 'WEB_INVALID_OPTION' | 'WEB_LISTEN_FAILED';

/** A bad option or a server that could not start; the CLI prints the message and exits 2 or 1. */
export class WebError extends Error {
  constructor(readonly code: WebErrorCode, message: string) {
    super(message);
    this.name = 'WebError';
  }
}

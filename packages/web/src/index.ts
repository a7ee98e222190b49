export { WebError, type WebErrorCode } from './errors.ts';
export { DEFAULT_HOST, pageUrl } from './listen.ts';
export { startExampleAppServer, EXAMPLE_APP_DIR, type ExampleAppConfig, type ExampleAppServer } from './example-app-server.ts';

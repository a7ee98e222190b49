export { WebError, type WebErrorCode } from './errors.ts';
export { DEFAULT_HOST, pageUrl } from './listen.ts';
export { startExampleAppServer, EXAMPLE_APP_DIR, type ExampleAppConfig, type ExampleAppServer } from './example-app-server.ts';
export { startConsoleServer, DEFAULT_REFRESH_MS, type ConsoleServer, type ConsoleServerOptions } from './console/console-server.ts';
export { collectConsoleSnapshot, type ConsoleSnapshot, type ClusterRow, type LinkRow, type SnapshotSources } from './console/console-snapshot.ts';
export { routerRatesReader, sumByLabel, type RouterRates } from './console/router-rates.ts';

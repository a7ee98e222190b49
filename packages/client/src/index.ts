// @fedgate/client: the microservice SDK. Commands out to fedgate.commands, events and dead letters in.
export { createClient } from './create-client.ts';
export type { DeadLetterHandler, EventHandler, FedgateClient, SendCommandOptions, SentCommand } from './create-client.ts';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_COMMAND_TTL_SECONDS,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  DEFAULT_CONNECTION_NAME,
  DEFAULT_PREFETCH,
  MAX_COMMAND_TTL_SECONDS,
  MIN_COMMAND_TTL_SECONDS,
  normalizeClientOptions,
} from './client-options.ts';
export type { ClientOptions, ClientTlsOptions, CommonOptions, ConnectWithConnection, ConnectWithUrl, NormalizedClientOptions } from './client-options.ts';
export { BINARY_CONTENT_TYPE, JSON_CONTENT_TYPE, encodeCommand } from './encode-command.ts';
export type { CommandInput, CommandPayload, EncodedCommand } from './encode-command.ts';
export { eventPattern, isJsonContentType, parseEvent } from './parse-event.ts';
export type { DeviceEvent } from './parse-event.ts';
export { deadLetterCause, parseDeadLetter } from './parse-dead-letter.ts';
export type { DeadLetter, DeadLetterCause, DeadLetterReason } from './parse-dead-letter.ts';
export type { Subscription } from './subscription.ts';
export * from './errors.ts';

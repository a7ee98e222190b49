// Publishes one command whose header table is nested DEPTH levels deep, as a hostile sender could. Run in its own
// process with a large --stack-size: rabbitmq-client encodes tables recursively, as it decodes them.
import { Connection } from 'rabbitmq-client';
import { COMMANDS_EXCHANGE } from '@fedgate/topology';

const [url, routingKey, messageId, depth] = process.argv.slice(2);
let nested: Record<string, unknown> = {};
for (let i = 1; i < Number(depth); i++) nested = { a: nested };
const tls = JSON.parse(process.env.FEDGATE_SENDER_TLS ?? '{}') as Record<string, unknown>;
const connection = new Connection({ url: url!, frameMax: 131_072, ...(Object.keys(tls).length > 0 ? { tls } : {}) });
const publisher = connection.createPublisher({ confirm: true });
await publisher.send({ exchange: COMMANDS_EXCHANGE, routingKey: routingKey!, messageId, durable: true, headers: { deep: nested } }, Buffer.from(messageId!));
await publisher.close();
await connection.close();

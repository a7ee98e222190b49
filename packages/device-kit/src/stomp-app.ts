// Simulated STOMP apps on a gateway of a local fleet. Over TLS an app logs in with a signed token whose scopes name
// only its own topics and queues (the passcode; the login is ignored); a plain gateway has no app identities, so
// there it is the administrator.
import { randomUUID } from 'node:crypto';
import { Client as StompClient, type IMessage, type StompHeaders } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { ADMIN_USER, commandBindingKey } from '@fedgate/topology';
import { appSubscriptionQueue } from '@fedgate/pki';
import type { RunningFleet } from '@fedgate/local-cluster';
import { gatewayOf } from './gateway-of.ts';
import { tlsStompSocket } from './tls-stomp-socket.ts';

/** A STOMP connection to `gateway`: TLS with the tools' certificate where the gateway requires one, else plain TCP. */
export function stompSocket(fleet: RunningFleet, gateway: string) {
  const gw = gatewayOf(fleet, gateway);
  return gw.tls ? tlsStompSocket(gw.host, gw.ports.stomp, fleet.amqpTlsOptions(gateway)) : new TCPWrapper(gw.host, gw.ports.stomp);
}

/** App `app` connected to `gateway` with its token (TLS) or as the administrator (plain). */
export async function stompApp(fleet: RunningFleet, gateway: string, app: string, extraScopes?: readonly string[]): Promise<StompClient> {
  const gw = gatewayOf(fleet, gateway);
  const [login, passcode] = gw.tls ? [app, await fleet.appToken(app, extraScopes)] : [ADMIN_USER, fleet.secrets.password(gateway, ADMIN_USER)];
  return connectStomp(fleet, gateway, { login, passcode, host: fleet.topology.vhost });
}

/** Connects with the given CONNECT headers; rejects with the broker's ERROR frame or the socket's failure. */
export async function connectStomp(fleet: RunningFleet, gateway: string, connectHeaders: StompHeaders): Promise<StompClient> {
  const client = new StompClient({ webSocketFactory: () => stompSocket(fleet, gateway), connectHeaders, reconnectDelay: 0, debug: () => {} });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(`${frame.headers.message ?? 'ERROR'}: ${frame.body.trim()}`));
    client.onWebSocketClose = () => reject(new Error('the STOMP connection closed before CONNECTED'));
    client.activate();
  });
  return client;
}

/**
 * Collects STOMP messages of app `app` from a `/topic/<binding key>` subscription, into the app's own queue
 * (`x-queue-name: fedgate.app.<app>.<random>`): the only queues an app's token lets it use.
 */
export function stompCollect(client: StompClient, app: string, bindingKey = commandBindingKey(app)): IMessage[] {
  const received: IMessage[] = [];
  const queue = appSubscriptionQueue(app, randomUUID().slice(0, 8));
  client.subscribe(`/topic/${bindingKey}`, (m) => received.push(m), { 'x-queue-name': queue });
  return received;
}

import { connect, type ConnectionOptions } from 'node:tls';
import type { Socket } from 'node:net';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import type { IStompSocket } from '@stomp/stompjs';

/**
 * A STOMP connection over TLS for @stomp/stompjs's `webSocketFactory` (the TCP wrapper speaks plain TCP only): the
 * fleet CA to trust and, on a gateway (which refuses clients without one), a client certificate.
 */
export function tlsStompSocket(host: string, port: number, tls: ConnectionOptions): IStompSocket {
  // getSocket is called from TCPWrapper's constructor, so the options come from this closure, not a field.
  class TlsWrapper extends TCPWrapper {
    protected override getSocket(socketPort: number, socketHost: string): Socket {
      return connect({ ...tls, host: socketHost, port: socketPort });
    }
  }
  return new TlsWrapper(host, port) as unknown as IStompSocket;
}

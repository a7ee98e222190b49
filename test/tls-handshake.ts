// What a TLS client without a certificate gets from a listener: for tests that prove a gateway refuses it.
import { connect } from 'node:tls';

export interface HandshakeOutcome {
  /** Bytes the server sent after the handshake: anything means it talked to a client it should have refused. */
  readonly bytesFromServer: number;
  /** The error that ended the connection (e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED), if any. */
  readonly errorCode?: string;
}

/**
 * Connects trusting `ca` but presenting no certificate, sends `hello` once the client side thinks the handshake is
 * done (TLS 1.3 servers may refuse only after that), and reports how the connection ended.
 */
export function connectWithoutCertificate(host: string, port: number, ca: string, hello: Buffer, timeoutMs = 10_000): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    let bytesFromServer = 0;
    let errorCode: string | undefined;
    const socket = connect({ host, port, ca: [ca] });
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), timeoutMs);
    socket.on('secureConnect', () => socket.write(hello));
    socket.on('data', (chunk: Buffer) => void (bytesFromServer += chunk.length));
    socket.on('error', (err: NodeJS.ErrnoException) => void (errorCode ??= err.code ?? err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ bytesFromServer, ...(errorCode === undefined ? {} : { errorCode }) });
    });
  });
}

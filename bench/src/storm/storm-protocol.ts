// What the storm's parent and its client processes say to each other over the IPC channel of `fork`.

/** One device's login: where it connects and how it proves who it is (password, certificate or token). */
export interface StormLogin {
  readonly clientId: string;
  readonly url: string;
  readonly username?: string;
  /** A password or, on a WebSocket gateway, the app token. */
  readonly password?: string;
  /** PEM certificate and key of a device that logs in with its certificate. */
  readonly cert?: string;
  readonly key?: string;
}

export interface StormClientSettings {
  /** PEM CA the gateway's certificate must chain to (TLS and wss only). */
  readonly ca?: string;
  readonly keepaliveSeconds: number;
  /** A connection attempt without CONNACK within this is given up and retried. */
  readonly connectTimeoutMs: number;
  /** Retries wait a random time up to base × 2^attempt, capped: full jitter, as well-behaved devices do. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /**
   * Devices of a client process between the start of a connection attempt and their SUBACK (or the attempt's
   * failure) at once; the others wait their turn. One machine's event loop cannot run 5,000 TLS handshakes at once:
   * unbounded, handshakes outlast the node's handshake timeout and nothing converges, which no real device (with a
   * CPU of its own) would see.
   */
  readonly attemptsInFlight: number;
  /** Sessions outlive their connection this long, then the node drops them (and their queues) by itself. */
  readonly sessionExpirySeconds: number;
}

export type ToStormClients =
  | { readonly type: 'load'; readonly logins: readonly StormLogin[]; readonly settings: StormClientSettings }
  /** Every client starts at `atEpochMs` (all processes read the same wall clock). */
  | { readonly type: 'go'; readonly atEpochMs: number }
  | { readonly type: 'stop' };

export type FromStormClients =
  | { readonly type: 'loaded' }
  /** Since the last report: epoch ms at which devices got their QoS 1 subscription granted, and counters. */
  | {
      readonly type: 'progress';
      readonly subscribedAtEpochMs: readonly number[];
      readonly failedAttempts: number;
      readonly dropped: number;
      readonly connected: number;
      /** Why attempts failed, by first line of the error (a few kinds at most). */
      readonly failures: Readonly<Record<string, number>>;
    }
  | { readonly type: 'stopped' };

import { DEAD_REASON_HEADER, DEADLINE_HEADER, GATEWAY_HEADER, HOP_HEADER, ROUTE_HEADER } from '@fedgate/topology';
import { measureFieldTable } from './field-table-size.ts';
import { UNDECODABLE_HEADERS } from './header-table-guard.ts';

/**
 * Headers the router drops from what it forwards. `CC`/`BCC` would make the broker copy the command to other
 * routing keys (other devices) on the gateway exchange; the `x-fedgate-*` ones are the router's to set.
 */
export const STRIPPED_HEADERS: readonly string[] = ['CC', 'BCC', ROUTE_HEADER, GATEWAY_HEADER, HOP_HEADER, DEAD_REASON_HEADER];

/** Largest forwarded header table, as encoded. @default 4096 bytes */
export const DEFAULT_MAX_HEADER_BYTES = 4096;
/**
 * Room a header frame needs besides the sender's table: frame overhead, six short-string properties of up to 255
 * bytes, timestamp, expiration and the router's own headers. The table bound stays under frame_max minus this.
 */
export const HEADER_FRAME_RESERVE_BYTES = 2048;

/** Why a command's headers or properties make it undeliverable; these strings are a contract (dead-letter reason). */
export type HeaderProblem = 'invalid-deadline' | 'headers-too-large' | 'invalid-header' | 'invalid-property';

/** What the router reads of a command besides its routing key and body. */
export interface CommandProperties {
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly type?: string;
}

export type InspectedHeaders =
  | {
      readonly ok: true;
      /** What to forward: the sender's headers minus STRIPPED_HEADERS. */
      readonly headers: Record<string, unknown>;
      /** Epoch ms from `x-fedgate-deadline`, when the sender set one. */
      readonly deadline: number | undefined;
      readonly stripped: readonly string[];
    }
  | {
      readonly ok: false;
      readonly reason: HeaderProblem;
      readonly detail: string;
      /** Headers safe to put on the dead letter: the stripped table when it can be encoded and fits, else none. */
      readonly headers: Record<string, unknown>;
    };

const SHORT_STRING_PROPERTIES = ['contentType', 'contentEncoding', 'messageId', 'correlationId', 'replyTo', 'type'] as const;

/** The header-table bound for a connection with this frame size: the default, or less when frames are small. */
export function maxHeaderBytesFor(frameMax: number, preferred = DEFAULT_MAX_HEADER_BYTES): number {
  return Math.max(0, Math.min(preferred, frameMax - HEADER_FRAME_RESERVE_BYTES));
}

/** Pure: checks every property and header the router would republish, before anything is published. */
export function inspectCommandHeaders(props: CommandProperties, maxHeaderBytes: number): InspectedHeaders {
  const undecodable = props.headers?.[UNDECODABLE_HEADERS];
  if (typeof undecodable === 'string') return { ok: false, reason: 'invalid-header', detail: undecodable, headers: { [UNDECODABLE_HEADERS]: undecodable } };
  const { headers, stripped } = stripHeaders(props.headers);
  const table = measureFieldTable(headers);
  const safe = table.ok && table.bytes <= maxHeaderBytes ? headers : {};
  const property = SHORT_STRING_PROPERTIES.find((p) => props[p] !== undefined && Buffer.byteLength(String(props[p])) > 255);
  // A short string longer than 255 bytes after decoding held invalid UTF-8; re-encoding would truncate it.
  if (property) return { ok: false, reason: 'invalid-property', detail: `${property} is longer than 255 bytes`, headers: safe };
  if (!table.ok) return { ok: false, reason: 'invalid-header', detail: table.problem, headers: safe };
  if (table.bytes > maxHeaderBytes) {
    return { ok: false, reason: 'headers-too-large', detail: `header table of ${table.bytes} bytes, at most ${maxHeaderBytes}`, headers: safe };
  }
  const deadline = parseDeadline(headers[DEADLINE_HEADER]);
  if (!deadline.ok) return { ok: false, reason: 'invalid-deadline', detail: deadline.detail, headers };
  return { ok: true, headers, deadline: deadline.value, stripped };
}

function stripHeaders(input: Readonly<Record<string, unknown>> | undefined): { headers: Record<string, unknown>; stripped: string[] } {
  const headers: Record<string, unknown> = { ...input };
  const stripped = STRIPPED_HEADERS.filter((name) => name in headers);
  for (const name of stripped) delete headers[name];
  return { headers, stripped };
}

/**
 * `x-fedgate-deadline` is epoch ms: a positive safe integer. `1e20` and `1e300` are integers to JavaScript but
 * not exact ones, strings are not numbers; both are refused rather than guessed at. Absent is fine.
 */
export function parseDeadline(value: unknown): { ok: true; value: number | undefined } | { ok: false; detail: string } {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  const n = typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return { ok: true, value: n };
  return { ok: false, detail: `${DEADLINE_HEADER} must be epoch ms (a positive safe integer), got ${describe(value)}` };
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

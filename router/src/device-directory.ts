/**
 * Where each device is: deviceId → { gateway, since }. Kept compact because one process may hold millions:
 * a single Map<string, number> whose value packs the gateway's index (low 6 bits) with the time in ms.
 */

export interface Location {
  readonly gateway: string;
  /** Epoch ms of the presence event that put the device there. */
  readonly since: number;
}

const GATEWAY_BITS = 64; // up to 64 gateways per fleet; more would need a wider field

export class DeviceDirectory {
  readonly #entries = new Map<string, number>();
  readonly #gateways: string[] = [];
  readonly #gatewayIndex = new Map<string, number>();

  constructor(gateways: readonly string[]) {
    if (gateways.length > GATEWAY_BITS) throw new RangeError(`at most ${GATEWAY_BITS} gateways, got ${gateways.length}`);
    gateways.forEach((g, i) => {
      this.#gateways.push(g);
      this.#gatewayIndex.set(g, i);
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The gateways this directory can place devices at; an entry's gateway index points into this list. */
  get gateways(): readonly string[] {
    return this.#gateways;
  }

  /** The index of `gateway` in `gateways`, or undefined for a gateway this fleet does not have. */
  gatewayIndex(gateway: string): number | undefined {
    return this.#gatewayIndex.get(gateway);
  }

  /**
   * Every known device as [deviceId, gateway index, since], for snapshots. Safe to pause between entries: a
   * device placed meanwhile may or may not be visited, one removed meanwhile is not.
   */
  *entries(): Generator<[deviceId: string, gatewayIndex: number, since: number]> {
    for (const [deviceId, packed] of this.#entries) yield [deviceId, packed % GATEWAY_BITS, unpackSince(packed)];
  }

  /** The device subscribed at `gateway` at `since`: the newest event wins, whatever order events arrive in. */
  arrived(deviceId: string, gateway: string, since: number): boolean {
    const index = this.#gatewayIndex.get(gateway);
    return index === undefined ? false : this.arrivedAt(deviceId, index, since);
  }

  /** `arrived` by gateway index (see `gateways`), for bulk loads that resolved the names once. */
  arrivedAt(deviceId: string, gatewayIndex: number, since: number): boolean {
    const current = this.#entries.get(deviceId);
    if (current !== undefined && unpackSince(current) > since) return false;
    this.#entries.set(deviceId, since * GATEWAY_BITS + gatewayIndex);
    return true;
  }

  /** The device's subscription at `gateway` went away; ignored when it has since moved elsewhere or re-subscribed later. */
  left(deviceId: string, gateway: string, at: number): boolean {
    const current = this.#entries.get(deviceId);
    if (current === undefined) return false;
    if (this.#gateways[current % GATEWAY_BITS] !== gateway || unpackSince(current) > at) return false;
    this.#entries.delete(deviceId);
    return true;
  }

  /** The device's location, or undefined when unknown or older than `maxAgeMs` at `now`. */
  lookup(deviceId: string, now: number, maxAgeMs: number): Location | undefined {
    const packed = this.#entries.get(deviceId);
    if (packed === undefined) return undefined;
    const since = unpackSince(packed);
    if (now - since > maxAgeMs) return undefined;
    return { gateway: this.#gateways[packed % GATEWAY_BITS]!, since };
  }
}

function unpackSince(packed: number): number {
  return Math.floor(packed / GATEWAY_BITS);
}

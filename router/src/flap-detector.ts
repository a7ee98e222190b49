/**
 * Devices that move between gateways faster than a device that really travelled could: each arrival is
 * remembered for `windowMs`, and an arrival at another gateway inside that window is a flap. Only arrivals
 * inside the window are kept (bounded by `maxTracked` on top), so millions of settled devices cost nothing.
 */
export class FlapDetector {
  readonly #recent = new Map<string, { gateway: string; at: number }>();

  constructor(
    readonly windowMs: number,
    readonly maxTracked = 1_000_000,
  ) {}

  /** Records `deviceId` arriving at `gateway` at `at`; returns the gateway it flapped from, if it did. */
  arrived(deviceId: string, gateway: string, at: number): string | undefined {
    const previous = this.#recent.get(deviceId);
    this.#recent.delete(deviceId); // re-inserted last: the map stays in arrival order for pruning
    this.#recent.set(deviceId, { gateway, at });
    this.#prune(at);
    return previous && previous.gateway !== gateway && at - previous.at < this.windowMs ? previous.gateway : undefined;
  }

  get tracked(): number {
    return this.#recent.size;
  }

  #prune(now: number): void {
    for (const [deviceId, { at }] of this.#recent) {
      if (now - at < this.windowMs && this.#recent.size <= this.maxTracked) break;
      this.#recent.delete(deviceId);
    }
  }
}

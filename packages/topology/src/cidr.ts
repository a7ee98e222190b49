/** IPv4 CIDR arithmetic for VPC ranges: parsing, overlap and picking a free /16. */

export interface Cidr {
  readonly text: string;
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Returns the parsed range, or undefined when `text` is not a canonical IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined; // host bits set: 10.1.2.0/16 is ambiguous
  return { text, first: address, last: address + size - 1, prefix };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The first 10.N.0.0/16 that overlaps none of `taken`. */
export function freeCidr(taken: readonly string[]): string {
  const ranges = taken.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  for (let n = 0; n < 256; n++) {
    const candidate = parseCidr(`10.${n}.0.0/16`)!;
    if (!ranges.some((r) => cidrsOverlap(r, candidate))) return candidate.text;
  }
  throw new Error('no free /16 left in 10.0.0.0/8');
}

import { parseCidr } from '@fedgate/topology';

/** VPC prefixes the layout supports: AWS allows /16 to /28, and /24 still leaves /28 subnets (11 usable addresses). */
export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 24;
/** Subnets are 1/16 of the VPC: public ones in slots 0..azCount-1, private ones from slot 8, room left to grow. */
const SUBNET_BITS = 4;
const PRIVATE_SLOT_OFFSET = 8;
/** At most 8 AZs fit in each half; no region has more than 6. */
export const MAX_AZ_COUNT = 8;

export interface SubnetLayout {
  /** One per AZ, for load balancers and NAT gateways. */
  readonly public: readonly string[];
  /** One per AZ, for broker nodes and the router. */
  readonly private: readonly string[];
}

/** Splits a VPC CIDR into public and private subnets across `azCount` zones. Assumes a validated CIDR and prefix. */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new RangeError(`not a CIDR: ${vpcCidr}`);
  const prefix = vpc.prefix + SUBNET_BITS;
  const size = 2 ** (32 - prefix);
  const slot = (i: number) => `${dotted(vpc.first + i * size)}/${prefix}`;
  const zones = Array.from({ length: azCount }, (_, i) => i);
  return { public: zones.map(slot), private: zones.map((i) => slot(PRIVATE_SLOT_OFFSET + i)) };
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

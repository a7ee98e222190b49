/**
 * Pure: topology + options → everything the stacks need (ids, regions, subnets, instance types, the exact broker
 * files). Every check that could fail runs here, before any construct exists, and all problems are reported at once.
 */
import { parseCidr, protocolPort, type Cluster, type Gateway, type Protocol, type Topology } from '@fedgate/topology';
import { renderEnabledPlugins, renderRabbitmqConf } from '@fedgate/broker-config';
import { InfraConfigError, type InfraProblem } from './errors.ts';
import {
  backendStackId,
  brokerGroupName,
  definitionsSecretName,
  dnsStackId,
  gatewayStackId,
  releaseStackId,
  routerSecretName,
  runtimeSecretName,
} from './aws-names.ts';
import { architectureOf, backendInstanceType, fileDescriptorLimit, gatewayInstanceType, memoryWatermark, type Architecture } from './instance-type.ts';
import { MAX_AZ_COUNT, MAX_VPC_PREFIX, MIN_VPC_PREFIX, subnetLayout, type SubnetLayout } from './subnet-layout.ts';
import { ARCH_PLACEHOLDER, bundleLocation, releaseArchitecture, type BundleLocation } from './release/release-files.ts';

export { ARCH_PLACEHOLDER, type BundleLocation };

/** Availability zones each VPC spans. @default 3 */
export const DEFAULT_AZ_COUNT = 3;
/** Router instances, spread over the zones; two so one can be replaced while the other routes. @default 2 */
export const DEFAULT_ROUTER_NODES = 2;
/** The router is light on CPU and memory; its work is waiting for publisher confirms. @default "c6i.large" */
export const DEFAULT_ROUTER_INSTANCE_TYPE = 'c6i.large';
/** Root volume per broker node in GiB (quorum queue segments and the uplink buffer live there). @default 50 */
export const DEFAULT_ROOT_VOLUME_GIB = 50;
/** Open-file limit of backend nodes: the Debian unit's own value; the backend holds few connections. */
const BACKEND_FILE_DESCRIPTOR_LIMIT = 65_536;

export interface InfraOptions {
  /** Availability zones per VPC, 2 to 6. @default DEFAULT_AZ_COUNT */
  readonly azCount?: number;
  /**
   * S3 URI of the release bundle every node installs at boot (`npm run release`, `fedgate release push`): a tar.gz that
   * unpacks into /opt/fedgate and provides /opt/fedgate/bin/fedgate (the boot helper, gateway-health, the router),
   * with its SHA-256 at the same key plus `.sha256`. `{arch}` becomes x64 or arm64. The bucket is the release stack's,
   * in the backend's region.
   * @default "s3://fedgate-artifacts-<topology>/fedgate-linux-{arch}.tar.gz"
   */
  readonly bundleUri?: string;
  /** @default DEFAULT_ROUTER_NODES */
  readonly routerNodes?: number;
  /** @default DEFAULT_ROUTER_INSTANCE_TYPE */
  readonly routerInstanceType?: string;
  /** Planning memory per device connection, bytes, for every gateway. @default memoryPerDevice(gateway): by how its devices log in */
  readonly memoryPerConnectionBytes?: number;
  /** @default DEFAULT_ROOT_VOLUME_GIB */
  readonly rootVolumeGiB?: number;
  /**
   * S3 bucket for Terraform state, one key per stack (`fedgate/<topology>/<stack>.tfstate`, S3 lock file). Without
   * it, state stays in local files next to where synth ran (cdktf's default), which suits a trial, not a team.
   */
  readonly stateBucket?: string;
  /** Region of the state bucket. @default the backend's region */
  readonly stateRegion?: string;
}

export interface NormalizedInfraOptions extends Required<Omit<InfraOptions, 'stateBucket' | 'stateRegion' | 'memoryPerConnectionBytes'>> {
  readonly memoryPerConnectionBytes?: number;
  readonly state?: { readonly bucket: string; readonly region: string };
}

export interface ClusterPlan {
  readonly cluster: Cluster;
  readonly role: 'backend' | 'gateway';
  readonly name: string;
  readonly region: string;
  readonly stackId: string;
  readonly cidr: string;
  readonly subnets: SubnetLayout;
  readonly nodes: number;
  readonly instanceType: string;
  readonly architecture: Architecture;
  /** Exactly what broker-config renders; written to /etc/rabbitmq byte for byte. */
  readonly rabbitmqConf: string;
  readonly enabledPlugins: string;
  readonly definitionsSecret: string;
  readonly runtimeSecret: string;
  readonly groupName: string;
  readonly fileDescriptorLimit: number;
  /** The release bundle for this cluster's architecture. */
  readonly bundle: BundleLocation;
}

/** A port the device-facing load balancer forwards. */
export interface DeviceListener {
  readonly name: Protocol | 'health';
  readonly port: number;
}

export interface GatewayPlan extends ClusterPlan {
  readonly role: 'gateway';
  readonly gateway: Gateway;
  /** Device protocols the gateway has, then the gateway-health port when the topology has DNS. */
  readonly deviceListeners: readonly DeviceListener[];
}

export interface RouterPlan {
  readonly region: string;
  readonly nodes: number;
  readonly instanceType: string;
  readonly architecture: Architecture;
  readonly secret: string;
  readonly groupName: string;
  readonly bundle: BundleLocation;
}

export interface DnsPlan {
  readonly stackId: string;
  readonly zone: string;
  /** Fully qualified record devices resolve, e.g. mqtt.acme.example.com. */
  readonly recordName: string;
  readonly healthCheck: NonNullable<Topology['dns']>['healthCheck'];
}

/** The release bucket (`release-<topology>` stack, in the backend's region) every instance downloads the bundle from. */
export interface ReleasePlan {
  readonly stackId: string;
  readonly bucket: string;
  readonly region: string;
  /** The bundle URI with `{arch}` still in it. */
  readonly uriTemplate: string;
}

export interface FleetPlan {
  readonly topology: Topology;
  readonly release: ReleasePlan;
  readonly options: NormalizedInfraOptions;
  /** Private hosted zone for cluster hosts: the backend host's parent domain. */
  readonly privateZone: string;
  readonly backend: ClusterPlan;
  readonly gateways: readonly GatewayPlan[];
  readonly router: RouterPlan;
  readonly dns?: DnsPlan;
}

/** Fills defaults and checks ranges; names the option, the allowed range and the value it got. */
export function normalizeInfraOptions(topology: Topology, options: InfraOptions = {}): { options: NormalizedInfraOptions; problems: InfraProblem[] } {
  const problems: InfraProblem[] = [];
  const int = (name: keyof InfraOptions, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({ path: `options.${name}`, message: `expected an integer from ${min} to ${max}, got ${value}` });
    }
    return value;
  };
  const normalized: NormalizedInfraOptions = {
    azCount: int('azCount', options.azCount ?? DEFAULT_AZ_COUNT, 2, Math.min(6, MAX_AZ_COUNT)),
    bundleUri: options.bundleUri ?? `s3://fedgate-artifacts-${topology.name}/fedgate-linux-${ARCH_PLACEHOLDER}.tar.gz`,
    routerNodes: int('routerNodes', options.routerNodes ?? DEFAULT_ROUTER_NODES, 1, 20),
    routerInstanceType: options.routerInstanceType ?? DEFAULT_ROUTER_INSTANCE_TYPE,
    ...(options.memoryPerConnectionBytes !== undefined
      ? { memoryPerConnectionBytes: int('memoryPerConnectionBytes', options.memoryPerConnectionBytes, 1024, 64 * 1024 ** 2) }
      : {}),
    rootVolumeGiB: int('rootVolumeGiB', options.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB, 8, 16_384),
    ...(options.stateBucket ? { state: { bucket: options.stateBucket, region: options.stateRegion ?? topology.backend.region } } : {}),
  };
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(normalized.bundleUri)) {
    problems.push({ path: 'options.bundleUri', message: `expected s3://<bucket>/<key>, got "${normalized.bundleUri}"` });
  } else if (!normalized.bundleUri.split('/').slice(3).join('/').includes(ARCH_PLACEHOLDER)) {
    // x64 and arm64 instances must download different keys, or one architecture would run the other's release.
    problems.push({ path: 'options.bundleUri', message: `expected ${ARCH_PLACEHOLDER} in the key, got "${normalized.bundleUri}"` });
  }
  return { options: normalized, problems };
}

/** Builds the fleet plan or throws one InfraConfigError listing every problem. */
export function planFleet(topology: Topology, options: InfraOptions = {}): FleetPlan {
  const { options: opts, problems } = normalizeInfraOptions(topology, options);
  // Options shape everything below (zone count, sizing); stop here rather than compute with out-of-range values.
  if (problems.length > 0) throw new InfraConfigError(problems);
  const privateZone = parentDomain(topology.backend.host);
  problems.push(...hostProblems(topology, privateZone));

  const clusterPlan = (cluster: Cluster, path: string, instanceType: string) => {
    const prefix = parseCidr(cluster.cidr)?.prefix ?? 0;
    const prefixOk = prefix >= MIN_VPC_PREFIX && prefix <= MAX_VPC_PREFIX;
    if (!prefixOk) {
      problems.push({ path: `${path}.cidr`, message: `a VPC needs a prefix from /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX}, got ${cluster.cidr}` });
    }
    const rabbitmqConf = renderRabbitmqConf(topology, cluster);
    const architecture = architectureOf(instanceType);
    return {
      cluster,
      name: cluster.name,
      region: cluster.region,
      cidr: cluster.cidr,
      subnets: prefixOk ? subnetLayout(cluster.cidr, opts.azCount) : { public: [], private: [] },
      nodes: cluster.nodes,
      instanceType,
      architecture,
      bundle: bundleLocation(opts.bundleUri, releaseArchitecture(architecture), topology.backend.region),
      rabbitmqConf,
      enabledPlugins: renderEnabledPlugins(cluster),
      definitionsSecret: definitionsSecretName(topology.name, cluster.name),
      runtimeSecret: runtimeSecretName(topology.name, cluster.name),
      groupName: brokerGroupName(topology.name, cluster.name),
    };
  };

  const backend: ClusterPlan = {
    ...clusterPlan(topology.backend, 'backend', backendInstanceType(topology.backend)),
    role: 'backend',
    stackId: backendStackId(topology.backend.name, topology.backend.region),
    fileDescriptorLimit: BACKEND_FILE_DESCRIPTOR_LIMIT,
  };

  const gateways = topology.gateways.map((gateway, i): GatewayPlan => {
    const path = `gateways[${i}]`;
    const watermark = memoryWatermark(renderRabbitmqConf(topology, gateway));
    const sizing = gatewayInstanceType(gateway, watermark, opts.memoryPerConnectionBytes);
    if (!sizing.ok) problems.push({ path: `${path}.maxConnections`, message: sizing.reason });
    const instanceType = sizing.ok ? sizing.instanceType : 'unsized';
    const plan = clusterPlan(gateway, path, instanceType);
    return {
      ...plan,
      role: 'gateway',
      gateway,
      stackId: gatewayStackId(gateway.name, gateway.region),
      fileDescriptorLimit: fileDescriptorLimit(gateway),
      deviceListeners: deviceListeners(topology, gateway),
    };
  });

  if (topology.dns) problems.push(...dnsRegionProblems(topology));
  const routerArchitecture = architectureOf(opts.routerInstanceType);
  const router: RouterPlan = {
    region: topology.backend.region,
    nodes: opts.routerNodes,
    instanceType: opts.routerInstanceType,
    architecture: routerArchitecture,
    secret: routerSecretName(topology.name, topology.backend.name),
    groupName: `${brokerGroupName(topology.name, topology.backend.name)}-router`,
    bundle: bundleLocation(opts.bundleUri, releaseArchitecture(routerArchitecture), topology.backend.region),
  };
  const release: ReleasePlan = {
    stackId: releaseStackId(topology.name),
    bucket: router.bundle.bucket,
    region: topology.backend.region,
    uriTemplate: opts.bundleUri,
  };
  if (problems.length > 0) throw new InfraConfigError(problems);

  const dns: DnsPlan | undefined = topology.dns && {
    stackId: dnsStackId(topology.name),
    zone: topology.dns.zone,
    recordName: `${topology.dns.record}.${topology.dns.zone}`,
    healthCheck: topology.dns.healthCheck,
  };
  return { topology, release, options: opts, privateZone, backend, gateways, router, ...(dns ? { dns } : {}) };
}

function deviceListeners(topology: Topology, gateway: Gateway): DeviceListener[] {
  const listeners: DeviceListener[] = gateway.protocols.map((protocol) => ({ name: protocol, port: protocolPort(gateway, protocol) }));
  if (topology.dns) listeners.push({ name: 'health', port: topology.dns.healthCheck.port });
  return listeners;
}

/** `core.acme.internal` → `acme.internal`. */
function parentDomain(host: string): string {
  return host.split('.').slice(1).join('.');
}

const HOST_NAME = /^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/**
 * Links and fedgate reach clusters by `host`; on AWS those names live in one private hosted zone (the backend host's
 * parent domain) that every VPC of the fleet is associated with.
 */
function hostProblems(topology: Topology, zone: string): InfraProblem[] {
  const backendHost = topology.backend.host;
  if (!HOST_NAME.test(backendHost) || zone.split('.').length < 2) {
    return [
      {
        path: 'backend.host',
        message: `expected a DNS name with at least three labels such as core.acme.internal (its parent domain becomes the fleet's private zone), got "${backendHost}"`,
      },
    ];
  }
  return topology.gateways.flatMap((g, i) =>
    HOST_NAME.test(g.host) && g.host.endsWith(`.${zone}`)
      ? []
      : [
          {
            path: `gateways[${i}].host`,
            message: `expected a name under the private zone ${zone} (taken from backend.host), such as ${g.name}.gw.${zone}; got "${g.host}"`,
          },
        ],
  );
}

/** Latency records use the region as set identifier, so two gateways cannot share a region under one record. */
function dnsRegionProblems(topology: Topology): InfraProblem[] {
  const seen = new Map<string, number>();
  return topology.gateways.flatMap((g, i) => {
    const first = seen.get(g.region);
    if (first === undefined) {
      seen.set(g.region, i);
      return [];
    }
    return [
      {
        path: `gateways[${i}].region`,
        message: `${g.region} already has gateways[${first}] (${topology.gateways[first]!.name}); DNS latency routing allows one gateway per region`,
      },
    ];
  });
}

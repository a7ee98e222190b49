/**
 * Adds and removes gateways in a topology file's text, keeping every comment and every byte of layout outside the
 * edited item. The yaml Document API locates the nodes; the edit itself splices the original text, because
 * re-stringifying the document would reflow flow maps and drop the spacing before inline comments.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { AWS_REGIONS, isAwsRegion } from './aws-regions.ts';
import { cidrsOverlap, freeCidr, parseCidr } from './cidr.ts';
import { parseTopology } from './load-topology.ts';
import type { Cluster, Gateway, Topology } from './schema.ts';
import { TopologyError } from './errors.ts';

export type TopologyEditErrorCode =
  'GATEWAY_EXISTS' | 'GATEWAY_NOT_FOUND' | 'LAST_GATEWAY' | 'UNKNOWN_REGION' | 'REGION_TAKEN' | 'INVALID_CIDR' | 'CIDR_TAKEN' | 'UNSUPPORTED_LAYOUT';

/** An edit the topology cannot take; the text is left as it was. */
export class TopologyEditError extends TopologyError {
  override readonly name = 'TopologyEditError';
  constructor(
    readonly code: TopologyEditErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface NewGateway {
  readonly name: string;
  /** AWS region code, e.g. eu-north-1. */
  readonly region: string;
  /** VPC range; the first free 10.N.0.0/16 when omitted. */
  readonly cidr?: string;
}

export interface TopologyEdit {
  /** The whole file after the edit. */
  readonly text: string;
  /** The edited topology, validated. */
  readonly topology: Topology;
  /** The gateway added or removed. */
  readonly gateway: Gateway;
}

export interface AddedGateway extends TopologyEdit {
  /** True when no CIDR was given and a free one was picked. */
  readonly cidrPicked: boolean;
  /** The gateway whose settings (nodes, protocols, links, ports, limits) the new one copies. */
  readonly template: string;
}

/**
 * Appends a gateway that copies the last gateway's settings, with its own name, region, CIDR and host.
 * Pure: text in, text out. Throws TopologyEditError for a refused edit and TopologyValidationError when the file
 * (before or after) does not validate, so a caller that writes only on success never leaves a broken file.
 */
export function addGateway(text: string, file: string, wanted: NewGateway): AddedGateway {
  const before = parseTopology(text, file);
  const { name, region } = wanted;
  const clash = [before.backend, ...before.gateways].find((c) => c.name === name);
  if (clash) {
    const where = clash === before.backend ? 'the backend' : `gateways[${before.gateways.indexOf(clash as Gateway)}]`;
    throw new TopologyEditError('GATEWAY_EXISTS', `a cluster named "${name}" already exists (${where}); pick another name`);
  }
  if (!isAwsRegion(region)) {
    const near = AWS_REGIONS.filter((r) => r.split('-')[0] === region.split('-')[0]);
    const hint = near.length > 0 ? `; did you mean one of ${near.join(', ')}?` : ' (expected a code such as eu-north-1)';
    throw new TopologyEditError('UNKNOWN_REGION', `unknown AWS region "${region}"${hint}`);
  }
  const sameRegion = before.gateways.find((g) => g.region === region);
  if (sameRegion && before.dns) {
    // Route53 latency records use the region as set identifier: one gateway per region per record name.
    throw new TopologyEditError(
      'REGION_TAKEN',
      `gateway "${sameRegion.name}" already serves ${region}; DNS latency routing allows one gateway per region (set identifier = region)`,
    );
  }
  const taken = [before.backend, ...before.gateways];
  let cidr = wanted.cidr;
  if (cidr === undefined) {
    cidr = freeCidr(taken.map((c) => c.cidr));
  } else {
    const range = parseCidr(cidr);
    if (!range) throw new TopologyEditError('INVALID_CIDR', `"${cidr}" is not an IPv4 network such as 10.9.0.0/16 (host bits must be zero)`);
    const overlapping = taken.find((c) => cidrsOverlap(parseCidr(c.cidr)!, range));
    if (overlapping) {
      throw new TopologyEditError('CIDR_TAKEN', `${cidr} overlaps ${overlapping.name}'s ${overlapping.cidr}; omit --cidr to pick a free range`);
    }
  }

  const doc = parseDocument(text);
  const items = gatewayItems(doc);
  const templateIndex = items.length - 1;
  const templateNode = items[templateIndex]!;
  const template = before.gateways[templateIndex]!;
  const host = derivedHost(template, name);
  const replacements: Replacement[] = [
    scalarReplacement(templateNode, ['name'], name),
    scalarReplacement(templateNode, ['region'], region),
    scalarReplacement(templateNode, ['cidr'], cidr),
    ...(host === undefined ? [] : [scalarReplacement(templateNode, ['host'], host)]),
    ...portReplacements(templateNode, template, host ?? template.host, taken),
  ];
  const itemText = spliceAll(text, itemSpan(text, templateNode, false), replacements);
  const insertAt = itemSpan(text, templateNode, false).end;
  const separator = insertAt > 0 && text[insertAt - 1] !== '\n' ? '\n' : '';
  const next = text.slice(0, insertAt) + separator + itemText + text.slice(insertAt);

  const topology = parseTopology(next, file);
  const gateway = topology.gateways.find((g) => g.name === name);
  if (!gateway || gateway.region !== region || gateway.cidr !== cidr) {
    throw new TopologyEditError('UNSUPPORTED_LAYOUT', `could not add "${name}": the gateways list is written in a layout region add cannot edit`);
  }
  return { text: next, topology, gateway, cidrPicked: wanted.cidr === undefined, template: template.name };
}

/** Removes a gateway's item (and the comment lines right above it). */
export function removeGateway(text: string, file: string, name: string): TopologyEdit {
  const before = parseTopology(text, file);
  const index = before.gateways.findIndex((g) => g.name === name);
  if (index < 0) {
    const known = before.gateways.map((g) => g.name).join(', ');
    throw new TopologyEditError('GATEWAY_NOT_FOUND', `no gateway named "${name}" (gateways: ${known})`);
  }
  if (before.gateways.length === 1) {
    throw new TopologyEditError('LAST_GATEWAY', `"${name}" is the only gateway; a topology needs at least one`);
  }
  const doc = parseDocument(text);
  const span = itemSpan(text, gatewayItems(doc)[index]!, true);
  const next = text.slice(0, span.start) + text.slice(span.end);
  const topology = parseTopology(next, file);
  return { text: next, topology, gateway: before.gateways[index]! };
}

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

function gatewayItems(doc: Document): YAMLMap[] {
  const seq = doc.get('gateways', true);
  if (!isSeq(seq) || seq.flow || !seq.items.every((item) => isMap(item) && !item.flow)) {
    throw new TopologyEditError('UNSUPPORTED_LAYOUT', 'gateways must be a block list of block maps ("- name: ...") for region add/remove to edit it');
  }
  return seq.items as YAMLMap[];
}

/**
 * The text of one list item: from the start of its "- " line to the end of its last line. With `withComments`,
 * also the comment lines directly above it, which yaml attaches to the item.
 */
function itemSpan(text: string, item: YAMLMap, withComments: boolean): Span {
  const [start, , end] = item.range!;
  let dash = start - 1;
  while (dash >= 0 && (text[dash] === ' ' || text[dash] === '\n' || text[dash] === '\r')) dash--;
  if (text[dash] !== '-') throw new TopologyEditError('UNSUPPORTED_LAYOUT', 'could not find the "- " of a gateways item');
  let from = lineStart(text, dash);
  if (withComments) {
    while (from > 0) {
      const previous = lineStart(text, from - 1);
      if (!text.slice(previous, from).trimStart().startsWith('#')) break;
      from = previous;
    }
  }
  return { start: from, end: lineEnd(text, end) };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the newline that ends the line holding `offset - 1` (an item's range already ends there). */
function lineEnd(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

function scalarReplacement(map: YAMLMap, path: readonly string[], value: string): Replacement {
  const node = map.getIn(path, true) as Node | undefined;
  if (!isScalar(node) || !node.range) {
    throw new TopologyEditError('UNSUPPORTED_LAYOUT', `the template gateway's ${path.join('.')} is not a plain value region add can replace`);
  }
  return { start: node.range[0], end: node.range[1], text: value };
}

/** Applies replacements (absolute offsets) to the slice `span` of `text`. */
function spliceAll(text: string, span: Span, replacements: readonly Replacement[]): string {
  let out = text.slice(span.start, span.end);
  for (const r of [...replacements].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, r.start - span.start) + r.text + out.slice(r.end - span.start);
  }
  return out;
}

/** `us.gw.acme.internal` for template `us` → `<name>.gw.acme.internal`; undefined when the host is not name-derived. */
function derivedHost(template: Gateway, name: string): string | undefined {
  return template.host.startsWith(`${template.name}.`) ? name + template.host.slice(template.name.length) : undefined;
}

/**
 * When the new gateway would share its host with a cluster (local topologies all live on 127.0.0.1), its explicit
 * ports move up by the smallest multiple of 10 that collides with nothing, the spacing local.yaml already uses.
 */
function portReplacements(templateNode: YAMLMap, template: Gateway, host: string, clusters: readonly Cluster[]): Replacement[] {
  const used = new Set(clusters.filter((c) => c.host === host).flatMap((c) => Object.values(c.ports)));
  const ports = Object.entries(template.ports);
  if (!ports.some(([, port]) => used.has(port))) return [];
  for (let offset = 10; offset < 10_000; offset += 10) {
    const moved = ports.map(([, port]) => port + offset);
    if (moved.every((p) => p <= 65535 && !used.has(p)) && new Set(moved).size === moved.length) {
      return ports
        .filter(([listener]) => isScalar(templateNode.getIn(['ports', listener], true)))
        .map(([listener, port]) => scalarReplacement(templateNode, ['ports', listener], String(port + offset)));
    }
  }
  return [];
}

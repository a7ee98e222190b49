import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXTENSIONS_SECTION, nodeSubjectAltNames, opensslConfig, type CertificateProfile } from './certificate-profile.ts';
import { PkiError } from './errors.ts';
import { keyMatchesCertificate } from './key-matches.ts';
import { subjectOf, validateBrokerUser, validateClusterName, validateDeviceId } from './identity-names.ts';
import { openssl } from './openssl.ts';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, ensurePrivateDir, fileExists, publishExclusive, writeFileAtomic } from './private-files.ts';

/** The CA signs for ten years; rotating it means re-issuing every node, link and device certificate. */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** Node, link and device certificates. @default 825 days, the longest public CAs issue server certificates for. */
export const DEFAULT_CERTIFICATE_VALIDITY_DAYS = 825;
/** How long `ensureFleetCa` waits for another run still creating the same CA. */
export const DEFAULT_CA_CREATION_WAIT_MS = 10_000;

/** One topology's fleet CA: its key and self-signed certificate in `dir`. */
export interface FleetCa {
  readonly dir: string;
  readonly topology: string;
  /** `<dir>/ca.key`, mode 0600. */
  readonly keyFile: string;
  /** `<dir>/ca.pem`, the bundle every peer verifies against. */
  readonly certFile: string;
}

/** Files of one issued certificate. */
export interface IssuedCertificate {
  /** PEM private key (EC P-256), mode 0600. */
  readonly keyFile: string;
  /** PEM certificate, mode 0644. */
  readonly certFile: string;
  /** The CA certificate that verifies it. */
  readonly caFile: string;
  readonly commonName: string;
  /** As openssl writes them, e.g. `DNS:eu.example.com`, `IP:127.0.0.1`. */
  readonly subjectAltNames: readonly string[];
  /** Hex, as `openssl x509 -serial` prints it. */
  readonly serial: string;
  readonly validityDays: number;
}

export interface IssueOptions {
  /** Where the key and certificate go; see each function for its default. */
  readonly outDir?: string;
  /** @default DEFAULT_CERTIFICATE_VALIDITY_DAYS */
  readonly validityDays?: number;
}

/**
 * Creates the topology's CA in `dir` the first time (an EC P-256 key, mode 0600, and a 10-year
 * self-signed certificate, CN `fedgate <topology> CA`), and afterwards returns the same one, after
 * checking that key and certificate still belong together. `dir` is made (or narrowed to) mode 0700.
 * Two processes creating the same CA at once end up with one CA: the loser waits for the winner's.
 */
export async function ensureFleetCa(
  dir: string,
  topologyName: string,
  options: {
    /** @default DEFAULT_CA_VALIDITY_DAYS */
    validityDays?: number;
    /** How long to wait for another run that has put its key in but not yet its certificate. @default DEFAULT_CA_CREATION_WAIT_MS */
    creationWaitMs?: number;
  } = {},
): Promise<FleetCa & { created: boolean }> {
  const commonName = `fedgate ${topologyName} CA`;
  if (typeof topologyName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(topologyName) || commonName.length > 64) {
    throw new PkiError(
      'PKI_INVALID_OPTION',
      `invalid topology name ${JSON.stringify(topologyName)} for a CA: expected letters, digits, ".", "_" and "-", at most ${64 - 'fedgate  CA'.length} characters`,
    );
  }
  const days = validityDays(options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS);
  const ca: FleetCa = { dir, topology: topologyName, keyFile: join(dir, 'ca.key'), certFile: join(dir, 'ca.pem') };
  await ensurePrivateDir(dir, { enforce: true });

  // A key without its certificate is another run between publishing the two: wait for it.
  const waitMs = options.creationWaitMs ?? DEFAULT_CA_CREATION_WAIT_MS;
  if ((await fileExists(ca.keyFile)) && !(await fileExists(ca.certFile))) return { ...(await waitForCa(ca, waitMs)), created: false };
  if (await existingCa(ca)) return { ...ca, created: false };

  const work = await workDir(dir);
  try {
    const key = join(work, 'ca.key');
    const cert = join(work, 'ca.pem');
    await writeKey(key, await newKey());
    await writeFile(join(work, 'openssl.cnf'), opensslConfig({ kind: 'ca' }));
    await openssl([
      'req',
      '-new',
      '-x509',
      '-key',
      key,
      '-subj',
      subjectOf(commonName),
      '-days',
      String(days),
      '-sha256',
      '-set_serial',
      newSerial(),
      '-config',
      join(work, 'openssl.cnf'),
      '-extensions',
      EXTENSIONS_SECTION,
      '-out',
      cert,
    ]);
    await chmod(cert, PUBLIC_FILE_MODE);
    // The key goes in first and only if none is there; ca.pem, renamed in last, marks the CA complete.
    if (!(await publishExclusive(key, ca.keyFile))) return { ...(await waitForCa(ca, waitMs)), created: false };
    await rename(cert, ca.certFile);
    return { ...ca, created: true };
  } catch (err) {
    throw PkiError.from(err, `creating the fleet CA in ${dir}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A node certificate: SANs are `hosts` (IP SANs for address literals) and `localhost`, CN the first
 * host, serverAuth and clientAuth. Written as `<outDir>/key.pem` and `cert.pem`, by default in
 * `<ca dir>/<cluster>/`: the layout `fedgate secrets push --tls-dir` reads.
 */
export async function issueNodeCertificate(
  ca: FleetCa,
  node: { cluster: string; hosts: readonly string[] },
  options: IssueOptions = {},
): Promise<IssuedCertificate> {
  const cluster = validateClusterName(node.cluster);
  const subjectAltNames = nodeSubjectAltNames(node.hosts);
  const outDir = options.outDir ?? join(ca.dir, cluster);
  return issue(ca, {
    commonName: subjectAltNames[0]!.replace(/^(DNS|IP):/, ''),
    profile: { kind: 'node', subjectAltNames },
    subjectAltNames,
    outDir,
    ownDir: options.outDir === undefined,
    keyFile: join(outDir, 'key.pem'),
    certFile: join(outDir, 'cert.pem'),
    validityDays: options.validityDays,
  });
}

/**
 * A link's client certificate, CN = DNS SAN = the broker user it logs in as (the SAN pins the MQTT client id a
 * gateway would take from it to that reserved name, so its holder cannot pose as a device). With `rabbitmq_auth_mechanism_ssl`
 * and `ssl_cert_login_from = common_name` the upstream broker takes that user from the certificate
 * (SASL EXTERNAL), so the link's URI carries no password. Written as `<outDir>/<user>.key` and
 * `<user>.pem`, by default in `<ca dir>/links/`.
 */
export async function issueLinkCertificate(ca: FleetCa, link: { user: string }, options: IssueOptions = {}): Promise<IssuedCertificate> {
  const user = validateBrokerUser(link.user);
  const outDir = options.outDir ?? join(ca.dir, 'links');
  return issue(ca, {
    commonName: user,
    profile: { kind: 'link', user },
    subjectAltNames: [`DNS:${user}`],
    outDir,
    ownDir: options.outDir === undefined,
    keyFile: join(outDir, `${user}.key`),
    certFile: join(outDir, `${user}.pem`),
    validityDays: options.validityDays,
  });
}

/**
 * A device's client certificate: CN = SAN DNS = the device id. The broker logs the device in as its
 * CN (`ssl_cert_login_from = common_name`) and takes its MQTT client id from the SAN
 * (`mqtt.ssl_cert_client_id_from = subject_alternative_name`, `mqtt.ssl_cert_login_san_type = dns`),
 * so a device cannot choose another's. The id is validated before anything is written. Writes
 * `<outDir>/<id>.key`, `<id>.pem` and the CA bundle `ca.pem` beside them, by default in `<ca dir>/devices/`.
 */
export async function issueDeviceCertificate(ca: FleetCa, deviceId: string, options: IssueOptions = {}): Promise<IssuedCertificate> {
  const id = validateDeviceId(deviceId);
  const outDir = options.outDir ?? join(ca.dir, 'devices');
  const issued = await issue(ca, {
    commonName: id,
    profile: { kind: 'device', deviceId: id },
    subjectAltNames: [`DNS:${id}`],
    outDir,
    ownDir: options.outDir === undefined,
    keyFile: join(outDir, `${id}.key`),
    certFile: join(outDir, `${id}.pem`),
    validityDays: options.validityDays,
  });
  const bundle = join(outDir, 'ca.pem');
  if (resolve(bundle) !== resolve(ca.certFile)) {
    try {
      await writeFileAtomic(bundle, await readFile(ca.certFile, 'utf8'), PUBLIC_FILE_MODE);
    } catch (err) {
      throw PkiError.from(err, `writing the CA bundle ${bundle}`);
    }
  }
  return { ...issued, caFile: bundle };
}

interface LeafRequest {
  readonly commonName: string;
  readonly profile: CertificateProfile;
  readonly subjectAltNames: readonly string[];
  readonly outDir: string;
  /** The directory is the PKI's own (under the CA's), so it is kept at 0700 even if it existed. */
  readonly ownDir: boolean;
  readonly keyFile: string;
  readonly certFile: string;
  readonly validityDays: number | undefined;
}

async function issue(ca: FleetCa, request: LeafRequest): Promise<IssuedCertificate> {
  const days = validityDays(request.validityDays ?? DEFAULT_CERTIFICATE_VALIDITY_DAYS);
  if (!(await existingCa(ca))) {
    throw new PkiError('PKI_CA_INCOMPLETE', `no fleet CA in ${ca.dir} (ca.key and ca.pem); create it with ensureFleetCa first`);
  }
  await ensurePrivateDir(request.outDir, { enforce: request.ownDir });
  // Keys are made in a private directory beside their destination, never in a shared /tmp.
  const work = await workDir(request.outDir);
  try {
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    const config = join(work, 'openssl.cnf');
    await writeFile(config, opensslConfig(request.profile));
    const serial = newSerial();
    await signLeaf(ca, { key, cert, config, subject: subjectOf(request.commonName), serial, days });
    await chmod(key, KEY_FILE_MODE);
    await chmod(cert, PUBLIC_FILE_MODE);
    await rename(key, request.keyFile);
    await rename(cert, request.certFile);
    return {
      keyFile: request.keyFile,
      certFile: request.certFile,
      caFile: ca.certFile,
      commonName: request.commonName,
      subjectAltNames: request.subjectAltNames,
      serial: serial.slice(2).toUpperCase(),
      validityDays: days,
    };
  } catch (err) {
    throw PkiError.from(err, `issuing a certificate for ${request.commonName}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface LeafFiles {
  readonly key: string;
  readonly cert: string;
  readonly config: string;
  readonly subject: string;
  readonly serial: string;
  readonly days: number;
}

/**
 * Makes a key and its certificate signed by the CA. OpenSSL 3 does it in one run (`req -x509 -CA`), a third of the
 * processes of key + request + signature, which counts when a fleet issues thousands of device certificates; an
 * older openssl takes the three steps. The key is written inside the private work directory.
 */
async function signLeaf(ca: FleetCa, files: LeafFiles): Promise<void> {
  const signing = ['-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', files.serial, '-days', String(files.days), '-sha256'];
  const extensions = ['-extensions', EXTENSIONS_SECTION];
  if (await opensslAtLeast3()) {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-pkeyopt',
      'ec_param_enc:named_curve',
      '-noenc',
      '-keyout',
      files.key,
      '-subj',
      files.subject,
      ...signing,
      '-config',
      files.config,
      ...extensions,
      '-out',
      files.cert,
    ]);
    return;
  }
  const csr = `${files.cert}.csr`;
  await writeKey(files.key, await newKey());
  await openssl(['req', '-new', '-key', files.key, '-subj', files.subject, '-config', files.config, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, ...signing, '-extfile', files.config, ...extensions, '-out', files.cert]);
}

let major: Promise<boolean> | undefined;
function opensslAtLeast3(): Promise<boolean> {
  major ??= openssl(['version']).then(
    (v) => Number(/^OpenSSL (\d+)\./.exec(v)?.[1] ?? 0) >= 3,
    () => false,
  );
  return major;
}

/**
 * Whether the key in `keyFile` is the key of the certificate in `certFile`. In process (node:crypto): every
 * certificate issued checks its CA first, and two openssl runs per check made issuing thousands slow.
 */
async function keyOfCertificate(keyFile: string, certFile: string): Promise<boolean> {
  const [keyPem, certPem] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  return keyMatchesCertificate(keyPem, certPem);
}

/** True when both CA files are there and belong together; throws when only one is. */
async function existingCa(ca: FleetCa): Promise<boolean> {
  const [hasKey, hasCert] = await Promise.all([fileExists(ca.keyFile), fileExists(ca.certFile)]);
  if (!hasKey && !hasCert) return false;
  if (hasKey && hasCert) {
    if (!(await keyOfCertificate(ca.keyFile, ca.certFile))) {
      throw new PkiError('PKI_CA_MISMATCH', `${ca.keyFile} is not the key of ${ca.certFile}; restore the pair that issued the fleet's certificates`);
    }
    return true;
  }
  if (hasCert) {
    throw new PkiError(
      'PKI_CA_INCOMPLETE',
      `${ca.certFile} is there but ${ca.keyFile} is not: this CA can verify but not issue (a production CA key is kept in Secrets Manager, not on disk)`,
    );
  }
  throw new PkiError(
    'PKI_CA_INCOMPLETE',
    `${ca.keyFile} is there but ${ca.certFile} is not: a CA creation did not finish; if no other fedgate is running, move the key away and run again`,
  );
}

/** The loser of a concurrent creation: the winner's key is in, its certificate follows within moments. */
async function waitForCa(ca: FleetCa, waitMs: number): Promise<FleetCa> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && !(await fileExists(ca.certFile))) await sleep(100);
  await existingCa(ca); // throws PKI_CA_INCOMPLETE if it never came
  return ca;
}

async function workDir(parent: string): Promise<string> {
  try {
    return await mkdtemp(join(parent, '.fedgate-pki-')); // mode 0700
  } catch (err) {
    throw PkiError.from(err, `creating a work directory in ${parent}`);
  }
}

/** EC P-256 with the curve named (not spelled out), which every TLS stack accepts. */
function newKey(): Promise<string> {
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve']);
}

async function writeKey(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: KEY_FILE_MODE, flag: 'wx' });
  await chmod(path, KEY_FILE_MODE);
}

/** 127 random bits, positive as RFC 5280 requires. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return `0x${bytes.toString('hex')}`;
}

function validityDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new PkiError('PKI_INVALID_OPTION', `validityDays must be a whole number of days from 1 to 36500; got ${days}`);
  }
  return days;
}

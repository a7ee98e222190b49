#!/bin/bash
# fedgate-boot: first-boot provisioning of a fedgate node, run once by cloud-init (runcmd).
#
# cloud-init has already written, from user data, the files that hold no secret: rabbitmq.conf and enabled_plugins
# exactly as broker-config rendered them, the cluster-formation and limit drop-ins, /etc/fedgate/topology.yaml and
# this script's parameters in /etc/fedgate/boot.env and fetch-release.mjs. The script installs the release bundle
# (downloaded by fetch-release.mjs, checksum verified before it is unpacked), then fetches the secrets from AWS
# Secrets Manager with the instance role through the bundle's `fedgate boot` helper (the AWS SDK on Debian's Node: no
# AWS CLI needed), writes them with tight modes, and only then starts services.
# Nothing here prints a secret: values go from the helper straight into files.
set -euo pipefail
umask 077
set -a # the python step below reads the parameters from its environment
# shellcheck source=/dev/null
. /etc/fedgate/boot.env
set +a
export DEBIAN_FRONTEND=noninteractive AWS_REGION="$FEDGATE_REGION"
FEDGATE=/opt/fedgate/bin/fedgate
# The release and the secrets are the operator's to put (`fedgate release push`, `fedgate secrets push`); this boot
# waits for them, with backoff, until FEDGATE_SECRET_WAIT_SECONDS after it started (the Auto Scaling group's
# health-check grace allows that wait plus the rest of the boot), then fails so the group replaces the instance.
INPUTS_DEADLINE=$((SECONDS + FEDGATE_SECRET_WAIT_SECONDS))

# Progress goes to stderr (cloud-init-output.log): stdout of some steps is piped into files.
log() { echo "fedgate-boot: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

# Runs "$@" (which must print nothing on failure) until it succeeds or INPUTS_DEADLINE passes; $1 says what it waits for.
wait_for() {
  local what=$1 delay=10 attempt=0
  shift
  while [ "$SECONDS" -lt "$INPUTS_DEADLINE" ]; do
    attempt=$((attempt + 1))
    if "$@" 2>/run/fedgate-wait.err; then
      return 0
    fi
    log "$what: not there yet (attempt $attempt): $(tr '\n' ' ' </run/fedgate-wait.err | head -c 300)"
    sleep "$delay"
    delay=$((delay < 60 ? delay * 2 : 60))
  done
  return 1
}

# Secrets Manager value of secret $1, field $2 (binary or string), as bytes on stdout. Terraform creates the secrets
# without a value (so passwords never enter Terraform state); `fedgate secrets push` puts it.
secret_value() {
  wait_for "secret $1" "$FEDGATE" boot secret-value --secret-id "$1" --field "$2"
}

# Downloads the release bundle for this architecture and its .sha256, refuses it unless the checksum matches, and
# unpacks it into /opt/fedgate.
install_release() {
  local dir bundle expected actual
  dir=$(mktemp -d /run/fedgate-release.XXXXXX)
  wait_for "release $FEDGATE_BUNDLE_URI" node /usr/local/lib/fedgate/fetch-release.mjs "$FEDGATE_BUNDLE_URI" "$FEDGATE_BUNDLE_REGION" "$dir" ||
    fail "could not download $FEDGATE_BUNDLE_URI and its .sha256"
  bundle="$dir/${FEDGATE_BUNDLE_URI##*/}"
  expected=$(head -c 64 "$bundle.sha256")
  [[ $expected =~ ^[0-9a-f]{64}$ ]] || fail "$FEDGATE_BUNDLE_URI.sha256 holds no SHA-256"
  actual=$(sha256sum "$bundle" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] || fail "$FEDGATE_BUNDLE_URI has SHA-256 $actual, its .sha256 says $expected: not unpacking it"
  # The services run as a DynamicUser: under this script's umask 077 the tree would be root-only, so set modes.
  install -d -m 0755 /opt/fedgate
  tar -xzf "$bundle" -C /opt/fedgate --no-same-owner
  chmod -R u=rwX,go=rX /opt/fedgate
  rm -rf "$dir"
  [ -x "$FEDGATE" ] || fail "the bundle has no bin/fedgate"
  "$FEDGATE" boot --help >/dev/null || fail "the bundle does not run on this Node ($(node --version 2>&1))"
  log "release $(tr -d '\n ' </opt/fedgate/lib/release.json | grep -o '"commit":"[^"]*"') installed"
}

# Writes stdin to $1 with mode $2 and owner $3, atomically (no half-written file is ever read).
install_file() {
  local path=$1 mode=$2 owner=$3 tmp
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.XXXXXX")
  cat >"$tmp"
  chown "$owner" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$path"
}

log "role $FEDGATE_ROLE, cluster $FEDGATE_CLUSTER, region $FEDGATE_REGION"

# Packages must not start their services before configuration and secrets are in place.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
apt-get update -q
# shellcheck disable=SC2086 # FEDGATE_PACKAGES is a word list
# nodejs: Debian 13 ships Node 20, which runs the release bundle (the boot helper, gateway-health, the router). No AWS
# CLI and no system CA bundle: the bundle talks to AWS through the SDK with Node's own CA store.
apt-get install -y -q --no-install-recommends python3 nodejs $FEDGATE_PACKAGES
rm -f /usr/sbin/policy-rc.d

log "installing the fedgate release from $FEDGATE_BUNDLE_URI ($FEDGATE_BUNDLE_REGION)"
install_release

if [ "$FEDGATE_ROLE" != router ]; then
  log "fetching definitions from $FEDGATE_DEFINITIONS_SECRET"
  # Stored gzip-compressed as SecretBinary: a backend's definitions outgrow the 64 KiB secret limit past ~40 gateways.
  secret_value "$FEDGATE_DEFINITIONS_SECRET" binary | gunzip |
    install_file /etc/rabbitmq/definitions.json 0640 root:rabbitmq ||
    fail "could not read definitions from $FEDGATE_DEFINITIONS_SECRET"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' /etc/rabbitmq/definitions.json ||
    fail "$FEDGATE_DEFINITIONS_SECRET does not hold gzip-compressed definitions.json"
fi

log "fetching runtime secrets from $FEDGATE_RUNTIME_SECRET"
secret_value "$FEDGATE_RUNTIME_SECRET" string >/run/fedgate-runtime.json ||
  fail "could not read $FEDGATE_RUNTIME_SECRET"
# The runtime secret is JSON: {"erlangCookie": "...", "tls": {<file name>: PEM, ...}, "env": {...}}; the router's is
# {"tls": {"ca.pem"}, "env": {...}}. Which TLS names an instance takes is in boot.env (FEDGATE_TLS_FILES, all of them
# required, and FEDGATE_TLS_OPTIONAL_FILES): a backend node ca/cert/key.pem; a gateway those and the certificate and
# key of each link user its links log in to the backend as (<user>.pem, <user>.key), optionally the app-token key.
python3 - /run/fedgate-runtime.json <<'PY' || fail "$FEDGATE_RUNTIME_SECRET is not the expected JSON (see infra README)"
import grp, json, os, pwd, re, sys

doc = json.load(open(sys.argv[1]))
role = os.environ["FEDGATE_ROLE"]

def write(path, text, mode, owner="root", group="root"):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        # The script runs under umask 077; a directory it creates must still let services reach their files.
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(tmp, pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid)
    os.chmod(tmp, mode)
    os.replace(tmp, path)

tls = doc.get("tls") or {}
# Exactly the names this instance reads (user data says which): a broker node its own certificate and key and, on a
# gateway, its links' certificates and keys; the router only the fleet CA. Anything else is refused.
required = os.environ.get("FEDGATE_TLS_FILES", "").split()
optional = os.environ.get("FEDGATE_TLS_OPTIONAL_FILES", "").split()
missing = [name for name in required if name not in tls]
if missing:
    sys.exit("tls: expected " + ", ".join(required) + (" (optionally " + ", ".join(optional) + ")" if optional else "") + "; missing " + ", ".join(missing))
for name, text in tls.items():
    if name not in required and name not in optional:
        sys.exit("tls: unexpected entry " + name)
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", name) or not isinstance(text, str) or "-----BEGIN " not in text:
        sys.exit("tls: " + name + " is not a PEM file")
if "ca.pem" in tls:
    # fedgate's services run as a DynamicUser: their copy of the CA is world-readable (it is a public certificate).
    write("/etc/fedgate/tls/ca.pem", tls["ca.pem"], 0o644)

if role != "router":
    cookie = doc.get("erlangCookie")
    if not isinstance(cookie, str) or not re.fullmatch(r"[A-Za-z0-9]{20,255}", cookie):
        sys.exit("erlangCookie: expected 20 to 255 letters and digits, the same for every node of the cluster")
    write("/var/lib/rabbitmq/.erlang.cookie", cookie, 0o400, "rabbitmq", "rabbitmq")
    for name, text in tls.items():
        # Must match the paths broker-config's rabbitmq.conf names (TLS_DIR).
        write("/etc/rabbitmq/tls/" + name, text, 0o640, "root", "rabbitmq")

lines = []
for key, value in sorted((doc.get("env") or {}).items()):
    if not re.fullmatch(r"FEDGATE_[A-Z0-9_]+", key) or not isinstance(value, str) or "\n" in value:
        sys.exit("env: expected FEDGATE_* names with one-line string values")
    lines.append('%s="%s"\n' % (key, value.replace("\\", "\\\\").replace('"', '\\"')))
write("/etc/fedgate/env", "".join(lines), 0o600)
PY
rm -f /run/fedgate-runtime.json

if [ -n "${FEDGATE_PEER_GROUP:-}" ]; then
  # Peers for classic_config cluster formation: the group's instances at this moment, by their host names
  # (the node name is rabbit@<short host name>). A node that finds none running forms the cluster; the others join
  # it. Built-in discovery keeps enabled_plugins exactly as broker-config rendered it (no peer-discovery plugin).
  peers=$("$FEDGATE" boot peers --group "$FEDGATE_PEER_GROUP") || fail "could not list the instances of $FEDGATE_PEER_GROUP"
  {
    echo "# Written by fedgate-boot: the members of $FEDGATE_PEER_GROUP when this node first started."
    i=1
    for name in $peers; do
      echo "cluster_formation.classic_config.nodes.$i = rabbit@${name%%.*}"
      i=$((i + 1))
    done
  } | install_file /etc/rabbitmq/conf.d/20-fedgate-peers.conf 0644 root:root
fi

sysctl --system >/dev/null
systemctl daemon-reload

if [ -n "${FEDGATE_AUTHZ_SERVICE:-}" ]; then
  # RabbitMQ asks this endpoint about every device login from its first moment: it runs before the broker starts.
  log "starting $FEDGATE_AUTHZ_SERVICE"
  systemctl enable --now "$FEDGATE_AUTHZ_SERVICE"
  ready=0
  for _ in $(seq 1 60); do
    if node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(1000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$FEDGATE_AUTHZ_HEALTH_URL"; then
      ready=1
      break
    fi
    sleep 0.5
  done
  [ "$ready" = 1 ] || fail "$FEDGATE_AUTHZ_SERVICE did not answer $FEDGATE_AUTHZ_HEALTH_URL within 30 s"
fi

if [ "$FEDGATE_ROLE" != router ]; then
  log "starting RabbitMQ"
  systemctl enable rabbitmq-server
  systemctl restart rabbitmq-server
  rabbitmq-diagnostics -q check_running || fail "RabbitMQ did not start; see /var/log/rabbitmq"
  if [ "$FEDGATE_ROLE" = gateway ] && [ ! -e /var/lib/rabbitmq/.fedgate-event-exchange-ready ]; then
    # First boot: the definitions import created the vhost after the event exchange plugin started, and the
    # plugin then reports nothing (RabbitMQ 4.0.5), so presence would never leave this gateway. One application
    # restart with the vhost in place brings it to life; later boots do not need it.
    rabbitmqctl -q stop_app && rabbitmqctl -q start_app && rabbitmqctl -q await_startup \
      || fail "RabbitMQ did not restart its application after the first boot"
    touch /var/lib/rabbitmq/.fedgate-event-exchange-ready
  fi
fi

if [ -n "${FEDGATE_SERVICE:-}" ]; then
  log "starting $FEDGATE_SERVICE"
  systemctl enable --now "$FEDGATE_SERVICE"
fi

log "done"

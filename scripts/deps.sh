#!/usr/bin/env bash
# deps.sh — install the Debian packages Rampart needs, only those missing.
# The one place that knows the project's system dependencies: make up, make
# test, make bench and make fuzz all call it first.
set -euo pipefail

PACKAGES=(
  # build
  build-essential clang libclang-rt-14-dev cmake pkg-config make
  # engine and tools
  libxml2-dev libpcre2-dev libvectorscan-dev libssl-dev libjansson-dev libhiredis-dev
  libyaml-dev
  # engine: country and region rules from MaxMind DB files
  libmaxminddb-dev
  # rampartd (control plane): HTTP server, store, password hashing
  libmicrohttpd-dev libsqlite3-dev libpq-dev libargon2-dev
  # rampartd identity: QR codes of TOTP enrolment (otpauth:// URIs)
  libqrencode-dev
  # rampartd identity: LDAP as an external directory (libldap); its test's private slapd
  libldap-dev slapd ldap-utils
  # gateway sync (rampart sync) and rampart-agent: HTTP client to rampartd;
  # rampart-agent: spool checksums, webshell rules
  libcurl4-openssl-dev zlib1g-dev libyara-dev
  # rampart-agent: sshd's messages from the systemd journal (sd_journal)
  libsystemd-dev
  # tests (chromium and CJK fonts: the console's end-to-end test)
  libcmocka-dev python3 python3-yaml curl sqlmap sqlite3 redis-server chromium fonts-noto-cjk
  # tests and benchmarks of the PostgreSQL store: a private server per run
  postgresql
  # audit tests: certificates for the TLS syslog receiver
  openssl
  # the PKCS#11 master key provider: p11-kit's pkcs11.h; its test's token (SoftHSM2)
  libp11-kit-dev softhsm2
  # tests of rampart-agent's brute-force detection: a real sshd on loopback
  openssh-server sshpass
  # rampart-agent's active response (nft) and its test's network namespaces (ip netns);
  # journal files for its journal input test (systemd-journal-remote)
  nftables iproute2 systemd-journal-remote
  # the gateway: Debian's nginx and its module build tree
  nginx nginx-dev
  # bench: load generator and the peer WAF
  wrk libnginx-mod-http-modsecurity modsecurity-crs
  # bench: the file integrity anchor (bench/fim.sh)
  aide
)

missing=()
# The console's build (npm ci, vite build): Debian's Node.js and npm, unless
# a node and npm are on PATH already (e.g. a newer Node.js).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Debian starts services on install; Rampart runs its own nginx instances on
# loopback and must not leave the system nginx listening on port 80.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { [ $created_policy -eq 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

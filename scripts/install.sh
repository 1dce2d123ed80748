#!/usr/bin/env bash
# Installs everything netwatch needs on Debian 12 (system packages, npm packages from the lockfile) and
# builds it. With --test it also installs the tools the tests and benchmarks drive (tshark, tcpdump,
# nmap, hping3, tcpreplay, iproute2...). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
case "${1:-}" in
  --test) with_tests=1 ;;
  "") ;;
  *) echo "usage: scripts/install.sh [--test]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

node_ok() { command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; }

pkgs=(libpcap-dev python3 make g++ ca-certificates fonts-dejavu-core)
node_ok || pkgs+=(nodejs npm)
if [ "$with_tests" -eq 1 ]; then
  pkgs+=(tshark tcpdump nmap hping3 tcpreplay iproute2 iputils-ping util-linux time procps systemd \
    hydra slowhttptest iperf3 openssh-server openssh-client dnsutils curl python3 chromium)
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null

if ! node_ok; then
  echo "netwatch needs Node.js 20 or newer; this machine has $(node --version 2>/dev/null || echo none)." >&2
  echo "Debian 12's own nodejs package is 18: install Node.js 20 (nodejs.org, NodeSource or nvm) and run this again." >&2
  exit 1
fi

# node-gyp builds the native modules against the installed headers, without downloading any.
if [ -f /usr/include/node/node.h ] && [ -z "${npm_config_nodedir:-}" ]; then export npm_config_nodedir=/usr; fi

npm ci --no-audit --no-fund
npm run build
echo "netwatch is built: ./bin/netwatch --help"

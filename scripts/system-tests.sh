#!/usr/bin/env bash
# System checks that need more than Node: Debian packages, a real PostgreSQL, the Dockerfile's
# steps. Installs what is missing when run as root (CI is).
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "$1 is missing: apt-get install $2" >&2
    exit 1
  fi
}

echo "=== docker-compose.yml is valid ==="
need docker-compose docker-compose
docker-compose config -q
docker-compose --profile cluster config -q
# Clients reach the app only through nginx, so each instance may trust its one proxy hop.
docker-compose --profile cluster config | python3 -c '
import sys, yaml
services = yaml.safe_load(sys.stdin)["services"]
apps = [name for name, s in services.items() if "DATABASE_URL" in (s.get("environment") or {})]
assert apps == ["app", "app2"], apps
for name in apps:
    assert not services[name].get("ports"), f"{name} publishes a port that bypasses nginx"
    assert str(services[name]["environment"]["TRUST_PROXY_HOPS"]) == "1", name
    assert services[name]["environment"]["TURN_URLS"].startswith("turn:"), name
assert services["coturn"]["command"].count("--use-auth-secret") == 1
'
echo ok

echo "=== the load balancer's nginx.conf is valid ==="
need nginx nginx-light
# The compose service names only resolve inside compose; check the syntax with loopback.
for conf in deploy/nginx.conf deploy/nginx-cluster.conf; do
  sed 's/server app2\?:3000/server 127.0.0.1:3000/' "$conf" > "${TMPDIR:-/tmp}/televisit-nginx.conf"
  nginx -t -q -c "${TMPDIR:-/tmp}/televisit-nginx.conf"
done
echo ok

echo "=== Dockerfile dry run ==="
node scripts/build-if-changed.mjs
node scripts/with-postgres.mjs node scripts/dockerfile-dry-run.mjs

echo "=== WebRTC through a real TURN relay (coturn) and the web app in Chromium ==="
need turnserver coturn
need chromium chromium
npx jest -c jest.system.config.js

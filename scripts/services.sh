#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379)
# answer, installing them from Debian's packages and starting them when absent.
# The embedded default needs neither; the shared-backend tests do.
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
install() {
  [[ -n $apt_updated ]] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
wait_for() {
  for _ in $(seq 1 50); do listening "$1" && return 0; sleep 0.2; done
  echo "services: nothing answers on 127.0.0.1:$1 after starting $2" >&2
  return 1
}

if ! listening 5432; then
  echo "==> starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || install postgresql
  if command -v service >/dev/null && service postgresql start >/dev/null 2>&1; then :; else
    for c in /etc/postgresql/*/main; do v=$(basename "$(dirname "$c")"); as_root pg_ctlcluster "$v" main start || true; done
  fi
  wait_for 5432 PostgreSQL
fi

if ! listening 6379; then
  echo "==> starting Redis"
  command -v redis-server >/dev/null || install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  wait_for 6379 Redis
fi

echo "services: PostgreSQL 127.0.0.1:5432 and Redis 127.0.0.1:6379 answer"

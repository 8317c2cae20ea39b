#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs and starts what the tests
# need, then runs the Rust tests and the SDK conformance suites.
#   ./scripts/test.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
need_pkgs=()
command -v python3 >/dev/null || need_pkgs+=(python3 python3-venv)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_pkgs+=(python3-venv)
command -v npm >/dev/null || need_pkgs+=(nodejs npm)
command -v cc >/dev/null || need_pkgs+=(build-essential)
if ((${#need_pkgs[@]})); then
  echo "==> installing ${need_pkgs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

"$ROOT/scripts/services.sh"

echo "==> cargo build"
cargo build --workspace --all-targets --locked

run_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast "$@"
  else
    cargo test --locked --no-fail-fast "$@"
  fi
}

export ASYM_TEST_DATABASE_URL="${ASYM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export ASYM_TEST_REDIS_URL="${ASYM_TEST_REDIS_URL:-redis://127.0.0.1:6379/}"

echo "==> rust tests (embedded default: SQLite + in-process store; the store's own tests also use PostgreSQL and Redis)"
run_tests --workspace

echo "==> engine and CLI tests again on the shared backends (PostgreSQL + Redis)"
ASYM_TEST_SHARED=1 run_tests -p asym-cli

echo "==> conformance (official SDKs), embedded default"
ASYM_BIN="$ROOT/target/debug/asym" "$ROOT/scripts/conformance.sh"

echo "==> conformance (official SDKs), shared PostgreSQL + Redis"
ASYM_DATABASE_URL="$ASYM_TEST_DATABASE_URL" ASYM_REDIS_URL="$ASYM_TEST_REDIS_URL" \
  ASYM_BIN="$ROOT/target/debug/asym" "$ROOT/scripts/conformance.sh"

echo "test: all passed"

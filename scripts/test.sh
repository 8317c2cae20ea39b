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

echo "==> rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "==> conformance (official SDKs)"
ASYM_BIN="$ROOT/target/debug/asym" "$ROOT/scripts/conformance.sh"

echo "test: all passed"

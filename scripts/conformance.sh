#!/usr/bin/env bash
# Conformance suites: drive spun clones with the official SDKs
# (slack_sdk, stripe, PyGithub and mcp for Python; @slack/web-api, stripe and
# @octokit/rest for Node), changing only the base URL and the credential.
# Usage: scripts/conformance.sh   (set ASYM_BIN to test a prebuilt binary)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY_DIR="$ROOT/conformance/python"
NODE_DIR="$ROOT/conformance/node"

if [[ -z "${ASYM_BIN:-}" ]]; then
  echo "==> cargo build -p asym-cli"
  (cd "$ROOT" && cargo build -q -p asym-cli)
  export ASYM_BIN="$ROOT/target/debug/asym"
fi
if [[ ! -x "$ASYM_BIN" ]]; then
  echo "conformance: ASYM_BIN=$ASYM_BIN is not an executable" >&2
  exit 2
fi

echo "==> python: venv and requirements"
if [[ ! -x "$PY_DIR/.venv/bin/python" ]]; then
  python3 -m venv "$PY_DIR/.venv"
fi
"$PY_DIR/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$PY_DIR/requirements.txt"

echo "==> node: dependencies"
if [[ -f "$NODE_DIR/package-lock.json" ]]; then
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
else
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error)
fi

status=0

echo "==> python: pytest (slack_sdk, stripe, PyGithub, mcp)"
(cd "$PY_DIR" && "$PY_DIR/.venv/bin/python" -m pytest -q -p no:cacheprovider) || status=1

echo "==> node: npm test (@slack/web-api, stripe, @octokit/rest)"
(cd "$NODE_DIR" && npm test --silent) || status=1

if [[ $status -ne 0 ]]; then
  echo "conformance: FAILED" >&2
else
  echo "conformance: ok"
fi
exit $status

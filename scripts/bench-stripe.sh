#!/usr/bin/env bash
# The Stripe clone against localstripe, same workload, one run. localstripe lives
# only in the benchmark's own venv (bench/.venv), never in the project's deps.
#   scripts/bench-stripe.sh [--requests N] [--concurrency C]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release -q -p asym-cli
if [[ ! -x bench/.venv/bin/python ]]; then
  python3 -m venv bench/.venv
fi
STRIPE_PIN="$(grep '^stripe==' conformance/python/requirements.txt)"
bench/.venv/bin/pip install -q --disable-pip-version-check "$STRIPE_PIN" localstripe
PATH="$ROOT/bench/.venv/bin:$PATH" bench/.venv/bin/python bench/stripe_vs_localstripe.py --asym "$ROOT/target/release/asym" "$@"

"""Spins a seeded Stripe clone (`asym spin stripe --seed acct`) in its own
ASYM_HOME for a test module and points the official `stripe` SDK at it: only
`api_base` and the key change. Ports come from 4500-4549 (or the 50 ports from
`ASYM_STRIPE_PY_PORT_START`).

Also a tiny webhook receiver (a local HTTP server recording each request) for the
signed-delivery tests.
"""

import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import stripe

from conftest import ASYM_BIN, _asym

_PORT_START = int(os.environ.get("ASYM_STRIPE_PY_PORT_START", "4500"))
PORT_RANGE = {"portRange": {"start": _PORT_START, "end": _PORT_START + 49}}
SEEDED_KEY = "sk_test_asymmetric000000000000stripe"
DAY = 86_400
# 2026-01-01T00:00:00Z: test clocks start here so periods are calendar months.
T0 = 1_767_225_600


def spin_stripe():
    if not os.path.exists(ASYM_BIN):
        pytest.exit(f"asym binary not found at {ASYM_BIN}: run `cargo build -p asym-cli` or set ASYM_BIN", returncode=2)
    home = tempfile.mkdtemp(prefix="asym-conformance-stripe-py-")
    Path(home, "config.json").write_text(json.dumps(PORT_RANGE))
    spun = None
    try:
        spun = json.loads(_asym(home, "spin", "stripe", "--seed", "acct", "--json"))["clone"]
        yield {
            "id": spun["id"],
            "api": spun["api"].rstrip("/"),
            "key": spun["tokens"]["secret_key"],
            "home": home,
            "mcp": spun.get("mcp"),
        }
    finally:
        if spun is not None:
            _asym(home, "destroy", spun["id"])
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def stripe_clone():
    yield from spin_stripe()


@pytest.fixture()
def sdk(stripe_clone):
    """The module-level `stripe` SDK configured for the clone (global settings)."""
    stripe.api_key = stripe_clone["key"]
    stripe.api_base = stripe_clone["api"]
    stripe.max_network_retries = 0
    return stripe


@pytest.fixture()
def client(stripe_clone):
    """A `StripeClient` for the clone: only the key and base address differ."""
    return stripe.StripeClient(stripe_clone["key"], base_addresses={"api": stripe_clone["api"]}, max_network_retries=0)


class Receiver:
    """Records every POST; answers with the queued statuses first, then 200."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append({"headers": dict(self.headers), "body": body})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                hits = [r for r in self.requests if predicate(r)]
            if hits:
                return hits
            time.sleep(0.05)
        raise AssertionError(f"no matching webhook within {timeout}s; got {len(self.requests)} requests")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def clock_customer(sdk, card="pm_card_visa", frozen_time=T0, **fields):
    """A test clock at `frozen_time` and a customer on it whose default payment
    method is `card` (attached). Returns (clock, customer, payment_method)."""
    clock = sdk.test_helpers.TestClock.create(frozen_time=frozen_time, name="conformance")
    customer = sdk.Customer.create(test_clock=clock.id, **fields)
    pm = sdk.PaymentMethod.attach(card, customer=customer.id)
    sdk.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    return clock, customer, pm


def advance(sdk, clock, frozen_time, timeout=30.0):
    """Advances the clock and waits until it is `ready` again, as Stripe's docs advise."""
    sdk.test_helpers.TestClock.advance(clock.id, frozen_time=frozen_time)
    deadline = time.time() + timeout
    while time.time() < deadline:
        c = sdk.test_helpers.TestClock.retrieve(clock.id)
        if c.status == "ready":
            return c
        time.sleep(0.1)
    raise AssertionError(f"test clock {clock.id} did not become ready")


def monthly_price(sdk, amount, name="Pro plan"):
    return sdk.Price.create(currency="usd", unit_amount=amount, recurring={"interval": "month"}, product_data={"name": name})

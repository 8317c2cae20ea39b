"""Scoring across products: an environment of a Stripe and a Slack clone, a scripted
agent using the official `stripe` and `slack_sdk` SDKs, and `asym eval` checking
records inside Stripe's objects (`metadata.plan`, `status`) next to Slack messages."""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import stripe
from slack_sdk import WebClient

from conftest import ASYM_BIN

PORT_START = int(os.environ.get("ASYM_EVAL_MULTI_PORT_START", "4780"))
SUPPORT = "C0ACMESUPP"


def checks(email):
    return f"""
checks:
  - name: a pro customer for {email}
    clone: stripe
    expect: added
    resource: customers
    where: {{email: "{email}", metadata.plan: pro}}
    count: 1
    weight: 2
  - name: charged 20 dollars
    clone: stripe
    expect: added
    resource: payment_intents
    where: {{amount: 2000, currency: usd, status: succeeded}}
    count: 1
    weight: 3
  - name: told support
    clone: slack
    expect: added
    resource: messages
    where: {{channel_id: {SUPPORT}, text: {{contains: "{email}"}}}}
  - name: no refunds
    clone: stripe
    journal: {{method: "/v1/refunds*"}}
    count: 0
  - name: nothing else
    strict: true
    ignore:
      resources: [charges, balance_transactions, payment_methods]
"""


def run_asym(home, *args, ok=True):
    out = subprocess.run([ASYM_BIN, *args], env=dict(os.environ, ASYM_HOME=home), capture_output=True, text=True, timeout=120)
    if ok and out.returncode != 0:
        raise RuntimeError(f"asym {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="module")
def env():
    home = tempfile.mkdtemp(prefix="asym-eval-multi-py-")
    Path(home, "config.json").write_text(json.dumps({"portRange": {"start": PORT_START, "end": PORT_START + 19}}))
    tag = secrets.token_hex(3)
    spec = Path(home, "shop.env.yaml")
    spec.write_text(
        f"name: shop\nclones:\n  - template: stripe\n    seed: acct\n    name: shop-pay-{tag}\n    rateLimits: false\n"
        f"  - template: slack\n    seed: acme-corp\n    name: shop-chat-{tag}\n    rateLimits: false\n"
    )
    spun = None
    try:
        spun = json.loads(run_asym(home, "env", "spin", str(spec), "--json").stdout)
        by_template = {m["clone"]["template"]: m["clone"] for m in spun["members"]}
        yield {"home": home, "stripe": by_template["stripe"], "slack": by_template["slack"]}
    finally:
        if spun is not None:
            run_asym(home, "env", "destroy", "shop", ok=False)
        shutil.rmtree(home, ignore_errors=True)


def agent(env, email, amount):
    """Sign a customer up to the pro plan, charge them, tell support."""
    stripe.api_base = env["stripe"]["api"]
    stripe.api_key = env["stripe"]["tokens"]["secret_key"]
    customer = stripe.Customer.create(email=email, metadata={"plan": "pro"})
    stripe.PaymentIntent.create(amount=amount, currency="usd", customer=customer.id, payment_method="pm_card_visa", confirm=True)
    slack = WebClient(token=env["slack"]["tokens"]["bot"], base_url=env["slack"]["api"] + "/")
    slack.chat_postMessage(channel=SUPPORT, text=f"New pro customer {email} charged")


def evaluate(env, email):
    path = Path(env["home"], "checks.yaml")
    path.write_text(checks(email))
    out = run_asym(env["home"], "eval", "shop", str(path), "--json", ok=False)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


def test_a_correct_run_across_two_products_scores_full_marks(env):
    run_asym(env["home"], "env", "reset", "shop")
    email = f"ada-{secrets.token_hex(2)}@shop.test"
    agent(env, email, 2000)
    code, report = evaluate(env, email)
    assert code == 0, json.dumps(report, indent=1)
    assert report["score"] == report["total"] == 8


def test_the_wrong_amount_fails_naming_what_was_charged(env):
    run_asym(env["home"], "env", "reset", "shop")
    email = f"bob-{secrets.token_hex(2)}@shop.test"
    agent(env, email, 200)
    code, report = evaluate(env, email)
    assert code == 1
    charged = next(c for c in report["checks"] if c["name"] == "charged 20 dollars")
    assert not charged["passed"] and "found 0" in charged["detail"]
    assert any("amount=200" in line for line in charged["evidence"]), charged
    strict = next(c for c in report["checks"] if c["name"] == "nothing else")
    assert not strict["passed"] and any("payment_intents added" in line for line in strict["evidence"]), strict

"""The Stripe clone side by side with localstripe: the same workload and the same
billing workflows, through the official `stripe` SDK, against both in one run.

    scripts/bench-stripe.sh            # makes a venv with stripe + localstripe, then runs this

localstripe is installed into the benchmark's own venv, never as a project
dependency. Figures are printed, never asserted.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import stripe

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def card(number):
    return {**CARD, "number": number}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def point_at(base, key):
    stripe.api_base = base
    stripe.api_key = key
    stripe.max_network_retries = 0


# --- workflows: each returns None when it passes, else why not ------------------------------


def wf_payment_succeeds():
    c = stripe.Customer.create(email=f"{uuid.uuid4().hex[:8]}@bench.test")
    pm = stripe.PaymentMethod.create(type="card", card=CARD)
    stripe.PaymentMethod.attach(pm.id, customer=c.id)
    pi = stripe.PaymentIntent.create(amount=2000, currency="usd", customer=c.id, payment_method=pm.id, confirm=True)
    return None if pi.status == "succeeded" else f"status {pi.status}"


def declined(number, decline_code):
    def run():
        pm = stripe.PaymentMethod.create(type="card", card=card(number))
        try:
            pi = stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method=pm.id, confirm=True)
        except stripe.error.CardError as e:
            got = e.error.decline_code if e.error else None
            return None if got == decline_code else f"decline_code {got}"
        except stripe.error.StripeError as e:
            return f"{type(e).__name__}: {e}"
        return f"not declined (status {pi.status})"

    return run


def wf_manual_capture():
    pm = stripe.PaymentMethod.create(type="card", card=CARD)
    pi = stripe.PaymentIntent.create(amount=5000, currency="usd", payment_method=pm.id, confirm=True, capture_method="manual")
    if pi.status != "requires_capture":
        return f"after confirm: {pi.status}"
    pi = stripe.PaymentIntent.capture(pi.id, amount_to_capture=3000)
    return None if pi.status == "succeeded" and pi.amount_received == 3000 else f"after capture: {pi.status} {pi.amount_received}"


def wf_partial_refund():
    pm = stripe.PaymentMethod.create(type="card", card=CARD)
    pi = stripe.PaymentIntent.create(amount=5000, currency="usd", payment_method=pm.id, confirm=True)
    refund = stripe.Refund.create(payment_intent=pi.id, amount=1500)
    charge = stripe.Charge.retrieve(refund.charge)
    return None if refund.status == "succeeded" and charge.amount_refunded == 1500 and not charge.refunded else f"{refund.status} {charge.amount_refunded}"


def wf_idempotent_retry():
    key = uuid.uuid4().hex
    a = stripe.Customer.create(email="same@bench.test", idempotency_key=key)
    b = stripe.Customer.create(email="same@bench.test", idempotency_key=key)
    if a.id != b.id:
        return "the retry made a second customer"
    try:
        stripe.Customer.create(email="other@bench.test", idempotency_key=key)
    except stripe.error.IdempotencyError:
        return None
    except stripe.error.StripeError as e:
        return f"different parameters: {type(e).__name__}"
    return "different parameters under one key were accepted"


def wf_pagination_250():
    tag = uuid.uuid4().hex[:8]
    made = {stripe.Customer.create(email=f"p{i}-{tag}@bench.test").id for i in range(250)}
    seen = {c.id for c in stripe.Customer.list(limit=100).auto_paging_iter()}
    return None if made <= seen else f"{len(made - seen)} of 250 missing"


def wf_search():
    email = f"search-{uuid.uuid4().hex[:8]}@bench.test"
    c = stripe.Customer.create(email=email)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            found = stripe.Customer.search(query=f"email:'{email}'")
        except stripe.error.StripeError as e:
            return f"{type(e).__name__}: {e}"
        if [x.id for x in found.data] == [c.id]:
            return None
        time.sleep(0.2)
    return "not found by search"


def wf_coupon():
    coupon = stripe.Coupon.create(percent_off=20, duration="once")
    return None if coupon.percent_off == 20 else f"percent_off {coupon.percent_off}"


def wf_trial_clock_invoice():
    try:
        clock = stripe.test_helpers.TestClock.create(frozen_time=int(time.time()))
        c = stripe.Customer.create(email="clock@bench.test", test_clock=clock.id)
        pm = stripe.PaymentMethod.create(type="card", card=CARD)
        stripe.PaymentMethod.attach(pm.id, customer=c.id)
        product = stripe.Product.create(name="Plan")
        price = stripe.Price.create(product=product.id, unit_amount=1500, currency="usd", recurring={"interval": "month"})
        sub = stripe.Subscription.create(customer=c.id, items=[{"price": price.id}], trial_period_days=7, default_payment_method=pm.id)
        if sub.status != "trialing":
            return f"subscription {sub.status}"
        stripe.test_helpers.TestClock.advance(clock.id, frozen_time=clock.frozen_time + 8 * 86400)
        deadline = time.time() + 20
        while stripe.test_helpers.TestClock.retrieve(clock.id).status != "ready":
            if time.time() > deadline:
                return "clock never ready"
            time.sleep(0.2)
        paid = [i for i in stripe.Invoice.list(customer=c.id).data if i.status == "paid" and i.amount_paid == 1500]
        return None if paid else "no paid invoice after the trial"
    except stripe.error.StripeError as e:
        return f"{type(e).__name__}: {str(e)[:80]}"


WORKFLOWS = {
    "payment succeeds": wf_payment_succeeds,
    "generic decline": declined("4000000000000002", "generic_decline"),
    "insufficient funds": declined("4000000000009995", "insufficient_funds"),
    "manual capture": wf_manual_capture,
    "partial refund": wf_partial_refund,
    "idempotent retry": wf_idempotent_retry,
    "pagination over 250 customers": wf_pagination_250,
    "search": wf_search,
    "coupon": wf_coupon,
    "trial, test clock, invoice paid": wf_trial_clock_invoice,
}


def workflows():
    out = {}
    for name, run in WORKFLOWS.items():
        try:
            out[name] = run()
        except Exception as e:  # a fake that answers nonsense fails the workflow, not the run
            out[name] = f"{type(e).__name__}: {str(e)[:80]}"
    return out


# --- throughput -----------------------------------------------------------------------------


def load(name, op, requests, concurrency):
    latencies, errors, lock = [], [0], threading.Lock()

    def one(_):
        t = time.perf_counter()
        try:
            op()
        except Exception:
            with lock:
                errors[0] += 1
        with lock:
            latencies.append((time.perf_counter() - t) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"workload": name, "requests": requests, "errors": errors[0], "per_second": requests / elapsed, "p50_ms": statistics.median(latencies), "p99_ms": p99}


def throughput(requests, concurrency):
    c = stripe.Customer.create(email="load@bench.test")
    pm = stripe.PaymentMethod.create(type="card", card=CARD)
    stripe.PaymentMethod.attach(pm.id, customer=c.id)
    confirm = lambda: stripe.PaymentIntent.create(amount=1000, currency="usd", customer=c.id, payment_method=pm.id, confirm=True)  # noqa: E731
    create = lambda: stripe.Customer.create(email="bulk@bench.test")  # noqa: E731
    listing = lambda: stripe.Customer.list(limit=10)  # noqa: E731
    return [
        load("payment intent create+confirm", confirm, requests, concurrency),
        load("customer create", create, requests, concurrency),
        load("customer list (10)", listing, requests, concurrency),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--asym", default=os.environ.get("ASYM_BIN", "target/release/asym"))
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    home = tempfile.mkdtemp(prefix="asym-bench-stripe-")
    port = free_port()
    with open(os.path.join(home, "config.json"), "w") as f:
        json.dump({"portRange": {"start": port, "end": port}}, f)
    env = dict(os.environ, ASYM_HOME=home)
    env.pop("ASYM_DATABASE_URL", None)
    env.pop("ASYM_REDIS_URL", None)
    spun = json.loads(subprocess.run([a.asym, "spin", "stripe", "--no-rate-limits", "--json"], env=env, capture_output=True, text=True, check=True).stdout)["clone"]
    ls_port = free_port()
    ls_log = tempfile.TemporaryFile()
    # --from-scratch: a fresh store, like the spun clone (localstripe otherwise reloads /tmp/localstripe.pickle).
    localstripe = subprocess.Popen(["localstripe", "--port", str(ls_port), "--from-scratch"], stdout=ls_log, stderr=subprocess.STDOUT)
    results = {}
    try:
        try:
            wait_port(ls_port, timeout=60)
        except RuntimeError:
            ls_log.seek(0)
            raise RuntimeError(f"localstripe did not start: {ls_log.read().decode(errors='replace')[-500:]}") from None
        targets = {
            "asymmetric": (spun["api"].rstrip("/"), spun["tokens"]["secret_key"]),
            "localstripe": (f"http://127.0.0.1:{ls_port}", "sk_test_localstripe"),
        }
        for name, (base, key) in targets.items():
            point_at(base, key)
            results[name] = {"workflows": workflows(), "throughput": throughput(a.requests, a.concurrency)}
    finally:
        localstripe.terminate()
        subprocess.run([a.asym, "destroy", spun["id"]], env=env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)

    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{a.requests} requests per workload, {a.concurrency} concurrent clients, stripe-python {stripe.VERSION}")
    for name, r in results.items():
        passed = sum(1 for v in r["workflows"].values() if v is None)
        print(f"\n{name}: {passed}/{len(WORKFLOWS)} workflows pass")
        for wf, why in r["workflows"].items():
            print(f"  {'pass' if why is None else 'FAIL'}  {wf}{'' if why is None else ': ' + why}")
        for t in r["throughput"]:
            print(f"  {t['workload']:<32} {t['per_second']:>8.0f} req/s  p50 {t['p50_ms']:6.1f} ms  p99 {t['p99_ms']:6.1f} ms  errors {t['errors']}")


if __name__ == "__main__":
    main()

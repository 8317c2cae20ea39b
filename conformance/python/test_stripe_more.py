"""Billing additions through the official `stripe` Python SDK, unchanged but for
`api_base` and the key: customer tax ids, card sources and discounts,
incremental authorization, setup attempts, the older upcoming invoice, payout
reversal, the customer portal, plans, shipping rates in Checkout and
subscription schedules moved by a test clock. This module spins its own clone
on ports 4980-4989."""

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import stripe

from conftest import ASYM_BIN, _asym
from stripe_support import T0, advance, clock_customer, monthly_price

PORT_RANGE = {"portRange": {"start": 4980, "end": 4989}}


@pytest.fixture(scope="module")
def stripe_clone():
    if not os.path.exists(ASYM_BIN):
        pytest.exit(f"asym binary not found at {ASYM_BIN}: run `cargo build -p asym-cli` or set ASYM_BIN", returncode=2)
    home = tempfile.mkdtemp(prefix="asym-conformance-stripe-more-py-")
    Path(home, "config.json").write_text(json.dumps(PORT_RANGE))
    spun = None
    try:
        spun = json.loads(_asym(home, "spin", "stripe", "--seed", "acct", "--json"))["clone"]
        yield {"api": spun["api"].rstrip("/"), "key": spun["tokens"]["secret_key"]}
    finally:
        if spun is not None:
            _asym(home, "destroy", spun["id"])
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture()
def sdk(stripe_clone):
    stripe.api_key = stripe_clone["key"]
    stripe.api_base = stripe_clone["api"]
    stripe.max_network_retries = 0
    return stripe


@pytest.fixture()
def client(stripe_clone):
    return stripe.StripeClient(stripe_clone["key"], base_addresses={"api": stripe_clone["api"]}, max_network_retries=0)


def events_of(sdk, kind):
    return sdk.Event.list(type=kind, limit=100).data


def test_customer_tax_ids(sdk):
    cus = sdk.Customer.create(name="Tax ids")
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.create_tax_id(cus.id, type="eu_vat", value="XX12")
    assert e.value.code == "tax_id_invalid" and e.value.user_message == "Invalid value for eu_vat."
    vat = sdk.Customer.create_tax_id(cus.id, type="eu_vat", value="DE123456789")
    assert vat.object == "tax_id" and vat.id.startswith("txi_") and vat.country == "DE"
    assert vat.verification.status == "pending" and vat.customer == cus.id
    verified = sdk.Customer.create_tax_id(cus.id, type="gb_vat", value="GB000000000")
    assert verified.verification.status == "verified"
    unverified = sdk.Customer.create_tax_id(cus.id, type="au_abn", value="12111111111")
    assert unverified.verification.status == "unverified"
    assert {t.id for t in sdk.Customer.list_tax_ids(cus.id).data} == {vat.id, verified.id, unverified.id}
    assert sdk.Customer.retrieve_tax_id(cus.id, vat.id).value == "DE123456789"
    deleted = sdk.Customer.delete_tax_id(cus.id, vat.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.retrieve_tax_id(cus.id, vat.id)
    assert e.value.http_status == 404
    assert any(ev.data.object.id == vat.id for ev in events_of(sdk, "customer.tax_id.deleted"))


def test_card_sources_and_default_source(sdk):
    cus = sdk.Customer.create(name="Sources")
    card = sdk.Customer.create_source(cus.id, source="tok_visa")
    assert card.object == "card" and card.brand == "Visa" and card.last4 == "4242" and card.customer == cus.id
    assert sdk.Customer.retrieve(cus.id).default_source == card.id
    mc = sdk.Customer.create_source(cus.id, source="tok_mastercard", metadata={"k": "v"})
    assert mc.brand == "MasterCard" and mc.metadata["k"] == "v"
    with pytest.raises(stripe.CardError) as e:
        sdk.Customer.create_source(cus.id, source="tok_chargeDeclined")
    assert e.value.code == "card_declined"
    tok = sdk.Token.create(card={"number": "4242424242424242", "exp_month": 9, "exp_year": 2031, "cvc": "314"})
    from_token = sdk.Customer.create_source(cus.id, source=tok.id)
    assert from_token.exp_month == 9 and from_token.cvc_check == "pass"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Customer.create_source(cus.id, source=tok.id)
    updated = sdk.Customer.modify_source(cus.id, mc.id, name="Jenny Rosen", exp_year=2033)
    assert updated.name == "Jenny Rosen" and updated.exp_year == 2033
    assert sdk.Customer.modify(cus.id, default_source=mc.id).default_source == mc.id
    sdk.Customer.delete_source(cus.id, mc.id)
    assert sdk.Customer.retrieve(cus.id).default_source in (card.id, from_token.id)
    assert len(sdk.Customer.list_sources(cus.id, object="card").data) == 2
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.retrieve_source(cus.id, mc.id)
    assert e.value.http_status == 404


def test_customer_discount_applies_and_is_deleted(sdk):
    coupon = sdk.Coupon.create(percent_off=25, duration="forever")
    cus = sdk.Customer.create(name="Discounted", coupon=coupon.id)
    assert cus.discount.coupon.id == coupon.id
    sdk.InvoiceItem.create(customer=cus.id, amount=2000, currency="usd")
    inv = sdk.Invoice.create(customer=cus.id, pending_invoice_items_behavior="include")
    assert inv.total == 1500
    gone = sdk.Customer.delete_discount(cus.id)
    assert gone.deleted is True and gone.object == "discount"
    assert sdk.Customer.retrieve(cus.id).discount is None
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Customer.delete_discount(cus.id)
    assert events_of(sdk, "customer.discount.deleted")


def test_increment_authorization_and_refused_flows(sdk):
    pi = sdk.PaymentIntent.create(
        amount=1000, currency="usd", payment_method="pm_card_visa", confirm=True, capture_method="manual",
        payment_method_types=["card"], payment_method_options={"card": {"request_incremental_authorization": "if_available"}},
    )
    assert pi.status == "requires_capture"
    grown = sdk.PaymentIntent.increment_authorization(pi.id, amount=1800)
    assert grown.amount == 1800 and grown.amount_capturable == 1800
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.increment_authorization(pi.id, amount=1800)
    assert e.value.param == "amount"
    assert sdk.PaymentIntent.capture(pi.id).amount_received == 1800
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.increment_authorization(pi.id, amount=2500)
    assert e.value.code == "payment_intent_unexpected_state"
    plain = sdk.PaymentIntent.create(amount=500, currency="usd", payment_method="pm_card_visa", confirm=True, capture_method="manual", payment_method_types=["card"])
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.increment_authorization(plain.id, amount=900)
    assert e.value.code == "incremental_authorization_unavailable"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.apply_customer_balance(plain.id)
    assert "not implemented by this clone" in e.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.verify_microdeposits(plain.id, amounts=[32, 45])
    assert "not implemented by this clone" in e.value.user_message


def test_setup_attempts(sdk):
    cus = sdk.Customer.create(name="Setup attempts")
    si = sdk.SetupIntent.create(customer=cus.id, payment_method_types=["card"])
    with pytest.raises(stripe.CardError):
        sdk.SetupIntent.confirm(si.id, payment_method="pm_card_chargeDeclined")
    ok = sdk.SetupIntent.confirm(si.id, payment_method="pm_card_visa")
    attempts = sdk.SetupAttempt.list(setup_intent=si.id).data
    assert [a.status for a in attempts] == ["succeeded", "failed"]
    assert attempts[0].id == ok.latest_attempt and attempts[0].payment_method_details.card.last4 == "4242"
    assert attempts[1].setup_error.code == "card_declined"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.SetupAttempt.list()
    assert e.value.code == "parameter_missing"


def raw_get(client, path, **params):
    """A GET the SDK has no method for any more (the older API), decoded as the SDK decodes."""
    return client.deserialize(client.raw_request("get", path, **params), api_mode="V1")


def test_upcoming_invoice_for_older_api_versions(sdk, client):
    cus = sdk.Customer.create(name="Upcoming", payment_method="pm_card_visa")
    pm = sdk.Customer.list_payment_methods(cus.id).data[0]
    sdk.Customer.modify(cus.id, invoice_settings={"default_payment_method": pm.id})
    price = monthly_price(sdk, 1200)
    sub = sdk.Subscription.create(customer=cus.id, items=[{"price": price.id}])
    old = raw_get(client, "/v1/invoices/upcoming", customer=cus.id, stripe_version="2024-06-20")
    assert old.object == "invoice" and old.amount_due == 1200 and old.subscription == sub.id
    lines = raw_get(client, "/v1/invoices/upcoming/lines", customer=cus.id, stripe_version="2024-06-20")
    assert lines.object == "list" and lines.data[0].amount == 1200
    bigger = raw_get(
        client, "/v1/invoices/upcoming", customer=cus.id, subscription=sub.id,
        subscription_items=[{"id": sub["items"].data[0].id, "quantity": 3}], subscription_proration_behavior="none",
        stripe_version="2024-06-20",
    )
    assert bigger.amount_due == 3600
    empty = sdk.Customer.create(name="Nothing due")
    with pytest.raises(stripe.InvalidRequestError) as e:
        raw_get(client, "/v1/invoices/upcoming", customer=empty.id, stripe_version="2024-06-20")
    assert e.value.code == "invoice_upcoming_none" and e.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as e:
        raw_get(client, "/v1/invoices/upcoming", customer=cus.id)
    assert e.value.http_status == 404


def test_payout_reversal(sdk):
    sdk.PaymentIntent.create(amount=20000, currency="usd", payment_method="pm_card_visa", confirm=True, payment_method_types=["card"])
    po = sdk.Payout.create(amount=5000, currency="usd")
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Payout.reverse(po.id)
    deadline = time.time() + 10
    while sdk.Payout.retrieve(po.id).status != "paid" and time.time() < deadline:
        time.sleep(0.2)
    before = sdk.Balance.retrieve().available[0].amount
    rev = sdk.Payout.reverse(po.id, metadata={"reason": "wrong account"})
    assert rev.original_payout == po.id and rev.amount == 5000 and rev.metadata["reason"] == "wrong account"
    assert sdk.Payout.retrieve(po.id).reversed_by == rev.id
    assert sdk.Balance.retrieve().available[0].amount == before + 5000
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Payout.reverse(po.id)
    assert any(ev.data.object.id == po.id for ev in events_of(sdk, "payout.reversed"))


def test_billing_portal(sdk):
    cus = sdk.Customer.create(name="Portal", email="portal@example.com")
    assert sdk.billing_portal.Session.create(customer=cus.id).return_url is None
    session = sdk.billing_portal.Session.create(customer=cus.id, return_url="https://example.com/account")
    assert session.object == "billing_portal.session" and session.customer == cus.id
    page = httpx.get(session.url)
    assert page.status_code == 200 and "portal@example.com" in page.text and "https://example.com/account" in page.text
    config = sdk.billing_portal.Configuration.create(
        features={"invoice_history": {"enabled": True}, "payment_method_update": {"enabled": True}},
        business_profile={"headline": "Asymmetric"}, default_return_url="https://example.com/back",
    )
    assert config.object == "billing_portal.configuration" and config.is_default is False
    assert config.features.payment_method_update.enabled is True and config.business_profile.headline == "Asymmetric"
    second = sdk.billing_portal.Session.create(customer=cus.id, configuration=config.id)
    assert second.return_url == "https://example.com/back" and second.configuration == config.id
    updated = sdk.billing_portal.Configuration.modify(config.id, active=False, metadata={"v": "2"})
    assert updated.active is False and updated.metadata["v"] == "2"
    assert config.id in [c.id for c in sdk.billing_portal.Configuration.list(active=False).data]
    with pytest.raises(stripe.InvalidRequestError):
        sdk.billing_portal.Session.create(customer=cus.id, configuration=config.id)
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.billing_portal.Configuration.create(features={"subscription_update": {"enabled": True}})
    assert e.value.http_status == 400


def test_plans_are_prices(sdk):
    plan = sdk.Plan.create(amount=2500, currency="usd", interval="month", product={"name": "Legacy plan"}, nickname="Legacy")
    assert plan.object == "plan" and plan.amount == 2500 and plan.interval == "month"
    price = sdk.Price.retrieve(plan.id)
    assert price.unit_amount == 2500 and price.recurring.interval == "month"
    assert sdk.Plan.modify(plan.id, metadata={"tier": "gold"}).metadata["tier"] == "gold"
    assert sdk.Price.retrieve(plan.id).metadata["tier"] == "gold"
    assert plan.id in [p.id for p in sdk.Plan.list(product=plan.product).data]
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Plan.create(currency="usd", interval="month", product=plan.product)
    assert e.value.param == "amount"
    assert sdk.Plan.delete(plan.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Plan.retrieve(plan.id)
    assert e.value.http_status == 404


def test_shipping_rates_in_checkout(sdk):
    rate = sdk.ShippingRate.create(display_name="Express", type="fixed_amount", fixed_amount={"amount": 1500, "currency": "usd"},
                                   delivery_estimate={"minimum": {"unit": "business_day", "value": 1}, "maximum": {"unit": "business_day", "value": 2}})
    assert rate.object == "shipping_rate" and rate.fixed_amount.amount == 1500 and rate.delivery_estimate.maximum.value == 2
    price = sdk.Price.create(currency="usd", unit_amount=3000, product_data={"name": "Lamp"})
    session = sdk.checkout.Session.create(mode="payment", line_items=[{"price": price.id, "quantity": 1}],
                                          success_url="https://example.com/ok", shipping_options=[{"shipping_rate": rate.id}])
    assert session.amount_total == 4500 and session.shipping_cost.shipping_rate == rate.id
    assert session.total_details.amount_shipping == 1500
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.checkout.Session.create(mode="payment", line_items=[{"price": price.id, "quantity": 1}], success_url="https://example.com/ok",
                                    shipping_options=[{"shipping_rate_data": {"display_name": "x"}}])
    assert "not implemented" in e.value.user_message
    assert sdk.ShippingRate.modify(rate.id, active=False).active is False
    with pytest.raises(stripe.InvalidRequestError):
        sdk.ShippingRate.create(display_name="No amount", type="fixed_amount")


def test_subscription_schedule_phases_follow_the_clock(sdk):
    clock, cus, _ = clock_customer(sdk)
    basic = monthly_price(sdk, 1000, name="Basic")
    pro = monthly_price(sdk, 4000, name="Pro")
    sched = sdk.SubscriptionSchedule.create(
        customer=cus.id, start_date="now", end_behavior="release",
        phases=[{"items": [{"price": basic.id}], "iterations": 1}, {"items": [{"price": pro.id, "quantity": 2}], "iterations": 1}],
    )
    assert sched.status == "active" and sched.subscription
    sub_id = sched.subscription
    first_end = sched.phases[0].end_date
    advance(sdk, clock, first_end + 3600)
    sub = sdk.Subscription.retrieve(sub_id)
    assert sub["items"].data[0].price.id == pro.id and sub["items"].data[0].quantity == 2
    invoices = sdk.Invoice.list(subscription=sub_id).data
    assert invoices[0].amount_due == 8000
    sched = sdk.SubscriptionSchedule.retrieve(sched.id)
    advance(sdk, clock, sched.phases[1].end_date + 3600)
    done = sdk.SubscriptionSchedule.retrieve(sched.id)
    assert done.status == "released" and done.released_subscription == sub_id
    assert sdk.Subscription.retrieve(sub_id).status == "active"
    future = sdk.SubscriptionSchedule.create(customer=cus.id, start_date=T0 + 200 * 86_400, phases=[{"items": [{"price": basic.id}]}])
    assert future.status == "not_started" and future.subscription is None
    canceled = sdk.SubscriptionSchedule.cancel(future.id)
    assert canceled.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.SubscriptionSchedule.release(future.id)
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.SubscriptionSchedule.create(customer=cus.id, phases=[{"items": [{"price": basic.id}], "trial_end": T0}])
    assert "not implemented" in e.value.user_message
    assert {s.id for s in sdk.SubscriptionSchedule.list(customer=cus.id).data} == {sched.id, future.id}

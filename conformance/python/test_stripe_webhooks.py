"""Webhook endpoints and signed delivery, verified with the SDK's own
`stripe.Webhook.construct_event`; a failing endpoint is retried with backoff;
`asym deliveries` shows every attempt."""

import json

import pytest
import stripe

from conftest import _asym
from stripe_support import Receiver, sdk, stripe_clone  # noqa: F401


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_endpoint_crud_and_secret(sdk):
    we = sdk.WebhookEndpoint.create(url="https://example.com/hook", enabled_events=["charge.succeeded", "charge.failed"], description="mine")
    assert we.id.startswith("we_") and we.secret.startswith("whsec_") and we.status == "enabled"
    got = sdk.WebhookEndpoint.retrieve(we.id)
    assert "secret" not in got and got.enabled_events == ["charge.succeeded", "charge.failed"]
    upd = sdk.WebhookEndpoint.modify(we.id, disabled=True, enabled_events=["*"])
    assert upd.status == "disabled" and upd.enabled_events == ["*"]
    with pytest.raises(stripe.InvalidRequestError):
        sdk.WebhookEndpoint.create(url="https://example.com/x", enabled_events=["not.an.event"])
    assert sdk.WebhookEndpoint.delete(we.id).deleted is True


def test_signed_delivery_verifies_with_the_sdk(sdk, receiver):
    we = sdk.WebhookEndpoint.create(url=receiver.url, enabled_events=["payment_intent.succeeded", "customer.created"])
    customer = sdk.Customer.create(email="hook@example.com")
    pi = sdk.PaymentIntent.create(amount=1234, currency="usd", customer=customer.id, payment_method="pm_card_visa", confirm=True)
    hits = receiver.wait_for(lambda r: pi.id.encode() in r["body"])
    req = hits[0]
    event = stripe.Webhook.construct_event(req["body"], req["headers"]["Stripe-Signature"], we.secret)
    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == pi.id and event.data.object.status == "succeeded"
    cust = receiver.wait_for(lambda r: b"customer.created" in r["body"])[0]
    ev = stripe.Webhook.construct_event(cust["body"], cust["headers"]["Stripe-Signature"], we.secret)
    assert ev.data.object.email == "hook@example.com"
    # Only subscribed types arrive.
    assert not [r for r in receiver.requests if b'"type": "charge.succeeded"' in r["body"]]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(req["body"], req["headers"]["Stripe-Signature"], "whsec_wrong")
    stored = sdk.Event.retrieve(event.id)
    assert stored.type == "payment_intent.succeeded"
    sdk.WebhookEndpoint.delete(we.id)


def test_failed_delivery_is_retried_and_logged(stripe_clone, sdk):
    r = Receiver(statuses=[500])
    try:
        we = sdk.WebhookEndpoint.create(url=r.url, enabled_events=["product.created"])
        product = sdk.Product.create(name="Retry me")
        hits = r.wait_for(lambda x: product.id.encode() in x["body"], timeout=20)
        deadline_hits = r.wait_for(lambda x: product.id.encode() in x["body"] and len(r.requests) >= 2, timeout=20)
        assert len(deadline_hits) >= 2 and hits
        bodies = [x["body"] for x in r.requests if product.id.encode() in x["body"]]
        assert bodies[0] == bodies[1]
        log = json.loads(_asym(stripe_clone["home"], "deliveries", stripe_clone["id"], "--app", we.id, "--json"))
        attempts = [d for d in log["deliveries"] if d["event_type"] == "product.created"]
        assert attempts[0]["status"] == 500 and attempts[0]["ok"] is False
        assert any(d["ok"] and d["attempt"] == 1 for d in attempts)
    finally:
        r.close()

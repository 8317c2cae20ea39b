"""Payment workflows through the official `stripe` Python SDK, unchanged but for
`api_base` and the key: customer → card → payment intent → refund, declines with
Stripe's codes, manual capture, cancel, 3D Secure, idempotent retries, errors."""

import uuid

import pytest
import stripe

from stripe_support import SEEDED_KEY, client, sdk, stripe_clone  # noqa: F401


def test_spin_prints_the_seeded_secret_key(stripe_clone):
    assert stripe_clone["key"] == SEEDED_KEY


def test_customer_card_payment_and_refund(sdk):
    customer = sdk.Customer.create(email="buyer@example.com", name="Buyer One", metadata={"order": "A-1"})
    assert customer.id.startswith("cus_") and customer.object == "customer" and customer.livemode is False
    pm = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    assert pm.id.startswith("pm_") and pm.id != "pm_card_visa"
    assert pm.customer == customer.id and pm.card.brand == "visa" and pm.card.last4 == "4242"
    listed = sdk.Customer.list_payment_methods(customer.id)
    assert [p.id for p in listed.data] == [pm.id]

    pi = sdk.PaymentIntent.create(amount=4200, currency="usd", customer=customer.id, payment_method=pm.id, description="order A-1")
    assert pi.status == "requires_confirmation"
    assert pi.client_secret.startswith(pi.id + "_secret_")
    pi = sdk.PaymentIntent.confirm(pi.id)
    assert pi.status == "succeeded" and pi.amount_received == 4200
    charge = sdk.Charge.retrieve(pi.latest_charge, expand=["balance_transaction"])
    assert charge.paid and charge.captured and charge.amount == 4200 and charge.payment_intent == pi.id
    assert charge.balance_transaction.object == "balance_transaction"
    assert charge.balance_transaction.fee == round(4200 * 0.029) + 30

    partial = sdk.Refund.create(payment_intent=pi.id, amount=1000, reason="requested_by_customer")
    assert partial.status == "succeeded" and partial.amount == 1000 and partial.charge == charge.id
    rest = sdk.Refund.create(charge=charge.id)
    assert rest.amount == 3200
    charge = sdk.Charge.retrieve(charge.id)
    assert charge.refunded is True and charge.amount_refunded == 4200
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Refund.create(charge=charge.id)
    assert e.value.code == "charge_already_refunded"

    types = [ev.type for ev in sdk.Event.list(limit=20).data]
    for t in ["charge.refunded", "refund.created", "payment_intent.succeeded", "charge.succeeded", "payment_method.attached", "customer.created"]:
        assert t in types, t


@pytest.mark.parametrize(
    "token,code,decline_code",
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
        ("pm_card_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ],
)
def test_declined_cards_raise_card_errors(sdk, token, code, decline_code):
    with pytest.raises(stripe.CardError) as e:
        sdk.PaymentIntent.create(amount=1500, currency="usd", payment_method=token, confirm=True)
    err = e.value
    assert err.http_status == 402
    assert err.code == code
    assert err.error.decline_code == decline_code
    pi = err.error.payment_intent
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == code
    charge = sdk.Charge.retrieve(pi.latest_charge)
    assert charge.status == "failed" and charge.failure_code == code
    assert charge.outcome.reason == decline_code


def test_raw_test_card_numbers_behave_as_documented(sdk):
    ok = sdk.PaymentMethod.create(type="card", card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"})
    assert ok.card.last4 == "4242" and ok.card.checks.cvc_check == "pass"
    bad = sdk.PaymentMethod.create(type="card", card={"number": "4000000000009995", "exp_month": 12, "exp_year": 2034})
    with pytest.raises(stripe.CardError) as e:
        sdk.PaymentIntent.create(amount=900, currency="usd", payment_method=bad.id, confirm=True)
    assert e.value.error.decline_code == "insufficient_funds"
    with pytest.raises(stripe.CardError) as e:
        sdk.PaymentMethod.create(type="card", card={"number": "4242424242424241", "exp_month": 12, "exp_year": 2034})
    assert e.value.code == "incorrect_number"


def test_declined_cards_cannot_be_attached(sdk):
    customer = sdk.Customer.create(name="Attach Check")
    with pytest.raises(stripe.CardError) as e:
        sdk.PaymentMethod.attach("pm_card_chargeDeclined", customer=customer.id)
    assert e.value.code == "card_declined"
    attached = sdk.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    with pytest.raises(stripe.CardError):
        sdk.PaymentIntent.create(amount=700, currency="usd", customer=customer.id, payment_method=attached.id, confirm=True, off_session=True)


def test_manual_capture_partial(client):
    pi = client.v1.payment_intents.create(
        params={"amount": 8000, "currency": "usd", "payment_method": "pm_card_mastercard", "capture_method": "manual", "confirm": True}
    )
    assert pi.status == "requires_capture" and pi.amount_capturable == 8000
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.captured is False and charge.balance_transaction is None
    pi = client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 5000})
    assert pi.status == "succeeded" and pi.amount_received == 5000 and pi.amount_capturable == 0
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.captured is True and charge.amount_captured == 5000 and charge.amount_refunded == 3000
    with pytest.raises(stripe.InvalidRequestError) as e:
        client.v1.payment_intents.capture(pi.id)
    assert e.value.code == "payment_intent_unexpected_state"


def test_cancel_and_state_errors(sdk):
    pi = sdk.PaymentIntent.create(amount=1000, currency="usd")
    assert pi.status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.confirm(pi.id)
    assert e.value.code == "payment_intent_unexpected_state"
    canceled = sdk.PaymentIntent.cancel(pi.id, cancellation_reason="abandoned")
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned" and canceled.canceled_at
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa")
    assert "status of canceled" in e.value.user_message


def test_three_d_secure_requires_action(sdk):
    pi = sdk.PaymentIntent.create(amount=2500, currency="usd", payment_method="pm_card_threeDSecure2Required", confirm=True)
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    with pytest.raises(stripe.CardError) as e:
        sdk.PaymentIntent.create(amount=2500, currency="usd", payment_method="pm_card_authenticationRequired", confirm=True, off_session=True)
    assert e.value.code == "authentication_required"


def test_idempotent_retry_replays_and_mismatch_fails(sdk):
    key = f"order-{uuid.uuid4()}"
    a = sdk.PaymentIntent.create(amount=3100, currency="usd", payment_method="pm_card_visa", confirm=True, idempotency_key=key)
    b = sdk.PaymentIntent.create(amount=3100, currency="usd", payment_method="pm_card_visa", confirm=True, idempotency_key=key)
    assert a.id == b.id and a.latest_charge == b.latest_charge
    assert b.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(sdk.Charge.list(payment_intent=a.id).data) == 1
    with pytest.raises(stripe.IdempotencyError) as e:
        sdk.PaymentIntent.create(amount=9999, currency="usd", idempotency_key=key)
    assert key in e.value.user_message


def test_auth_and_request_errors(stripe_clone, sdk):
    bad = stripe.StripeClient("sk_test_not_a_real_key_123456", base_addresses={"api": stripe_clone["api"]})
    with pytest.raises(stripe.AuthenticationError) as e:
        bad.v1.customers.list()
    assert e.value.http_status == 401 and "Invalid API Key provided" in e.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.create(nmae="typo")
    assert e.value.code == "parameter_unknown" and e.value.param == "nmae"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.retrieve("cus_doesnotexist")
    assert e.value.http_status == 404 and e.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.PaymentIntent.create(amount=10, currency="usd")
    assert e.value.code == "amount_too_small"


def test_request_id_and_version_headers(sdk):
    c = sdk.Customer.retrieve("cus_AcmeDana00001")
    assert c.last_response.request_id.startswith("req_")
    assert c.last_response.headers["Stripe-Version"] == stripe.api_version
    assert c.email == "dana@acme.test" and c.invoice_settings.default_payment_method == "pm_AcmeDanaVisa000000001"


def test_setup_intent_saves_a_card_for_off_session_use(sdk):
    customer = sdk.Customer.create(email="saver@example.com")
    si = sdk.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup", confirm=True, usage="off_session")
    assert si.status == "requires_action"
    si = sdk.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    assert si.id.startswith("seti_") and si.status == "succeeded"
    pm = sdk.PaymentMethod.retrieve(si.payment_method)
    assert pm.customer == customer.id
    pi = sdk.PaymentIntent.create(amount=1800, currency="usd", customer=customer.id, payment_method=pm.id, off_session=True, confirm=True)
    assert pi.status == "succeeded"
    with pytest.raises(stripe.CardError) as e:
        sdk.SetupIntent.create(customer=customer.id, payment_method="pm_card_chargeDeclined", confirm=True)
    assert e.value.code == "card_declined"
    assert e.value.error.setup_intent.status == "requires_payment_method"
    open_si = sdk.SetupIntent.create(customer=customer.id)
    assert sdk.SetupIntent.cancel(open_si.id).status == "canceled"
    assert any(s.id == si.id for s in sdk.SetupIntent.list(customer=customer.id).data)


def test_legacy_charges_api_with_tokens(sdk):
    ch = sdk.Charge.create(amount=2000, currency="usd", source="tok_visa", description="legacy")
    assert ch.status == "succeeded" and ch.paid and ch.captured and ch.payment_intent is None
    held = sdk.Charge.create(amount=3000, currency="usd", source="tok_mastercard", capture=False)
    assert held.captured is False
    held = sdk.Charge.capture(held.id, amount=2500)
    assert held.captured is True and held.amount_captured == 2500
    with pytest.raises(stripe.CardError) as e:
        sdk.Charge.create(amount=2000, currency="usd", source="tok_chargeDeclinedInsufficientFunds")
    assert e.value.error.decline_code == "insufficient_funds"
    failed = sdk.Charge.retrieve(e.value.error.charge)
    assert failed.status == "failed"
    refund = sdk.Refund.create(charge=ch.id, amount=500)
    again = sdk.Charge.retrieve_refund(ch.id, refund.id)
    assert again.id == refund.id and again.amount == 500

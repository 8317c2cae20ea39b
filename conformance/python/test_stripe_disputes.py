"""Disputes through the official `stripe` Python SDK, unchanged but for
`api_base` and the key: Stripe's dispute test cards (`pm_card_createDispute`,
4000000000000259) succeed and then open a dispute (`needs_response`, the charge
`disputed`, amount plus fee withdrawn from the balance, `charge.dispute.created`
delivered to a webhook endpoint), evidence staged and submitted with test
mode's `winning_evidence` / `losing_evidence`, closing, and the errors."""

import time

import pytest
import stripe

from stripe_support import Receiver, sdk, stripe_clone  # noqa: F401


def card_fee(amount):
    return round(amount * 0.029) + 30


def disputed_intent(sdk, card, amount):
    pi = sdk.PaymentIntent.create(amount=amount, currency="usd", payment_method=card, confirm=True, payment_method_types=["card"])
    assert pi.status == "succeeded"
    disputes = sdk.Dispute.list(payment_intent=pi.id).data
    assert len(disputes) == 1
    return pi, disputes[0]


def test_dispute_card_opens_a_dispute_and_winning_evidence_wins(sdk):
    receiver = Receiver()
    try:
        we = sdk.WebhookEndpoint.create(url=receiver.url, enabled_events=["charge.dispute.created", "charge.dispute.closed"])
        before = sdk.Balance.retrieve().available[0].amount
        pi, dispute = disputed_intent(sdk, "pm_card_createDispute", 10000)
        assert dispute.id.startswith("dp_") and dispute.object == "dispute"
        assert dispute.status == "needs_response" and dispute.reason == "fraudulent"
        assert dispute.amount == 10000 and dispute.charge == pi.latest_charge and dispute.payment_intent == pi.id
        assert dispute.evidence_details.submission_count == 0 and dispute.evidence_details.due_by > dispute.created
        withdrawal = dispute.balance_transactions[0]
        assert withdrawal.amount == -10000 and withdrawal.fee == 1500 and withdrawal.net == -11500
        assert sdk.Charge.retrieve(pi.latest_charge).disputed is True
        assert sdk.Balance.retrieve().available[0].amount == before + 10000 - card_fee(10000) - 11500
        assert [d.id for d in sdk.Dispute.list(charge=pi.latest_charge).data] == [dispute.id]

        hit = receiver.wait_for(lambda r: b"charge.dispute.created" in r["body"])[0]
        event = stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], we.secret)
        assert event.type == "charge.dispute.created" and event.data.object.id == dispute.id

        with pytest.raises(stripe.InvalidRequestError) as e:
            sdk.Refund.create(charge=pi.latest_charge)
        assert e.value.code == "charge_disputed"

        staged = sdk.Dispute.modify(dispute.id, evidence={"customer_name": "Jenny Rosen", "product_description": "Widget"}, submit=False, metadata={"case": "42"})
        assert staged.status == "needs_response" and staged.evidence.customer_name == "Jenny Rosen"
        assert staged.evidence_details.has_evidence is True and staged.evidence_details.submission_count == 0
        assert staged.metadata["case"] == "42"

        won = sdk.Dispute.modify(dispute.id, evidence={"uncategorized_text": "winning_evidence"})
        assert won.status == "won" and won.evidence_details.submission_count == 1
        assert won.evidence.customer_name == "Jenny Rosen"
        assert sdk.Balance.retrieve().available[0].amount == before + 10000 - card_fee(10000)
        closed = receiver.wait_for(lambda r: b"charge.dispute.closed" in r["body"])[0]
        assert stripe.Webhook.construct_event(closed["body"], closed["headers"]["Stripe-Signature"], we.secret).data.object.status == "won"

        with pytest.raises(stripe.InvalidRequestError):
            sdk.Dispute.modify(dispute.id, evidence={"uncategorized_text": "more"})
        with pytest.raises(stripe.InvalidRequestError):
            sdk.Dispute.close(dispute.id)
        sdk.WebhookEndpoint.delete(we.id)
    finally:
        receiver.close()


def test_losing_evidence_review_and_close(sdk):
    _, lost = disputed_intent(sdk, "pm_card_createDispute", 2500)
    lost = sdk.Dispute.modify(lost.id, evidence={"uncategorized_text": "losing_evidence"})
    assert lost.status == "lost"

    _, review = disputed_intent(sdk, "pm_card_createDisputeProductNotReceived", 1800)
    assert review.reason == "product_not_received"
    review = sdk.Dispute.modify(review.id, evidence={"shipping_tracking_number": "1Z999"})
    assert review.status == "under_review"

    _, accepted = disputed_intent(sdk, "pm_card_createDispute", 1200)
    accepted = sdk.Dispute.close(accepted.id)
    assert accepted.status == "lost"
    assert accepted.id in [e.data.object.id for e in sdk.Event.list(type="charge.dispute.closed").data]

    # The raw test card number disputes too.
    pm = sdk.PaymentMethod.create(type="card", card={"number": "4000000000000259", "exp_month": 12, "exp_year": 2034, "cvc": "123"})
    pi = sdk.PaymentIntent.create(amount=900, currency="usd", payment_method=pm.id, confirm=True, payment_method_types=["card"])
    assert sdk.Dispute.list(charge=pi.latest_charge).data[0].status == "needs_response"

    plain = sdk.PaymentIntent.create(amount=900, currency="usd", payment_method="pm_card_visa", confirm=True, payment_method_types=["card"])
    assert sdk.Dispute.list(charge=plain.latest_charge).data == []

    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Dispute.retrieve("dp_missing")
    assert e.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Dispute.modify(accepted.id, evidence={"not_a_field": "x"})
    assert e.value.code == "parameter_unknown"


def test_payouts_from_the_available_balance(sdk):
    """Payouts share the balance disputes draw on: a payout above what is
    available is refused with `balance_insufficient`; a pending one can be
    canceled; test mode pays the rest shortly after (`payout.paid`)."""
    account = sdk.Account.retrieve()
    assert account.object == "account" and account.id == "acct_1AsymmetricAcct" and account.payouts_enabled is True
    bank = account.external_accounts.data[0]
    sdk.PaymentIntent.create(amount=20000, currency="usd", payment_method="pm_card_visa", confirm=True, payment_method_types=["card"])
    funds = sdk.Balance.retrieve().available[0].amount
    assert funds > 0

    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Payout.create(amount=funds + 1, currency="usd")
    assert e.value.code == "balance_insufficient"

    payout = sdk.Payout.create(amount=5000, currency="usd", description="Weekly", metadata={"run": "1"})
    assert payout.object == "payout" and payout.status == "pending" and payout.destination == bank.id
    assert payout.method == "standard" and payout.automatic is False
    assert sdk.Balance.retrieve().available[0].amount == funds - 5000
    txn = sdk.BalanceTransaction.retrieve(payout.balance_transaction)
    assert txn.type == "payout" and txn.amount == -5000

    extra = sdk.Payout.create(amount=1000, currency="usd")
    canceled = sdk.Payout.cancel(extra.id)
    assert canceled.status == "canceled" and canceled.failure_balance_transaction
    assert sdk.Balance.retrieve().available[0].amount == funds - 5000
    assert sdk.Payout.modify(payout.id, metadata={"run": "2"}).metadata["run"] == "2"

    deadline = time.time() + 10
    while sdk.Payout.retrieve(payout.id).status == "pending" and time.time() < deadline:
        time.sleep(0.2)
    assert sdk.Payout.retrieve(payout.id).status == "paid"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Payout.cancel(payout.id)
    assert payout.id in [p.id for p in sdk.Payout.list(status="paid").data]
    types = [ev.type for ev in sdk.Event.list(type="payout.*", limit=20).data]
    for t in ["payout.created", "payout.canceled", "payout.paid"]:
        assert t in types, t

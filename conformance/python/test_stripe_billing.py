"""Billing workflows through the official `stripe` Python SDK, unchanged but for
`api_base` and the key: invoice drafts → items → finalize → pay / void /
uncollectible, coupons and promotion codes as discounts, subscriptions with
trials on test clocks (advance → invoices paid), a declining card → past_due,
upgrades with proration, cancellation, and the errors Stripe answers."""

import pytest
import stripe

from stripe_support import DAY, T0, advance, clock_customer, monthly_price, sdk, stripe_clone  # noqa: F401


def test_invoice_draft_items_finalize_and_pay(sdk):
    customer = sdk.Customer.create(name="Invoice Buyer", email="invoice@example.com")
    pm = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    sdk.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    setup = sdk.InvoiceItem.create(customer=customer.id, amount=2500, currency="usd", description="Setup fee")
    assert setup.invoice is None and setup.object == "invoiceitem"

    invoice = sdk.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include", metadata={"order": "I-1"})
    assert invoice.status == "draft" and invoice.auto_advance is False
    assert invoice.total == 2500 and invoice.number is None
    widget = sdk.Price.create(currency="usd", unit_amount=1200, product_data={"name": "Widget"})
    item = sdk.InvoiceItem.create(customer=customer.id, invoice=invoice.id, pricing={"price": widget.id}, quantity=3)
    assert item.amount == 3600 and item.invoice == invoice.id and item.description == "Widget × 3"
    lines = sdk.Invoice.list_lines(invoice.id)
    assert [line.amount for line in lines.data] == [2500, 3600]
    assert lines.data[1].pricing.price_details.price == widget.id

    final = sdk.Invoice.finalize_invoice(invoice.id)
    assert final.status == "open" and final.amount_due == 6100
    assert final.number.startswith(customer.invoice_prefix + "-") and final.number.endswith("0001")
    assert final.hosted_invoice_url.startswith("https://invoice.stripe.com/") and final.invoice_pdf
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.finalize_invoice(invoice.id)
    assert e.value.code == "invoice_unexpected_state"

    paid = sdk.Invoice.pay(invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 6100 and paid.amount_remaining == 0
    assert paid.status_transitions.paid_at is not None
    expanded = sdk.Invoice.retrieve(invoice.id, expand=["payments.data.payment.payment_intent"])
    intent = expanded.payments.data[0].payment.payment_intent
    assert intent.status == "succeeded" and intent.amount == 6100 and intent.customer == customer.id
    charge = sdk.Charge.retrieve(intent.latest_charge)
    assert charge.paid and charge.payment_method_details.card.last4 == "4242"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.pay(invoice.id)
    assert e.value.user_message == "Invoice is already paid"

    types = [ev.type for ev in sdk.Event.list(limit=40).data]
    for t in ["invoice.created", "invoiceitem.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]:
        assert t in types, t
    found = sdk.Invoice.search(query=f"customer:'{customer.id}' AND status:'paid'")
    assert [i.id for i in found.data] == [invoice.id]
    listed = sdk.Invoice.list(customer=customer.id, status="paid")
    assert [i.id for i in listed.data] == [invoice.id]


def test_send_invoice_void_uncollectible_and_drafts(sdk):
    customer = sdk.Customer.create(name="Net 30")
    sdk.InvoiceItem.create(customer=customer.id, amount=900, currency="usd")
    sent = sdk.Invoice.create(customer=customer.id, collection_method="send_invoice", days_until_due=30, pending_invoice_items_behavior="include")
    assert sent.due_date - sent.created == 30 * DAY
    sent = sdk.Invoice.finalize_invoice(sent.id)
    assert sent.status == "open" and sent.collection_method == "send_invoice"
    voided = sdk.Invoice.void_invoice(sent.id)
    assert voided.status == "void" and voided.status_transitions.voided_at is not None
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Invoice.pay(sent.id)

    sdk.InvoiceItem.create(customer=customer.id, amount=400, currency="usd")
    bad = sdk.Invoice.create(customer=customer.id, collection_method="send_invoice", days_until_due=7, pending_invoice_items_behavior="include")
    sdk.Invoice.finalize_invoice(bad.id)
    unc = sdk.Invoice.mark_uncollectible(bad.id)
    assert unc.status == "uncollectible"
    pm = sdk.PaymentMethod.attach("pm_card_mastercard", customer=customer.id)
    recovered = sdk.Invoice.pay(bad.id, payment_method=pm.id)
    assert recovered.status == "paid"

    draft = sdk.Invoice.create(customer=customer.id)
    item = sdk.InvoiceItem.create(customer=customer.id, invoice=draft.id, amount=100, currency="usd")
    sdk.InvoiceItem.modify(item.id, amount=150)
    assert sdk.Invoice.retrieve(draft.id).total == 150
    deleted = sdk.Invoice.delete(draft.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.retrieve(draft.id)
    assert e.value.http_status == 404
    pending = sdk.InvoiceItem.list(customer=customer.id, pending=True)
    assert [i.id for i in pending.data] == [item.id], "a deleted draft's items are pending again"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.create(customer=customer.id, collection_method="send_invoice")
    assert e.value.param == "days_until_due"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.delete(bad.id)


def test_a_declining_card_fails_the_invoice_with_stripes_card_error(sdk):
    customer = sdk.Customer.create(name="Declined")
    pm = sdk.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    sdk.InvoiceItem.create(customer=customer.id, amount=3000, currency="usd")
    invoice = sdk.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include", default_payment_method=pm.id)
    with pytest.raises(stripe.CardError) as e:
        sdk.Invoice.pay(invoice.id)
    assert e.value.code == "card_declined" and e.value.http_status == 402
    after = sdk.Invoice.retrieve(invoice.id)
    assert after.status == "open" and after.attempted is True and after.attempt_count == 1
    assert "invoice.payment_failed" in [ev.type for ev in sdk.Event.list(type="invoice.payment_failed").data]


def test_coupon_twenty_percent_once_on_a_subscription_and_a_promotion_code(sdk):
    coupon = sdk.Coupon.create(percent_off=20, duration="once", name="20% off")
    price = monthly_price(sdk, 5000)
    clock, customer, _ = clock_customer(sdk)
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], discounts=[{"coupon": coupon.id}])
    assert sub.status == "active"
    first = sdk.Invoice.retrieve(sub.latest_invoice, expand=["discounts"])
    assert first.subtotal == 5000 and first.total == 4000 and first.amount_paid == 4000
    assert first.discounts[0].source.coupon == coupon.id
    assert first.total_discount_amounts[0].amount == 1000
    assert sdk.Coupon.retrieve(coupon.id).times_redeemed == 1
    end = sdk.Subscription.retrieve(sub.id)["items"].data[0].current_period_end
    advance(sdk, clock, end + 2 * 3600)
    renewal = sdk.Invoice.retrieve(sdk.Subscription.retrieve(sub.id).latest_invoice)
    assert renewal.billing_reason == "subscription_cycle"
    assert renewal.status == "paid" and renewal.total == 5000, "a once coupon is spent by the first invoice"

    fixed = sdk.Coupon.create(amount_off=700, currency="usd", duration="forever")
    promo = sdk.PromotionCode.create(promotion={"type": "coupon", "coupon": fixed.id}, code="WELCOME7", max_redemptions=1)
    assert promo.code == "WELCOME7" and promo.active and promo.promotion.coupon == fixed.id
    buyer = sdk.Customer.create(name="Promo buyer")
    sdk.InvoiceItem.create(customer=buyer.id, amount=2000, currency="usd")
    invoice = sdk.Invoice.create(customer=buyer.id, pending_invoice_items_behavior="include", discounts=[{"promotion_code": promo.id}])
    assert invoice.total == 1300
    assert sdk.PromotionCode.retrieve(promo.id).times_redeemed == 1
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Invoice.create(customer=buyer.id, discounts=[{"promotion_code": promo.id}])
    assert e.value.param == "discounts[0][promotion_code]"
    assert [p.id for p in sdk.PromotionCode.list(code="WELCOME7").data] == [promo.id]
    assert sdk.PromotionCode.modify(promo.id, active=False).active is False


def test_trial_on_a_test_clock_then_first_and_renewal_invoices_paid(sdk):
    price = monthly_price(sdk, 2000)
    clock, customer, pm = clock_customer(sdk, email="trial@example.com")
    assert customer.test_clock == clock.id and customer.created == T0
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], trial_period_days=7)
    assert sub.status == "trialing" and sub.trial_start == T0 and sub.trial_end == T0 + 7 * DAY
    item = sub["items"].data[0]
    assert item.price.id == price.id and item.current_period_end == T0 + 7 * DAY
    trial_invoice = sdk.Invoice.retrieve(sub.latest_invoice)
    assert trial_invoice.status == "paid" and trial_invoice.total == 0 and trial_invoice.billing_reason == "subscription_create"

    ready = advance(sdk, clock, T0 + 8 * DAY)
    assert ready.frozen_time == T0 + 8 * DAY
    sub = sdk.Subscription.retrieve(sub.id)
    assert sub.status == "active"
    first = sdk.Invoice.retrieve(sub.latest_invoice)
    assert first.status == "paid" and first.amount_paid == 2000 and first.parent.subscription_details.subscription == sub.id
    assert first.lines.data[0].period.start == T0 + 7 * DAY

    period_end = sub["items"].data[0].current_period_end
    advance(sdk, clock, period_end + 2 * 3600)
    sub = sdk.Subscription.retrieve(sub.id)
    renewal = sdk.Invoice.retrieve(sub.latest_invoice)
    assert renewal.id != first.id and renewal.status == "paid" and renewal.amount_paid == 2000
    assert sub["items"].data[0].current_period_start == period_end
    invoices = sdk.Invoice.list(subscription=sub.id)
    assert len(invoices.data) == 3 and all(i.status == "paid" for i in invoices.data)
    types = [ev.type for ev in sdk.Event.list(limit=100).data]
    for t in ["customer.subscription.created", "customer.subscription.trial_will_end", "customer.subscription.updated", "test_helpers.test_clock.ready"]:
        assert t in types, t
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.test_helpers.TestClock.advance(clock.id, frozen_time=T0)
    assert e.value.param == "frozen_time"


def test_a_declining_card_makes_a_renewal_past_due_and_paying_recovers(sdk):
    price = monthly_price(sdk, 1500)
    clock, customer, _ = clock_customer(sdk, card="pm_card_chargeCustomerFail")
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], trial_period_days=3)
    advance(sdk, clock, T0 + 4 * DAY)
    sub = sdk.Subscription.retrieve(sub.id)
    assert sub.status == "past_due"
    invoice = sdk.Invoice.retrieve(sub.latest_invoice)
    assert invoice.status == "open" and invoice.attempt_count == 1
    good = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    paid = sdk.Invoice.pay(invoice.id, payment_method=good.id)
    assert paid.status == "paid"
    assert sdk.Subscription.retrieve(sub.id).status == "active"

    incomplete = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], default_payment_method=_declining(sdk, customer))
    assert incomplete.status == "incomplete"
    with pytest.raises(stripe.CardError):
        sdk.Subscription.create(
            customer=customer.id, items=[{"price": price.id}], default_payment_method=_declining(sdk, customer), payment_behavior="error_if_incomplete"
        )
    advance(sdk, clock, T0 + 5 * DAY)
    assert sdk.Subscription.retrieve(incomplete.id).status == "incomplete_expired"


def _declining(sdk, customer):
    return sdk.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id).id


def test_upgrade_prorates_then_cancel_at_period_end(sdk):
    basic = monthly_price(sdk, 1000, "Basic")
    pro = monthly_price(sdk, 3000, "Pro")
    clock, customer, _ = clock_customer(sdk)
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": basic.id}])
    item = sub["items"].data[0]
    end = item.current_period_end
    advance(sdk, clock, T0 + (end - T0) // 2)
    up = sdk.Subscription.modify(sub.id, items=[{"id": item.id, "price": pro.id}], proration_behavior="create_prorations")
    assert up["items"].data[0].price.id == pro.id
    pending = sdk.InvoiceItem.list(customer=customer.id, pending=True)
    assert sorted(i.amount for i in pending.data) == [-500, 1500]
    assert all(i.proration for i in pending.data)
    preview = sdk.Invoice.create_preview(subscription=sub.id)
    assert preview.total == 3000 + 1000

    up = sdk.Subscription.modify(sub.id, cancel_at_period_end=True)
    assert up.cancel_at_period_end is True and up.cancel_at == end
    advance(sdk, clock, end + 3600)
    done = sdk.Subscription.retrieve(sub.id)
    assert done.status == "canceled" and done.ended_at == end
    assert "customer.subscription.deleted" in [ev.type for ev in sdk.Event.list(type="customer.subscription.deleted").data]
    assert sub.id not in [s.id for s in sdk.Subscription.list(customer=customer.id).data]
    assert sub.id in [s.id for s in sdk.Subscription.list(customer=customer.id, status="canceled").data]


def test_cancel_now_items_and_subscription_errors(sdk):
    price = monthly_price(sdk, 800)
    seats = monthly_price(sdk, 200, "Seat")
    customer = sdk.Customer.create(name="Items")
    pm = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], default_payment_method=pm.id, metadata={"plan": "team"})
    added = sdk.SubscriptionItem.create(subscription=sub.id, price=seats.id, quantity=5, proration_behavior="none")
    assert added.quantity == 5
    assert sdk.SubscriptionItem.modify(added.id, quantity=6, proration_behavior="none").quantity == 6
    assert len(sdk.SubscriptionItem.list(subscription=sub.id).data) == 2
    assert sdk.SubscriptionItem.delete(added.id, proration_behavior="none").deleted is True
    found = sdk.Subscription.search(query="metadata['plan']:'team'")
    assert sub.id in [s.id for s in found.data]
    canceled = sdk.Subscription.cancel(sub.id)
    assert canceled.status == "canceled" and canceled.cancellation_details.reason == "cancellation_requested"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.Subscription.resume(sub.id)
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Subscription.create(customer=customer.id)
    assert e.value.param == "items"
    once = sdk.Price.create(currency="usd", unit_amount=100, product_data={"name": "One time"})
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Subscription.create(customer=customer.id, items=[{"price": once.id}])
    assert e.value.param == "items[0][price]"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Subscription.retrieve("sub_missing")
    assert e.value.code == "resource_missing"


def test_trial_without_a_payment_method_pauses_and_resumes(sdk):
    price = monthly_price(sdk, 1100)
    clock = sdk.test_helpers.TestClock.create(frozen_time=T0)
    customer = sdk.Customer.create(test_clock=clock.id, name="No card yet")
    sub = sdk.Subscription.create(
        customer=customer.id,
        items=[{"price": price.id}],
        trial_period_days=5,
        trial_settings={"end_behavior": {"missing_payment_method": "pause"}},
    )
    advance(sdk, clock, T0 + 6 * DAY)
    assert sdk.Subscription.retrieve(sub.id).status == "paused"
    pm = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    sdk.Subscription.modify(sub.id, default_payment_method=pm.id)
    resumed = sdk.Subscription.resume(sub.id)
    assert resumed.status == "active"
    assert sdk.Invoice.retrieve(resumed.latest_invoice).status == "paid"
    clocks = sdk.test_helpers.TestClock.list()
    assert clock.id in [c.id for c in clocks.data]
    assert sdk.test_helpers.TestClock.delete(clock.id).deleted is True


def test_failed_renewals_are_retried_then_the_subscription_is_canceled(sdk):
    price = monthly_price(sdk, 900)
    clock, customer, _ = clock_customer(sdk, card="pm_card_chargeCustomerFail")
    sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}], trial_period_days=1)
    advance(sdk, clock, T0 + DAY + 2 * 3600)
    invoice = sdk.Invoice.retrieve(sdk.Subscription.retrieve(sub.id).latest_invoice)
    assert invoice.attempt_count == 1 and invoice.next_payment_attempt == T0 + DAY + 3600 + DAY
    advance(sdk, clock, T0 + 3 * DAY + 2 * 3600)
    assert sdk.Invoice.retrieve(invoice.id).attempt_count == 2
    advance(sdk, clock, T0 + 20 * DAY)
    invoice = sdk.Invoice.retrieve(invoice.id)
    assert invoice.attempt_count == 8 and invoice.next_payment_attempt is None and invoice.status == "open"
    done = sdk.Subscription.retrieve(sub.id)
    assert done.status == "canceled" and done.cancellation_details.reason == "payment_failed"
    failures = sdk.Event.list(type="invoice.payment_failed", limit=100).data
    assert len([e for e in failures if e.data.object.id == invoice.id]) == 8


def test_a_balance_credit_is_spent_by_the_next_invoice(sdk):
    customer = sdk.Customer.create(name="Credit holder")
    credit = sdk.Customer.create_balance_transaction(customer.id, amount=-1500, currency="usd", description="Refund as credit")
    assert credit.type == "adjustment" and credit.ending_balance == -1500
    assert sdk.Customer.retrieve(customer.id).balance == -1500
    sdk.InvoiceItem.create(customer=customer.id, amount=1000, currency="usd")
    invoice = sdk.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    final = sdk.Invoice.finalize_invoice(invoice.id)
    assert final.amount_due == 0 and final.starting_balance == -1500 and final.ending_balance == -500
    assert final.status == "paid", "nothing left to pay"
    txns = sdk.Customer.list_balance_transactions(customer.id)
    assert [(t.type, t.amount) for t in txns.data] == [("applied_to_invoice", 1000), ("adjustment", -1500)]
    assert txns.data[0].invoice == invoice.id
    assert sdk.Customer.retrieve(customer.id).balance == -500
    same = sdk.Customer.retrieve_balance_transaction(customer.id, credit.id)
    assert same.description == "Refund as credit"


def test_billing_webhooks_are_signed_and_verify_with_the_sdk(sdk):
    from stripe_support import Receiver

    receiver = Receiver()
    try:
        we = sdk.WebhookEndpoint.create(url=receiver.url, enabled_events=["invoice.paid", "customer.subscription.created", "test_helpers.test_clock.ready"])
        price = monthly_price(sdk, 1300)
        clock, customer, _ = clock_customer(sdk)
        sub = sdk.Subscription.create(customer=customer.id, items=[{"price": price.id}])
        paid = receiver.wait_for(lambda r: b'"invoice.paid"' in r["body"] and sub.latest_invoice.encode() in r["body"])[0]
        event = stripe.Webhook.construct_event(paid["body"], paid["headers"]["Stripe-Signature"], we.secret)
        assert event.type == "invoice.paid" and event.data.object.amount_paid == 1300
        created = receiver.wait_for(lambda r: b"customer.subscription.created" in r["body"])[0]
        assert stripe.Webhook.construct_event(created["body"], created["headers"]["Stripe-Signature"], we.secret).data.object.id == sub.id
        advance(sdk, clock, T0 + DAY)
        ready = receiver.wait_for(lambda r: b"test_helpers.test_clock.ready" in r["body"])[0]
        assert stripe.Webhook.construct_event(ready["body"], ready["headers"]["Stripe-Signature"], we.secret).data.object.id == clock.id
        sdk.WebhookEndpoint.delete(we.id)
    finally:
        receiver.close()


def test_anchor_one_time_items_annual_switch_and_paused_collection(sdk):
    monthly = monthly_price(sdk, 3100)
    yearly = sdk.Price.create(currency="usd", unit_amount=30000, recurring={"interval": "year"}, product_data={"name": "Annual"})
    setup = sdk.Price.create(currency="usd", unit_amount=4900, product_data={"name": "Onboarding"})
    clock, customer, _ = clock_customer(sdk)
    anchor = T0 + 15 * DAY
    sub = sdk.Subscription.create(
        customer=customer.id, items=[{"price": monthly.id}], billing_cycle_anchor=anchor, add_invoice_items=[{"price": setup.id}]
    )
    first = sdk.Invoice.retrieve(sub.latest_invoice)
    assert first.status == "paid" and first.total == 1500 + 4900
    assert sorted(line.amount for line in first.lines.data) == [1500, 4900]
    assert sub.billing_cycle_anchor == anchor and sub["items"].data[0].current_period_end == anchor

    advance(sdk, clock, anchor + 2 * 3600)
    assert sdk.Invoice.retrieve(sdk.Subscription.retrieve(sub.id).latest_invoice).total == 3100
    item = sub["items"].data[0]
    switched = sdk.Subscription.modify(sub.id, items=[{"id": item.id, "price": yearly.id}])
    assert switched.billing_cycle_anchor == anchor + 2 * 3600
    bill = sdk.Invoice.retrieve(switched.latest_invoice)
    assert bill.billing_reason == "subscription_update" and bill.status == "paid"
    assert any(line.amount == 30000 for line in bill.lines.data) and any(line.amount < 0 for line in bill.lines.data)

    paused = sdk.Subscription.modify(sub.id, pause_collection={"behavior": "mark_uncollectible"})
    assert paused.pause_collection.behavior == "mark_uncollectible" and paused.status == "active"
    advance(sdk, clock, paused["items"].data[0].current_period_end + 2 * 3600)
    renewal = sdk.Invoice.retrieve(sdk.Subscription.retrieve(sub.id).latest_invoice)
    assert renewal.status == "uncollectible" and renewal.amount_paid == 0
    assert sdk.Subscription.modify(sub.id, pause_collection="").pause_collection is None

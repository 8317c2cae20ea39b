"""Tax rates and credit notes through the official `stripe` Python SDK, unchanged
but for `api_base` and the key: tax rates applied to invoice items, invoices and
subscriptions (exclusive tax added, inclusive carved out, `total_taxes` and each
line's `taxes`), and credit notes on open invoices (amount due lowered) and paid
ones (a refund of the charge, or credit on the customer's balance), with their
events and the errors Stripe answers."""

import pytest
import stripe

from stripe_support import sdk, stripe_clone  # noqa: F401


def paying_customer(sdk, name="Tax buyer"):
    customer = sdk.Customer.create(name=name, email="tax@example.com")
    pm = sdk.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    sdk.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    return customer


def test_tax_rate_lifecycle_and_filters(sdk):
    vat = sdk.TaxRate.create(display_name="VAT", percentage=19, inclusive=False, country="DE", jurisdiction="DE", tax_type="vat", description="VAT Germany", metadata={"region": "eu"})
    assert vat.object == "tax_rate" and vat.id.startswith("txr_")
    assert vat.percentage == 19 and vat.inclusive is False and vat.active is True
    assert vat.country == "DE" and vat.tax_type == "vat" and vat.metadata["region"] == "eu"
    gst = sdk.TaxRate.create(display_name="GST", percentage=10, inclusive=True, country="AU", tax_type="gst")
    assert sdk.TaxRate.retrieve(gst.id).display_name == "GST"

    updated = sdk.TaxRate.modify(vat.id, active=False, display_name="MwSt.")
    assert updated.active is False and updated.display_name == "MwSt." and updated.percentage == 19
    active_ids = [r.id for r in sdk.TaxRate.list(active=True, limit=100).auto_paging_iter()]
    assert gst.id in active_ids and vat.id not in active_ids
    assert all(r.inclusive for r in sdk.TaxRate.list(inclusive=True).data)

    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.TaxRate.modify(vat.id, percentage=7)
    assert e.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.TaxRate.create(display_name="No rate", inclusive=False)
    assert e.value.code == "parameter_missing" and e.value.param == "percentage"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.TaxRate.retrieve("txr_missing")
    assert e.value.http_status == 404 and e.value.code == "resource_missing"

    types = [ev.type for ev in sdk.Event.list(limit=20).data]
    assert "tax_rate.created" in types and "tax_rate.updated" in types


def test_invoice_taxes_exclusive_and_inclusive(sdk):
    customer = paying_customer(sdk)
    sales = sdk.TaxRate.create(display_name="Sales tax", percentage=8.25, inclusive=False, state="CA", country="US")
    vat = sdk.TaxRate.create(display_name="VAT", percentage=20, inclusive=True, country="GB")
    invoice = sdk.Invoice.create(customer=customer.id, default_tax_rates=[sales.id])
    assert [r.id for r in invoice.default_tax_rates] == [sales.id]
    sdk.InvoiceItem.create(customer=customer.id, invoice=invoice.id, amount=2000, currency="usd", description="Hours")
    item = sdk.InvoiceItem.create(customer=customer.id, invoice=invoice.id, amount=1200, currency="usd", description="Book", tax_rates=[vat.id])
    assert [r.id for r in item.tax_rates] == [vat.id]

    invoice = sdk.Invoice.retrieve(invoice.id)
    assert invoice.subtotal == 3200
    assert invoice.total == 3200 + 165  # 8.25% of 2000 added; 20% of 1200 already inside it
    assert invoice.total_excluding_tax == 3000 and invoice.amount_due == 3365
    taxes = {(t.tax_rate_details.tax_rate, t.tax_behavior): t for t in invoice.total_taxes}
    assert taxes[(sales.id, "exclusive")].amount == 165 and taxes[(sales.id, "exclusive")].taxable_amount == 2000
    assert taxes[(vat.id, "inclusive")].amount == 200 and taxes[(vat.id, "inclusive")].taxable_amount == 1000
    lines = sdk.Invoice.list_lines(invoice.id).data
    assert [line.taxes[0].amount for line in lines] == [165, 200]
    assert lines[1].taxes[0].type == "tax_rate_details"

    paid = sdk.Invoice.pay(invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 3365

    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.InvoiceItem.create(customer=customer.id, amount=100, currency="usd", tax_rates=["txr_nope"])
    assert e.value.http_status == 404 and e.value.param == "tax_rates"


def test_subscription_tax_rates_reach_its_invoices(sdk):
    customer = paying_customer(sdk, "Subscriber")
    vat = sdk.TaxRate.create(display_name="VAT", percentage=19, inclusive=False)
    seat_tax = sdk.TaxRate.create(display_name="Seat tax", percentage=5, inclusive=False)
    plan = sdk.Price.create(currency="usd", unit_amount=1000, recurring={"interval": "month"}, product_data={"name": "Plan"})
    seat = sdk.Price.create(currency="usd", unit_amount=500, recurring={"interval": "month"}, product_data={"name": "Seat"})
    sub = sdk.Subscription.create(
        customer=customer.id,
        items=[{"price": plan.id}, {"price": seat.id, "quantity": 2, "tax_rates": [seat_tax.id]}],
        default_tax_rates=[vat.id],
        expand=["latest_invoice"],
    )
    assert sub.status == "active" and [r.id for r in sub.default_tax_rates] == [vat.id]
    assert [r.id for r in sub["items"].data[1].tax_rates] == [seat_tax.id]
    inv = sub.latest_invoice
    assert inv.subtotal == 2000 and inv.total == 2000 + 190 + 50
    assert inv.status == "paid" and inv.amount_paid == 2240

    item = sdk.SubscriptionItem.modify(sub["items"].data[1].id, tax_rates="")
    assert item.tax_rates == []


def test_credit_note_on_open_invoice(sdk):
    customer = paying_customer(sdk, "Open credit")
    rate = sdk.TaxRate.create(display_name="VAT", percentage=10, inclusive=False)
    invoice = sdk.Invoice.create(customer=customer.id, default_tax_rates=[rate.id], collection_method="send_invoice", days_until_due=30)
    sdk.InvoiceItem.create(customer=customer.id, invoice=invoice.id, amount=5000, currency="usd", description="Project")
    invoice = sdk.Invoice.finalize_invoice(invoice.id)
    assert invoice.amount_due == 5500
    line = invoice.lines.data[0]

    lines = [{"type": "invoice_line_item", "invoice_line_item": line.id, "amount": 1000}]
    preview = sdk.CreditNote.preview(invoice=invoice.id, lines=lines)
    assert preview.total == 1100 and preview.subtotal == 1000
    assert [l.amount for l in sdk.CreditNote.preview_lines(invoice=invoice.id, lines=lines).data] == [1000]
    assert sdk.Invoice.retrieve(invoice.id).amount_due == 5500

    note = sdk.CreditNote.create(invoice=invoice.id, lines=lines, reason="order_change", memo="Scope cut", metadata={"ticket": "T-1"})
    assert note.object == "credit_note" and note.status == "issued" and note.type == "pre_payment"
    assert note.total == 1100 and note.total_taxes[0].amount == 100 and note.reason == "order_change"
    assert note.number.endswith("-CN-01") and note.customer == customer.id
    inv = sdk.Invoice.retrieve(invoice.id)
    assert inv.amount_due == 4400 and inv.amount_remaining == 4400 and inv.pre_payment_credit_notes_amount == 1100

    assert [n.id for n in sdk.CreditNote.list(invoice=invoice.id).data] == [note.id]
    assert [n.id for n in sdk.CreditNote.list(customer=customer.id).data] == [note.id]
    cn_lines = sdk.CreditNote.list_lines(note.id)
    assert cn_lines.data[0].invoice_line_item == line.id and cn_lines.data[0].taxes[0].amount == 100
    assert sdk.CreditNote.modify(note.id, memo="Scope cut (agreed)").memo == "Scope cut (agreed)"

    with pytest.raises(stripe.InvalidRequestError):
        sdk.CreditNote.create(invoice=invoice.id, amount=5000)
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.CreditNote.create(invoice=invoice.id, amount=100, refund_amount=100)
    assert e.value.param == "refund_amount"

    voided = sdk.CreditNote.void_credit_note(note.id)
    assert voided.status == "void" and voided.voided_at is not None
    assert sdk.Invoice.retrieve(invoice.id).amount_due == 5500
    types = [ev.type for ev in sdk.Event.list(limit=40).data]
    for t in ["credit_note.created", "credit_note.updated", "credit_note.voided"]:
        assert t in types, t


def test_credit_note_on_paid_invoice_refunds_or_credits(sdk):
    customer = paying_customer(sdk, "Paid credit")
    sdk.InvoiceItem.create(customer=customer.id, amount=3000, currency="usd", description="Annual fee")
    invoice = sdk.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    invoice = sdk.Invoice.pay(invoice.id)
    assert invoice.status == "paid"

    refund_note = sdk.CreditNote.create(invoice=invoice.id, amount=1000, refund_amount=1000, reason="product_unsatisfactory")
    assert refund_note.type == "post_payment" and refund_note.refunds[0].amount_refunded == 1000
    refund = sdk.Refund.retrieve(refund_note.refunds[0].refund)
    assert refund.amount == 1000 and refund.status == "succeeded"
    assert sdk.Charge.retrieve(refund.charge).amount_refunded == 1000

    credit_note = sdk.CreditNote.create(invoice=invoice.id, amount=500, credit_amount=500)
    assert credit_note.customer_balance_transaction.startswith("cbtxn_")
    assert sdk.Customer.retrieve(customer.id).balance == -500
    txn = sdk.Customer.retrieve_balance_transaction(customer.id, credit_note.customer_balance_transaction)
    assert txn.type == "credit_note" and txn.amount == -500 and txn.credit_note == credit_note.id
    assert sdk.Invoice.retrieve(invoice.id).post_payment_credit_notes_amount == 1500

    with pytest.raises(stripe.InvalidRequestError):
        sdk.CreditNote.create(invoice=invoice.id, amount=1501)
    with pytest.raises(stripe.InvalidRequestError):
        sdk.CreditNote.create(invoice=invoice.id, amount=400, refund_amount=100, credit_amount=100)
    with pytest.raises(stripe.InvalidRequestError):
        sdk.CreditNote.void_credit_note(refund_note.id)
    sdk.CreditNote.void_credit_note(credit_note.id)
    assert sdk.Customer.retrieve(customer.id).balance == 0

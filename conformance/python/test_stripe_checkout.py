"""Checkout Sessions, Payment Links and card tokens through the official `stripe`
SDK (only `api_base` and the key change). A session is completed the way Stripe's
test flow does it: a browser submits a test card on the session's hosted page
(`session.url`, served by the clone); the signed `checkout.session.completed`
webhook is verified with `stripe.Webhook.construct_event`."""

import httpx
import pytest
import stripe

from stripe_support import Receiver, monthly_price, sdk, stripe_clone  # noqa: F401

CARD = {"card_number": "4242424242424242", "card_exp_month": "12", "card_exp_year": "2034", "card_cvc": "123"}


def pay(url, **fields):
    """What a browser does on the hosted page: post the form, do not follow the redirect."""
    return httpx.post(url, data={**CARD, **fields}, follow_redirects=False, timeout=30)


def one_time_price(sdk, amount=2500, name="T-shirt"):
    return sdk.Price.create(currency="usd", unit_amount=amount, product_data={"name": name})


def test_payment_session_completes_with_a_signed_webhook(sdk):
    r = Receiver()
    try:
        we = sdk.WebhookEndpoint.create(url=r.url, enabled_events=["checkout.session.completed"])
        price = one_time_price(sdk)
        session = sdk.checkout.Session.create(
            mode="payment",
            line_items=[{"price": price.id, "quantity": 2}],
            success_url="https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
            cancel_url="https://shop.example/cancel",
            customer_email="buyer@example.com",
            metadata={"order": "1001"},
        )
        assert session.id.startswith("cs_test_")
        assert session.status == "open" and session.payment_status == "unpaid"
        assert session.amount_total == 5000 and session.currency == "usd"
        assert session.payment_intent is None
        page = httpx.get(session.url, timeout=30)
        assert page.status_code == 200 and "<form" in page.text

        items = sdk.checkout.Session.list_line_items(session.id)
        assert [(i.price.id, i.quantity, i.amount_total, i.description) for i in items.data] == [(price.id, 2, 5000, "T-shirt")]

        resp = pay(session.url)
        assert resp.status_code == 303
        assert resp.headers["location"] == f"https://shop.example/success?session_id={session.id}"

        [hit] = r.wait_for(lambda x: b"checkout.session.completed" in x["body"])
        event = stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], we.secret)
        assert event.type == "checkout.session.completed"
        done = event.data.object
        assert done.id == session.id and done.status == "complete" and done.payment_status == "paid"
        assert done.metadata["order"] == "1001"
        assert done.customer_details.email == "buyer@example.com"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], "whsec_wrong")

        pi = sdk.PaymentIntent.retrieve(done.payment_intent)
        assert pi.status == "succeeded" and pi.amount == 5000
        expanded = sdk.checkout.Session.retrieve(session.id, expand=["payment_intent"])
        assert expanded.payment_intent.id == pi.id
        listed = sdk.checkout.Session.list(payment_intent=pi.id)
        assert [s.id for s in listed.data] == [session.id]
        assert any(s.id == session.id for s in sdk.checkout.Session.list(status="complete", limit=100).auto_paging_iter())
    finally:
        r.close()


def test_declined_card_keeps_the_session_open_and_expire(sdk):
    price = one_time_price(sdk, 1200)
    session = sdk.checkout.Session.create(mode="payment", line_items=[{"price": price.id, "quantity": 1}], success_url="https://x.example/ok")
    declined = pay(session.url, card_number="4000000000000002")
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    assert sdk.checkout.Session.retrieve(session.id).status == "open"

    expired = sdk.checkout.Session.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    events = sdk.Event.list(type="checkout.session.expired", limit=5)
    assert events.data[0].data.object.id == session.id
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.checkout.Session.expire(session.id)
    assert e.value.http_status == 400
    assert "can be expired" in e.value.user_message
    assert pay(session.url).status_code == 400


def test_subscription_session_starts_a_subscription(sdk):
    price = monthly_price(sdk, 1900, name="Checkout plan")
    session = sdk.checkout.Session.create(
        mode="subscription",
        line_items=[{"price": price.id, "quantity": 1}],
        customer_email="sub@example.com",
        success_url="https://x.example/ok",
    )
    assert session.amount_total == 1900
    assert pay(session.url).status_code == 303
    done = sdk.checkout.Session.retrieve(session.id, expand=["subscription"])
    assert done.status == "complete"
    assert done.subscription.status == "active"
    assert done.subscription.customer == done.customer
    assert sdk.Customer.retrieve(done.customer).email == "sub@example.com"
    assert sdk.Invoice.retrieve(done.invoice).status == "paid"


def test_checkout_errors(sdk):
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.checkout.Session.create(line_items=[{"price": "price_missing", "quantity": 1}], success_url="https://x.example")
    assert e.value.code == "parameter_missing" and e.value.param == "mode"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.checkout.Session.create(mode="payment", line_items=[{"price": "price_missing", "quantity": 1}])
    assert e.value.http_status == 404 and e.value.code == "resource_missing" and e.value.param == "line_items[0][price]"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.checkout.Session.retrieve("cs_test_missing")
    assert e.value.http_status == 404


def test_payment_links_and_tokens(sdk):
    price = one_time_price(sdk, 700, name="Sticker")
    link = sdk.PaymentLink.create(
        line_items=[{"price": price.id, "quantity": 3}],
        metadata={"campaign": "spring"},
        after_completion={"type": "redirect", "redirect": {"url": "https://x.example/thanks"}},
    )
    assert link.id.startswith("plink_") and link.active and link.url.startswith("http")
    assert link.after_completion.redirect.url == "https://x.example/thanks"
    assert any(l.id == link.id for l in sdk.PaymentLink.list(limit=100).auto_paging_iter())
    items = sdk.PaymentLink.list_line_items(link.id)
    assert items.data[0].quantity == 3 and items.data[0].price.id == price.id

    opened = httpx.get(link.url, follow_redirects=False, timeout=30)
    assert opened.status_code == 303
    [session] = sdk.checkout.Session.list(payment_link=link.id).data
    assert session.amount_total == 2100 and session.payment_link == link.id
    assert pay(session.url).headers["location"] == "https://x.example/thanks"
    assert sdk.checkout.Session.retrieve(session.id).payment_status == "paid"

    updated = sdk.PaymentLink.modify(link.id, active=False)
    assert updated.active is False
    assert [l.id for l in sdk.PaymentLink.list(active=False).data] == [link.id]
    assert httpx.get(link.url, follow_redirects=False, timeout=30).status_code == 400

    token = sdk.Token.create(card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"})
    assert token.id.startswith("tok_") and token.card.brand == "Visa" and token.card.last4 == "4242"
    pm = sdk.PaymentMethod.create(type="card", card={"token": token.id})
    assert pm.card.last4 == "4242"
    assert sdk.Token.retrieve(token.id).used is True
    with pytest.raises(stripe.CardError) as e:
        sdk.Token.create(card={"number": "4242424242424241", "exp_month": 12, "exp_year": 2034})
    assert e.value.code == "incorrect_number"


def test_mcp_create_payment_link(sdk, stripe_clone):
    from test_stripe_mcp import over_http, payload

    price = one_time_price(sdk, 4900, name="Workshop seat")

    async def work(session):
        names = {t.name for t in (await session.list_tools()).tools}
        made = await session.call_tool("create_payment_link", {"price": price.id, "quantity": 2, "redirect_url": "https://x.example/done"})
        missing = await session.call_tool("create_payment_link", {"price": "price_missing", "quantity": 1})
        return names, made, missing

    names, made, missing = over_http(stripe_clone["mcp"], stripe_clone["key"], work)
    assert "create_payment_link" in names
    assert not made.isError
    link = sdk.PaymentLink.retrieve(payload(made)["id"])
    assert link.after_completion.redirect.url == "https://x.example/done"
    assert sdk.PaymentLink.list_line_items(link.id).data[0].quantity == 2
    assert missing.isError and "No such price: 'price_missing'" in missing.content[0].text

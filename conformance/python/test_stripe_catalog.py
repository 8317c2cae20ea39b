"""Customers, products, prices, lists and search through the official `stripe`
Python SDK: CRUD, `expand`, auto-paging over 250 customers, Stripe's search
query language with `next_page`, list filters."""

import uuid

import pytest
import stripe

from stripe_support import client, sdk, stripe_clone  # noqa: F401


def test_seeded_catalog(sdk):
    prices = sdk.Price.list(lookup_keys=["pro_monthly", "pro_yearly"], expand=["data.product"])
    assert sorted(p.lookup_key for p in prices.data) == ["pro_monthly", "pro_yearly"]
    assert all(p.product.name == "Asymmetric Pro" for p in prices.data)
    monthly = [p for p in prices.data if p.lookup_key == "pro_monthly"][0]
    assert monthly.type == "recurring" and monthly.recurring.interval == "month" and monthly.unit_amount == 2900


def test_product_and_prices_crud(client):
    product = client.v1.products.create(params={"name": "Widget", "description": "A widget", "metadata": {"sku": "W-1"}})
    assert product.id.startswith("prod_") and product.active is True
    one_time = client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 1234})
    assert one_time.type == "one_time" and one_time.recurring is None and str(one_time.unit_amount_decimal) == "1234"
    monthly = client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 500, "recurring": {"interval": "month", "interval_count": 3}}
    )
    assert monthly.type == "recurring" and monthly.recurring.interval_count == 3
    product = client.v1.products.update(product.id, params={"default_price": monthly.id, "metadata": {"sku": ""}})
    assert product.default_price == monthly.id and product.metadata.to_dict() == {}
    listed = client.v1.prices.list(params={"product": product.id, "type": "recurring"})
    assert [p.id for p in listed.data] == [monthly.id]
    archived = client.v1.prices.update(one_time.id, params={"active": False})
    assert archived.active is False
    with pytest.raises(stripe.InvalidRequestError) as e:
        client.v1.products.delete(product.id)
    assert "cannot be deleted" in e.value.user_message
    bare = client.v1.products.create(params={"name": "Temp"})
    deleted = client.v1.products.delete(bare.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.retrieve(bare.id)


def test_customer_update_delete_and_events(sdk):
    c = sdk.Customer.create(email="u@example.com", metadata={"a": "1", "b": "2"})
    c = sdk.Customer.modify(c.id, name="Updated", metadata={"a": "", "c": "3"})
    assert c.name == "Updated" and c.metadata.to_dict() == {"b": "2", "c": "3"}
    ev = sdk.Event.list(type="customer.updated", limit=1).data[0]
    assert ev.data.object.id == c.id
    assert ev.data.previous_attributes.name is None
    assert ev.data.previous_attributes.metadata.to_dict() == {"a": "1", "c": None}
    gone = sdk.Customer.delete(c.id)
    assert gone.deleted is True
    again = sdk.Customer.retrieve(c.id)
    assert again.deleted is True


def test_auto_paging_over_250_customers(sdk):
    tag = uuid.uuid4().hex[:10]
    made = [sdk.Customer.create(email=f"page-{i}@{tag}.test", metadata={"batch": tag}).id for i in range(250)]
    seen = []
    first = sdk.Customer.list(limit=100)
    assert len(first.data) == 100 and first.has_more is True
    for c in sdk.Customer.list(limit=100).auto_paging_iter():
        if c.metadata.to_dict().get("batch") == tag:
            seen.append(c.id)
    assert seen == list(reversed(made))
    page = sdk.Customer.list(limit=3, starting_after=made[100])
    assert [c.id for c in page.data] == [made[99], made[98], made[97]]
    back = sdk.Customer.list(limit=2, ending_before=made[100])
    assert [c.id for c in back.data] == [made[102], made[101]]


def test_search_with_query_language_and_pages(sdk):
    tag = uuid.uuid4().hex[:8]
    for i in range(7):
        sdk.Customer.create(name=f"Searcher {i}", email=f"s{i}@{tag}.test", metadata={"tag": tag, "tier": "gold" if i % 2 else "silver"})
    res = sdk.Customer.search(query=f"metadata['tag']:'{tag}' AND metadata['tier']:'gold'")
    assert res.object == "search_result" and len(res.data) == 3
    assert all(c.metadata["tier"] == "gold" for c in res.data)
    found = list(sdk.Customer.search(query=f"email~'{tag}'", limit=2).auto_paging_iter())
    assert len(found) == 7
    page1 = sdk.Customer.search(query=f"email~'{tag}'", limit=5)
    assert page1.has_more is True and page1.next_page
    page2 = sdk.Customer.search(query=f"email~'{tag}'", limit=5, page=page1.next_page)
    assert len(page2.data) == 2 and page2.has_more is False
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.search(query="colour:'red'")
    assert "unsupported search field" in e.value.user_message
    pis = sdk.PaymentIntent.search(query="status:'succeeded' AND amount>=0")
    assert all(p.status == "succeeded" for p in pis.data)
    prices = sdk.Price.search(query="lookup_key:'stickers'")
    assert [p.id for p in prices.data] == ["price_Stickers00000000004"]


def test_list_filters_and_expand(sdk):
    c = sdk.Customer.list(email="mia@globex.test")
    assert [x.id for x in c.data] == ["cus_GlobexMia0003"]
    pi = sdk.PaymentIntent.create(amount=1999, currency="usd", customer="cus_GlobexMia0003", payment_method="pm_GlobexMiaMc0000000002", confirm=True, expand=["customer", "latest_charge.balance_transaction"])
    assert pi.customer.email == "mia@globex.test"
    assert pi.latest_charge.balance_transaction.amount == 1999
    listed = sdk.PaymentIntent.list(customer="cus_GlobexMia0003", expand=["data.payment_method"])
    assert listed.data[0].payment_method.card.brand == "mastercard"
    with pytest.raises(stripe.InvalidRequestError) as e:
        sdk.Customer.retrieve("cus_GlobexMia0003", expand=["email"])
    assert "cannot be expanded" in e.value.user_message
    bal = sdk.Balance.retrieve()
    assert bal.object == "balance" and bal.available[0].currency == "usd"
    txns = sdk.BalanceTransaction.list(type="charge", limit=5)
    assert all(t.type == "charge" for t in txns.data)


def test_coupons(client):
    coupon = client.v1.coupons.create(params={"percent_off": 25.5, "duration": "repeating", "duration_in_months": 3, "name": "Quarter off"})
    assert coupon.percent_off == 25.5 and coupon.valid is True and coupon.duration_in_months == 3
    same = client.v1.coupons.retrieve(coupon.id)
    assert same.name == "Quarter off"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.coupons.create(params={"amount_off": 500, "duration": "once"})
    assert client.v1.coupons.delete(coupon.id).deleted is True

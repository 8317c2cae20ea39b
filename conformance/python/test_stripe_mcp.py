"""The Stripe clone as an MCP server (the tools of Stripe's agent toolkit), driven
by the official MCP client SDK over streamable HTTP at the clone's `/mcp` and
over stdio (`asym mcp <id>`), with every effect read back through the official
`stripe` SDK, and a wrong key refused as the API refuses it."""

import json
import os

import anyio
import httpx
import pytest
import stripe
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from conftest import ASYM_BIN
from stripe_support import sdk, stripe_clone  # noqa: F401

TOOLKIT = {
    "create_customer",
    "list_customers",
    "create_product",
    "list_products",
    "create_price",
    "list_prices",
    "create_invoice",
    "list_invoices",
    "create_invoice_item",
    "finalize_invoice",
    "retrieve_balance",
    "create_refund",
    "list_payment_intents",
    "list_subscriptions",
    "cancel_subscription",
    "update_subscription",
    "list_coupons",
    "create_coupon",
    "search_stripe_resources",
}


def over_http(url, key, work):
    async def go():
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await work(session)

    return anyio.run(go)


def payload(result):
    return json.loads(result.content[0].text)


def test_spin_prints_the_mcp_endpoint_and_the_toolkit_tools(stripe_clone):
    assert stripe_clone["mcp"] and stripe_clone["mcp"].endswith("/mcp")

    async def work(session):
        return await session.list_tools()

    tools = over_http(stripe_clone["mcp"], stripe_clone["key"], work)
    names = {t.name for t in tools.tools}
    assert TOOLKIT <= names
    assert "create_payment_link" in names
    schema = next(t for t in tools.tools if t.name == "create_price").inputSchema
    assert set(schema["required"]) == {"product", "unit_amount", "currency"}


def test_a_customer_created_through_mcp_is_read_back_with_the_sdk(stripe_clone, sdk):
    async def work(session):
        made = await session.call_tool("create_customer", {"name": "MCP Buyer", "email": "mcp@example.com"})
        listed = await session.call_tool("list_customers", {"email": "mcp@example.com", "limit": 5})
        return made, listed

    made, listed = over_http(stripe_clone["mcp"], stripe_clone["key"], work)
    assert not made.isError
    customer = sdk.Customer.retrieve(payload(made)["id"])
    assert customer.name == "MCP Buyer" and customer.email == "mcp@example.com"
    assert [c["id"] for c in payload(listed)["data"]] == [customer.id]
    created = sdk.Event.list(type="customer.created", limit=5).data
    assert customer.id in [e.data.object.id for e in created], "the tool call emitted the API's event"


def test_an_invoice_built_with_toolkit_tools(stripe_clone, sdk):
    customer = sdk.Customer.create(name="Tool invoice")

    async def work(session):
        product = payload(await session.call_tool("create_product", {"name": "Consulting hour"}))
        price = payload(await session.call_tool("create_price", {"product": product["id"], "unit_amount": 15000, "currency": "usd"}))
        invoice = payload(await session.call_tool("create_invoice", {"customer": customer.id, "days_until_due": 14}))
        item = await session.call_tool("create_invoice_item", {"customer": customer.id, "price": price["id"], "invoice": invoice["id"]})
        final = await session.call_tool("finalize_invoice", {"invoice": invoice["id"]})
        found = await session.call_tool("search_stripe_resources", {"query": f"invoices:customer:'{customer.id}'"})
        coupon = await session.call_tool("create_coupon", {"name": "Tool 10", "percent_off": 10})
        return invoice, item, final, found, coupon

    invoice, item, final, found, coupon = over_http(stripe_clone["mcp"], stripe_clone["key"], work)
    assert not item.isError and not final.isError
    assert payload(final)["status"] == "open" and payload(final)["amount_due"] == 15000
    read = sdk.Invoice.retrieve(invoice["id"])
    assert read.status == "open" and read.collection_method == "send_invoice" and read.total == 15000
    assert [i["id"] for i in payload(found)["data"]] == [invoice["id"]]
    assert sdk.Coupon.retrieve(payload(coupon)["id"]).percent_off == 10


def test_a_wrong_key_gets_the_apis_refusal_and_bad_arguments_are_tool_errors(stripe_clone, sdk):
    wrong = "sk_test_wrongwrongwrongwrong1234"
    with pytest.raises(stripe.AuthenticationError) as e:
        stripe.Customer.list(api_key=wrong)
    api_message = e.value.user_message

    async def work(session):
        return await session.call_tool("list_customers", {})

    refused = over_http(stripe_clone["mcp"], wrong, work)
    assert refused.isError
    assert payload(refused)["error"]["message"] == api_message

    async def bad(session):
        missing = await session.call_tool("create_price", {"product": "prod_x", "currency": "usd"})
        unknown = await session.call_tool("finalize_invoice", {"invoice": "in_missing"})
        return missing, unknown

    missing, unknown = over_http(stripe_clone["mcp"], stripe_clone["key"], bad)
    assert missing.isError and "unit_amount" in missing.content[0].text
    assert unknown.isError and payload(unknown)["error"]["code"] == "resource_missing"


def test_stdio_serves_the_same_tools(stripe_clone, sdk):
    params = StdioServerParameters(command=ASYM_BIN, args=["mcp", stripe_clone["id"]], env=dict(os.environ, ASYM_HOME=stripe_clone["home"]))

    async def go():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                balance = await session.call_tool("retrieve_balance", {})
                made = await session.call_tool("create_customer", {"name": "Over stdio"})
                return tools, balance, made

    tools, balance, made = anyio.run(go)
    assert TOOLKIT <= {t.name for t in tools.tools}
    assert payload(balance)["object"] == "balance"
    assert sdk.Customer.retrieve(payload(made)["id"]).name == "Over stdio"

// Billing workflows through the official `stripe` Node SDK, unchanged but for
// host/port/protocol and the key: invoices, coupons and promotion codes,
// subscriptions with trials on test clocks, past_due, proration, cancellation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spinStripe, stripeClient } from './stripe_support.mjs';

const DAY = 86_400;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

let clone;
let stripe;

before(() => {
  clone = spinStripe(3);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

async function monthlyPrice(amount, name = 'Node plan') {
  return stripe.prices.create({ currency: 'usd', unit_amount: amount, recurring: { interval: 'month' }, product_data: { name } });
}

async function clockCustomer(card = 'pm_card_visa') {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: 'node' });
  const customer = await stripe.customers.create({ name: 'Node clocked', test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { clock, customer, pm };
}

async function advance(clock, frozenTime) {
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozenTime });
  for (let i = 0; i < 300; i++) {
    const c = await stripe.testHelpers.testClocks.retrieve(clock.id);
    if (c.status === 'ready') return c;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`test clock ${clock.id} never became ready`);
}

test('invoice draft, items, finalize, pay', async () => {
  const customer = await stripe.customers.create({ name: 'Node invoice' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const invoice = await stripe.invoices.create({ customer: customer.id });
  assert.equal(invoice.status, 'draft');
  const price = await stripe.prices.create({ currency: 'usd', unit_amount: 2500, product_data: { name: 'Node widget' } });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, pricing: { price: price.id }, quantity: 2 });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 499, currency: 'usd', description: 'Shipping' });
  const lines = await stripe.invoices.listLineItems(invoice.id);
  assert.deepEqual(lines.data.map((l) => l.amount), [5000, 499]);
  const final = await stripe.invoices.finalizeInvoice(invoice.id);
  assert.equal(final.status, 'open');
  assert.equal(final.amount_due, 5499);
  assert.match(final.number, /-0001$/);
  const paid = await stripe.invoices.pay(invoice.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 5499);
  const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });
  const intent = await stripe.paymentIntents.retrieve(withPayments.payments.data[0].payment.payment_intent);
  assert.equal(intent.status, 'succeeded');
  await assert.rejects(stripe.invoices.finalizeInvoice(invoice.id), (e) => e.type === 'StripeInvalidRequestError' && e.code === 'invoice_unexpected_state');
  const other = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 10 });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: other.id, amount: 1000, currency: 'usd' });
  await stripe.invoices.finalizeInvoice(other.id);
  assert.equal((await stripe.invoices.voidInvoice(other.id)).status, 'void');
  const found = await stripe.invoices.search({ query: `customer:'${customer.id}' AND status:'void'` });
  assert.deepEqual(found.data.map((i) => i.id), [other.id]);
});

test('coupon 20% off once on a subscription, then full price', async () => {
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
  const price = await monthlyPrice(4500);
  const { clock, customer } = await clockCustomer();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ coupon: coupon.id }] });
  assert.equal(sub.status, 'active');
  const first = await stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.total, 3600);
  assert.equal(first.status, 'paid');
  await advance(clock, sub.items.data[0].current_period_end + 7200);
  const renewed = await stripe.subscriptions.retrieve(sub.id);
  const second = await stripe.invoices.retrieve(renewed.latest_invoice);
  assert.equal(second.total, 4500);
  assert.equal(second.status, 'paid');
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'NODE20' });
  assert.equal(promo.code, 'NODE20');
  assert.equal((await stripe.promotionCodes.list({ coupon: coupon.id })).data[0].id, promo.id);
});

test('7-day trial on a test clock: advance 8 days, then a month', async () => {
  const price = await monthlyPrice(2000);
  const { clock, customer } = await clockCustomer();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7 });
  assert.equal(sub.status, 'trialing');
  assert.equal(sub.trial_end, T0 + 7 * DAY);
  const ready = await advance(clock, T0 + 8 * DAY);
  assert.equal(ready.status, 'ready');
  let current = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(current.status, 'active');
  const first = await stripe.invoices.retrieve(current.latest_invoice);
  assert.equal(first.status, 'paid');
  assert.equal(first.amount_paid, 2000);
  await advance(clock, current.items.data[0].current_period_end + 7200);
  current = await stripe.subscriptions.retrieve(sub.id);
  const renewal = await stripe.invoices.retrieve(current.latest_invoice);
  assert.notEqual(renewal.id, first.id);
  assert.equal(renewal.status, 'paid');
  const all = await stripe.invoices.list({ subscription: sub.id });
  assert.equal(all.data.length, 3);
});

test('a declining card makes the renewal past_due', async () => {
  const price = await monthlyPrice(1200);
  const { clock, customer } = await clockCustomer('pm_card_chargeCustomerFail');
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 2 });
  await advance(clock, T0 + 3 * DAY);
  const current = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(current.status, 'past_due');
  const invoice = await stripe.invoices.retrieve(current.latest_invoice);
  assert.equal(invoice.status, 'open');
  await assert.rejects(stripe.invoices.pay(invoice.id), (e) => e.type === 'StripeCardError' && e.code === 'card_declined');
  await assert.rejects(
    stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' }),
    (e) => e.type === 'StripeCardError',
  );
});

test('upgrade with prorations, preview, cancel at period end', async () => {
  const basic = await monthlyPrice(1000, 'Basic');
  const pro = await monthlyPrice(3000, 'Pro');
  const { clock, customer } = await clockCustomer();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
  const item = sub.items.data[0];
  const end = item.current_period_end;
  await advance(clock, T0 + Math.floor((end - T0) / 2));
  await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }] });
  const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
  assert.deepEqual(pending.data.map((i) => i.amount).sort((a, b) => a - b), [-500, 1500]);
  const preview = await stripe.invoices.createPreview({ subscription: sub.id });
  assert.equal(preview.total, 4000);
  const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
  assert.equal(updated.cancel_at, end);
  await advance(clock, end + 60);
  const done = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(done.status, 'canceled');
  const items = await stripe.subscriptionItems.list({ subscription: sub.id });
  assert.equal(items.data[0].price.id, pro.id);
  const other = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
  const canceled = await stripe.subscriptions.cancel(other.id);
  assert.equal(canceled.status, 'canceled');
  await assert.rejects(stripe.subscriptions.resume(other.id), (e) => e.type === 'StripeInvalidRequestError');
  await assert.rejects(stripe.subscriptions.create({ customer: customer.id }), (e) => e.param === 'items');
});

test('billing cycle anchor, one-time items, paused collection', async () => {
  const monthly = await monthlyPrice(3100);
  const setup = await stripe.prices.create({ currency: 'usd', unit_amount: 900, product_data: { name: 'Setup' } });
  const { clock, customer } = await clockCustomer();
  const anchor = T0 + 15 * DAY;
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id }],
    billing_cycle_anchor: anchor,
    add_invoice_items: [{ price: setup.id }],
  });
  assert.equal(sub.billing_cycle_anchor, anchor);
  const first = await stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.total, 1500 + 900);
  assert.equal(first.status, 'paid');
  const paused = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
  assert.equal(paused.pause_collection.behavior, 'keep_as_draft');
  await advance(clock, anchor + 3 * 3600);
  const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice);
  assert.equal(renewal.status, 'draft');
  assert.equal(renewal.auto_advance, false);
  const resumed = await stripe.subscriptions.update(sub.id, { pause_collection: '' });
  assert.equal(resumed.pause_collection, null);
});

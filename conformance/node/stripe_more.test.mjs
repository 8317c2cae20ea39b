// Billing additions through the official `stripe` Node SDK, unchanged but for
// host/port/protocol and the key: customer tax ids, card sources and discounts,
// incremental authorization, setup attempts, the older upcoming invoice, payout
// reversal, the customer portal, plans, shipping rates and subscription
// schedules on a test clock. Ports 4990-4999 (slot 44 of stripe_support's
// ten-port slots).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spinStripe, stripeClient } from './stripe_support.mjs';

const T0 = 1_767_225_600; // 2026-01-01

let clone;
let stripe;

before(() => {
  clone = spinStripe(44);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

const invalid = (code) => (e) => e.type === 'StripeInvalidRequestError' && (code === undefined || e.code === code);

async function advance(clock, frozenTime) {
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozenTime });
  for (let i = 0; i < 300; i++) {
    if ((await stripe.testHelpers.testClocks.retrieve(clock.id)).status === 'ready') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('test clock never became ready');
}

test('tax ids on a customer: formats, verification, delete', async () => {
  const customer = await stripe.customers.create({ name: 'Node tax ids' });
  await assert.rejects(stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: '123' }), invalid('tax_id_invalid'));
  const ein = await stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: '12-3456789' });
  assert.equal(ein.country, 'US');
  assert.equal(ein.verification.status, 'unavailable');
  const vat = await stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'FR000000000' });
  assert.equal(vat.verification.status, 'verified');
  const list = await stripe.customers.listTaxIds(customer.id);
  assert.equal(list.data.length, 2);
  const gone = await stripe.customers.deleteTaxId(customer.id, ein.id);
  assert.equal(gone.deleted, true);
  await assert.rejects(stripe.customers.retrieveTaxId(customer.id, ein.id), (e) => e.statusCode === 404);
});

test('card sources: default source, update, delete', async () => {
  const customer = await stripe.customers.create({ name: 'Node sources', source: 'tok_amex' });
  const fresh = await stripe.customers.retrieve(customer.id);
  assert.ok(fresh.default_source.startsWith('card_'));
  const amex = await stripe.customers.retrieveSource(customer.id, fresh.default_source);
  assert.equal(amex.brand, 'American Express');
  const visa = await stripe.customers.createSource(customer.id, { source: 'tok_visa' });
  const renamed = await stripe.customers.updateSource(customer.id, visa.id, { name: 'Node Card', metadata: { n: '1' } });
  assert.equal(renamed.name, 'Node Card');
  await assert.rejects(stripe.customers.createSource(customer.id, { source: 'tok_chargeDeclinedInsufficientFunds' }), (e) => e.type === 'StripeCardError');
  await stripe.customers.deleteSource(customer.id, amex.id);
  assert.equal((await stripe.customers.retrieve(customer.id)).default_source, visa.id);
  const sources = await stripe.customers.listSources(customer.id, { object: 'card' });
  assert.deepEqual(sources.data.map((s) => s.id), [visa.id]);
});

test('customer discount through a promotion code, then deleted', async () => {
  const coupon = await stripe.coupons.create({ amount_off: 300, currency: 'usd', duration: 'forever' });
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `NODE${Date.now()}` });
  const customer = await stripe.customers.create({ name: 'Node discount' });
  const updated = await stripe.customers.update(customer.id, { promotion_code: promo.id });
  assert.equal(updated.discount.promotion_code, promo.id);
  await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
  const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
  assert.equal(invoice.total, 700);
  const deleted = await stripe.customers.deleteDiscount(customer.id);
  assert.equal(deleted.deleted, true);
  await assert.rejects(stripe.customers.deleteDiscount(customer.id), invalid());
});

test('incremental authorization and the refused non-card flows', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000, currency: 'usd', payment_method: 'pm_card_mastercard', confirm: true, capture_method: 'manual',
    payment_method_types: ['card'], payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
  });
  const grown = await stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 2600 });
  assert.equal(grown.amount, 2600);
  await assert.rejects(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 100 }), (e) => e.param === 'amount');
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2500 });
  assert.equal(captured.amount_received, 2500);
  await assert.rejects(stripe.paymentIntents.applyCustomerBalance(pi.id), (e) => /not implemented by this clone/.test(e.message));
  await assert.rejects(stripe.paymentIntents.verifyMicrodeposits(pi.id, { descriptor_code: 'SM11AA' }), (e) => /not implemented by this clone/.test(e.message));
});

test('setup attempts and the older upcoming invoice', async () => {
  const customer = await stripe.customers.create({ name: 'Node setup', payment_method: 'pm_card_visa' });
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method_types: ['card'], confirm: true, payment_method: 'pm_card_visa' });
  const attempts = await stripe.setupAttempts.list({ setup_intent: si.id });
  assert.equal(attempts.data.length, 1);
  assert.equal(attempts.data[0].status, 'succeeded');
  assert.equal(attempts.data[0].setup_intent, si.id);
  const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0];
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const price = await stripe.prices.create({ currency: 'usd', unit_amount: 900, recurring: { interval: 'month' }, product_data: { name: 'Node seat' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
  const upcoming = await stripe.rawRequest('GET', `/v1/invoices/upcoming?customer=${customer.id}`, null, { apiVersion: '2024-06-20' });
  assert.equal(upcoming.object, 'invoice');
  assert.equal(upcoming.amount_due, 1800);
  assert.equal(upcoming.subscription, sub.id);
  await assert.rejects(stripe.rawRequest('GET', `/v1/invoices/upcoming?customer=${customer.id}`, null, {}), (e) => e.statusCode === 404);
});

test('payouts reverse once paid', async () => {
  await stripe.paymentIntents.create({ amount: 9000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, payment_method_types: ['card'] });
  const payout = await stripe.payouts.create({ amount: 2000, currency: 'usd' });
  await assert.rejects(stripe.payouts.reverse(payout.id), invalid());
  for (let i = 0; i < 100 && (await stripe.payouts.retrieve(payout.id)).status !== 'paid'; i++) await new Promise((r) => setTimeout(r, 100));
  const reversal = await stripe.payouts.reverse(payout.id);
  assert.equal(reversal.original_payout, payout.id);
  assert.equal((await stripe.payouts.retrieve(payout.id)).reversed_by, reversal.id);
  await assert.rejects(stripe.payouts.reverse(payout.id), invalid());
});

test('customer portal sessions and configurations', async () => {
  const customer = await stripe.customers.create({ name: 'Node portal', email: 'node-portal@example.com' });
  const config = await stripe.billingPortal.configurations.create({
    features: { customer_update: { enabled: true, allowed_updates: ['email', 'address'] }, invoice_history: { enabled: true } },
    default_return_url: 'https://example.com/node',
  });
  assert.deepEqual(config.features.customer_update.allowed_updates, ['email', 'address']);
  await assert.rejects(
    stripe.billingPortal.configurations.create({ features: { customer_update: { enabled: true, allowed_updates: ['nickname'] } } }),
    invalid(),
  );
  const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id, locale: 'fr' });
  assert.equal(session.return_url, 'https://example.com/node');
  assert.equal(session.locale, 'fr');
  const page = await fetch(session.url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /node-portal@example\.com/);
  const fetched = await stripe.billingPortal.configurations.retrieve(config.id);
  assert.equal(fetched.id, config.id);
  await assert.rejects(stripe.billingPortal.sessions.create({ customer: 'cus_nope', return_url: 'https://e.com' }), (e) => e.statusCode === 404);
});

test('plans, shipping rates', async () => {
  const product = await stripe.products.create({ name: 'Node plan product' });
  const plan = await stripe.plans.create({ id: `node-plan-${Date.now()}`, amount: 1500, currency: 'usd', interval: 'year', product: product.id, trial_period_days: 14 });
  assert.equal(plan.trial_period_days, 14);
  assert.equal((await stripe.prices.retrieve(plan.id)).recurring.interval, 'year');
  const plans = await stripe.plans.list({ product: product.id });
  assert.deepEqual(plans.data.map((p) => p.id), [plan.id]);
  await assert.rejects(stripe.plans.create({ amount: 100, currency: 'usd', interval: 'fortnight', product: product.id }), (e) => e.param === 'interval');
  assert.equal((await stripe.plans.del(plan.id)).deleted, true);
  const rate = await stripe.shippingRates.create({ display_name: 'Pickup', type: 'fixed_amount', fixed_amount: { amount: 0, currency: 'usd' } });
  assert.equal(rate.fixed_amount.amount, 0);
  assert.equal((await stripe.shippingRates.retrieve(rate.id)).display_name, 'Pickup');
  const listed = await stripe.shippingRates.list({ currency: 'usd' });
  assert.ok(listed.data.some((r) => r.id === rate.id));
  await assert.rejects(stripe.shippingRates.update(rate.id, { fixed_amount: { currency_options: { eur: { amount: 100 } } } }), invalid());
});

test('subscription schedules follow the test clock and cancel at the end', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const customer = await stripe.customers.create({ name: 'Node schedule', test_clock: clock.id, payment_method: 'pm_card_visa' });
  const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0];
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const lite = await stripe.prices.create({ currency: 'usd', unit_amount: 500, recurring: { interval: 'month' }, product_data: { name: 'Lite' } });
  const plus = await stripe.prices.create({ currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' } });
  const yearly = await stripe.prices.create({ currency: 'usd', unit_amount: 9000, recurring: { interval: 'year' }, product_data: { name: 'Yearly' } });
  await assert.rejects(
    stripe.subscriptionSchedules.create({ customer: customer.id, phases: [{ items: [{ price: lite.id }], iterations: 1 }, { items: [{ price: yearly.id }] }] }),
    invalid(),
  );
  const schedule = await stripe.subscriptionSchedules.create({
    customer: customer.id,
    start_date: T0 + 86_400,
    end_behavior: 'cancel',
    phases: [{ items: [{ price: lite.id }], iterations: 1 }, { items: [{ price: plus.id }], iterations: 1 }],
  });
  assert.equal(schedule.status, 'not_started');
  await advance(clock, T0 + 2 * 86_400);
  const started = await stripe.subscriptionSchedules.retrieve(schedule.id);
  assert.equal(started.status, 'active');
  const sub = await stripe.subscriptions.retrieve(started.subscription);
  assert.equal(sub.items.data[0].price.id, lite.id);
  assert.equal(sub.schedule, schedule.id);
  const updated = await stripe.subscriptionSchedules.update(schedule.id, {
    metadata: { source: 'node' },
    phases: [{ items: [{ price: lite.id }], iterations: 1 }, { items: [{ price: plus.id, quantity: 3 }], iterations: 1 }],
  });
  assert.equal(updated.phases[1].items[0].quantity, 3);
  await advance(clock, updated.phases[0].end_date + 3600);
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity, 3);
  await advance(clock, updated.phases[1].end_date + 3600);
  const done = await stripe.subscriptionSchedules.retrieve(schedule.id);
  assert.equal(done.status, 'completed');
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'canceled');
  await assert.rejects(stripe.subscriptionSchedules.update(schedule.id, { metadata: { x: 'y' } }), invalid());
});

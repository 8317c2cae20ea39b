// Payment workflows through the official `stripe` Node SDK, unchanged but for
// host/port/protocol and the key.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { SEEDED_KEY, spinStripe, stripeClient } from './stripe_support.mjs';

let clone;
let stripe;

before(() => {
  clone = spinStripe(0);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

test('spin hands out the seeded secret key', () => {
  assert.equal(clone.key, SEEDED_KEY);
});

test('customer, card, payment intent, refund', async () => {
  const customer = await stripe.customers.create({ email: 'node@example.com', name: 'Node Buyer', metadata: { order: 'N-1' } });
  assert.match(customer.id, /^cus_/);
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  assert.equal(pm.customer, customer.id);
  assert.equal(pm.card.last4, '4242');
  const pms = await stripe.customers.listPaymentMethods(customer.id);
  assert.deepEqual(pms.data.map((p) => p.id), [pm.id]);
  const pi = await stripe.paymentIntents.create({ amount: 2599, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.amount_received, 2599);
  assert.ok(pi.lastResponse.requestId.startsWith('req_'));
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 599 });
  assert.equal(refund.status, 'succeeded');
  const charge = await stripe.charges.retrieve(pi.latest_charge);
  assert.equal(charge.amount_refunded, 599);
  assert.equal(charge.refunded, false);
  const refunds = await stripe.refunds.list({ charge: charge.id });
  assert.deepEqual(refunds.data.map((r) => r.id), [refund.id]);
});

for (const [token, code, declineCode] of [
  ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
  ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
  ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
  ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc'],
  ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
]) {
  test(`declined: ${token}`, async () => {
    await assert.rejects(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: token, confirm: true }),
      (err) => {
        assert.equal(err.type, 'StripeCardError');
        assert.equal(err.statusCode, 402);
        assert.equal(err.code, code);
        assert.equal(err.decline_code, declineCode);
        assert.equal(err.payment_intent.status, 'requires_payment_method');
        assert.equal(err.payment_intent.last_payment_error.decline_code, declineCode);
        return true;
      },
    );
  });
}

test('manual capture and cancel', async () => {
  const pi = await stripe.paymentIntents.create({ amount: 7000, currency: 'usd', payment_method: 'pm_card_amex', capture_method: 'manual', confirm: true });
  assert.equal(pi.status, 'requires_capture');
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 7000 });
  assert.equal(captured.status, 'succeeded');
  const held = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: 'pm_card_visa', capture_method: 'manual', confirm: true });
  const canceled = await stripe.paymentIntents.cancel(held.id);
  assert.equal(canceled.status, 'canceled');
  const charge = await stripe.charges.retrieve(held.latest_charge);
  assert.equal(charge.captured, false);
  assert.equal(charge.amount_refunded, 900);
  await assert.rejects(stripe.paymentIntents.cancel(pi.id), (err) => err.code === 'payment_intent_unexpected_state' && err.statusCode === 400);
});

test('idempotent retry replays the first response', async () => {
  const key = randomUUID();
  const a = await stripe.paymentIntents.create({ amount: 1111, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: key });
  const b = await stripe.paymentIntents.create({ amount: 1111, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: key });
  assert.equal(a.id, b.id);
  const charges = await stripe.charges.list({ payment_intent: a.id });
  assert.equal(charges.data.length, 1);
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2222, currency: 'usd' }, { idempotencyKey: key }),
    (err) => err.type === 'StripeIdempotencyError' && err.message.includes(key),
  );
});

test('bad key and unknown parameter', async () => {
  const bad = stripeClient(clone, 'sk_test_nope_nope_nope_0000');
  await assert.rejects(bad.customers.list(), (err) => err.type === 'StripeAuthenticationError' && err.statusCode === 401);
  await assert.rejects(stripe.customers.create({ emial: 'x@y.z' }), (err) => err.code === 'parameter_unknown' && err.param === 'emial');
  await assert.rejects(stripe.customers.retrieve('cus_missing'), (err) => err.code === 'resource_missing' && err.statusCode === 404);
});

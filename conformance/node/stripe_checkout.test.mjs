// Checkout Sessions, Payment Links and card tokens through the official `stripe`
// client (only host/port/protocol and the key change). A session is completed as
// Stripe's test flow does it: a browser posts a test card to the session's hosted
// page (`session.url`, served by the clone); the signed webhook is verified with
// `stripe.webhooks.constructEvent`.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { receiver, spinStripe, stripeClient } from './stripe_support.mjs';

let clone;
let stripe;

before(() => {
  clone = spinStripe(4);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

const CARD = { card_number: '4242424242424242', card_exp_month: '12', card_exp_year: '2034', card_cvc: '123' };

/** What a browser does on the hosted page: post the form, do not follow the redirect. */
function pay(url, fields = {}) {
  return fetch(url, { method: 'POST', body: new URLSearchParams({ ...CARD, ...fields }), redirect: 'manual' });
}

test('a checkout session completes through the hosted page with a signed webhook', async () => {
  const r = await receiver();
  try {
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['checkout.session.completed'] });
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 1800, product_data: { name: 'Mug' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 3 }],
      success_url: 'https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}',
      metadata: { order: 'n-1' },
    });
    assert.match(session.id, /^cs_test_/);
    assert.equal(session.amount_total, 5400);
    assert.equal(session.status, 'open');
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    assert.deepEqual(items.data.map((i) => [i.price.id, i.quantity, i.amount_total]), [[price.id, 3, 5400]]);

    const resp = await pay(session.url, { email: 'node@example.com' });
    assert.equal(resp.status, 303);
    assert.equal(resp.headers.get('location'), `https://shop.example/ok?session_id=${session.id}`);

    const [hit] = await r.waitFor((x) => x.body.includes('"checkout.session.completed"'));
    const event = stripe.webhooks.constructEvent(hit.body, hit.headers['stripe-signature'], we.secret);
    assert.equal(event.type, 'checkout.session.completed');
    const done = event.data.object;
    assert.equal(done.id, session.id);
    assert.equal(done.payment_status, 'paid');
    assert.equal(done.metadata.order, 'n-1');
    assert.equal(done.customer_details.email, 'node@example.com');
    const pi = await stripe.paymentIntents.retrieve(done.payment_intent);
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.amount, 5400);
    const listed = await stripe.checkout.sessions.list({ payment_intent: pi.id });
    assert.deepEqual(listed.data.map((s) => s.id), [session.id]);
  } finally {
    await r.close();
  }
});

test('expire emits checkout.session.expired; expiring twice is an error', async () => {
  const price = await stripe.prices.create({ currency: 'usd', unit_amount: 900, product_data: { name: 'Pen' } });
  const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: price.id, quantity: 1 }] });
  const declined = await pay(session.url, { card_number: '4000000000009995' });
  assert.equal(declined.status, 402);
  assert.match(await declined.text(), /insufficient funds/);
  const expired = await stripe.checkout.sessions.expire(session.id);
  assert.equal(expired.status, 'expired');
  const events = await stripe.events.list({ type: 'checkout.session.expired', limit: 3 });
  assert.equal(events.data[0].data.object.id, session.id);
  await assert.rejects(stripe.checkout.sessions.expire(session.id), (e) => e.type === 'StripeInvalidRequestError' && e.statusCode === 400);
  await assert.rejects(
    stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: 'price_missing', quantity: 1 }] }),
    (e) => e.statusCode === 404 && e.code === 'resource_missing' && e.param === 'line_items[0][price]',
  );
});

test('payment links are created, listed, opened and deactivated; tokens', async () => {
  const price = await stripe.prices.create({ currency: 'usd', unit_amount: 1000, product_data: { name: 'Poster' } });
  const link = await stripe.paymentLinks.create({ line_items: [{ price: price.id, quantity: 2 }], metadata: { k: 'v' } });
  assert.match(link.id, /^plink_/);
  assert.equal(link.active, true);
  const all = await stripe.paymentLinks.list({ limit: 100 });
  assert.ok(all.data.some((l) => l.id === link.id));
  const items = await stripe.paymentLinks.listLineItems(link.id);
  assert.equal(items.data[0].quantity, 2);
  const opened = await fetch(link.url, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const sessions = await stripe.checkout.sessions.list({ payment_link: link.id });
  assert.equal(sessions.data.length, 1);
  assert.equal(sessions.data[0].amount_total, 2000);
  assert.equal((await pay(sessions.data[0].url)).status, 200);
  assert.equal((await stripe.checkout.sessions.retrieve(sessions.data[0].id)).status, 'complete');
  const off = await stripe.paymentLinks.update(link.id, { active: false });
  assert.equal(off.active, false);
  assert.equal((await fetch(link.url, { redirect: 'manual' })).status, 400);

  const token = await stripe.tokens.create({ card: { number: '5555555555554444', exp_month: 1, exp_year: 2035, cvc: '314' } });
  assert.match(token.id, /^tok_/);
  assert.equal(token.card.brand, 'MasterCard');
  const got = await stripe.tokens.retrieve(token.id);
  assert.equal(got.card.last4, '4444');
});

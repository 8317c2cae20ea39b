// Signed webhooks, verified with the SDK's own `stripe.webhooks.constructEvent`.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runAsym } from './support.mjs';
import { receiver, spinStripe, stripeClient } from './stripe_support.mjs';

let clone;
let stripe;

before(() => {
  clone = spinStripe(1);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

test('a signed event verifies with constructEvent', async () => {
  const r = await receiver();
  try {
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['charge.succeeded', 'charge.refunded'] });
    assert.match(we.secret, /^whsec_/);
    const pi = await stripe.paymentIntents.create({ amount: 4321, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id });
    const [succeeded] = await r.waitFor((x) => x.body.includes('"charge.succeeded"') && x.body.includes(pi.id));
    const event = stripe.webhooks.constructEvent(succeeded.body, succeeded.headers['stripe-signature'], we.secret);
    assert.equal(event.type, 'charge.succeeded');
    assert.equal(event.data.object.payment_intent, pi.id);
    const [refunded] = await r.waitFor((x) => x.body.includes('"charge.refunded"'));
    const ev2 = stripe.webhooks.constructEvent(refunded.body, refunded.headers['stripe-signature'], we.secret);
    assert.equal(ev2.data.object.refunded, true);
    assert.throws(() => stripe.webhooks.constructEvent(succeeded.body, succeeded.headers['stripe-signature'], 'whsec_wrong'));
    const listed = await stripe.events.list({ type: 'charge.*', limit: 5 });
    assert.ok(listed.data.some((e) => e.id === event.id));
    const log = JSON.parse(runAsym(clone.home, 'deliveries', clone.id, '--app', we.id, '--json'));
    assert.ok(log.deliveries.some((d) => d.event_id === event.id && d.ok && d.status === 200));
  } finally {
    await r.close();
  }
});

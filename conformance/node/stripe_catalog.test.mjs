// Catalog, lists and search through the official `stripe` Node SDK.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { spinStripe, stripeClient } from './stripe_support.mjs';

let clone;
let stripe;

before(() => {
  clone = spinStripe(2);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

test('products and prices, one-time and recurring', async () => {
  const product = await stripe.products.create({ name: 'Node Widget' });
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'year' } });
  assert.equal(price.type, 'recurring');
  assert.equal(price.recurring.interval, 'year');
  const inline = await stripe.prices.create({ currency: 'eur', unit_amount: 300, product_data: { name: 'Inline product' } });
  assert.equal(inline.type, 'one_time');
  const p = await stripe.products.retrieve(inline.product);
  assert.equal(p.name, 'Inline product');
  const listed = await stripe.prices.list({ product: product.id, expand: ['data.product'] });
  assert.equal(listed.data[0].product.name, 'Node Widget');
});

test('auto-pagination over 250 customers', async () => {
  const tag = randomBytes(5).toString('hex');
  const made = [];
  for (let i = 0; i < 250; i++) {
    made.push((await stripe.customers.create({ email: `n${i}@${tag}.test`, metadata: { batch: tag } })).id);
  }
  const seen = [];
  for await (const c of stripe.customers.list({ limit: 100 })) {
    if (c.metadata.batch === tag) seen.push(c.id);
  }
  assert.deepEqual(seen, [...made].reverse());
  const all = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  assert.ok(all.length >= 254);
});

test('search with next_page', async () => {
  const tag = randomBytes(4).toString('hex');
  for (let i = 0; i < 5; i++) await stripe.customers.create({ name: `Finder ${i}`, metadata: { tag } });
  const first = await stripe.customers.search({ query: `metadata['tag']:'${tag}'`, limit: 3 });
  assert.equal(first.object, 'search_result');
  assert.equal(first.data.length, 3);
  assert.equal(first.has_more, true);
  const second = await stripe.customers.search({ query: `metadata['tag']:'${tag}'`, limit: 3, page: first.next_page });
  assert.equal(second.data.length, 2);
  const all = [];
  for await (const c of stripe.customers.search({ query: `metadata['tag']:'${tag}' AND name~'Finder'`, limit: 2 })) all.push(c.id);
  assert.equal(all.length, 5);
  await assert.rejects(stripe.customers.search({ query: "email:'a' AND name:'b' OR name:'c'" }), (err) => err.type === 'StripeInvalidRequestError');
});

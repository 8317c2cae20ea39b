// Tax rates and credit notes through the official `stripe` Node SDK, unchanged
// but for host/port/protocol and the key: rates applied to invoices and
// subscriptions, credit notes on open and paid invoices, their events and errors.
// Ports 4910-4919 (slot 36 of stripe_support's ten-port slots).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spinStripe, stripeClient } from './stripe_support.mjs';

let clone;
let stripe;

before(() => {
  clone = spinStripe(36);
  stripe = stripeClient(clone);
});
after(() => clone?.destroy());

async function payingCustomer(name) {
  const customer = await stripe.customers.create({ name });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return customer;
}

test('tax rates: create, update, list filters and errors', async () => {
  const rate = await stripe.taxRates.create({ display_name: 'HST', percentage: 13, inclusive: false, country: 'CA', state: 'ON', tax_type: 'hst' });
  assert.equal(rate.object, 'tax_rate');
  assert.ok(rate.id.startsWith('txr_'));
  assert.equal(rate.percentage, 13);
  const updated = await stripe.taxRates.update(rate.id, { active: false, metadata: { note: 'retired' } });
  assert.equal(updated.active, false);
  assert.equal(updated.metadata.note, 'retired');
  const inactive = await stripe.taxRates.list({ active: false });
  assert.ok(inactive.data.some((r) => r.id === rate.id));
  await assert.rejects(stripe.taxRates.update(rate.id, { inclusive: true }), (e) => e.type === 'StripeInvalidRequestError' && e.code === 'parameter_unknown');
  await assert.rejects(stripe.taxRates.retrieve('txr_nope'), (e) => e.statusCode === 404);
});

test('invoices add exclusive tax and carve out inclusive tax', async () => {
  const customer = await payingCustomer('Node tax');
  const exclusive = await stripe.taxRates.create({ display_name: 'Sales', percentage: 5, inclusive: false });
  const inclusive = await stripe.taxRates.create({ display_name: 'VAT', percentage: 25, inclusive: true });
  const invoice = await stripe.invoices.create({ customer: customer.id, default_tax_rates: [exclusive.id] });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 4000, currency: 'usd' });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2500, currency: 'usd', tax_rates: [inclusive.id] });
  const fin = await stripe.invoices.finalizeInvoice(invoice.id);
  assert.equal(fin.subtotal, 6500);
  assert.equal(fin.total, 6700);
  assert.equal(fin.total_excluding_tax, 6000);
  assert.equal(fin.amount_due, 6700);
  const byRate = Object.fromEntries(fin.total_taxes.map((t) => [t.tax_rate_details.tax_rate, t]));
  assert.equal(byRate[exclusive.id].amount, 200);
  assert.equal(byRate[inclusive.id].amount, 500);
  assert.equal(byRate[inclusive.id].tax_behavior, 'inclusive');
  const lines = await stripe.invoices.listLineItems(invoice.id);
  assert.deepEqual(lines.data.map((l) => l.taxes[0].amount), [200, 500]);
});

test('credit notes: preview, create on open and paid invoices, void, events', async () => {
  const customer = await payingCustomer('Node credit');
  const invoice = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2000, currency: 'usd', description: 'Service' });
  const open = await stripe.invoices.finalizeInvoice(invoice.id);
  const line = open.lines.data[0];
  const lines = [{ type: 'invoice_line_item', invoice_line_item: line.id, quantity: 1, amount: 800 }];
  const preview = await stripe.creditNotes.preview({ invoice: invoice.id, lines });
  assert.equal(preview.total, 800);
  const note = await stripe.creditNotes.create({ invoice: invoice.id, lines, memo: 'Discount agreed' });
  assert.equal(note.type, 'pre_payment');
  assert.equal((await stripe.invoices.retrieve(invoice.id)).amount_due, 1200);
  const listed = await stripe.creditNotes.list({ invoice: invoice.id });
  assert.deepEqual(listed.data.map((n) => n.id), [note.id]);
  const noteLines = await stripe.creditNotes.listLineItems(note.id);
  assert.equal(noteLines.data[0].amount, 800);
  await assert.rejects(stripe.creditNotes.create({ invoice: invoice.id, amount: 1201 }), (e) => e.statusCode === 400);

  const paid = await stripe.invoices.pay(invoice.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 1200);
  const refundNote = await stripe.creditNotes.create({ invoice: invoice.id, amount: 200, refund_amount: 200 });
  assert.equal(refundNote.type, 'post_payment');
  const refund = await stripe.refunds.retrieve(refundNote.refunds[0].refund);
  assert.equal(refund.amount, 200);
  const creditNote = await stripe.creditNotes.create({ invoice: invoice.id, amount: 300, credit_amount: 300 });
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, -300);
  const voided = await stripe.creditNotes.voidCreditNote(creditNote.id);
  assert.equal(voided.status, 'void');
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, 0);
  const updated = await stripe.creditNotes.update(note.id, { metadata: { ref: 'A-1' } });
  assert.equal(updated.metadata.ref, 'A-1');
  const events = await stripe.events.list({ type: 'credit_note.*', limit: 20 });
  const types = new Set(events.data.map((e) => e.type));
  for (const t of ['credit_note.created', 'credit_note.updated', 'credit_note.voided']) assert.ok(types.has(t), t);
});

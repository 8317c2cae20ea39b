// The Stripe suites' shared setup: spin a seeded Stripe clone in its own
// ASYM_HOME (ports 4550-4599, ten per file so files can run in parallel), a
// `stripe` client pointed at it (only host, port, protocol and the key change),
// and a small webhook receiver.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { runAsym } from './support.mjs';

export const SEEDED_KEY = 'sk_test_asymmetric000000000000stripe';
const PORT_START = Number(process.env.ASYM_STRIPE_NODE_PORT_START || 4550);

/** Spins `stripe --seed acct`; `slot` (0-4) picks this file's ten ports. */
export function spinStripe(slot) {
  const home = mkdtempSync(join(tmpdir(), 'asym-conformance-stripe-node-'));
  const start = PORT_START + slot * 10;
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start, end: start + 9 } }));
  const clone = JSON.parse(runAsym(home, 'spin', 'stripe', '--seed', 'acct', '--json')).clone;
  const url = new URL(clone.api);
  return {
    id: clone.id,
    home,
    key: clone.tokens.secret_key,
    url,
    destroy() {
      try {
        runAsym(home, 'destroy', clone.id);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

/** The official client; only the key and the address differ from production use. */
export function stripeClient(clone, key = clone.key) {
  return new Stripe(key, { host: clone.url.hostname, port: Number(clone.url.port), protocol: 'http', maxNetworkRetries: 0 });
}

/** Records every POST; answers the queued statuses first, then 200. */
export async function receiver(statuses = []) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.length ? statuses.shift() : 200;
      res.end();
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/webhooks`;
  async function waitFor(predicate, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hits = requests.filter(predicate);
      if (hits.length) return hits;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`no matching webhook within ${timeoutMs} ms (got ${requests.length})`);
  }
  return { url, requests, waitFor, close: () => new Promise((ok) => server.close(ok)) };
}

// Apps from a manifest, the Events API and the web login, driven from Node. An app
// is created through the clone's control plane (`POST /api/_asym/apps`, Slack's app
// manifest format, with the clone's admin token), its request URL pointing at a
// node:http server started here. The server answers the `url_verification`
// challenge and checks every request's `X-Slack-Signature` with node:crypto, as an
// app must. The Web API is driven with @slack/web-api, changing only `slackApiUrl`.
// This file spins its own seeded clone and destroys it afterwards.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique, adminToken as registryAdminToken } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 60;

const TEAM = 'T0ACME0001';
const DANA = 'U0ACMEDANA';
const GENERAL = 'C0ACMEGNRL';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let home;
let clone;
let apiUrl;
let root; // the clone's origin
let adminToken;
let user;
let server;
let serverUrl;
const received = []; // { path, headers, raw, body, signatureOk }
const failFirst = new Map(); // marker -> how many deliveries of an event to refuse
const signingSecrets = []; // the secrets of the apps this file made

/** Slack's v0 signature check, as an app implements it with node:crypto. */
function validSignature(secret, headers, raw) {
  const ts = headers['x-slack-request-timestamp'];
  const given = headers['x-slack-signature'] || '';
  if (!ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

async function http(method, path, body, headers = {}) {
  const resp = await fetch(`${root}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: resp.status, body: await resp.json() };
}

async function waitFor(what, probe, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = probe();
    if (got) return got;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function callbacks(appId, pred = () => true) {
  return received.filter((r) => r.body.type === 'event_callback' && r.body.api_app_id === appId && pred(r.body));
}

function manifest(name, bot, events = null) {
  const m = { display_information: { name }, oauth_config: { scopes: { bot } } };
  if (events) m.settings = { event_subscriptions: { request_url: serverUrl, bot_events: events } };
  return m;
}

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  root = clone.api.replace(/\/api$/, '');
  user = client(clone.tokens.user);
  adminToken = registryAdminToken(home, clone.id);

  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw);
      const signatureOk = signingSecrets.some((secret) => validSignature(secret, req.headers, raw));
      received.push({ path: req.url, headers: req.headers, raw, body, signatureOk });
      if (body.type === 'url_verification') {
        // The signing secret is only known once creation returns, so the test
        // checks this request's signature afterwards. Slack accepts the challenge
        // as plain text, form data or JSON: JSON here.
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
      } else if (!signatureOk) {
        res.writeHead(401).end();
      } else {
        const text = body.event?.text ?? '';
        const seen = received.filter((r) => r.body.event_id === body.event_id).length;
        const refuse = [...failFirst].some(([marker, n]) => text.includes(marker) && seen <= n);
        res.writeHead(refuse ? 503 : 200).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
});

after(async () => {
  try {
    if (server) await new Promise((r) => server.close(r));
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

/** Creates an app with the clone's admin token; the server learns its secret. */
async function createApp(m) {
  const { status, body } = await http('POST', '/api/_asym/apps', m, { 'x-asym-admin-token': adminToken });
  assert.equal(status, 200, JSON.stringify(body));
  signingSecrets.push(body.credentials.signing_secret);
  return body;
}

describe('an app with an Events API request URL', () => {
  let app;
  let appBot;
  let channel;

  test('creation verifies the URL with a signed challenge', async () => {
    const m = manifest(unique('Node Triage'), ['chat:write', 'groups:history', 'channels:history', 'app_mentions:read'], [
      'message.groups',
      'message.channels',
      'app_mention',
    ]);
    const before = received.length;
    const { status, body } = await http('POST', '/api/_asym/apps', m, { 'x-asym-admin-token': adminToken });
    assert.equal(status, 200, JSON.stringify(body));
    app = body;
    signingSecrets.push(app.credentials.signing_secret);
    const verification = received.slice(before).find((r) => r.body.type === 'url_verification');
    assert.ok(verification, 'the server saw the challenge');
    assert.deepEqual(Object.keys(verification.body).sort(), ['challenge', 'token', 'type']);
    assert.equal(verification.body.token, app.credentials.verification_token);
    assert.ok(validSignature(app.credentials.signing_secret, verification.headers, verification.raw), 'the challenge is signed');
    assert.match(app.app_id, /^A/);
    assert.match(app.bot_token, /^xoxb-/);
    assert.equal(app.user_token, undefined, 'no user scopes, no user token');
    appBot = client(app.bot_token);
  });

  test('the bot token has exactly the manifest scopes', async () => {
    const me = await appBot.auth.test();
    assert.equal(me.user_id, app.bot_user_id);
    assert.equal(me.bot_id, app.bot_id);
    assert.deepEqual([...me.response_metadata.scopes].sort(), ['app_mentions:read', 'channels:history', 'chat:write', 'groups:history']);
    const err = await platformError(appBot.users.list());
    assert.equal(err.error, 'missing_scope');
    assert.equal(err.needed, 'users:read');
    assert.equal(err.provided, 'chat:write,groups:history,channels:history,app_mentions:read');
  });

  test('a message in a channel the bot was invited to arrives signed', async () => {
    channel = (await user.conversations.create({ name: unique('node-events'), is_private: true })).channel.id;
    await user.conversations.invite({ channel, users: app.bot_user_id });
    const text = unique('node says hi');
    const posted = await appBot.chat.postMessage({ channel, text });
    const [got] = await waitFor('the event', () => {
      const c = callbacks(app.app_id, (b) => b.event.text === text);
      return c.length ? c : null;
    });
    assert.ok(got.signatureOk);
    assert.ok(validSignature(app.credentials.signing_secret, got.headers, got.raw));
    assert.ok(!validSignature(app.credentials.signing_secret, got.headers, got.raw.replace(text, 'forged')));
    const env = got.body;
    assert.equal(env.token, app.credentials.verification_token);
    assert.equal(env.team_id, TEAM);
    assert.equal(env.api_app_id, app.app_id);
    assert.equal(env.type, 'event_callback');
    assert.match(env.event_id, /^Ev/);
    assert.equal(typeof env.event_time, 'number');
    assert.deepEqual(env.authorizations, [
      { enterprise_id: null, team_id: TEAM, user_id: app.bot_user_id, is_bot: true, is_enterprise_install: false },
    ]);
    assert.equal(env.is_ext_shared_channel, false);
    assert.match(env.event_context, /^4-/);
    assert.equal(env.event.type, 'message');
    assert.equal(env.event.channel, channel);
    assert.equal(env.event.channel_type, 'group');
    assert.equal(env.event.ts, posted.ts);
    assert.equal(env.event.bot_id, app.bot_id);
    assert.equal(got.headers['x-slack-retry-num'], undefined);
  });

  test('a mention of the bot is also an app_mention', async () => {
    const text = `<@${app.bot_user_id}> ${unique('can you look')}`;
    const posted = await user.chat.postMessage({ channel, text });
    const got = await waitFor('message and app_mention', () => {
      const c = callbacks(app.app_id, (b) => b.event.ts === posted.ts);
      return c.length === 2 ? c : null;
    });
    const types = got.map((r) => r.body.event.type).sort();
    assert.deepEqual(types, ['app_mention', 'message']);
    const mention = got.find((r) => r.body.event.type === 'app_mention').body.event;
    assert.equal(mention.user, DANA);
    assert.equal(mention.text, text);
  });

  test('a refused delivery is retried with X-Slack-Retry-Num', async () => {
    const marker = unique('flaky');
    failFirst.set(marker, 1);
    await appBot.chat.postMessage({ channel, text: `${marker} build is red` });
    const got = await waitFor('the retry', () => {
      const c = callbacks(app.app_id, (b) => (b.event.text ?? '').includes(marker));
      return c.length >= 2 ? c : null;
    });
    await sleep(300);
    const all = callbacks(app.app_id, (b) => (b.event.text ?? '').includes(marker));
    assert.equal(all.length, 2, 'one failure, one retry that succeeded');
    assert.equal(got[0].body.event_id, got[1].body.event_id);
    assert.equal(got[0].raw, got[1].raw);
    assert.equal(got[1].headers['x-slack-retry-num'], '1');
    assert.equal(got[1].headers['x-slack-retry-reason'], 'http_error');
    assert.ok(got.every((r) => r.signatureOk));
    const eventId = got[0].body.event_id;
    let entries = [];
    for (let i = 0; i < 100 && entries.length < 2; i++) {
      const { status, body } = await http('GET', `/api/_asym/deliveries?event_id=${eventId}`, undefined, { 'x-asym-admin-token': adminToken });
      assert.equal(status, 200);
      entries = body.deliveries;
      if (entries.length < 2) await sleep(50);
    }
    assert.deepEqual(
      entries.map((d) => [d.attempt, d.status, d.error]),
      [
        [0, 503, 'http_error'],
        [1, 200, null],
      ],
    );
  });
});

describe('scopes, guard and login', () => {
  test('an app with only chat:write gets missing_scope on conversations.history', async () => {
    const app = await createApp(manifest(unique('Poster'), ['chat:write']));
    const bot = client(app.bot_token);
    const err = await platformError(bot.conversations.history({ channel: GENERAL }));
    assert.equal(err.error, 'missing_scope');
    assert.equal(err.needed, 'channels:history');
    assert.equal(err.provided, 'chat:write');
  });

  test('creating an app needs the admin token or an admin', async () => {
    const m = manifest(unique('Nope'), ['chat:write']);
    assert.deepEqual(await http('POST', '/api/_asym/apps', m), { status: 401, body: { ok: false, error: 'not_authed' } });
    assert.deepEqual(await http('POST', '/api/_asym/apps', m, { 'x-asym-admin-token': 'nope' }), {
      status: 401,
      body: { ok: false, error: 'invalid_auth' },
    });
    assert.deepEqual(await http('POST', '/api/_asym/apps', m, { authorization: `Bearer ${clone.tokens.bot}` }), {
      status: 403,
      body: { ok: false, error: 'not_allowed_token_type' },
    });
    const listed = await http('GET', '/api/_asym/apps', undefined, { authorization: `Bearer ${clone.tokens.user}` });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.apps.some((a) => a.is_default && a.name === 'asymmetric'));
  });

  test('login gives a JWT that works as a user token', async () => {
    const ok = await http('POST', '/api/auth/login', { email: 'dana@acme.test', password: 'password123' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.user, { id: DANA, name: 'dana', email: 'dana@acme.test', team_id: TEAM });
    const [header, payload, sig] = ok.body.token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    assert.equal(JSON.parse(Buffer.from(payload, 'base64url').toString()).sub, DANA);
    assert.ok(sig.length > 40);
    const me = await client(ok.body.token).auth.test();
    assert.equal(me.user_id, DANA);
    const bad = await http('POST', '/api/auth/login', { email: 'dana@acme.test', password: 'hunter2' });
    assert.deepEqual(bad, { status: 401, body: { ok: false, error: 'invalid_credentials' } });
  });
});

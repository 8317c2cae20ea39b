// The OAuth v2 install flow, profile photos and workspace administration through
// the official Node SDK (@slack/web-api), unchanged but for the base URL:
// GET /oauth/v2/authorize as a signed-in member, then `oauth.v2.access` (client
// credentials as form fields, as the SDK sends them); users.setPhoto with a real
// PNG Buffer; team.billableInfo / accessLogs / integrationLogs with an admin token
// the flow minted. One seeded clone (acme-corp) is spun for this file.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 140;

const DANA = 'U0ACMEDANA';
const PRIYA = 'U0ACMEPRIA';
const REDIRECT = 'http://127.0.0.1:9/slack/oauth_redirect';
const AGENT = 'asym-conformance/1.0 (node)';

let home;
let clone;
let root;
let apiUrl;
let owner;

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

/** A real PNG of one colour. */
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(kind, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function makeApp({ bot = ['chat:write', 'users:read'], user = ['search:read'], features } = {}) {
  const name = unique('oauth').slice(0, 30);
  const manifest = {
    display_information: { name },
    oauth_config: { scopes: { bot, user }, redirect_urls: [REDIRECT] },
  };
  if (features) manifest.features = features;
  const resp = await fetch(`${clone.api}/_asym/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clone.tokens.user}` },
    body: JSON.stringify(manifest),
  });
  const body = await resp.json();
  assert.equal(body.ok, true, JSON.stringify(body));
  return { ...body, name };
}

async function login(email) {
  const resp = await fetch(`${clone.api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': AGENT },
    body: JSON.stringify({ email, password: 'password123' }),
  });
  assert.equal(resp.status, 200);
  return (await resp.json()).token;
}

/** GET /oauth/v2/authorize without following the redirect. */
function authorize(app, jwt, { scope = '', userScope = '', redirectUri = REDIRECT, state = unique('state') } = {}) {
  const q = new URLSearchParams({ client_id: app.credentials.client_id, scope, user_scope: userScope, state });
  if (redirectUri) q.set('redirect_uri', redirectUri);
  const headers = { 'user-agent': AGENT };
  if (jwt) headers.authorization = `Bearer ${jwt}`;
  return fetch(`${root}/oauth/v2/authorize?${q}`, { redirect: 'manual', headers });
}

async function codeFor(app, jwt, opts) {
  const resp = await authorize(app, jwt, opts);
  assert.equal(resp.status, 302, await resp.text());
  const location = new URL(resp.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  return { code: location.searchParams.get('code'), state: location.searchParams.get('state') };
}

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-oauth-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  root = clone.api.replace(/\/api$/, '');
  owner = client(clone.tokens.user);
});

after(() => {
  try {
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

describe('OAuth v2', () => {
  test('authorize then oauth.v2.access mints tokens with exactly the requested scopes, once', async () => {
    const app = await makeApp();
    const jwt = await login('dana@acme.test');
    const { code, state } = await codeFor(app, jwt, { scope: 'chat:write', userScope: 'search:read', state: 'n-42' });
    assert.equal(state, 'n-42');
    const anon = client(undefined);
    const creds = { client_id: app.credentials.client_id, client_secret: app.credentials.client_secret };
    const resp = await anon.oauth.v2.access({ ...creds, code, redirect_uri: REDIRECT });
    assert.match(resp.access_token, /^xoxb-/);
    assert.equal(resp.token_type, 'bot');
    assert.equal(resp.scope, 'chat:write');
    assert.equal(resp.bot_user_id, app.bot_user_id);
    assert.equal(resp.app_id, app.app_id);
    assert.equal(resp.team.id, app.team_id);
    assert.equal(resp.enterprise, null);
    assert.equal(resp.authed_user.id, DANA);
    assert.equal(resp.authed_user.scope, 'search:read');
    assert.equal(resp.authed_user.token_type, 'user');
    assert.match(resp.authed_user.access_token, /^xoxp-/);

    const bot = client(resp.access_token);
    assert.equal((await bot.auth.test()).user_id, app.bot_user_id);
    const missing = await platformError(bot.users.list());
    assert.equal(missing.error, 'missing_scope');
    assert.equal(missing.needed, 'users:read');
    assert.equal((await client(resp.authed_user.access_token).auth.test()).user_id, DANA);

    assert.equal((await platformError(anon.oauth.v2.access({ ...creds, code, redirect_uri: REDIRECT }))).error, 'invalid_code');
  });

  test('oauth.v2.access names the bad credential', async () => {
    const app = await makeApp();
    const jwt = await login('dana@acme.test');
    const { code } = await codeFor(app, jwt, { scope: 'users:read' });
    const anon = client(undefined);
    const ok = { client_id: app.credentials.client_id, client_secret: app.credentials.client_secret, code, redirect_uri: REDIRECT };
    const error = async (args) => (await platformError(anon.oauth.v2.access(args))).error;
    assert.equal(await error({ ...ok, client_id: '1.2' }), 'invalid_client_id');
    assert.equal(await error({ ...ok, client_secret: 'nope' }), 'bad_client_secret');
    assert.equal(await error({ ...ok, redirect_uri: 'http://127.0.0.1:9/other' }), 'bad_redirect_uri');
    assert.equal(await error({ ...ok, grant_type: 'client_credentials' }), 'invalid_grant_type');
    assert.equal(await error({ ...ok, code: 'garbage' }), 'invalid_code');
    assert.equal((await anon.oauth.v2.access(ok)).scope, 'users:read');
  });

  test('authorize refuses strangers, unknown scopes and foreign redirect URIs', async () => {
    const app = await makeApp();
    const jwt = await login('dana@acme.test');
    assert.equal((await authorize(app, undefined, { scope: 'chat:write' })).status, 401);
    const badScope = await authorize(app, jwt, { scope: 'chat:write,reactions:write' });
    assert.equal(badScope.status, 400);
    assert.match(await badScope.text(), /invalid_scope/);
    const badRedirect = await authorize(app, jwt, { scope: 'chat:write', redirectUri: 'https://evil.example/cb' });
    assert.equal(badRedirect.status, 400);
    assert.match(await badRedirect.text(), /bad_redirect_uri/);
  });
});

describe('profile photos', () => {
  test('users.setPhoto stores a PNG the clone serves; users.deletePhoto removes it', async () => {
    const image = png(640, 640);
    const { profile } = await owner.users.setPhoto({ image });
    assert.equal(profile.is_custom_image, true);
    const served = await fetch(profile.image_192);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), image);
    const got = (await owner.users.profile.get({ user: DANA })).profile;
    assert.equal(got.image_original, profile.image_original);
    assert.equal(got.avatar_hash, profile.avatar_hash);

    await owner.users.deletePhoto();
    assert.notEqual((await owner.users.profile.get()).profile.image_192, profile.image_192);
    assert.equal((await fetch(profile.image_192)).status, 404);
  });

  test('users.setPhoto errors', async () => {
    assert.equal((await platformError(owner.users.setPhoto({ image: Buffer.from('plain text, not pixels') }))).error, 'bad_image');
    assert.equal((await platformError(owner.users.setPhoto({ image: png(1500, 700) }))).error, 'too_large');
    const bot = client(clone.tokens.bot);
    assert.equal((await platformError(bot.users.setPhoto({ image: png(600, 600) }))).error, 'not_allowed_token_type');
  });
});

describe('workspace administration', () => {
  test('an admin-scoped token from the OAuth flow reads billing, access and integration logs', async () => {
    assert.equal((await platformError(owner.team.billableInfo())).needed, 'admin');
    const app = await makeApp({ bot: ['chat:write'], user: ['admin'] });
    const jwt = await login('dana@acme.test');
    const { code } = await codeFor(app, jwt, { scope: 'chat:write', userScope: 'admin' });
    const resp = await client(undefined).oauth.v2.access({
      client_id: app.credentials.client_id,
      client_secret: app.credentials.client_secret,
      code,
      redirect_uri: REDIRECT,
    });
    const admin = client(resp.authed_user.access_token);

    const billable = (await admin.team.billableInfo()).billable_info;
    assert.deepEqual(billable[DANA], { billing_active: true });
    assert.deepEqual(billable[PRIYA], { billing_active: true });
    assert.equal(billable[app.bot_user_id], undefined);

    const { logins, paging } = await admin.team.accessLogs({ count: 10 });
    const mine = logins.find((l) => l.user_id === DANA && l.user_agent === AGENT);
    assert.ok(mine && mine.count >= 2, JSON.stringify(logins));
    assert.equal(paging.count, 10);

    const { logs } = await admin.team.integrationLogs({ app_id: app.app_id });
    assert.deepEqual(logs.map((l) => l.change_type), ['added', 'added']);
    assert.ok(logs.every((l) => l.app_type === app.name && l.user_id === DANA));
  });

  test('a member who is not an admin gets no_permission', async () => {
    const app = await makeApp({ bot: ['chat:write'], user: ['admin'] });
    const jwt = await login('priya@acme.test');
    const { code } = await codeFor(app, jwt, { scope: 'chat:write', userScope: 'admin' });
    const resp = await client(undefined).oauth.v2.access({
      client_id: app.credentials.client_id,
      client_secret: app.credentials.client_secret,
      code,
      redirect_uri: REDIRECT,
    });
    assert.equal(resp.authed_user.id, PRIYA);
    assert.equal((await platformError(client(resp.authed_user.access_token).team.integrationLogs())).error, 'no_permission');
  });
});

describe('calls', () => {
  test('calls.add, info, update, participants and end', async () => {
    const app = await makeApp({ bot: ['calls:read', 'calls:write'], user: [] });
    const bot = client(app.bot_token);
    const kim = { external_id: '54321678', display_name: 'Kim Possible' };
    const { call } = await bot.calls.add({
      external_unique_id: unique('sync'),
      join_url: 'https://calls.example/j/9',
      title: 'Sync',
      created_by: DANA,
      users: [{ slack_id: DANA }, kim],
    });
    assert.match(call.id, /^R/);
    assert.deepEqual(call.users, [{ slack_id: DANA }, kim]);
    assert.deepEqual((await bot.calls.info({ id: call.id })).call, call);
    assert.equal((await bot.calls.update({ id: call.id, join_url: 'https://calls.example/j/10' })).call.join_url, 'https://calls.example/j/10');
    await bot.calls.participants.add({ id: call.id, users: [{ slack_id: PRIYA }] });
    assert.equal((await platformError(bot.calls.participants.add({ id: call.id, users: [{ slack_id: PRIYA }] }))).error, 'bad_users');
    await bot.calls.participants.remove({ id: call.id, users: [{ slack_id: DANA }] });
    assert.deepEqual((await bot.calls.info({ id: call.id })).call.users, [kim, { slack_id: PRIYA }]);
    await bot.calls.end({ id: call.id });
    assert.ok((await bot.calls.info({ id: call.id })).call.date_end >= call.date_start);
    assert.equal((await platformError(bot.calls.end({ id: call.id }))).error, 'inactive_call');
    assert.equal((await platformError(bot.calls.info({ id: 'R0NOSUCHCALL' }))).error, 'invalid_call_id');
    const noCreator = await platformError(bot.calls.add({ external_unique_id: unique('x'), join_url: 'https://calls.example/j/11' }));
    assert.equal(noCreator.error, 'invalid_created_by');
  });
});

describe('chat.unfurl', () => {
  test('an unfurl is stored on the message and shown in history', async () => {
    const app = await makeApp({ bot: ['links:write'], user: [], features: { unfurl_domains: ['docs.example'] } });
    const bot = client(app.bot_token);
    const channel = (await owner.conversations.list()).channels.find((c) => c.name === 'general').id;
    const link = `https://docs.example/${unique('page')}`;
    const { ts } = await owner.chat.postMessage({ channel, text: `read <${link}>` });
    await bot.chat.unfurl({ channel, ts, unfurls: { [link]: { text: 'The page', title: 'Docs' } } });
    const [msg] = (await owner.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 })).messages;
    assert.equal(msg.ts, ts);
    assert.equal(msg.attachments.length, 1);
    assert.equal(msg.attachments[0].app_unfurl_url, link);
    assert.equal(msg.attachments[0].title, 'Docs');
    assert.equal(msg.attachments[0].is_app_unfurl, true);
    const err = await platformError(bot.chat.unfurl({ channel, ts, unfurls: { 'https://elsewhere.example/': { text: 'x' } } }));
    assert.equal(err.error, 'cannot_unfurl_url');
  });
});

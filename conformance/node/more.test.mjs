// More of the Slack Web API through the official Node SDK (@slack/web-api),
// unchanged but for the base URL: bots.info, team.profile.get, users.identity,
// Do Not Disturb, reminders, saved items (stars) with search's `is:saved`, and
// apps.uninstall with its events. One seeded clone (acme-corp) is spun for this file
// and destroyed after it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 120;

const TEAM = 'T0ACME0001';
const DANA = 'U0ACMEDANA';
const ALEX = 'U0ACMEALEX';

let home;
let clone;
let apiUrl;
let bot;
let user;
let me; // auth.test of the bot token
let server;
let serverUrl;
const received = [];

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

async function waitFor(what, probe, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = probe();
    if (got) return got;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const events = (appId, type) => received.filter((b) => b.api_app_id === appId && b.event?.type === type);

/** Creates an app from a manifest through the clone's control route (as Dana, an admin). */
async function makeApp({ bot: botScopes = ['users:read'], user: userScopes = [], botEvents = [], userEvents = [] } = {}) {
  const manifest = {
    display_information: { name: unique('more').slice(0, 30) },
    oauth_config: { scopes: { bot: botScopes, user: userScopes } },
  };
  if (botEvents.length || userEvents.length) {
    manifest.settings = { event_subscriptions: { request_url: serverUrl, bot_events: botEvents, user_events: userEvents } };
  }
  const resp = await fetch(`${clone.api}/_asym/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clone.tokens.user}` },
    body: JSON.stringify(manifest),
  });
  const body = await resp.json();
  assert.equal(body.ok, true, JSON.stringify(body));
  return body;
}

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-more-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  bot = client(clone.tokens.bot);
  user = client(clone.tokens.user);
  me = await bot.auth.test();
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (body.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
        return;
      }
      received.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${server.address().port}/events`;
});

after(async () => {
  try {
    if (server) await new Promise((r) => server.close(r));
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

describe('who is who', () => {
  test('bots.info describes a bot, bot_not_found otherwise', async () => {
    const info = (await user.bots.info({ bot: me.bot_id })).bot;
    assert.equal(info.id, me.bot_id);
    assert.equal(info.user_id, me.user_id);
    assert.match(info.app_id, /^A/);
    assert.equal(info.deleted, false);
    assert.deepEqual(Object.keys(info.icons).sort(), ['image_36', 'image_48', 'image_72']);
    assert.equal((await platformError(bot.bots.info({ bot: 'B0NOSUCHBOT' }))).error, 'bot_not_found');
  });

  test('team.profile.get lists the custom fields, filtered by visibility', async () => {
    const { fields } = (await bot.team.profile.get()).profile;
    assert.deepEqual(
      fields.map((f) => [f.id, f.type]),
      [
        ['Xf0ACMEDEPT', 'options_list'],
        ['Xf0ACMESTRT', 'date'],
        ['Xf0ACMEMNGR', 'user'],
        ['Xf0ACMEBDGE', 'text'],
      ],
    );
    assert.ok(fields[0].possible_values.includes('Design'));
    const hidden = (await user.team.profile.get({ visibility: 'hidden' })).profile.fields;
    assert.deepEqual(hidden.map((f) => f.label), ['Badge number']);
    assert.equal((await user.team.profile.get({ visibility: 'visible' })).profile.fields.length, 3);
  });

  test('users.identity answers identity tokens only', async () => {
    const r = await platformError(user.users.identity());
    assert.equal(r.error, 'missing_scope');
    assert.equal(r.needed, 'identity.basic');
    assert.equal((await platformError(bot.users.identity())).error, 'not_allowed_token_type');
    const app = await makeApp({ user: ['identity.basic', 'identity.email'] });
    const id = await client(app.user_token).users.identity();
    assert.deepEqual(id.user, { name: 'Dana Whitfield', id: DANA, email: 'dana@acme.test' });
    assert.deepEqual(id.team, { id: TEAM });
  });
});

describe('do not disturb', () => {
  test('snooze, look, end', async () => {
    const before = now();
    const set = await user.dnd.setSnooze({ num_minutes: 20 });
    assert.equal(set.snooze_enabled, true);
    assert.ok(set.snooze_endtime >= before + 1200 && set.snooze_endtime <= now() + 1200);
    const info = await user.dnd.info();
    assert.equal(info.dnd_enabled, true);
    assert.equal(info.snooze_endtime, set.snooze_endtime);
    const seen = await bot.dnd.info({ user: DANA });
    assert.equal(seen.dnd_enabled, true);
    assert.equal(seen.snooze_endtime, undefined, "others do not see the snooze's details");
    const team = (await bot.dnd.teamInfo({ users: `${DANA},${ALEX}` })).users;
    assert.equal(team[DANA].next_dnd_end_ts, set.snooze_endtime);
    assert.equal(team[ALEX].dnd_enabled, false);
    const ended = await user.dnd.endSnooze();
    assert.equal(ended.snooze_enabled, false);
    assert.equal((await platformError(user.dnd.endSnooze())).error, 'snooze_not_active');
    assert.equal((await user.dnd.endDnd()).ok, true);
  });

  test('errors: bot tokens, unknown users', async () => {
    assert.equal((await platformError(bot.dnd.setSnooze({ num_minutes: 5 }))).error, 'not_allowed_token_type');
    assert.equal((await platformError(bot.dnd.info({ user: 'U0NOBODY00' }))).error, 'user_not_found');
    assert.equal((await platformError(bot.dnd.teamInfo({ users: 'U0NOBODY00' }))).error, 'user_not_visible');
  });

  test('changes reach the apps subscribed to them', async () => {
    const app = await makeApp({
      bot: ['dnd:read'],
      user: ['dnd:read', 'dnd:write'],
      botEvents: ['dnd_updated_user'],
      userEvents: ['dnd_updated'],
    });
    const set = await client(app.user_token).dnd.setSnooze({ num_minutes: 3 });
    const own = (await waitFor('dnd_updated', () => events(app.app_id, 'dnd_updated')[0])).event;
    assert.equal(own.user, DANA);
    assert.equal(own.dnd_status.snooze_endtime, set.snooze_endtime);
    const all = (await waitFor('dnd_updated_user', () => events(app.app_id, 'dnd_updated_user')[0])).event;
    assert.deepEqual(Object.keys(all.dnd_status).sort(), ['dnd_enabled', 'next_dnd_end_ts', 'next_dnd_start_ts']);
    await user.dnd.endDnd();
  });
});

describe('reminders', () => {
  test('add in words and numbers, list, info, complete, delete', async () => {
    const t0 = now();
    const soon = (await user.reminders.add({ text: 'stand up and stretch', time: 'in 10 minutes' })).reminder;
    assert.match(soon.id, /^Rm/);
    assert.ok(soon.time >= t0 + 600 && soon.time <= now() + 600);
    const at = now() + 2 * 86400;
    const later = (await user.reminders.add({ text: 'call Globex', time: at })).reminder;
    assert.equal(later.time, at);
    const daily = (await user.reminders.add({ text: 'inbox zero', time: 'every day at 8am' })).reminder;
    assert.equal(daily.recurring, true);
    assert.deepEqual(daily.recurrence, { frequency: 'daily' });

    const ids = (await user.reminders.list()).reminders.map((r) => r.id);
    assert.deepEqual(ids, [soon.id, later.id, daily.id]);
    await user.reminders.complete({ reminder: later.id });
    assert.ok((await user.reminders.info({ reminder: later.id })).reminder.complete_ts >= t0);
    assert.equal((await platformError(user.reminders.complete({ reminder: daily.id }))).error, 'cannot_complete_recurring');
    for (const id of [soon.id, later.id, daily.id]) await user.reminders.delete({ reminder: id });
    assert.deepEqual((await user.reminders.list()).reminders, []);
    assert.equal((await platformError(user.reminders.info({ reminder: soon.id }))).error, 'not_found');
  });

  test('errors: unparseable time, others, bots', async () => {
    assert.equal((await platformError(user.reminders.add({ text: 'x', time: 'someday' }))).error, 'cannot_parse');
    assert.equal((await platformError(user.reminders.add({ text: 'x', time: 'in 1 hour', user: ALEX }))).error, 'cannot_add_others');
    assert.equal((await platformError(bot.reminders.add({ text: 'x', time: 'in 1 hour' }))).error, 'not_allowed_token_type');
    assert.equal((await platformError(user.reminders.delete({ reminder: 'Rm0NOSUCH00' }))).error, 'not_found');
  });
});

describe('saved items', () => {
  test('save a message and a channel, find it with is:saved, unsave', async () => {
    const room = (await user.conversations.create({ name: unique('saved') })).channel;
    const keep = (await user.chat.postMessage({ channel: room.id, text: 'quarterly numbers draft' })).ts;
    await user.chat.postMessage({ channel: room.id, text: 'quarterly numbers final' });
    await user.stars.add({ channel: room.id, timestamp: keep });
    await user.stars.add({ channel: room.id });
    const { items, paging } = await user.stars.list();
    assert.deepEqual(
      items.map((i) => i.type),
      ['channel', 'message'],
    );
    assert.equal(items[1].message.ts, keep);
    assert.equal(paging.total, 2);
    const hits = (await user.search.messages({ query: `quarterly is:saved in:#${room.name}` })).messages.matches;
    assert.deepEqual(
      hits.map((h) => h.ts),
      [keep],
    );
    assert.equal((await platformError(user.stars.add({ channel: room.id, timestamp: keep }))).error, 'already_starred');
    await user.stars.remove({ channel: room.id, timestamp: keep });
    await user.stars.remove({ channel: room.id });
    assert.equal((await platformError(user.stars.remove({ channel: room.id }))).error, 'not_starred');
    assert.deepEqual((await user.stars.list()).items, []);
  });

  test('errors: no item, bad timestamp, missing message, bot tokens', async () => {
    assert.equal((await platformError(user.stars.add({}))).error, 'no_item_specified');
    assert.equal((await platformError(user.stars.add({ channel: 'C0ACMERAND', timestamp: 'soon' }))).error, 'bad_timestamp');
    assert.equal((await platformError(user.stars.add({ channel: 'C0ACMERAND', timestamp: '1600000000.000001' }))).error, 'message_not_found');
    assert.equal((await platformError(bot.stars.list())).error, 'not_allowed_token_type');
  });
});

describe('apps.uninstall', () => {
  test('revokes the app and tells only that app', async () => {
    const app = await makeApp({ bot: ['users:read'], botEvents: ['app_uninstalled', 'tokens_revoked'] });
    const other = await makeApp({ bot: ['users:read'], botEvents: ['app_uninstalled'] });
    const { client_id, client_secret } = app.credentials;
    const mine = client(app.bot_token);
    assert.equal((await platformError(mine.apps.uninstall({ client_id, client_secret: 'nope' }))).error, 'bad_client_secret');
    assert.equal((await platformError(mine.apps.uninstall({ client_id: '0.0', client_secret }))).error, 'invalid_client_id');
    assert.equal((await platformError(client(other.bot_token).apps.uninstall({ client_id, client_secret }))).error, 'client_id_token_mismatch');

    assert.equal((await mine.apps.uninstall({ client_id, client_secret })).ok, true);
    assert.equal((await platformError(mine.auth.test())).error, 'invalid_auth');
    const gone = await waitFor('app_uninstalled', () => events(app.app_id, 'app_uninstalled')[0]);
    assert.deepEqual(gone.event, { type: 'app_uninstalled' });
    const revoked = (await waitFor('tokens_revoked', () => events(app.app_id, 'tokens_revoked')[0])).event;
    assert.deepEqual(revoked.tokens, { bot: [app.bot_user_id] });
    assert.equal((await bot.users.info({ user: app.bot_user_id })).user.deleted, true);
    await sleep(300);
    assert.deepEqual(events(other.app_id, 'app_uninstalled'), []);
  });
});

// The Slack clone driven by the official Node SDK (@slack/web-api), changing only
// `slackApiUrl`. One seeded clone (fixture acme-corp) is spun through the `asym`
// binary before the tests and destroyed after them. No test posts to #general,
// so its seeded history stays exact.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 0;

const TEAM = 'T0ACME0001';
const DANA = 'U0ACMEDANA';
const SEEDED_USERS = ['U0ACMEDANA', 'U0ACMEALEX', 'U0ACMEPRIA', 'U0ACMESAMK', 'U0ACMEJORD', 'U0ACMEMEIL'];
const PUBLIC = ['C0ACMEGNRL', 'C0ACMERAND', 'C0ACMEENGR', 'C0ACMESUPP', 'C0ACMEOLDP'];
const GENERAL = 'C0ACMEGNRL';
const RANDOM = 'C0ACMERAND';
const ENGINEERING = 'C0ACMEENGR';
const SUPPORT = 'C0ACMESUPP';
const PRIVATE = 'G0ACMELEAD';
const ARCHIVED = 'C0ACMEOLDP';
const GENERAL_SEEDED = [
  // newest first, as conversations.history returns them
  ['1704117600.000300', 'U0ACMEJORD', 'Reminder: the support rota for next week is posted in #support.'],
  ['1704114000.000200', 'U0ACMEPRIA', 'Q1 roadmap review is Thursday at 10am PT.'],
  ['1704110400.000100', 'U0ACMEDANA', "Welcome to Acme Corp's Slack! Please keep #general for company-wide news."],
];

const sorted = (xs) => [...xs].sort();
const tsKey = (ts) => ts.split('.').map(Number);
const tsLess = (a, b) => {
  const [as, au] = tsKey(a);
  const [bs, bu] = tsKey(b);
  return as < bs || (as === bs && au < bu);
};

let home;
let clone;
let apiUrl;
let bot;
let user;
let me; // auth.test of the bot token

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(() => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  bot = client(clone.tokens.bot);
  user = client(clone.tokens.user);
});

after(() => {
  try {
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

describe('api.test, auth.test, team.info', () => {
  before(async () => {
    me = await bot.auth.test();
  });

  test('api.test echoes its arguments', async () => {
    const r = await bot.api.test({ foo: 'bar' });
    assert.equal(r.ok, true);
    assert.deepEqual(r.args, { foo: 'bar' });
  });

  test('api.test fails on request', async () => {
    const data = await platformError(client(clone.tokens.bot, { retryConfig: { retries: 0 } }).api.test({ error: 'my_error' }));
    assert.equal(data.error, 'my_error');
  });

  test('auth.test with the bot token', () => {
    assert.equal(me.ok, true);
    assert.equal(me.team_id, TEAM);
    assert.equal(me.team, 'Acme Corp');
    assert.equal(me.url, 'https://acme-corp.slack.com/');
    assert.match(me.user_id, /^U/);
    assert.ok(!SEEDED_USERS.includes(me.user_id));
    assert.match(me.bot_id, /^B/);
    assert.equal(me.is_enterprise_install, false);
  });

  test('auth.test with the user token acts as the owner', async () => {
    const r = await user.auth.test();
    assert.equal(r.team_id, TEAM);
    assert.equal(r.user_id, DANA);
    assert.equal(r.user, 'dana');
    assert.equal(r.bot_id, undefined);
  });

  test('the SDK reads the scope headers', async () => {
    const r = await bot.users.list({ limit: 1 });
    assert.ok(r.response_metadata.scopes.includes('chat:write'));
    assert.ok(r.response_metadata.scopes.includes('users:read.email'));
    assert.deepEqual(r.response_metadata.acceptedScopes, ['users:read']);
  });

  test('team.info', async () => {
    const { team } = await bot.team.info();
    assert.equal(team.id, TEAM);
    assert.equal(team.name, 'Acme Corp');
    assert.equal(team.domain, 'acme-corp');
    assert.equal(team.url, 'https://acme-corp.slack.com/');
  });
});

describe('users', () => {
  test('paginate("users.list") walks every user once', async () => {
    const pages = [];
    for await (const page of bot.paginate('users.list', { limit: 2 })) pages.push(page);
    assert.equal(pages.length, 4, 'six people and the bot user, two per page');
    assert.ok(pages.every((p) => p.members.length <= 2));
    const ids = pages.flatMap((p) => p.members.map((m) => m.id));
    assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids}`);
    const self = (await bot.auth.test()).user_id;
    assert.deepEqual(sorted(ids), sorted([...SEEDED_USERS, self]));
  });

  test('paginate with a reducer', async () => {
    const ids = await bot.paginate(
      'users.list',
      { limit: 3 },
      () => false,
      (acc = [], page) => acc.concat(page.members.map((m) => m.id)),
    );
    assert.equal(ids.length, 7);
    assert.equal(new Set(ids).size, 7);
  });

  test('users.info', async () => {
    const { user: u } = await bot.users.info({ user: DANA });
    assert.equal(u.id, DANA);
    assert.equal(u.name, 'dana');
    assert.equal(u.real_name, 'Dana Whitfield');
    assert.equal(u.is_primary_owner, true);
    assert.equal(u.is_bot, false);
    assert.equal(u.profile.email, 'dana@acme.test');
    assert.equal(u.profile.title, 'Head of Operations');
    const { user: jordan } = await bot.users.info({ user: 'U0ACMEJORD' });
    assert.equal(jordan.tz, 'America/New_York');
    assert.equal(jordan.is_admin, false);
  });

  test('users.info of an unknown user', async () => {
    const data = await platformError(bot.users.info({ user: 'U0NOBODY00' }));
    assert.equal(data.error, 'user_not_found');
  });
});

describe('conversations', () => {
  test('conversations.list defaults to public channels', async () => {
    const r = await bot.conversations.list();
    assert.deepEqual(sorted(r.channels.map((c) => c.id)), sorted(PUBLIC));
    assert.equal(r.response_metadata.next_cursor, '');
    const byId = Object.fromEntries(r.channels.map((c) => [c.id, c]));
    assert.equal(byId[ARCHIVED].is_archived, true);
    assert.equal(byId[ARCHIVED].is_member, false);
    assert.equal(byId[GENERAL].is_general, true);
    assert.equal(byId[GENERAL].is_member, true);
    const open = await bot.conversations.list({ exclude_archived: true });
    assert.deepEqual(sorted(open.channels.map((c) => c.id)), sorted(PUBLIC.filter((c) => c !== ARCHIVED)));
  });

  test('paginate("conversations.list") with private channels for the owner', async () => {
    const ids = [];
    let pages = 0;
    for await (const page of user.paginate('conversations.list', { types: 'public_channel,private_channel', limit: 2 })) {
      pages += 1;
      ids.push(...page.channels.map((c) => c.id));
    }
    assert.equal(pages, 3);
    assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids}`);
    assert.deepEqual(sorted(ids), sorted([...PUBLIC, PRIVATE]));
  });

  test('private channels are hidden from non-members', async () => {
    const r = await bot.conversations.list({ types: 'private_channel' });
    assert.deepEqual(r.channels, []);
    const data = await platformError(bot.conversations.info({ channel: PRIVATE }));
    assert.equal(data.error, 'channel_not_found');
    const { channel } = await user.conversations.info({ channel: PRIVATE });
    assert.equal(channel.is_private, true);
    assert.equal(channel.name, 'leadership');
  });

  test('conversations.info', async () => {
    const { channel } = await bot.conversations.info({ channel: GENERAL });
    assert.equal(channel.id, GENERAL);
    assert.equal(channel.name, 'general');
    assert.equal(channel.is_channel, true);
    assert.equal(channel.is_member, true);
    assert.equal(channel.creator, DANA);
    assert.equal(channel.topic.value, 'Company-wide announcements');
    assert.equal(channel.num_members, undefined);
    const counted = await bot.conversations.info({ channel: GENERAL, include_num_members: true });
    assert.equal(counted.channel.num_members, 7);
  });

  test('conversations.history of #general', async () => {
    const r = await user.conversations.history({ channel: GENERAL });
    assert.equal(r.has_more, false);
    assert.deepEqual(
      r.messages.map((m) => [m.ts, m.user, m.text]),
      GENERAL_SEEDED,
    );
    assert.ok(r.messages.every((m) => m.type === 'message' && typeof m.ts === 'string'));
  });

  test('paginate("conversations.history")', async () => {
    const pages = [];
    for await (const page of bot.paginate('conversations.history', { channel: GENERAL, limit: 1 })) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.has_more),
      [true, true, false],
    );
    assert.deepEqual(
      pages.map((p) => p.messages[0].ts),
      GENERAL_SEEDED.map(([ts]) => ts),
    );
  });

  test('thread replies stay out of history', async () => {
    const { messages } = await bot.conversations.history({ channel: RANDOM, limit: 100 });
    const parent = messages.find((m) => m.ts === '1704121200.000100');
    assert.ok(parent);
    assert.equal(parent.thread_ts, parent.ts);
    assert.equal(parent.reply_count, 1);
    assert.deepEqual(parent.reply_users, ['U0ACMESAMK']);
    assert.ok(!messages.some((m) => m.ts === '1704121800.000200'));
  });

  test('a bot outside a channel cannot read it', async () => {
    assert.equal((await platformError(bot.conversations.history({ channel: ARCHIVED }))).error, 'not_in_channel');
    const r = await user.conversations.history({ channel: ARCHIVED });
    assert.deepEqual(
      r.messages.map((m) => m.text),
      ['Phoenix is live. Archiving this channel.'],
    );
  });
});

describe('chat.postMessage', () => {
  test('posted messages show in history with increasing ts', async () => {
    const self = await bot.auth.test();
    const posted = [];
    for (let i = 0; i < 3; i++) {
      const r = await bot.chat.postMessage({ channel: SUPPORT, text: `node message ${i}` });
      assert.equal(r.ok, true);
      assert.equal(r.channel, SUPPORT);
      assert.equal(typeof r.ts, 'string');
      assert.equal(r.message.ts, r.ts);
      assert.equal(r.message.text, `node message ${i}`);
      assert.equal(r.message.user, self.user_id);
      assert.equal(r.message.bot_id, self.bot_id);
      posted.push(r.ts);
    }
    assert.ok(tsLess(posted[0], posted[1]) && tsLess(posted[1], posted[2]), `ts strictly increasing: ${posted}`);
    const { messages } = await user.conversations.history({ channel: SUPPORT });
    assert.deepEqual(
      messages.slice(0, 3).map((m) => m.ts),
      [...posted].reverse(),
    );
    assert.deepEqual(
      messages.slice(0, 3).map((m) => m.text),
      ['node message 2', 'node message 1', 'node message 0'],
    );
    assert.equal(messages[3].text, 'Globex reports invoices not arriving. Investigating.');
  });

  test('blocks round-trip through the form encoding', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*bold* move' } }];
    const r = await bot.chat.postMessage({ channel: ENGINEERING, text: 'fallback', blocks });
    assert.deepEqual(r.message.blocks, blocks);
    const { messages } = await bot.conversations.history({ channel: ENGINEERING, limit: 1 });
    assert.equal(messages[0].ts, r.ts);
    assert.deepEqual(messages[0].blocks, blocks);
  });

  test('thread reply', async () => {
    const parent = '1704124800.000100';
    const top = async () => (await bot.conversations.history({ channel: ENGINEERING })).messages;
    const before = (await top()).find((m) => m.ts === parent).reply_count;
    const r = await bot.chat.postMessage({ channel: ENGINEERING, text: 'threaded', thread_ts: parent });
    assert.equal(r.message.thread_ts, parent);
    const after = await top();
    assert.ok(!after.some((m) => m.ts === r.ts));
    const p = after.find((m) => m.ts === parent);
    assert.equal(p.reply_count, before + 1);
    assert.equal(p.latest_reply, r.ts);
  });

  test('the user token posts as the owner', async () => {
    const r = await user.chat.postMessage({ channel: PRIVATE, text: 'owner note' });
    assert.equal(r.message.user, DANA);
    assert.equal(r.message.bot_id, undefined);
  });

  test('thread reply names the parent author', async () => {
    const r = await user.chat.postMessage({ channel: SUPPORT, text: 'dana chimes in', thread_ts: '1704128400.000100' });
    assert.equal(r.message.parent_user_id, 'U0ACMEJORD');
  });
});

describe('errors', () => {
  const noRetry = { retryConfig: { retries: 0 } };

  test('invalid token', async () => {
    const bad = client('xoxb-0000-not-a-real-token', noRetry);
    assert.equal((await platformError(bad.auth.test())).error, 'invalid_auth');
    assert.equal((await platformError(bad.conversations.list())).error, 'invalid_auth');
  });

  test('missing token', async () => {
    const anon = client(undefined, noRetry);
    assert.equal((await platformError(anon.auth.test())).error, 'not_authed');
  });

  test('channel_not_found', async () => {
    const c = client(clone.tokens.bot, noRetry);
    assert.equal((await platformError(c.chat.postMessage({ channel: 'C0NOPE0000', text: 'hi' }))).error, 'channel_not_found');
    assert.equal((await platformError(c.conversations.history({ channel: 'C0NOPE0000' }))).error, 'channel_not_found');
    assert.equal((await platformError(c.conversations.info({ channel: 'C0NOPE0000' }))).error, 'channel_not_found');
  });

  test('postMessage rules', async () => {
    const c = client(clone.tokens.bot, noRetry);
    assert.equal((await platformError(c.chat.postMessage({ channel: ARCHIVED, text: 'hi' }))).error, 'is_archived');
    assert.equal((await platformError(c.chat.postMessage({ channel: SUPPORT, text: '' }))).error, 'no_text');
    assert.equal(
      (await platformError(c.chat.postMessage({ channel: SUPPORT, text: 'x', thread_ts: '1234.5678' }))).error,
      'thread_not_found',
    );
  });

  test('invalid cursor', async () => {
    const c = client(clone.tokens.bot, noRetry);
    assert.equal((await platformError(c.conversations.list({ cursor: 'not-a-cursor' }))).error, 'invalid_cursor');
  });

  test('a published method that is not built answers not_implemented', async () => {
    const c = client(clone.tokens.bot, noRetry);
    // Methods Slack publishes that the clone has not built yet (see templates/slack/COVERAGE.md).
    const data = await platformError(c.rtm.connect());
    assert.equal(data.error, 'not_implemented');
    assert.equal(data.req_method, 'rtm.connect');
  });

  test('an unknown method answers unknown_method', async () => {
    const c = client(clone.tokens.bot, noRetry);
    const data = await platformError(c.apiCall('nonexistent.method'));
    assert.equal(data.error, 'unknown_method');
  });
});

// The conversations family (conversations.create/join/leave/invite/kick/archive/
// unarchive/rename/setTopic/setPurpose/replies/members/open/close/mark and
// users.conversations) driven by the official Node SDK (@slack/web-api), changing
// only `slackApiUrl`. This file spins its own seeded clone (fixture acme-corp) and
// destroys it afterwards. The user token acts as Dana (primary owner); the bot
// token as the app's bot user, which the fixture placed in the open public channels.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 40;

const DANA = 'U0ACMEDANA';
const ALEX = 'U0ACMEALEX';
const PRIYA = 'U0ACMEPRIA';
const SAM = 'U0ACMESAMK';
const JORDAN = 'U0ACMEJORD';
const MEI = 'U0ACMEMEIL';
const GENERAL = 'C0ACMEGNRL';
const RANDOM = 'C0ACMERAND';
const ENGINEERING = 'C0ACMEENGR';
const PRIVATE = 'G0ACMELEAD';
const ARCHIVED = 'C0ACMEOLDP';

const sorted = (xs) => [...xs].sort();

let home;
let clone;
let apiUrl;
let bot;
let user;
let botUser; // the bot token's user id

/** The channel's system messages (those with a subtype), oldest first. */
async function systemMessages(c, channel) {
  const { messages } = await c.conversations.history({ channel });
  return messages.filter((m) => m.subtype).reverse();
}

async function allPages(c, method, args) {
  const pages = [];
  for await (const page of c.paginate(method, args)) pages.push(page);
  return pages;
}

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--json')).clone;
  apiUrl = `${clone.api}/`;
  bot = client(clone.tokens.bot);
  user = client(clone.tokens.user);
  botUser = (await bot.auth.test()).user_id;
});

after(() => {
  try {
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

describe('a private incident channel, run by the bot', () => {
  test('create, invite, thread, rename, topic, purpose, kick, archive, leave', async () => {
    const name = unique('incident');
    const created = await bot.conversations.create({ name, is_private: true });
    const cid = created.channel.id;
    assert.match(cid, /^C/);
    assert.equal(created.channel.name, name);
    assert.equal(created.channel.is_private, true);
    assert.equal(created.channel.is_group, true);
    assert.equal(created.channel.is_member, true);
    assert.equal(created.channel.creator, botUser);
    assert.deepEqual(created.channel.previous_names, []);

    // Dana cannot see it until she is invited.
    assert.equal((await platformError(user.conversations.info({ channel: cid }))).error, 'channel_not_found');
    const invited = await bot.conversations.invite({ channel: cid, users: [DANA, ALEX].join(',') });
    assert.equal(invited.channel.num_members, 3);
    const seen = await user.conversations.info({ channel: cid, include_num_members: true });
    assert.equal(seen.channel.is_member, true);
    assert.equal(seen.channel.num_members, 3);
    assert.equal(seen.channel.last_read, '0000000000.000000');
    const joins = (await systemMessages(user, cid)).filter((m) => m.subtype === 'channel_join');
    assert.deepEqual(
      joins.map((m) => [m.user, m.inviter]),
      [
        [botUser, undefined],
        [DANA, botUser],
        [ALEX, botUser],
      ],
    );

    // A thread with three replies, read one reply per page.
    const parent = (await bot.chat.postMessage({ channel: cid, text: 'Checkout is failing for EU customers' })).ts;
    const replies = [];
    for (const text of ['Rolling back 2024.03.1', 'Rollback done', 'Confirmed fixed']) {
      replies.push((await user.chat.postMessage({ channel: cid, thread_ts: parent, text })).ts);
    }
    const pages = await allPages(bot, 'conversations.replies', { channel: cid, ts: parent, limit: 1 });
    assert.equal(pages.length, 3);
    assert.ok(pages.every((p) => p.messages[0].ts === parent), 'each page starts with the parent');
    assert.deepEqual(
      pages.map((p) => p.messages.slice(1).map((m) => m.ts)),
      replies.map((ts) => [ts]),
    );
    const whole = await bot.conversations.replies({ channel: cid, ts: replies[1] });
    assert.deepEqual(
      whole.messages.map((m) => m.ts),
      [parent, ...replies],
    );
    assert.equal(whole.messages[0].reply_count, 3);
    assert.deepEqual(whole.messages[0].reply_users, [DANA]);
    assert.ok(whole.messages.slice(1).every((m) => m.parent_user_id === botUser && m.thread_ts === parent));
    const bounded = await bot.conversations.replies({ channel: cid, ts: parent, latest: replies[1] });
    assert.deepEqual(
      bounded.messages.map((m) => m.ts),
      [parent, replies[0]],
    );
    const inclusive = await bot.conversations.replies({ channel: cid, ts: parent, latest: replies[1], inclusive: true });
    assert.deepEqual(
      inclusive.messages.map((m) => m.ts),
      [parent, replies[0], replies[1]],
    );

    // The bot created it, so the bot may rename it.
    const newName = unique('incident-eu-checkout');
    const renamed = await bot.conversations.rename({ channel: cid, name: newName });
    assert.equal(renamed.channel.name, newName);
    assert.deepEqual(renamed.channel.previous_names, [name]);
    const topic = await user.conversations.setTopic({ channel: cid, topic: 'SEV2: EU checkout' });
    assert.equal(topic.channel.topic.value, 'SEV2: EU checkout');
    assert.equal(topic.channel.topic.creator, DANA);
    const purpose = await bot.conversations.setPurpose({ channel: cid, purpose: 'Incident response' });
    assert.equal(purpose.channel.purpose.value, 'Incident response');
    const sys = await systemMessages(user, cid);
    const byType = Object.fromEntries(sys.map((m) => [m.subtype, m]));
    assert.equal(byType.channel_name.old_name, name);
    assert.equal(byType.channel_name.name, newName);
    assert.equal(byType.channel_topic.topic, 'SEV2: EU checkout');
    assert.equal(byType.channel_topic.user, DANA);
    assert.equal(byType.channel_purpose.purpose, 'Incident response');

    // Members through the SDK's paginator.
    const memberPages = await allPages(bot, 'conversations.members', { channel: cid, limit: 2 });
    assert.deepEqual(
      memberPages.map((p) => p.members.length),
      [2, 1],
    );
    assert.deepEqual(sorted(memberPages.flatMap((p) => p.members)), sorted([DANA, ALEX, botUser]));

    // Alex is off the incident.
    await bot.conversations.kick({ channel: cid, user: ALEX });
    assert.deepEqual(sorted((await bot.conversations.members({ channel: cid })).members), sorted([DANA, botUser]));
    assert.equal((await platformError(bot.conversations.kick({ channel: cid, user: ALEX }))).error, 'not_in_channel');

    // Resolved: archive. Posting is refused until it is unarchived.
    await bot.conversations.archive({ channel: cid });
    assert.equal((await bot.conversations.info({ channel: cid })).channel.is_archived, true);
    assert.equal((await platformError(user.chat.postMessage({ channel: cid, text: 'late' }))).error, 'is_archived');
    assert.equal((await platformError(bot.conversations.archive({ channel: cid }))).error, 'already_archived');
    await bot.conversations.unarchive({ channel: cid });
    assert.equal((await platformError(bot.conversations.unarchive({ channel: cid }))).error, 'not_archived');
    const last = await systemMessages(user, cid);
    assert.deepEqual(
      last.slice(-2).map((m) => m.subtype),
      ['channel_archive', 'channel_unarchive'],
    );

    // Dana leaves; the bot, the last member, may not.
    await user.conversations.leave({ channel: cid });
    assert.equal((await platformError(user.conversations.info({ channel: cid }))).error, 'channel_not_found');
    assert.equal((await platformError(bot.conversations.leave({ channel: cid }))).error, 'last_member');
  });
});

describe('public channels', () => {
  test('join warns when already in, leave answers not_in_channel when out', async () => {
    const cid = (await user.conversations.create({ name: unique('guild') })).channel.id;
    const first = await bot.conversations.join({ channel: cid });
    assert.equal(first.channel.is_member, true);
    assert.equal(first.warning, undefined);
    const second = await bot.conversations.join({ channel: cid });
    assert.equal(second.ok, true);
    assert.equal(second.warning, 'already_in_channel');
    assert.deepEqual(second.response_metadata.warnings, ['already_in_channel']);
    await bot.conversations.leave({ channel: cid });
    assert.equal((await platformError(bot.conversations.leave({ channel: cid }))).error, 'not_in_channel');
    assert.equal((await platformError(bot.conversations.leave({ channel: GENERAL }))).error, 'cant_leave_general');
    assert.equal((await platformError(bot.conversations.join({ channel: ARCHIVED }))).error, 'is_archived');
    assert.equal((await platformError(user.conversations.join({ channel: PRIVATE }))).error, 'method_not_supported_for_channel_type');
  });

  test('name rules on create and rename', async () => {
    const bad = async (args) => (await platformError(user.conversations.create(args))).error;
    assert.equal(await bad({ name: '' }), 'invalid_name_required');
    assert.equal(await bad({ name: 'Q3 Planning' }), 'invalid_name_specials');
    assert.equal(await bad({ name: 'q3.planning' }), 'invalid_name_specials');
    assert.equal(await bad({ name: 'q'.repeat(81) }), 'invalid_name_maxlength');
    assert.equal(await bad({ name: 'random' }), 'name_taken');
    const cid = (await user.conversations.create({ name: unique('planning') })).channel.id;
    assert.equal((await platformError(user.conversations.rename({ channel: cid, name: 'general' }))).error, 'name_taken');
    assert.equal((await platformError(bot.conversations.rename({ channel: cid, name: unique('x') }))).error, 'not_in_channel');
    await user.conversations.invite({ channel: cid, users: botUser });
    assert.equal((await platformError(bot.conversations.rename({ channel: cid, name: unique('x') }))).error, 'not_authorized');
  });

  test('invite, kick and archive errors', async () => {
    const cid = (await user.conversations.create({ name: unique('sales') })).channel.id;
    const err = async (p) => (await platformError(p)).error;
    assert.equal(await err(user.conversations.invite({ channel: cid, users: DANA })), 'cant_invite_self');
    assert.equal(await err(user.conversations.invite({ channel: cid, users: 'U0NOBODY00' })), 'user_not_found');
    assert.equal(await err(bot.conversations.invite({ channel: cid, users: SAM })), 'not_in_channel');
    await user.conversations.invite({ channel: cid, users: SAM });
    assert.equal(await err(user.conversations.invite({ channel: cid, users: `${JORDAN},${SAM}` })), 'already_in_channel');
    assert.ok(!(await user.conversations.members({ channel: cid })).members.includes(JORDAN), 'nobody added on error');
    assert.equal(await err(user.conversations.kick({ channel: cid, user: DANA })), 'cant_kick_self');
    assert.equal(await err(user.conversations.kick({ channel: cid, user: MEI })), 'not_in_channel');
    assert.equal(await err(user.conversations.kick({ channel: GENERAL, user: SAM })), 'cant_kick_from_general');
    assert.equal(await err(user.conversations.archive({ channel: GENERAL })), 'cant_archive_general');
    assert.equal(await err(user.conversations.setTopic({ channel: cid, topic: 't'.repeat(251) })), 'too_long');
    assert.equal(await err(bot.conversations.setTopic({ channel: cid, topic: 'hi' })), 'not_in_channel');
    assert.equal(await err(bot.conversations.invite({ channel: 'C0NOPE0000', users: SAM })), 'channel_not_found');
  });

  test('conversations.replies on the seeded thread, and its errors', async () => {
    const r = await bot.conversations.replies({ channel: RANDOM, ts: '1704121200.000100' });
    assert.deepEqual(
      r.messages.map((m) => [m.ts, m.user]),
      [
        ['1704121200.000100', MEI],
        ['1704121800.000200', SAM],
      ],
    );
    assert.equal(r.has_more, false);
    const err = async (args) => (await platformError(bot.conversations.replies(args))).error;
    assert.equal(await err({ channel: RANDOM, ts: '1600000000.000001' }), 'thread_not_found');
    assert.equal(await err({ channel: PRIVATE, ts: '1704132000.000100' }), 'channel_not_found');
    assert.equal(await err({ channel: RANDOM, ts: '1704121200.000100', latest: 'later' }), 'invalid_ts_latest');
  });
});

describe('DMs and group DMs', () => {
  test('open, post, read, mark, close and reopen a DM', async () => {
    const opened = await user.conversations.open({ users: botUser });
    const dm = opened.channel.id;
    assert.match(dm, /^D/);
    const again = await bot.conversations.open({ users: DANA, return_im: true });
    assert.equal(again.channel.id, dm, 'one DM per pair');
    assert.equal(again.already_open, true);
    assert.equal(again.channel.is_im, true);
    assert.equal(again.channel.user, DANA);

    const ts = (await bot.chat.postMessage({ channel: dm, text: 'Build 812 is green' })).ts;
    const { messages } = await user.conversations.history({ channel: dm });
    assert.deepEqual(
      messages.map((m) => [m.ts, m.user, m.text]),
      [[ts, botUser, 'Build 812 is green']],
    );
    let info = (await user.conversations.info({ channel: dm })).channel;
    assert.equal(info.user, botUser);
    assert.equal(info.unread_count, 1);
    assert.equal(info.latest.ts, ts);
    await user.conversations.mark({ channel: dm, ts });
    info = (await user.conversations.info({ channel: dm })).channel;
    assert.equal(info.last_read, ts);
    assert.equal(info.unread_count, 0);

    await user.conversations.close({ channel: dm });
    const closedAgain = await user.conversations.close({ channel: dm });
    assert.equal(closedAgain.already_closed, true);
    assert.equal((await user.conversations.info({ channel: dm })).channel.is_open, false);
    const reopened = await user.conversations.open({ channel: dm, return_im: true });
    assert.equal(reopened.channel.is_open, true);
    assert.equal(reopened.already_open, undefined);

    const ims = await allPages(bot, 'users.conversations', { types: 'im', limit: 1 });
    assert.ok(ims.flatMap((p) => p.channels.map((c) => c.id)).includes(dm));
    assert.equal((await platformError(user.conversations.leave({ channel: dm }))).error, 'method_not_supported_for_channel_type');
    assert.equal((await platformError(user.conversations.mark({ channel: dm, ts: 'soon' }))).error, 'invalid_timestamp');
  });

  test('group DMs are found again by their members', async () => {
    const g = (await user.conversations.open({ users: `${SAM},${JORDAN}`, return_im: true })).channel;
    assert.match(g.id, /^G/);
    assert.equal(g.is_mpim, true);
    assert.equal(g.name, 'mpdm-dana--sam--jordan-1');
    assert.equal(g.purpose.value, 'Group messaging with: @dana @sam @jordan');
    assert.equal((await user.conversations.open({ users: `${JORDAN},${SAM}` })).channel.id, g.id);
    assert.deepEqual(sorted((await user.conversations.members({ channel: g.id })).members), sorted([DANA, SAM, JORDAN]));
    const mine = (await user.users.conversations({ types: 'mpim' })).channels.map((c) => c.id);
    assert.ok(mine.includes(g.id));
    assert.equal((await platformError(bot.conversations.info({ channel: g.id }))).error, 'channel_not_found');
    assert.equal((await platformError(user.conversations.invite({ channel: g.id, users: MEI }))).error, 'method_not_supported_for_channel_type');
    assert.equal((await platformError(user.conversations.open({ users: `${SAM},U0NOBODY00` }))).error, 'user_not_found');
  });
});

describe('users.conversations', () => {
  test('types, another user, archived channels, cursor', async () => {
    const priya = (await bot.users.conversations({ user: PRIYA, types: 'public_channel,private_channel' })).channels.map((c) => c.id);
    assert.deepEqual(sorted(priya.filter((id) => [GENERAL, RANDOM, ENGINEERING, ARCHIVED, PRIVATE].includes(id))), sorted([GENERAL, RANDOM, ENGINEERING, ARCHIVED]));
    const live = (await bot.users.conversations({ user: PRIYA, exclude_archived: true })).channels.map((c) => c.id);
    assert.ok(!live.includes(ARCHIVED) && live.includes(ENGINEERING));
    const dana = await allPages(user, 'users.conversations', { types: 'public_channel,private_channel', limit: 2 });
    const ids = dana.flatMap((p) => p.channels.map((c) => c.id));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.includes(PRIVATE) && ids.includes(GENERAL) && !ids.includes(ENGINEERING));
    assert.equal((await platformError(user.users.conversations({ types: 'everything' }))).error, 'invalid_types');
    assert.equal((await platformError(user.users.conversations({ user: 'U0NOBODY00' }))).error, 'user_not_found');
  });

  test('bad tokens', async () => {
    const err = await platformError(client('xoxp-not-a-token').conversations.members({ channel: GENERAL }));
    assert.equal(err.error, 'invalid_auth');
  });
});

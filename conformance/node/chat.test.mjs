// The chat family (chat.update/delete/postEphemeral/meMessage/getPermalink/
// scheduleMessage/scheduledMessages.list/deleteScheduledMessage, reactions.*,
// pins.*) driven by the official Node SDK (@slack/web-api), changing only
// `slackApiUrl`. One seeded clone (fixture acme-corp) is spun through the `asym`
// binary before the tests and destroyed after them. Every test works in channels
// it creates; none posts to #general.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 20;

const DANA = 'U0ACMEDANA';
const ALEX = 'U0ACMEALEX';
const MEI = 'U0ACMEMEIL';
const PRIVATE = 'G0ACMELEAD';
const ARCHIVED = 'C0ACMEOLDP';

let home;
let clone;
let apiUrl;
let bot;
let user;
let botUser;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const permalinkOf = (channel, ts) => `https://acme-corp.slack.com/archives/${channel}/p${ts.replace('.', '')}`;

/** A fresh public channel with Dana, Alex and the bot in it. */
async function room() {
  const { channel } = await user.conversations.create({ name: unique('chat-node') });
  await user.conversations.invite({ channel: channel.id, users: `${ALEX},${botUser}` });
  return channel.id;
}

async function history(channel) {
  const { messages } = await user.conversations.history({ channel, limit: 200 });
  return new Map(messages.map((m) => [m.ts, m]));
}

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-chat-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
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

describe('messages', () => {
  test('post, update, react, pin, link, reply, delete the parent', async () => {
    const channel = await room();
    const { ts } = await bot.chat.postMessage({ channel, text: 'Build #42 running' });
    const updated = await bot.chat.update({ channel, ts, text: 'Build #42 passed' });
    assert.equal(updated.channel, channel);
    assert.equal(updated.ts, ts);
    assert.equal(updated.text, 'Build #42 passed');
    assert.equal(updated.message.edited.user, botUser);

    await bot.reactions.add({ channel, timestamp: ts, name: 'white_check_mark' });
    await user.reactions.add({ channel, timestamp: ts, name: 'white_check_mark' });
    await user.reactions.add({ channel, timestamp: ts, name: 'tada' });
    const expected = [
      { name: 'white_check_mark', users: [botUser, DANA], count: 2 },
      { name: 'tada', users: [DANA], count: 1 },
    ];
    const got = await user.reactions.get({ channel, timestamp: ts, full: true });
    assert.equal(got.type, 'message');
    assert.equal(got.channel, channel);
    assert.deepEqual(got.message.reactions, expected);
    assert.equal(got.message.permalink, permalinkOf(channel, ts));
    assert.deepEqual((await history(channel)).get(ts).reactions, expected);
    const listed = await bot.reactions.list({ limit: 10 });
    assert.equal(listed.items[0].message.ts, ts);
    assert.equal(listed.items[0].channel, channel);

    await user.pins.add({ channel, timestamp: ts });
    const { items } = await bot.pins.list({ channel });
    assert.equal(items.length, 1);
    assert.equal(items[0].type, 'message');
    assert.equal(items[0].created_by, DANA);
    assert.deepEqual(items[0].message.pinned_to, [channel]);

    const link = await bot.chat.getPermalink({ channel, message_ts: ts });
    assert.equal(link.permalink, permalinkOf(channel, ts));
    const reply = (await user.chat.postMessage({ channel, thread_ts: ts, text: 'Shipping it' })).ts;
    const replyLink = await user.chat.getPermalink({ channel, message_ts: reply });
    assert.equal(replyLink.permalink, `${permalinkOf(channel, reply)}?thread_ts=${ts}&cid=${channel}`);

    const deleted = await bot.chat.delete({ channel, ts });
    assert.equal(deleted.ts, ts);
    const stone = (await history(channel)).get(ts);
    assert.equal(stone.subtype, 'tombstone');
    assert.equal(stone.text, 'This message was deleted.');
    assert.equal(stone.user, 'USLACKBOT');
    assert.equal(stone.hidden, true);
    assert.equal(stone.reply_count, 1);
    assert.equal(stone.reactions, undefined);
    assert.deepEqual((await bot.pins.list({ channel })).items, []);

    await user.chat.delete({ channel, ts: reply });
    assert.equal((await history(channel)).has(ts), false, 'the tombstone goes with its last reply');
  });

  test('a bot cannot edit or delete a person’s message; an admin may delete the bot’s', async () => {
    const channel = await room();
    const human = (await user.chat.postMessage({ channel, text: 'mine' })).ts;
    assert.equal((await platformError(bot.chat.update({ channel, ts: human, text: 'x' }))).error, 'cant_update_message');
    assert.equal((await platformError(bot.chat.delete({ channel, ts: human }))).error, 'cant_delete_message');
    const robot = (await bot.chat.postMessage({ channel, text: 'bot says' })).ts;
    assert.equal((await platformError(user.chat.update({ channel, ts: robot, text: 'x' }))).error, 'cant_update_message');
    assert.equal((await user.chat.delete({ channel, ts: robot })).ok, true);
    assert.equal((await platformError(user.chat.delete({ channel, ts: robot }))).error, 'message_not_found');
    assert.equal((await platformError(bot.chat.update({ channel: 'C0NOPE0000', ts: human, text: 'x' }))).error, 'channel_not_found');
  });

  test('ephemeral and /me messages', async () => {
    const channel = await room();
    const before = new Set((await history(channel)).keys());
    const eph = await bot.chat.postEphemeral({ channel, user: ALEX, text: 'psst' });
    assert.match(eph.message_ts, /^\d+\.\d{6}$/);
    assert.deepEqual(new Set((await history(channel)).keys()), before);
    assert.equal((await platformError(bot.chat.postEphemeral({ channel, user: MEI, text: 'psst' }))).error, 'user_not_in_channel');
    const me = await user.chat.meMessage({ channel, text: 'is on call' });
    const seen = (await history(channel)).get(me.ts);
    assert.equal(seen.subtype, 'me_message');
    assert.equal(seen.text, 'is on call');
  });

  test('reaction and pin errors', async () => {
    const channel = await room();
    const { ts } = await user.chat.postMessage({ channel, text: 'target' });
    await user.reactions.add({ channel, timestamp: ts, name: 'eyes' });
    assert.equal((await platformError(user.reactions.add({ channel, timestamp: ts, name: 'eyes' }))).error, 'already_reacted');
    assert.equal((await platformError(bot.reactions.remove({ channel, timestamp: ts, name: 'eyes' }))).error, 'no_reaction');
    assert.equal((await platformError(user.reactions.get({ channel }))).error, 'no_item_specified');
    assert.equal((await platformError(user.reactions.add({ channel, timestamp: '1111111111.000001', name: 'eyes' }))).error, 'message_not_found');
    assert.equal((await platformError(bot.reactions.get({ channel: PRIVATE, timestamp: '1704132000.000100' }))).error, 'channel_not_found');
    await user.pins.add({ channel, timestamp: ts });
    assert.equal((await platformError(user.pins.add({ channel, timestamp: ts }))).error, 'already_pinned');
    await user.pins.remove({ channel, timestamp: ts });
    assert.equal((await platformError(user.pins.remove({ channel, timestamp: ts }))).error, 'no_pin');
  });

  test('paginate("reactions.list") visits each reacted message once', async () => {
    const channel = await room();
    const stamps = [];
    for (let i = 0; i < 3; i++) stamps.push((await bot.chat.postMessage({ channel, text: `n${i}` })).ts);
    for (const ts of stamps) await user.reactions.add({ channel, timestamp: ts, name: 'star' });
    const pages = [];
    for await (const page of user.paginate('reactions.list', { limit: 2 })) pages.push(page);
    const walked = pages.flatMap((p) => p.items.map((i) => `${i.channel}/${i.message.ts}`));
    assert.equal(new Set(walked).size, walked.length);
    assert.deepEqual(walked.slice(0, 3), stamps.reverse().map((ts) => `${channel}/${ts}`));
    assert.ok(pages.every((p) => p.items.length <= 2));
  });
});

describe('scheduled messages', () => {
  test('a scheduled message is posted when due', async () => {
    const channel = await room();
    const postAt = Math.floor(Date.now() / 1000) + 3;
    const r = await bot.chat.scheduleMessage({ channel, post_at: postAt, text: 'Daily digest' });
    assert.match(r.scheduled_message_id, /^Q[0-9A-Z]+$/);
    assert.equal(r.post_at, postAt);
    assert.equal(r.message.type, 'delayed_message');
    const pending = (await bot.chat.scheduledMessages.list({ channel })).scheduled_messages;
    assert.deepEqual(pending.map((s) => [s.id, s.channel_id, s.post_at, s.text]), [[r.scheduled_message_id, channel, postAt, 'Daily digest']]);

    await sleep(Math.max(0, postAt * 1000 - Date.now()) + 1200);
    const posted = [...(await history(channel)).values()].filter((m) => m.text === 'Daily digest');
    assert.equal(posted.length, 1);
    assert.equal(posted[0].user, botUser);
    assert.equal(Number(posted[0].ts.split('.')[0]), postAt);
    assert.deepEqual((await bot.chat.scheduledMessages.list({ channel })).scheduled_messages, []);
  });

  test('delete, list and the scheduling errors', async () => {
    const channel = await room();
    const now = Math.floor(Date.now() / 1000);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await bot.chat.scheduleMessage({ channel, post_at: now + 3600 + i * 600, text: `later ${i}` })).scheduled_message_id);
    }
    const pages = [];
    for await (const page of bot.paginate('chat.scheduledMessages.list', { channel, limit: 2 })) pages.push(page);
    assert.deepEqual(pages.map((p) => p.scheduled_messages.map((s) => s.id)), [ids.slice(0, 2), ids.slice(2)]);

    await bot.chat.deleteScheduledMessage({ channel, scheduled_message_id: ids[1] });
    assert.deepEqual((await bot.chat.scheduledMessages.list({ channel })).scheduled_messages.map((s) => s.id), [ids[0], ids[2]]);
    const gone = await platformError(bot.chat.deleteScheduledMessage({ channel, scheduled_message_id: ids[1] }));
    assert.equal(gone.error, 'invalid_scheduled_message_id');
    const notTheirs = await platformError(user.chat.deleteScheduledMessage({ channel, scheduled_message_id: ids[0] }));
    assert.equal(notTheirs.error, 'invalid_scheduled_message_id');

    const err = async (args) => (await platformError(bot.chat.scheduleMessage({ channel, text: 'x', ...args }))).error;
    assert.equal(await err({ post_at: now - 10 }), 'time_in_past');
    assert.equal(await err({ post_at: now + 121 * 86400 }), 'time_too_far');
    assert.equal(await err({ post_at: now + 60, channel: ARCHIVED }), 'is_archived');
    for (const id of [ids[0], ids[2]]) await bot.chat.deleteScheduledMessage({ channel, scheduled_message_id: id });
  });
});

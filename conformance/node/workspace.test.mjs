// The workspace family driven by the official Node SDK (@slack/web-api): lookups by
// email, presence, profiles, search.messages, bookmarks, user groups, emoji.list
// and auth.revoke. One seeded clone (acme-corp) is spun for this file and destroyed
// after it; the tests make their own channels and groups.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 100;

const TEAM = 'T0ACME0001';
const DANA = 'U0ACMEDANA';
const ALEX = 'U0ACMEALEX';
const PRIYA = 'U0ACMEPRIA';
const MEI = 'U0ACMEMEIL';

let home;
let clone;
let apiUrl;
let bot;
let user;
let me; // auth.test of the bot token

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-ws-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  bot = client(clone.tokens.bot);
  user = client(clone.tokens.user);
  me = await bot.auth.test();
});

after(() => {
  try {
    if (clone) asym('destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

describe('users', () => {
  test('lookupByEmail finds a member and reports users_not_found', async () => {
    const r = await bot.users.lookupByEmail({ email: 'Mei@Acme.test' });
    assert.equal(r.user.id, MEI);
    assert.equal(r.user.profile.email, 'mei@acme.test');
    assert.equal((await platformError(bot.users.lookupByEmail({ email: 'ghost@acme.test' }))).error, 'users_not_found');
  });

  test('presence: away and back to auto', async () => {
    let r = await user.users.getPresence({ user: DANA });
    assert.deepEqual(
      [r.presence, r.online, r.manual_away, r.connection_count],
      ['away', false, false, 0],
    );
    await user.users.setPresence({ presence: 'away' });
    r = await user.users.getPresence({ user: DANA });
    assert.equal(r.manual_away, true);
    const other = await bot.users.getPresence({ user: DANA });
    assert.deepEqual(Object.keys(other).filter((k) => k !== 'response_metadata').sort(), ['ok', 'presence']);
    await user.users.setPresence({ presence: 'auto' });
    assert.equal((await user.users.getPresence({ user: DANA })).manual_away, false);
    assert.equal((await bot.users.getPresence({ user: me.user_id })).presence, 'active');
    assert.equal((await platformError(user.users.setPresence({ presence: 'invisible' }))).error, 'invalid_presence');
  });

  test('profile.set shows in profile.get, users.info and users.list', async () => {
    const set = await user.users.profile.set({
      profile: { title: 'COO', phone: '+1 555 0101', status_text: 'On a plane', status_emoji: ':airplane:' },
    });
    assert.equal(set.profile.title, 'COO');
    assert.equal(set.profile.status_emoji, ':airplane:');
    assert.equal((await user.users.profile.get({ user: DANA })).profile.phone, '+1 555 0101');
    const info = await bot.users.info({ user: DANA });
    assert.equal(info.user.profile.title, 'COO');
    assert.equal(info.user.profile.status_text, 'On a plane');
    const listed = (await bot.users.list({})).members.find((m) => m.id === DANA);
    assert.equal(listed.profile.phone, '+1 555 0101');
    await user.users.profile.set({ name: 'status_text', value: '' });
    assert.equal((await bot.users.info({ user: DANA })).user.profile.status_text, '');
    // The owner edits an admin.
    await user.users.profile.set({ user: ALEX, profile: { title: 'Principal Engineer' } });
    assert.equal((await bot.users.info({ user: ALEX })).user.profile.title, 'Principal Engineer');
  });

  test('profile.set errors', async () => {
    assert.equal((await platformError(bot.users.profile.set({ profile: { title: 'x' } }))).error, 'not_allowed_token_type');
    assert.equal((await platformError(user.users.profile.set({ profile: { status_text: 'y'.repeat(101) } }))).error, 'too_long');
    assert.equal((await platformError(user.users.profile.set({ profile: { email: 'priya@acme.test' } }))).error, 'email_taken');
  });
});

describe('search.messages', () => {
  let marker;
  let chan;
  const ts = {};

  before(async () => {
    marker = `zn${randomBytes(5).toString('hex')}`;
    chan = (await user.conversations.create({ name: unique('ws-node-search') })).channel;
    const post = async (key, c, text, extra = {}) => {
      ts[key] = (await c.chat.postMessage({ channel: chan.id, text, ...extra })).ts;
    };
    await post('a', user, `${marker} quarterly planning notes`);
    await post('b', bot, `${marker} planning doc at https://docs.example.com/q3`);
    await post('c', user, `${marker} planned the offsite`);
    await user.reactions.add({ channel: chan.id, timestamp: ts.c, name: 'white_check_mark' });
    await user.pins.add({ channel: chan.id, timestamp: ts.a });
  });

  const found = async (query, extra = {}) => (await user.search.messages({ query, ...extra })).messages.matches.map((m) => m.ts);

  test('free words, phrases and modifiers', async () => {
    assert.deepEqual(new Set(await found(`${marker} plan*`)), new Set([ts.a, ts.b, ts.c]));
    assert.deepEqual(await found(`${marker} "planning notes"`), [ts.a]);
    assert.deepEqual(new Set(await found(`${marker} in:#${chan.name}`)), new Set([ts.a, ts.b, ts.c]));
    assert.deepEqual(new Set(await found(`${marker} from:<@${DANA}>`)), new Set([ts.a, ts.c]));
    assert.deepEqual(await found(`${marker} from:<@${me.user_id}>`), [ts.b]);
    assert.deepEqual(await found(`${marker} has:link`), [ts.b]);
    assert.deepEqual(await found(`${marker} has::white_check_mark:`), [ts.c]);
    assert.deepEqual(await found(`${marker} has:pin`), [ts.a]);
    assert.deepEqual(await found(`${marker} during:2019`), []);
  });

  test('paging shape', async () => {
    const r = await user.search.messages({ query: marker, sort: 'timestamp', sort_dir: 'asc', count: 2, page: 1 });
    assert.deepEqual(r.messages.matches.map((m) => m.ts), [ts.a, ts.b]);
    assert.deepEqual(r.messages.paging, { count: 2, total: 3, page: 1, pages: 2 });
    assert.deepEqual(r.messages.pagination, { total_count: 3, page: 1, per_page: 2, page_count: 2, first: 1, last: 2 });
    assert.equal(r.messages.matches[0].channel.name, chan.name);
  });

  test('bot tokens are refused', async () => {
    assert.equal((await platformError(bot.search.messages({ query: marker }))).error, 'not_allowed_token_type');
  });
});

describe('bookmarks', () => {
  test('add, edit, list, remove', async () => {
    const ch = (await user.conversations.create({ name: unique('ws-node-bm') })).channel.id;
    const a = (await user.bookmarks.add({ channel_id: ch, title: 'Roadmap', type: 'link', link: 'https://example.com/roadmap' })).bookmark;
    assert.match(a.id, /^Bk/);
    assert.equal(a.icon_url, 'https://example.com/favicon.ico');
    const e = (await user.bookmarks.edit({ channel_id: ch, bookmark_id: a.id, title: 'Roadmap 2025', emoji: ':map:' })).bookmark;
    assert.deepEqual([e.title, e.emoji, e.link], ['Roadmap 2025', ':map:', 'https://example.com/roadmap']);
    assert.deepEqual((await user.bookmarks.list({ channel_id: ch })).bookmarks.map((b) => b.title), ['Roadmap 2025']);
    assert.equal((await platformError(bot.bookmarks.list({ channel_id: ch }))).error, 'not_in_channel');
    await user.bookmarks.remove({ channel_id: ch, bookmark_id: a.id });
    assert.deepEqual((await user.bookmarks.list({ channel_id: ch })).bookmarks, []);
    assert.equal((await platformError(user.bookmarks.remove({ channel_id: ch, bookmark_id: a.id }))).error, 'not_found');
    assert.equal(
      (await platformError(user.bookmarks.add({ channel_id: ch, title: 'x', type: 'link', link: 'mailto:x@example.com' }))).error,
      'invalid_link',
    );
  });
});

describe('usergroups', () => {
  test('create, add members, update, disable, enable', async () => {
    const name = unique('Support Leads');
    const handle = unique('support-leads');
    const g = (await user.usergroups.create({ name, handle, description: 'Escalations' })).usergroup;
    assert.match(g.id, /^S/);
    assert.equal(g.team_id, TEAM);
    const upd = (await bot.usergroups.users.update({ usergroup: g.id, users: `${PRIYA},${MEI}`, include_count: true })).usergroup;
    assert.deepEqual(upd.users, [PRIYA, MEI]);
    assert.equal(upd.user_count, 2);
    assert.deepEqual((await bot.usergroups.users.list({ usergroup: g.id })).users, [PRIYA, MEI]);
    const renamed = (await user.usergroups.update({ usergroup: g.id, name: `${name} EMEA` })).usergroup;
    assert.equal(renamed.name, `${name} EMEA`);
    const listed = (await bot.usergroups.list({ include_users: true })).usergroups.find((x) => x.id === g.id);
    assert.deepEqual(listed.users, [PRIYA, MEI]);
    await user.usergroups.disable({ usergroup: g.id });
    assert.equal((await bot.usergroups.list({})).usergroups.some((x) => x.id === g.id), false);
    assert.equal((await bot.usergroups.list({ include_disabled: true })).usergroups.some((x) => x.id === g.id), true);
    await user.usergroups.enable({ usergroup: g.id });
    assert.equal((await bot.usergroups.list({})).usergroups.some((x) => x.id === g.id), true);
    assert.equal((await platformError(user.usergroups.create({ name: `${name} EMEA` }))).error, 'name_already_exists');
    assert.equal((await platformError(user.usergroups.create({ name: unique('Other'), handle }))).error, 'handle_already_exists');
    assert.equal((await platformError(bot.usergroups.users.list({ usergroup: 'S0NOTHERE0' }))).error, 'no_such_subteam');
  });
});

describe('emoji.list', () => {
  test('lists the custom emoji and aliases', async () => {
    const r = await bot.emoji.list();
    assert.equal(r.emoji.squirrel, 'alias:shipit');
    assert.match(r.emoji.partyparrot, /^https:\/\/emoji\.slack-edge\.com\/T0ACME0001\/partyparrot\//);
  });
});

describe('auth.revoke', () => {
  test('test mode keeps the token; a real revoke ends it; new credentials work', async () => {
    assert.equal((await user.auth.revoke({ test: true })).revoked, false);
    assert.equal((await user.auth.test()).user_id, DANA);
    assert.equal((await user.auth.revoke()).revoked, true);
    assert.equal((await platformError(user.auth.test())).error, 'invalid_auth');
    assert.equal((await bot.auth.test()).ok, true, 'only the calling token is revoked');
    const fresh = JSON.parse(asym('tokens', clone.id, '--reprovision', '--json')).tokens;
    user = client(fresh.user);
    bot = client(fresh.bot);
    assert.equal((await user.auth.test()).user_id, DANA);
  });
});

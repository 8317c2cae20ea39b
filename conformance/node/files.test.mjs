// Files on the Slack clone through @slack/web-api, unchanged but for `slackApiUrl`:
// files.uploadV2 (files.getUploadURLExternal, a multipart POST of the bytes to the
// clone's upload URL, files.completeUploadExternal), files.info, files.list,
// files.delete, `url_private`, and the file-share messages in history. One seeded
// clone (fixture acme-corp) is spun before the tests and destroyed after them;
// every test works in channels it creates.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, PORT_BASE, platformError, runAsym, slackClient, unique } from './support.mjs';

// Each file gets its own 20 ports: node may run test files in parallel.
const PORT_START = PORT_BASE + 80;

const TEAM = 'T0ACME0001';
const DANA = 'U0ACMEDANA';
const PRIVATE = 'G0ACMELEAD'; // #leadership: the owner is a member, the bot is not

let home;
let clone;
let apiUrl;
let origin;
let bot;
let user;
let me; // auth.test of the bot token

async function newChannel(c = bot, prefix = 'files-node') {
  return (await c.conversations.create({ name: unique(prefix) })).channel.id;
}

/** GET without following redirects: { status, headers, body (Buffer) }. */
async function fetchRaw(url, token, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(url, { redirect: 'manual', ...init, headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** The single file of an uploadV2 result (one completion, one file). */
function onlyFile(res) {
  assert.equal(res.ok, true);
  assert.equal(res.files.length, 1);
  assert.equal(res.files[0].files.length, 1);
  return res.files[0].files[0];
}

const asym = (...args) => runAsym(home, ...args);
const client = (token, extra = {}) => slackClient(apiUrl, token, extra);

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}: run \`cargo build -p asym-cli\` or set ASYM_BIN`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-files-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: PORT_START, end: PORT_START + 19 } }));
  clone = JSON.parse(asym('spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  apiUrl = `${clone.api}/`;
  origin = clone.api.replace(/\/api$/, '');
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

describe('files.uploadV2', () => {
  let channel;
  let file;
  const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2048), Buffer.from('\n%%EOF\n')]);

  before(async () => {
    channel = await newChannel();
    const res = await bot.files.uploadV2({
      channel_id: channel,
      file: bytes,
      filename: 'contract.pdf',
      title: 'Signed contract',
      initial_comment: 'The signed contract',
    });
    file = onlyFile(res);
  });

  test('a Buffer lands as a file shared into the channel', () => {
    assert.match(file.id, /^F[A-Z0-9]+$/);
    assert.equal(file.name, 'contract.pdf');
    assert.equal(file.title, 'Signed contract');
    assert.equal(file.mimetype, 'application/pdf');
    assert.equal(file.filetype, 'pdf');
    assert.equal(file.pretty_type, 'PDF');
    assert.equal(file.size, bytes.length);
    assert.equal(file.user, me.user_id);
    assert.deepEqual(file.channels, [channel]);
    assert.equal(file.shares.public[channel].length, 1);
    assert.equal(file.url_private, `${origin}/files-pri/${TEAM}-${file.id}/contract.pdf`);
    assert.equal(file.url_private_download, `${origin}/files-pri/${TEAM}-${file.id}/download/contract.pdf`);
  });

  test('files.info returns the same file', async () => {
    const info = await bot.files.info({ file: file.id });
    assert.deepEqual(info.file, file);
    assert.deepEqual(info.comments, []);
  });

  test('the channel gets a file_share message with the comment', async () => {
    const { messages } = await bot.conversations.history({ channel, limit: 5 });
    const m = messages.find((x) => x.subtype === 'file_share');
    assert.ok(m, 'a file_share message');
    assert.equal(m.text, 'The signed contract');
    assert.equal(m.user, me.user_id);
    assert.equal(m.upload, true);
    assert.deepEqual(m.files.map((f) => f.id), [file.id]);
    assert.equal(file.shares.public[channel][0].ts, m.ts);
  });

  test('url_private serves the same bytes to a token, and sign-in without one', async () => {
    const got = await fetchRaw(file.url_private, clone.tokens.bot);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(bytes));
    assert.equal(got.headers.get('content-type'), 'application/pdf');
    const dl = await fetchRaw(file.url_private_download, clone.tokens.user);
    assert.equal(dl.status, 200);
    assert.ok(dl.body.equals(bytes));
    assert.match(dl.headers.get('content-disposition'), /^attachment/);
    const anonymous = await fetchRaw(file.url_private);
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location'), /redir=%2Ffiles-pri%2F/);
  });

  test('a string of content and a file path upload into a thread', async () => {
    const parent = (await bot.chat.postMessage({ channel, text: 'Drop the logs here' })).ts;
    const text = onlyFile(
      await bot.files.uploadV2({ channel_id: channel, thread_ts: parent, content: 'line 1\nline 2\n', filename: 'run.log' }),
    );
    assert.equal(text.filetype, 'text');
    assert.equal(text.preview, 'line 1\nline 2');
    const path = join(home, 'settings.json');
    writeFileSync(path, '{"retries": 3}\n');
    const json = onlyFile(await bot.files.uploadV2({ channel_id: channel, thread_ts: parent, file: path, filename: 'settings.json' }));
    assert.equal(json.name, 'settings.json');
    assert.equal(json.mimetype, 'application/json');
    const { messages } = await bot.conversations.replies({ channel, ts: parent });
    assert.deepEqual(
      messages.slice(1).map((m) => [m.subtype, m.files[0].id]),
      [
        ['file_share', text.id],
        ['file_share', json.id],
      ],
    );
    const info = await bot.files.info({ file: json.id });
    assert.equal(info.file.shares.public[channel][0].thread_ts, parent);
    assert.equal(info.file.shares.public[channel][0].reply_count, 2);
  });

  test('file_uploads share several Buffers in one message', async () => {
    const res = await bot.files.uploadV2({
      channel_id: channel,
      initial_comment: 'Two images',
      file_uploads: [
        { file: Buffer.from('\x89PNG\r\n\x1a\none'), filename: 'one.png' },
        { file: Buffer.from('\x89PNG\r\n\x1a\ntwo'), filename: 'two.png' },
      ],
    });
    assert.equal(res.files.length, 1, 'one completion for the shared destination');
    const ids = res.files[0].files.map((f) => f.id);
    assert.equal(ids.length, 2);
    const { messages } = await bot.conversations.history({ channel, limit: 5 });
    const m = messages.find((x) => x.text === 'Two images');
    assert.deepEqual(m.files.map((f) => f.id), ids);
    assert.deepEqual(m.files.map((f) => f.mimetype), ['image/png', 'image/png']);
  });
});

describe('files.list', () => {
  test('filters by channel, user, types and time, and pages by count', async () => {
    const channel = await newChannel(bot, 'files-node-list');
    const a = onlyFile(await bot.files.uploadV2({ channel_id: channel, content: 'a\n', filename: 'a.txt' }));
    const b = onlyFile(await bot.files.uploadV2({ channel_id: channel, file: Buffer.from('PK\x03\x04'), filename: 'b.zip' }));
    const c = onlyFile(await user.files.uploadV2({ channel_id: channel, file: Buffer.from('\xff\xd8\xff'), filename: 'c.jpg' }));

    const all = await bot.files.list({ channel });
    assert.deepEqual(all.files.map((f) => f.id), [c.id, b.id, a.id]);
    assert.deepEqual(all.paging, { count: 100, total: 3, page: 1, pages: 1 });
    assert.deepEqual((await bot.files.list({ channel, user: DANA })).files.map((f) => f.id), [c.id]);
    assert.deepEqual((await bot.files.list({ channel, types: 'zips' })).files.map((f) => f.id), [b.id]);
    assert.deepEqual((await bot.files.list({ channel, types: 'images,zips' })).files.map((f) => f.id), [c.id, b.id]);
    assert.deepEqual((await bot.files.list({ channel, ts_to: String(a.created - 1) })).files, []);

    const first = await bot.files.list({ channel, count: 2, page: 1 });
    const second = await bot.files.list({ channel, count: 2, page: 2 });
    assert.deepEqual(first.paging, { count: 2, total: 3, page: 1, pages: 2 });
    assert.deepEqual([...first.files, ...second.files].map((f) => f.id), [c.id, b.id, a.id]);
  });

  test('unknown types and users are errors', async () => {
    assert.equal((await platformError(bot.files.list({ types: 'movies' }))).error, 'unknown_type');
    assert.equal((await platformError(bot.files.list({ user: 'U0NOBODY00' }))).error, 'user_not_found');
  });
});

describe('files.delete', () => {
  test('a deleted file is gone, its message keeps a tombstone', async () => {
    const channel = await newChannel(bot, 'files-node-del');
    const f = onlyFile(await bot.files.uploadV2({ channel_id: channel, content: 'bye\n', filename: 'bye.txt', initial_comment: 'bye' }));
    assert.equal((await bot.files.delete({ file: f.id })).ok, true);
    assert.equal((await platformError(bot.files.info({ file: f.id }))).error, 'file_not_found');
    assert.equal((await platformError(bot.files.delete({ file: f.id }))).error, 'file_not_found');
    const { messages } = await bot.conversations.history({ channel });
    assert.deepEqual(messages.find((m) => m.text === 'bye').files, [{ id: f.id, mode: 'tombstone' }]);
    assert.equal((await fetchRaw(f.url_private, clone.tokens.bot)).status, 302);
  });

  test("the bot cannot delete the owner's file", async () => {
    const channel = await newChannel(bot, 'files-node-own');
    const f = onlyFile(await user.files.uploadV2({ channel_id: channel, content: 'mine\n', filename: 'mine.txt' }));
    assert.equal((await platformError(bot.files.delete({ file: f.id }))).error, 'cant_delete_file');
    assert.equal((await user.files.delete({ file: f.id })).ok, true);
  });
});

describe('error paths', () => {
  test('files.getUploadURLExternal checks its arguments', async () => {
    assert.equal((await platformError(bot.files.getUploadURLExternal({ length: 3 }))).error, 'invalid_arguments');
    assert.equal((await platformError(bot.files.getUploadURLExternal({ filename: 'a.txt', length: 0 }))).error, 'missing_argument');
    const big = await platformError(bot.files.getUploadURLExternal({ filename: 'a.iso', length: 5_000_000_000 }));
    assert.equal(big.error, 'file_upload_size_restricted');
  });

  test('files.completeUploadExternal refuses files never uploaded and bad channels', async () => {
    const never = await bot.files.getUploadURLExternal({ filename: 'never.txt', length: 3 });
    const notUploaded = await platformError(bot.files.completeUploadExternal({ files: [{ id: never.file_id }] }));
    assert.equal(notUploaded.error, 'file_not_found');
    assert.equal((await platformError(bot.files.completeUploadExternal({ files: [{ id: 'F0NOSUCHFIL' }] }))).error, 'file_not_found');

    const ticket = await bot.files.getUploadURLExternal({ filename: 'ok.txt', length: 2 });
    const put = await fetchRaw(ticket.upload_url, null, { method: 'POST', body: Buffer.from('ok') });
    assert.equal(put.status, 200);
    assert.equal(put.body.toString(), 'OK - 2');
    const files = [{ id: ticket.file_id, title: 'OK' }];
    const userId = await platformError(bot.files.completeUploadExternal({ files, channel_id: DANA }));
    assert.equal(userId.error, 'invalid_arguments');
    assert.equal((await platformError(bot.files.completeUploadExternal({ files, channel_id: 'C0NOSUCHCHN' }))).error, 'channel_not_found');
    assert.equal((await platformError(bot.files.completeUploadExternal({ files, channels: 'C0NOSUCHCHN' }))).error, 'invalid_channel');
    assert.equal((await platformError(bot.files.completeUploadExternal({ files, channel_id: PRIVATE }))).error, 'channel_not_found');
    const usersOwn = await newChannel(user, 'files-node-nobot');
    assert.equal((await platformError(bot.files.completeUploadExternal({ files, channel_id: usersOwn }))).error, 'not_in_channel');
    // Nothing above consumed the upload.
    const done = await bot.files.completeUploadExternal({ files, channel_id: await newChannel() });
    assert.equal(done.files[0].title, 'OK');
    assert.equal(done.files[0].size, 2);
  });

  test('the upload URL refuses more bytes than declared', async () => {
    const ticket = await bot.files.getUploadURLExternal({ filename: 'tiny.txt', length: 1 });
    const put = await fetchRaw(ticket.upload_url, null, { method: 'POST', body: Buffer.from('too many') });
    assert.equal(put.status, 413);
    assert.equal((await platformError(bot.files.completeUploadExternal({ files: [{ id: ticket.file_id }] }))).error, 'file_not_found');
  });

  test('file methods need a valid token', async () => {
    const anonymous = client(undefined);
    assert.equal((await platformError(anonymous.files.list())).error, 'not_authed');
    const bad = client('xoxb-1-2-nope');
    assert.equal((await platformError(bad.files.info({ file: 'F0NOSUCHFIL' }))).error, 'invalid_auth');
  });
});

// Last: a restore and a reset swap the clone's whole database.
describe('snapshots and reset carry the bytes', () => {
  test('a restored snapshot brings a deleted file and its bytes back; reset removes them', async () => {
    const channel = await newChannel(bot, 'files-node-snap');
    const bytes = randomBytes(4096);
    const f = onlyFile(await bot.files.uploadV2({ channel_id: channel, file: bytes, filename: 'blob.bin' }));
    assert.equal(f.filetype, 'binary');
    asym('snapshot', clone.id, 'with-file');
    await bot.files.delete({ file: f.id });
    assert.equal((await platformError(bot.files.info({ file: f.id }))).error, 'file_not_found');

    asym('restore', clone.id, 'with-file');
    assert.equal((await bot.files.info({ file: f.id })).file.size, bytes.length);
    const got = await fetchRaw(f.url_private, clone.tokens.bot);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(bytes));

    asym('reset', clone.id);
    assert.equal((await platformError(bot.files.info({ file: f.id }))).error, 'file_not_found');
    assert.equal((await bot.files.list({})).paging.total, 0);
  });
});

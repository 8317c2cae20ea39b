// Public file links (files.sharedPublicURL, files.revokePublicURL), users.setActive,
// legacy dialogs (dialog.open) and the retired files.upload, with @slack/web-api.
// A public link answers without a token on the clone's own origin until revoked;
// dialog.open exchanges a trigger id minted by `POST /api/_asym/interactions`.
// This file spins its own seeded clone on ports 5320-5339 and destroys it afterwards.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, platformError, runAsym, slackClient, unique, adminToken as registryAdminToken } from './support.mjs';

const PORTS = { portRange: { start: 5320, end: 5339 } };
const DANA = 'U0ACMEDANA';

let home;
let clone;
let root;
let adminToken;
let user;
let bot;
let app;
let appBot;

async function http(method, path, body) {
  const resp = await fetch(`${root}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-asym-admin-token': adminToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: resp.status, body: await resp.json() };
}

async function trigger() {
  const { status, body } = await http('POST', '/api/_asym/interactions', {
    app_id: app.app_id,
    user_id: DANA,
    type: 'shortcut',
    callback_id: 'ride',
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.trigger_id;
}

function ride(elements = 2, extra = {}) {
  return {
    callback_id: 'ryde-46e2b0',
    title: 'Request a Ride',
    submit_label: 'Request',
    elements: Array.from({ length: elements }, (_, i) => ({ type: 'text', label: `Field ${i}`, name: `f${i}` })),
    ...extra,
  };
}

async function uploaded(content = 'quarterly numbers\n') {
  const out = await user.files.uploadV2({ content, filename: 'q3.txt', title: 'Q3' });
  return out.files[0].files[0].id;
}

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-more-methods-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(PORTS));
  clone = JSON.parse(runAsym(home, 'spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  root = clone.api.replace(/\/api$/, '');
  adminToken = registryAdminToken(home, clone.id);
  user = slackClient(`${clone.api}/`, clone.tokens.user);
  bot = slackClient(`${clone.api}/`, clone.tokens.bot);
  const manifest = {
    display_information: { name: unique('Rides') },
    features: {
      bot_user: { display_name: 'Rides' },
      shortcuts: [{ name: 'Ride', type: 'global', callback_id: 'ride', description: 'Request a ride' }],
    },
    oauth_config: { scopes: { bot: ['chat:write', 'commands'] } },
  };
  const created = await http('POST', '/api/_asym/apps', manifest);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  app = created.body;
  appBot = slackClient(`${clone.api}/`, app.bot_token);
});

after(() => {
  try {
    if (clone) runAsym(home, 'destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

test('files.sharedPublicURL serves the file without a token until files.revokePublicURL', async () => {
  const fileId = await uploaded();
  const { file } = await user.files.sharedPublicURL({ file: fileId });
  assert.equal(file.id, fileId);
  assert.equal(file.public_url_shared, true);
  const { team_id: team } = await user.auth.test();
  const prefix = `${root}/${team}-${fileId}-`;
  assert.ok(file.permalink_public.startsWith(prefix), file.permalink_public);
  assert.match(file.permalink_public.slice(prefix.length), /^[0-9a-f]+$/);

  const got = await fetch(file.permalink_public);
  assert.equal(got.status, 200);
  assert.equal(await got.text(), 'quarterly numbers\n');
  assert.match(got.headers.get('content-type'), /^text\/plain/);

  assert.equal((await user.files.info({ file: fileId })).file.permalink_public, file.permalink_public);
  assert.equal((await user.files.sharedPublicURL({ file: fileId })).file.permalink_public, file.permalink_public);
  assert.equal((await fetch(`${prefix}0000000000`)).status, 404);

  const revoked = await user.files.revokePublicURL({ file: fileId });
  assert.equal(revoked.file.public_url_shared, false);
  assert.equal(revoked.file.permalink_public, undefined);
  assert.equal((await fetch(file.permalink_public)).status, 404);
  assert.equal((await user.files.info({ file: fileId })).file.public_url_shared, false);
});

test('public link errors: user tokens only, unknown files', async () => {
  const fileId = await uploaded('x');
  assert.equal((await platformError(bot.files.sharedPublicURL({ file: fileId }))).error, 'not_allowed_token_type');
  assert.equal((await platformError(user.files.sharedPublicURL({ file: 'F0NOSUCHFILE' }))).error, 'file_not_found');
  assert.equal((await platformError(user.files.revokePublicURL({ file: 'F0NOSUCHFILE' }))).error, 'file_not_found');
  assert.equal((await platformError(bot.files.revokePublicURL({ file: fileId }))).error, 'file_not_found');
  assert.equal((await user.files.revokePublicURL({ file: fileId })).file.public_url_shared, false);
});

test('users.setActive answers ok', async () => {
  const out = await user.apiCall('users.setActive');
  assert.equal(out.ok, true);
  assert.deepEqual(out.response_metadata.acceptedScopes, ['users:write']);
  assert.equal((await bot.apiCall('users.setActive')).ok, true);
});

test('files.upload is retired: method_deprecated', async () => {
  const err = await platformError(user.apiCall('files.upload', { content: 'hello', filename: 'a.txt', channels: 'C0ACMERAND' }));
  assert.equal(err.error, 'method_deprecated');
});

test('dialog.open with a bad trigger is invalid_trigger', async () => {
  assert.equal((await platformError(bot.dialog.open({ trigger_id: '12345.98765.abcd2358fdea', dialog: ride() }))).error, 'invalid_trigger');
});

test('dialog.open exchanges a trigger once and validates the dialog', async () => {
  const t = await trigger();
  const noTitle = ride();
  delete noTitle.title;
  const invalid = await platformError(appBot.dialog.open({ trigger_id: t, dialog: noTitle }));
  assert.equal(invalid.error, 'validation_errors');
  assert.deepEqual(invalid.response_metadata.messages, ['[ERROR] missing required field: title [json-pointer:/dialog]']);
  const tooMany = await platformError(appBot.dialog.open({ trigger_id: t, dialog: ride(11) }));
  assert.deepEqual(tooMany.response_metadata.messages, ['[ERROR] no more than 10 items allowed [json-pointer:/dialog/elements]']);
  assert.equal((await appBot.dialog.open({ trigger_id: t, dialog: ride() })).ok, true);
  assert.equal((await platformError(appBot.dialog.open({ trigger_id: t, dialog: ride() }))).error, 'trigger_exchanged');
  // Another app's trigger is not this token's to exchange.
  assert.equal((await platformError(bot.dialog.open({ trigger_id: await trigger(), dialog: ride() }))).error, 'invalid_trigger');
});

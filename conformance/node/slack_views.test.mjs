// Modals and App Home with @slack/web-api (views.open, views.push, views.update,
// views.publish). Trigger ids come from the clone's control plane
// (`POST /api/_asym/interactions`), which simulates a person invoking an app's
// global shortcut or clicking a button in one of its views. This file spins its
// own seeded clone on ports 4840-4859 and destroys it afterwards.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASYM_BIN, platformError, runAsym, slackClient, unique, adminToken as registryAdminToken } from './support.mjs';

const PORTS = { portRange: { start: 4840, end: 4859 } };
const DANA = 'U0ACMEDANA';
const PRIYA = 'U0ACMEPRIA';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let home;
let clone;
let root;
let adminToken;
let app;
let bot;

async function http(method, path, body, headers = { 'x-asym-admin-token': adminToken }) {
  const resp = await fetch(`${root}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: resp.status, body: await resp.json() };
}

async function interact(body) {
  const { status, body: out } = await http('POST', '/api/_asym/interactions', { app_id: app.app_id, user_id: DANA, ...body });
  assert.equal(status, 200, JSON.stringify(out));
  return out;
}

const shortcut = async () => (await interact({ type: 'shortcut', callback_id: 'triage' })).trigger_id;
const click = async (viewId) => (await interact({ type: 'block_actions', view_id: viewId, action_id: 'next' })).trigger_id;

function modal(title, extra = {}) {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    blocks: [
      { type: 'actions', block_id: 'acts', elements: [{ type: 'button', action_id: 'next', text: { type: 'plain_text', text: 'Next' } }] },
    ],
    ...extra,
  };
}

before(async () => {
  assert.ok(existsSync(ASYM_BIN), `asym binary not found at ${ASYM_BIN}`);
  home = mkdtempSync(join(tmpdir(), 'asym-conformance-node-views-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(PORTS));
  clone = JSON.parse(runAsym(home, 'spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json')).clone;
  root = clone.api.replace(/\/api$/, '');
  adminToken = registryAdminToken(home, clone.id);
  const manifest = {
    display_information: { name: unique('Triage') },
    features: {
      bot_user: { display_name: 'Triage' },
      app_home: { home_tab_enabled: true },
      shortcuts: [{ name: 'Triage', type: 'global', callback_id: 'triage', description: 'Triage something' }],
    },
    oauth_config: { scopes: { bot: ['chat:write', 'commands'] } },
  };
  const created = await http('POST', '/api/_asym/apps', manifest);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  app = created.body;
  bot = slackClient(`${clone.api}/`, app.bot_token);
});

after(() => {
  try {
    if (clone) runAsym(home, 'destroy', clone.id);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

test('views.open answers the view as Slack shapes it', async () => {
  const t = await shortcut();
  const { view } = await bot.views.open({ trigger_id: t, view: modal('Triage', { callback_id: 'triage_modal', private_metadata: 'pm' }) });
  assert.match(view.id, /^V[0-9A-Z]+$/);
  assert.equal(view.type, 'modal');
  assert.deepEqual(view.title, { type: 'plain_text', text: 'Triage', emoji: true });
  assert.equal(view.root_view_id, view.id);
  assert.equal(view.previous_view_id, null);
  assert.equal(view.app_id, app.app_id);
  assert.equal(view.bot_id, app.bot_id);
  assert.equal(view.team_id, app.team_id);
  assert.equal(view.callback_id, 'triage_modal');
  assert.equal(view.private_metadata, 'pm');
  assert.equal(view.external_id, '');
  assert.deepEqual(view.state, { values: {} });
  assert.match(view.hash, /^\d+\.[0-9a-f]+$/);
  const again = await platformError(bot.views.open({ trigger_id: t, view: modal('Again') }));
  assert.equal(again.error, 'exchanged_trigger_id');
});

test('views.push stacks up to three views', async () => {
  const first = (await bot.views.open({ trigger_id: await shortcut(), view: modal('One') })).view;
  const second = (await bot.views.push({ trigger_id: await click(first.id), view: modal('Two') })).view;
  assert.equal(second.root_view_id, first.id);
  assert.equal(second.previous_view_id, first.id);
  const third = (await bot.views.push({ trigger_id: await click(second.id), view: modal('Three') })).view;
  assert.equal(third.previous_view_id, second.id);
  const err = await platformError(bot.views.push({ trigger_id: await click(third.id), view: modal('Four') }));
  assert.equal(err.error, 'push_limit_reached');
});

test('views.update checks the hash and finds views by external_id', async () => {
  const ext = unique('case');
  const { view } = await bot.views.open({ trigger_id: await shortcut(), view: modal('Case', { external_id: ext }) });
  const updated = (await bot.views.update({ view_id: view.id, hash: view.hash, view: modal('Case v2') })).view;
  assert.equal(updated.title.text, 'Case v2');
  assert.notEqual(updated.hash, view.hash);
  const conflict = await platformError(bot.views.update({ view_id: view.id, hash: view.hash, view: modal('Stale') }));
  assert.equal(conflict.error, 'hash_conflict');
  const byExt = (await bot.views.update({ external_id: ext, view: modal('Case v3') })).view;
  assert.equal(byExt.id, view.id);
  const missing = await platformError(bot.views.update({ external_id: unique('none'), view: modal('X') }));
  assert.equal(missing.error, 'not_found');
  const dup = await platformError(bot.views.open({ trigger_id: await shortcut(), view: modal('Dup', { external_id: ext }) }));
  assert.equal(dup.error, 'duplicate_external_id');
});

test('invalid views and triggers answer Slack errors', async () => {
  const t = await shortcut();
  const bad = await platformError(bot.views.open({ trigger_id: t, view: { type: 'modal', blocks: [] } }));
  assert.equal(bad.error, 'invalid_arguments');
  assert.deepEqual(bad.response_metadata.messages, ['[ERROR] missing required field: title [json-pointer:/view]']);
  const invalid = await platformError(bot.views.open({ trigger_id: '1.2.nope', view: modal('X') }));
  assert.equal(invalid.error, 'invalid_trigger_id');
  await sleep(3300);
  const expired = await platformError(bot.views.open({ trigger_id: t, view: modal('Late') }));
  assert.equal(expired.error, 'expired_trigger_id');
});

test('views.publish keeps one home tab per person, guarded by its hash', async () => {
  const homeView = (text) => ({ type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  const first = (await bot.views.publish({ user_id: PRIYA, view: homeView('hello') })).view;
  assert.equal(first.type, 'home');
  assert.equal(first.submit, null);
  const second = (await bot.views.publish({ user_id: PRIYA, view: homeView('again'), hash: first.hash })).view;
  assert.equal(second.id, first.id);
  assert.equal(second.blocks[0].text.text, 'again');
  const conflict = await platformError(bot.views.publish({ user_id: PRIYA, view: homeView('late'), hash: first.hash }));
  assert.equal(conflict.error, 'hash_conflict');
  const nobody = await platformError(bot.views.publish({ user_id: 'U0NOBODY00', view: homeView('x') }));
  assert.deepEqual(nobody.response_metadata.messages, ['invalid `user_id`']);
});

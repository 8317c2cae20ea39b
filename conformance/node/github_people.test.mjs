// @octokit/rest against the GitHub clone: people -- users by id, follows and
// their counts, emails and their visibility, SSH keys, blocks; organization
// invitations accepted through the invitee's membership, failed invitations,
// outside collaborators, public members, org blocks and organization webhooks
// (config, ping, deliveries, redelivery) that hear the org's repositories.
// Ports 4970-4979.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyGithub, failure, hookSink, loginToken, octokit, spinGithub, statusOf, unique, verifySignature } from './github_support.mjs';

let clone;
let gh;

before(() => {
  clone = spinGithub(4970);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

const as = async (login) => octokit(clone, await loginToken(clone, login));

/** An OpenSSH `ssh-ed25519` key line whose key bytes are all `seed`, and the stored form. */
function ed25519(seed, comment = '') {
  const field = (b) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.alloc(32, seed))]);
  const stored = `ssh-ed25519 ${blob.toString('base64')}`;
  return { line: comment ? `${stored} ${comment}` : stored, stored };
}

test('follows show in the lists, the checks and the counts', async () => {
  const sam = await as('sam');
  assert.equal((await sam.rest.users.follow({ username: 'lee' })).status, 204);
  assert.equal(await statusOf(sam.rest.users.checkPersonIsFollowedByAuthenticated({ username: 'lee' })), 204);
  assert.equal(await statusOf(sam.rest.users.checkPersonIsFollowedByAuthenticated({ username: 'dana' })), 404);
  assert.equal(await statusOf(gh.rest.users.checkFollowingForUser({ username: 'sam', target_user: 'lee' })), 204);
  const { data: lee } = await gh.rest.users.getByUsername({ username: 'lee' });
  assert.equal(lee.followers, 1);
  const { data: byId } = await gh.rest.users.getById({ account_id: lee.id });
  assert.equal(byId.login, 'lee');
  assert.equal(byId.followers, 1);
  assert.deepEqual((await gh.rest.users.listFollowersForUser({ username: 'lee' })).data.map((u) => u.login), ['sam']);
  assert.deepEqual((await gh.rest.users.listFollowingForUser({ username: 'sam' })).data.map((u) => u.login), ['lee']);
  assert.deepEqual((await sam.rest.users.listFollowedByAuthenticatedUser()).data.map((u) => u.login), ['lee']);
  assert.equal((await sam.rest.users.getAuthenticated()).data.following, 1);
  assert.equal(await statusOf(sam.rest.users.follow({ username: 'sam' })), 422);
  assert.equal(await statusOf(sam.rest.users.follow({ username: 'no-such-user' })), 404);
  assert.equal(await statusOf(gh.rest.users.getById({ account_id: 99999999 })), 404);
  assert.equal((await sam.rest.users.unfollow({ username: 'lee' })).status, 204);
  assert.deepEqual((await gh.rest.users.listFollowersForUser({ username: 'lee' })).data, []);
});

test('emails: the seeded primary, additions, duplicates and visibility', async () => {
  const lee = await as('lee');
  const { data: start } = await lee.rest.users.listEmailsForAuthenticatedUser();
  assert.deepEqual(start, [{ email: 'lee@acme.test', primary: true, verified: true, visibility: 'public' }]);
  const extra = `${unique('lee')}@home.test`;
  const { data: added, status: code } = await lee.rest.users.addEmailForAuthenticatedUser({ emails: [extra] });
  assert.equal(code, 201);
  assert.deepEqual(added, [{ email: extra, primary: false, verified: false, visibility: null }]);
  const dup = await failure(lee.rest.users.addEmailForAuthenticatedUser({ emails: ['dana@acme.test'] }));
  assert.equal(dup.status, 422);
  assert.equal(dup.response.data.errors[0].message, 'email is already in use');
  const { data: vis } = await lee.rest.users.setPrimaryEmailVisibilityForAuthenticatedUser({ visibility: 'private' });
  assert.equal(vis.find((e) => e.primary).visibility, 'private');
  assert.deepEqual((await lee.rest.users.listPublicEmailsForAuthenticatedUser()).data, []);
  assert.equal(await statusOf(lee.rest.users.setPrimaryEmailVisibilityForAuthenticatedUser({ visibility: 'hidden' })), 422);
  assert.equal((await lee.rest.users.deleteEmailForAuthenticatedUser({ emails: [extra] })).status, 204);
  assert.equal(await statusOf(lee.rest.users.deleteEmailForAuthenticatedUser({ emails: ['lee@acme.test'] })), 422);
  assert.equal((await lee.rest.users.listEmailsForAuthenticatedUser()).data.length, 1);
});

test('SSH keys: OpenSSH format only, no key twice', async () => {
  const { line, stored } = ed25519(5, 'dana@desk');
  const { data: key, status: code } = await gh.rest.users.createPublicSshKeyForAuthenticatedUser({ title: 'desk', key: line });
  assert.equal(code, 201);
  assert.equal(key.key, stored);
  assert.equal((await gh.rest.users.getPublicSshKeyForAuthenticatedUser({ key_id: key.id })).data.title, 'desk');
  assert.deepEqual((await gh.rest.users.listPublicKeysForUser({ username: 'dana' })).data.map((k) => k.key), [stored]);
  assert.equal((await gh.rest.users.listPublicSshKeysForAuthenticatedUser()).data.length, 1);
  const bad = await failure(gh.rest.users.createPublicSshKeyForAuthenticatedUser({ title: 'x', key: 'not a key' }));
  assert.equal(bad.status, 422);
  assert.equal(bad.response.data.errors[0].message, 'key is invalid. You must supply a key in OpenSSH public key format');
  const dup = await failure(gh.rest.users.createPublicSshKeyForAuthenticatedUser({ title: 'again', key: stored }));
  assert.equal(dup.response.data.errors[0].message, 'key is already in use');
  assert.equal((await gh.rest.users.deletePublicSshKeyForAuthenticatedUser({ key_id: key.id })).status, 204);
  assert.equal(await statusOf(gh.rest.users.getPublicSshKeyForAuthenticatedUser({ key_id: key.id })), 404);
});

test('blocking a user ends their follow and stops new ones', async () => {
  const olly = await as('olly');
  await olly.rest.users.follow({ username: 'dana' });
  assert.equal((await gh.rest.users.block({ username: 'olly' })).status, 204);
  assert.equal(await statusOf(gh.rest.users.checkBlocked({ username: 'olly' })), 204);
  assert.deepEqual((await gh.rest.users.listBlockedByAuthenticatedUser()).data.map((u) => u.login), ['olly']);
  assert.equal((await gh.rest.users.getAuthenticated()).data.followers, 0);
  assert.equal(await statusOf(olly.rest.users.follow({ username: 'dana' })), 403);
  assert.equal(await statusOf(gh.rest.users.block({ username: 'dana' })), 422);
  assert.equal((await gh.rest.users.unblock({ username: 'olly' })).status, 204);
  assert.equal(await statusOf(gh.rest.users.checkBlocked({ username: 'olly' })), 404);
});

test('an invitation becomes a membership with its teams when accepted', async () => {
  const sink = await hookSink();
  const { data: hook } = await gh.rest.orgs.createWebhook({ org: 'acme', name: 'web', config: { url: sink.url, content_type: 'json' }, events: ['organization'] });
  try {
    const { data: team } = await gh.rest.teams.create({ org: 'acme', name: unique('Newcomers') });
    const { data: olly } = await gh.rest.users.getByUsername({ username: 'olly' });
    const { data: inv, status: code } = await gh.rest.orgs.createInvitation({ org: 'acme', invitee_id: olly.id, role: 'direct_member', team_ids: [team.id] });
    assert.equal(code, 201);
    assert.equal(inv.login, 'olly');
    assert.equal(inv.team_count, 1);
    const invited = JSON.parse((await sink.waitFor('organization')).body);
    assert.equal(invited.action, 'member_invited');
    assert.deepEqual((await gh.rest.orgs.listPendingInvitations({ org: 'acme' })).data.map((i) => i.id), [inv.id]);
    assert.deepEqual((await gh.rest.orgs.listInvitationTeams({ org: 'acme', invitation_id: inv.id })).data.map((t) => t.id), [team.id]);
    assert.deepEqual((await gh.rest.orgs.listFailedInvitations({ org: 'acme' })).data, []);
    assert.deepEqual((await gh.rest.teams.listPendingInvitationsInOrg({ org: 'acme', team_slug: team.slug })).data.map((i) => i.login), ['olly']);
    assert.equal((await gh.rest.orgs.getMembershipForUser({ org: 'acme', username: 'olly' })).data.state, 'pending');

    const lee = await as('lee');
    assert.equal(await statusOf(lee.rest.orgs.listPendingInvitations({ org: 'acme' })), 404);
    assert.equal(await statusOf(lee.rest.orgs.createInvitation({ org: 'acme', email: 'x@y.test' })), 404);
    assert.equal(await statusOf(gh.rest.orgs.createInvitation({ org: 'acme', invitee_id: olly.id })), 422);
    assert.equal(await statusOf(gh.rest.orgs.createInvitation({ org: 'acme', email: 'x@y.test', role: 'emperor' })), 422);

    const ollyGh = await as('olly');
    const { data: pending } = await ollyGh.rest.orgs.listMembershipsForAuthenticatedUser({ state: 'pending' });
    assert.deepEqual(pending.map((m) => [m.organization.login, m.state]), [['acme', 'pending']]);
    assert.equal(await statusOf(ollyGh.rest.orgs.updateMembershipForAuthenticatedUser({ org: 'acme', state: 'pending' })), 422);
    const { data: active } = await ollyGh.rest.orgs.updateMembershipForAuthenticatedUser({ org: 'acme', state: 'active' });
    assert.equal(active.state, 'active');
    assert.equal(active.role, 'member');
    assert.equal((await ollyGh.rest.orgs.getMembershipForAuthenticatedUser({ org: 'acme' })).data.state, 'active');
    assert.equal(await statusOf(gh.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'olly' })), 204);
    const { data: members } = await gh.rest.teams.listMembersInOrg({ org: 'acme', team_slug: team.slug });
    assert.ok(members.some((m) => m.login === 'olly'));
    assert.deepEqual((await gh.rest.orgs.listPendingInvitations({ org: 'acme' })).data, []);

    const { data: byEmail } = await gh.rest.orgs.createInvitation({ org: 'acme', email: 'stranger@else.test', role: 'admin' });
    assert.equal(byEmail.login, null);
    assert.equal((await gh.rest.orgs.cancelInvitation({ org: 'acme', invitation_id: byEmail.id })).status, 204);
    assert.equal(await statusOf(gh.rest.orgs.cancelInvitation({ org: 'acme', invitation_id: byEmail.id })), 404);
    // olly leaves again, so the other tests see the seeded org.
    await gh.rest.orgs.removeMember({ org: 'acme', username: 'olly' });
  } finally {
    await gh.rest.orgs.deleteWebhook({ org: 'acme', hook_id: hook.id });
    await sink.close();
  }
});

test('outside collaborators, public members and org blocks', async () => {
  await gh.rest.repos.addCollaborator({ owner: 'acme', repo: 'secret-plans', username: 'olly', permission: 'pull' });
  assert.deepEqual((await gh.rest.orgs.listOutsideCollaborators({ org: 'acme' })).data.map((u) => u.login), ['olly']);
  assert.equal(await statusOf(gh.rest.orgs.listOutsideCollaborators({ org: 'acme', filter: 'nope' })), 422);
  const e = await failure(gh.rest.orgs.removeOutsideCollaborator({ org: 'acme', username: 'sam' }));
  assert.equal(e.status, 422);
  assert.equal(e.response.data.message, 'You cannot specify an organization member to remove as an outside collaborator.');
  assert.equal(await statusOf(gh.rest.orgs.convertMemberToOutsideCollaborator({ org: 'acme', username: 'dana' })), 403);
  assert.equal((await gh.rest.orgs.convertMemberToOutsideCollaborator({ org: 'acme', username: 'sam', async: true })).status, 202);
  assert.equal(await statusOf(gh.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'sam' })), 404);
  assert.equal((await gh.rest.orgs.removeOutsideCollaborator({ org: 'acme', username: 'olly' })).status, 204);
  // sam keeps his seeded push grant on hello-world, now as an outside collaborator.
  assert.deepEqual((await gh.rest.orgs.listOutsideCollaborators({ org: 'acme' })).data.map((u) => u.login), ['sam']);

  const lee = await as('lee');
  assert.equal((await lee.rest.orgs.setPublicMembershipForAuthenticatedUser({ org: 'acme', username: 'lee' })).status, 204);
  assert.equal(await statusOf(gh.rest.orgs.setPublicMembershipForAuthenticatedUser({ org: 'acme', username: 'lee' })), 403);
  assert.deepEqual((await gh.rest.orgs.listPublicMembers({ org: 'acme' })).data.map((u) => u.login), ['lee']);
  assert.equal(await statusOf(gh.rest.orgs.checkPublicMembershipForUser({ org: 'acme', username: 'lee' })), 204);
  assert.equal((await lee.rest.orgs.removePublicMembershipForAuthenticatedUser({ org: 'acme', username: 'lee' })).status, 204);
  assert.equal(await statusOf(gh.rest.orgs.checkPublicMembershipForUser({ org: 'acme', username: 'lee' })), 404);

  assert.equal((await gh.rest.orgs.blockUser({ org: 'acme', username: 'olly' })).status, 204);
  assert.equal(await statusOf(gh.rest.orgs.checkBlockedUser({ org: 'acme', username: 'olly' })), 204);
  assert.deepEqual((await gh.rest.orgs.listBlockedUsers({ org: 'acme' })).data.map((u) => u.login), ['olly']);
  assert.equal(await statusOf(gh.rest.orgs.blockUser({ org: 'acme', username: 'lee' })), 422);
  assert.equal(await statusOf(lee.rest.orgs.listBlockedUsers({ org: 'acme' })), 404);
  const { data: olly } = await gh.rest.users.getByUsername({ username: 'olly' });
  assert.equal(await statusOf(gh.rest.orgs.createInvitation({ org: 'acme', invitee_id: olly.id })), 422);
  assert.equal((await gh.rest.orgs.unblockUser({ org: 'acme', username: 'olly' })).status, 204);
  assert.equal(await statusOf(gh.rest.orgs.checkBlockedUser({ org: 'acme', username: 'olly' })), 404);
});

test('org webhooks: config, pings, deliveries and the org repositories events', async () => {
  const sink = await hookSink();
  const { data: hook, status: code } = await gh.rest.orgs.createWebhook({
    org: 'acme',
    name: 'web',
    config: { url: sink.url, content_type: 'json', secret: 'shh' },
    events: ['push', 'issues'],
  });
  try {
    assert.equal(code, 201);
    assert.equal(hook.type, 'Organization');
    const ping = await sink.waitFor('ping');
    assert.equal(ping.headers['x-github-hook-installation-target-type'], 'organization');
    assert.ok(verifySignature('shh', ping.body, ping.headers['x-hub-signature-256']));
    await gh.rest.issues.create({ owner: 'acme', repo: 'hello-world', title: 'Org-wide news' });
    const issues = await sink.waitFor('issues');
    assert.equal(JSON.parse(issues.body).issue.title, 'Org-wide news');
    assert.ok(verifySignature('shh', issues.body, issues.headers['x-hub-signature-256']));

    const { data: cfg } = await gh.rest.orgs.getWebhookConfigForOrg({ org: 'acme', hook_id: hook.id });
    assert.deepEqual(cfg, { url: sink.url, content_type: 'json', secret: '********', insecure_ssl: '0' });
    const { data: cfg2 } = await gh.rest.orgs.updateWebhookConfigForOrg({ org: 'acme', hook_id: hook.id, insecure_ssl: '1' });
    assert.equal(cfg2.insecure_ssl, '1');
    // (`url` is Octokit's own request option, so a bad content type stands for bad config here.)
    assert.equal(await statusOf(gh.rest.orgs.updateWebhookConfigForOrg({ org: 'acme', hook_id: hook.id, content_type: 'xml' })), 422);
    const { data: edited } = await gh.rest.orgs.updateWebhook({ org: 'acme', hook_id: hook.id, events: ['issues'], active: true });
    assert.deepEqual(edited.events, ['issues']);
    assert.deepEqual((await gh.rest.orgs.listWebhooks({ org: 'acme' })).data.map((h) => h.id), [hook.id]);
    assert.equal((await gh.rest.orgs.pingWebhook({ org: 'acme', hook_id: hook.id })).status, 204);

    let deliveries = [];
    for (let i = 0; i < 100 && deliveries.filter((d) => d.event === 'ping').length < 2; i++) {
      deliveries = (await gh.rest.orgs.listWebhookDeliveries({ org: 'acme', hook_id: hook.id })).data;
      await new Promise((r) => setTimeout(r, 50));
    }
    const issueDelivery = deliveries.find((d) => d.event === 'issues');
    assert.equal(issueDelivery.action, 'opened');
    const { data: one } = await gh.rest.orgs.getWebhookDelivery({ org: 'acme', hook_id: hook.id, delivery_id: issueDelivery.id });
    assert.equal(one.request.payload.issue.title, 'Org-wide news');
    assert.equal((await gh.rest.orgs.redeliverWebhookDelivery({ org: 'acme', hook_id: hook.id, delivery_id: issueDelivery.id })).status, 202);

    const lee = await as('lee');
    assert.equal(await statusOf(lee.rest.orgs.listWebhooks({ org: 'acme' })), 404);
    assert.equal(await statusOf(gh.rest.orgs.createWebhook({ org: 'acme', name: 'web', config: { url: sink.url } })), 422);
  } finally {
    await gh.rest.orgs.deleteWebhook({ org: 'acme', hook_id: hook.id });
    await sink.close();
  }
  assert.equal(await statusOf(gh.rest.orgs.getWebhook({ org: 'acme', hook_id: hook.id })), 404);
});

test('setting a non-member\'s membership invites them; a member\'s role changes at once', async () => {
  const lee = await as('lee');
  assert.equal(await statusOf(lee.rest.orgs.setMembershipForUser({ org: 'acme', username: 'olly', role: 'member' })), 403);
  const bad = await failure(gh.rest.orgs.setMembershipForUser({ org: 'acme', username: 'olly', role: 'owner' }));
  assert.equal(bad.status, 422);
  assert.equal(bad.response.data.errors[0].field, 'role');
  assert.equal(await statusOf(gh.rest.orgs.setMembershipForUser({ org: 'acme', username: 'nobody-here' })), 404);

  const { data: invited, status: code } = await gh.rest.orgs.setMembershipForUser({ org: 'acme', username: 'olly', role: 'member' });
  assert.equal(code, 200);
  assert.deepEqual([invited.state, invited.role, invited.user.login], ['pending', 'member', 'olly']);
  assert.equal(await statusOf(gh.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'olly' })), 404);
  const { data: open } = await gh.rest.orgs.listPendingInvitations({ org: 'acme' });
  assert.deepEqual(open.map((i) => [i.login, i.role]), [['olly', 'direct_member']]);
  const { data: raised } = await gh.rest.orgs.setMembershipForUser({ org: 'acme', username: 'olly', role: 'admin' });
  assert.deepEqual([raised.state, raised.role], ['pending', 'admin']);
  assert.equal((await gh.rest.orgs.listPendingInvitations({ org: 'acme' })).data.length, 1);

  const ollyGh = await as('olly');
  const { data: active } = await ollyGh.rest.orgs.updateMembershipForAuthenticatedUser({ org: 'acme', state: 'active' });
  assert.deepEqual([active.state, active.role], ['active', 'admin']);
  assert.equal(await statusOf(gh.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'olly' })), 204);
  assert.deepEqual((await gh.rest.orgs.listPendingInvitations({ org: 'acme' })).data, []);

  const { data: demoted } = await gh.rest.orgs.setMembershipForUser({ org: 'acme', username: 'olly', role: 'member' });
  assert.deepEqual([demoted.state, demoted.role], ['active', 'member']);
  assert.deepEqual((await gh.rest.orgs.listPendingInvitations({ org: 'acme' })).data, []);
  await gh.rest.orgs.removeMembershipForUser({ org: 'acme', username: 'olly' });
  assert.equal(await statusOf(gh.rest.orgs.getMembershipForUser({ org: 'acme', username: 'olly' })), 404);
});

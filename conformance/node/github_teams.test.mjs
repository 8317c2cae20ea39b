// @octokit/rest against the GitHub clone: organization teams (a team with push on
// a private repository lets its member push and request the team's review) and
// forks (an outsider forks, opens a cross-repository pull request, the maintainer
// rebase-merges it). Ports 4670-4679.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { b64, destroyGithub, loginToken, octokit, spinGithub, unique } from './github_support.mjs';

let clone;
let gh;
let olly;

before(async () => {
  clone = spinGithub(4670);
  gh = octokit(clone);
  olly = octokit(clone, await loginToken(clone, 'olly'));
});

after(() => destroyGithub(clone));

const status = async (p) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return e.status;
  }
};

test('a team with push lets its member push and request the team review', async () => {
  const { data: repo } = await gh.rest.repos.createInOrg({ org: 'acme', name: unique('vault'), private: true, auto_init: true });
  const r = { owner: 'acme', repo: repo.name };
  assert.equal(await status(olly.rest.repos.get(r)), 404);

  const name = unique('Release Crew');
  const { data: team, status: created } = await gh.rest.teams.create({ org: 'acme', name, privacy: 'secret' });
  assert.equal(created, 201);
  assert.equal(team.slug, name.toLowerCase().replace(' ', '-'));
  const t = { org: 'acme', team_slug: team.slug };
  const dup = await gh.rest.teams.create({ org: 'acme', name }).catch((e) => e);
  assert.equal(dup.status, 422);
  assert.equal(dup.response.data.message, 'Validation Failed');
  // A secret team is hidden from org members outside it.
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  assert.equal(await status(lee.rest.teams.getByName(t)), 404);

  // olly is outside acme: the membership waits for olly to accept the org invitation.
  const { data: membership } = await gh.rest.teams.addOrUpdateMembershipForUserInOrg({ ...t, username: 'olly', role: 'member' });
  assert.deepEqual([membership.role, membership.state], ['member', 'pending']);
  const { data: waiting } = await gh.rest.teams.listMembersInOrg(t);
  assert.deepEqual(waiting.map((m) => m.login), ['dana']);
  await olly.rest.orgs.updateMembershipForAuthenticatedUser({ org: 'acme', state: 'active' });
  const { data: joined } = await gh.rest.teams.getMembershipForUserInOrg({ ...t, username: 'olly' });
  assert.deepEqual([joined.role, joined.state], ['member', 'active']);
  const bad = await gh.rest.teams.addOrUpdateRepoPermissionsInOrg({ ...t, ...r, permission: 'owner' }).catch((e) => e);
  assert.equal(bad.status, 422);
  const added = await gh.rest.teams.addOrUpdateRepoPermissionsInOrg({ ...t, ...r, permission: 'push' });
  assert.equal(added.status, 204);
  assert.equal((await gh.rest.teams.checkPermissionsForRepoInOrg({ ...t, ...r })).status, 204);
  const { data: members } = await gh.rest.teams.listMembersInOrg(t);
  assert.deepEqual(members.map((m) => m.login).sort(), ['dana', 'olly']);
  const { data: got } = await gh.rest.teams.getByName(t);
  assert.equal(got.members_count, 2);
  assert.equal(got.repos_count, 1);

  const { data: theirs } = await olly.rest.repos.get(r);
  assert.equal(theirs.permissions.push, true);
  const { data: mine } = await olly.rest.teams.listForAuthenticatedUser();
  assert.ok(mine.some((x) => x.slug === team.slug));
  const { data: main } = await olly.rest.git.getRef({ ...r, ref: `heads/${theirs.default_branch}` });
  await olly.rest.git.createRef({ ...r, ref: 'refs/heads/ship-it', sha: main.object.sha });
  await olly.rest.repos.createOrUpdateFileContents({ ...r, path: 'SHIP.md', message: 'Ship', content: b64('ship\n'), branch: 'ship-it' });
  const { data: pr } = await olly.rest.pulls.create({ ...r, title: 'Ship it', head: 'ship-it', base: theirs.default_branch });
  const nope = await olly.rest.pulls.requestReviewers({ ...r, pull_number: pr.number, team_reviewers: ['no-such-team'] }).catch((e) => e);
  assert.equal(nope.status, 422);
  const { data: requested } = await olly.rest.pulls.requestReviewers({ ...r, pull_number: pr.number, team_reviewers: [team.slug] });
  assert.deepEqual(requested.requested_teams.map((x) => x.slug), [team.slug]);
  const { data: list } = await gh.rest.pulls.listRequestedReviewers({ ...r, pull_number: pr.number });
  assert.deepEqual(list.teams.map((x) => x.id), [team.id]);
  // The team's maintainer (its creator) is notified; marking all read clears it.
  const { data: notes } = await gh.rest.activity.listNotificationsForAuthenticatedUser();
  const note = notes.find((n) => n.subject.title === 'Ship it');
  assert.equal(note.reason, 'review_requested');
  assert.equal(note.subject.url, pr.url);
  assert.equal((await gh.rest.activity.markNotificationsAsRead()).status, 205);
  const { data: after } = await gh.rest.activity.listNotificationsForAuthenticatedUser();
  assert.equal(after.length, 0);

  assert.equal(await status(olly.rest.teams.updateInOrg({ ...t, name: 'Mine' })), 403);
  await gh.rest.teams.removeMembershipForUserInOrg({ ...t, username: 'olly' });
  // Out of the org again, olly no longer sees the private repository (and is an outsider below).
  await gh.rest.orgs.removeMember({ org: 'acme', username: 'olly' });
  assert.equal(await status(olly.rest.repos.get(r)), 404);
  assert.equal((await gh.rest.teams.deleteInOrg(t)).status, 204);
  assert.equal(await status(gh.rest.teams.getByName(t)), 404);
});

test('an outsider forks, opens a cross-repository pull request, the maintainer rebase-merges it', async () => {
  const parent = { owner: 'acme', repo: 'hello-world' };
  const { data: p } = await gh.rest.repos.get(parent);
  const base = p.default_branch;
  const { data: tip } = await gh.rest.repos.getBranch({ ...parent, branch: base });
  const { data: fork, status: code } = await olly.rest.repos.createFork({ ...parent, name: 'hello-fork' });
  assert.equal(code, 202);
  assert.equal(fork.full_name, 'olly/hello-fork');
  assert.equal(fork.fork, true);
  assert.equal(fork.parent.full_name, 'acme/hello-world');
  const f = { owner: 'olly', repo: 'hello-fork' };
  const { data: forkTip } = await olly.rest.repos.getBranch({ ...f, branch: base });
  assert.equal(forkTip.commit.sha, tip.commit.sha);
  const { data: forks } = await gh.rest.repos.listForks(parent);
  assert.ok(forks.some((x) => x.full_name === 'olly/hello-fork'));

  await olly.rest.git.createRef({ ...f, ref: 'refs/heads/docs', sha: tip.commit.sha });
  const { data: c1 } = await olly.rest.repos.createOrUpdateFileContents({ ...f, path: 'DOCS.md', message: 'Write docs', content: b64('docs\n'), branch: 'docs' });
  const { data: pr } = await olly.rest.pulls.create({ ...parent, title: 'Docs', head: 'olly:docs', base });
  assert.equal(pr.head.label, 'olly:docs');
  assert.equal(pr.head.repo.full_name, 'olly/hello-fork');
  assert.equal(pr.head.sha, c1.commit.sha);
  assert.equal(await status(olly.rest.pulls.merge({ ...parent, pull_number: pr.number })), 403);

  const { data: merged } = await gh.rest.pulls.merge({ ...parent, pull_number: pr.number, merge_method: 'rebase' });
  assert.equal(merged.merged, true);
  const { data: commit } = await gh.rest.git.getCommit({ ...parent, commit_sha: merged.sha });
  assert.deepEqual(commit.parents.map((x) => x.sha), [tip.commit.sha]);
  assert.equal(commit.message, 'Write docs');
  assert.equal(commit.author.name, c1.commit.author.name);
  const { data: file } = await gh.rest.repos.getContent({ ...parent, path: 'DOCS.md', ref: base });
  assert.equal(Buffer.from(file.content, 'base64').toString(), 'docs\n');
});

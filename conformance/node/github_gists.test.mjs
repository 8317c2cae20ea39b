// @octokit/rest against the GitHub clone: gists created, read, updated (a file
// renamed, one deleted with null), listed, starred, forked, commented on and
// deleted; and an organization's base permission (`orgs.update`) deciding
// what a plain member may do. Ports 5140-5149.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyGithub, loginToken, octokit, spinGithub, statusOf, unique } from './github_support.mjs';

let clone;
let gh;
let lee;

before(async () => {
  clone = spinGithub(5140);
  gh = octokit(clone);
  lee = octokit(clone, await loginToken(clone, 'lee'));
});

after(() => destroyGithub(clone));

test('gists are created, read, updated, listed and deleted', async () => {
  const { data: made, status: code } = await gh.rest.gists.create({
    description: 'desc',
    public: true,
    files: { 'a.txt': { content: 'x' }, 'b.js': { content: 'console.log(1)\n' } },
  });
  assert.equal(code, 201);
  assert.match(made.id, /^[0-9a-f]{32}$/);
  assert.equal(made.files['a.txt'].content, 'x');
  assert.equal(made.files['b.js'].language, 'JavaScript');
  assert.equal(made.history.length, 1);

  const { data: got } = await gh.rest.gists.get({ gist_id: made.id });
  assert.equal(got.description, 'desc');
  assert.equal(got.owner.login, 'dana');
  assert.deepEqual(Object.keys(got.files).sort(), ['a.txt', 'b.js']);

  const { data: updated } = await gh.rest.gists.update({
    gist_id: made.id,
    description: 'edited',
    files: { 'a.txt': { filename: 'renamed.txt', content: 'y\n' }, 'b.js': null },
  });
  assert.equal(updated.description, 'edited');
  assert.deepEqual(Object.keys(updated.files), ['renamed.txt']);
  assert.equal(updated.files['renamed.txt'].content, 'y\n');
  assert.equal(updated.history.length, 2);
  const { data: commits } = await gh.rest.gists.listCommits({ gist_id: made.id });
  assert.deepEqual(commits.map((c) => c.version), updated.history.map((h) => h.version));
  const { data: old } = await gh.rest.gists.getRevision({ gist_id: made.id, sha: commits[1].version });
  assert.deepEqual(Object.keys(old.files).sort(), ['a.txt', 'b.js']);

  const { data: mine } = await gh.rest.gists.list();
  assert.ok(mine.some((g) => g.id === made.id));
  assert.equal(mine.find((g) => g.id === made.id).files['renamed.txt'].content, undefined, 'lists leave out contents');
  const { data: dana } = await lee.rest.gists.listForUser({ username: 'dana' });
  assert.ok(dana.some((g) => g.id === made.id));
  const { data: pub } = await gh.rest.gists.listPublic();
  assert.ok(pub.some((g) => g.id === made.id));

  assert.equal(await statusOf(lee.rest.gists.update({ gist_id: made.id, description: 'not mine' })), 404);
  assert.equal(await statusOf(lee.rest.gists.delete({ gist_id: made.id })), 404);
  assert.equal((await gh.rest.gists.delete({ gist_id: made.id })).status, 204);
  assert.equal(await statusOf(gh.rest.gists.get({ gist_id: made.id })), 404);
});

test('gists are starred, forked and commented on', async () => {
  const { data: g } = await gh.rest.gists.create({ public: false, files: { 'plan.md': { content: '# plan\n' } } });
  assert.equal(g.public, false);
  assert.equal(await statusOf(lee.rest.gists.checkIsStarred({ gist_id: g.id })), 404);
  assert.equal((await lee.rest.gists.star({ gist_id: g.id })).status, 204);
  assert.equal((await lee.rest.gists.checkIsStarred({ gist_id: g.id })).status, 204);
  assert.deepEqual((await lee.rest.gists.listStarred()).data.map((s) => s.id), [g.id]);
  assert.equal((await lee.rest.gists.unstar({ gist_id: g.id })).status, 204);
  assert.equal(await statusOf(lee.rest.gists.checkIsStarred({ gist_id: g.id })), 404);

  assert.equal(await statusOf(gh.rest.gists.fork({ gist_id: g.id })), 422);
  const { data: fork, status: forked } = await lee.rest.gists.fork({ gist_id: g.id });
  assert.equal(forked, 201);
  assert.equal(fork.owner.login, 'lee');
  assert.deepEqual((await gh.rest.gists.listForks({ gist_id: g.id })).data.map((f) => f.id), [fork.id]);
  assert.equal((await lee.rest.gists.get({ gist_id: fork.id })).data.fork_of.id, g.id);

  const { data: c } = await lee.rest.gists.createComment({ gist_id: g.id, body: 'Looks good' });
  assert.equal(c.user.login, 'lee');
  const { data: edited } = await lee.rest.gists.updateComment({ gist_id: g.id, comment_id: c.id, body: 'Looks great' });
  assert.equal(edited.body, 'Looks great');
  assert.equal((await gh.rest.gists.getComment({ gist_id: g.id, comment_id: c.id })).data.body, 'Looks great');
  assert.deepEqual((await gh.rest.gists.listComments({ gist_id: g.id })).data.map((x) => x.body), ['Looks great']);
  assert.equal(await statusOf(gh.rest.gists.updateComment({ gist_id: g.id, comment_id: c.id, body: 'no' })), 404);
  assert.equal((await gh.rest.gists.deleteComment({ gist_id: g.id, comment_id: c.id })).status, 204);
  assert.deepEqual((await gh.rest.gists.listComments({ gist_id: g.id })).data, []);
});

test("an organization's base permission decides what a plain member may push", async () => {
  const { data: org } = await gh.rest.orgs.get({ org: 'acme' });
  assert.equal(org.default_repository_permission, 'read');
  const name = unique('base');
  await gh.rest.repos.createInOrg({ org: 'acme', name, auto_init: true });
  const repo = { owner: 'acme', repo: name };
  const { data: seen } = await lee.rest.repos.get(repo);
  assert.deepEqual([seen.permissions.pull, seen.permissions.push], [true, false]);
  const put = () => lee.rest.repos.createOrUpdateFileContents({ ...repo, path: 'lee.txt', message: 'lee', content: 'aGkK' });
  assert.equal(await statusOf(put()), 403);

  const { data: changed } = await gh.rest.orgs.update({ org: 'acme', default_repository_permission: 'write' });
  assert.equal(changed.default_repository_permission, 'write');
  assert.equal(await statusOf(put()), 201);
  assert.equal(await statusOf(lee.rest.orgs.update({ org: 'acme', default_repository_permission: 'admin' })), 403);
  await gh.rest.orgs.update({ org: 'acme', default_repository_permission: 'read' });

  // The membership check: 204/404 to members, 302 to the public check for others.
  assert.equal(await statusOf(lee.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'sam' })), 204);
  assert.equal(await statusOf(lee.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'olly' })), 404);
  const olly = octokit(clone, await loginToken(clone, 'olly'));
  const res = await fetch(`${clone.api}/orgs/acme/members/sam`, { headers: { authorization: `token ${await loginToken(clone, 'olly')}` }, redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${clone.api}/orgs/acme/public_members/sam`);
  // Octokit follows the redirect to the public membership check: sam is not public.
  assert.equal(await statusOf(olly.rest.orgs.checkMembershipForUser({ org: 'acme', username: 'sam' })), 404);
});

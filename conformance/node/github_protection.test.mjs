// @octokit/rest against the GitHub clone: branch protection and its
// sub-resources (read back, and enforced on merges and pushes), review comment
// replies, branches-where-head, generated release notes, release reactions,
// webhook config, repository_dispatch, the meta endpoints and directory
// READMEs. Ports 4950-4959.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { b64, destroyGithub, hookSink, loginToken, octokit, spinGithub, unique } from './github_support.mjs';

let clone;
let gh;
const r = { owner: 'acme', repo: 'hello-world' };

before(() => {
  clone = spinGithub(4950);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

const failure = async (p) => {
  try {
    await p;
  } catch (e) {
    return { status: e.status, message: e.response?.data?.message };
  }
  throw new Error('expected the request to fail');
};

const newBranch = async (prefix, base = 'main') => {
  const name = unique(prefix);
  const { data } = await gh.rest.repos.getBranch({ ...r, branch: base });
  await gh.rest.git.createRef({ ...r, ref: `refs/heads/${name}`, sha: data.commit.sha });
  return name;
};

const newPull = async (client, base, title) => {
  const head = await newBranch('topic', base);
  await client.rest.repos.createOrUpdateFileContents({ ...r, path: `${head}.txt`, message: `add ${head}`, content: b64(`${title}\n`), branch: head });
  return (await client.rest.pulls.create({ ...r, base, head, title })).data;
};

const protection = (extra = {}) => ({
  required_status_checks: null,
  enforce_admins: false,
  required_pull_request_reviews: null,
  restrictions: null,
  ...extra,
});

test('updateBranchProtection is read back and shown on the branch', async () => {
  const branch = await newBranch('release');
  const { data: put } = await gh.rest.repos.updateBranchProtection({
    ...r,
    branch,
    ...protection({
      required_status_checks: { strict: true, contexts: ['ci/build'] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 2, dismiss_stale_reviews: true },
      restrictions: { users: ['lee'], teams: [] },
      allow_deletions: true,
      lock_branch: false,
    }),
  });
  assert.deepEqual(put.required_status_checks.contexts, ['ci/build']);
  assert.equal(put.enforce_admins.enabled, true);
  assert.equal(put.required_pull_request_reviews.required_approving_review_count, 2);
  assert.deepEqual(put.restrictions.users.map((u) => u.login), ['lee']);
  assert.equal(put.allow_deletions.enabled, true);
  const { data: got } = await gh.rest.repos.getBranchProtection({ ...r, branch });
  assert.deepEqual(got, put);
  const { data: b } = await gh.rest.repos.getBranch({ ...r, branch });
  assert.equal(b.protected, true);
  assert.equal(b.protection.required_status_checks.enforcement_level, 'everyone');
  const { data: listed } = await gh.rest.repos.listBranches({ ...r, protected: true });
  assert.deepEqual(listed.map((x) => x.name), [branch]);
  assert.equal((await gh.rest.repos.deleteBranchProtection({ ...r, branch })).status, 204);
  assert.deepEqual(await failure(gh.rest.repos.getBranchProtection({ ...r, branch })), { status: 404, message: 'Branch not protected' });
});

test('each protection sub-resource edits its own setting', async () => {
  const branch = await newBranch('stable');
  await gh.rest.repos.updateBranchProtection({ ...r, branch, ...protection({ required_status_checks: { strict: false, contexts: ['a'] } }) });
  const { data: sc } = await gh.rest.repos.updateStatusCheckProtection({ ...r, branch, strict: true });
  assert.equal(sc.strict, true);
  assert.deepEqual((await gh.rest.repos.addStatusCheckContexts({ ...r, branch, contexts: ['b'] })).data, ['a', 'b']);
  assert.deepEqual((await gh.rest.repos.setStatusCheckContexts({ ...r, branch, contexts: ['c', 'd'] })).data, ['c', 'd']);
  assert.deepEqual((await gh.rest.repos.removeStatusCheckContexts({ ...r, branch, contexts: ['c'] })).data, ['d']);
  assert.deepEqual((await gh.rest.repos.getAllStatusCheckContexts({ ...r, branch })).data, ['d']);
  assert.equal((await gh.rest.repos.getStatusChecksProtection({ ...r, branch })).data.contexts_url.endsWith('/required_status_checks/contexts'), true);
  await gh.rest.repos.removeStatusCheckProtection({ ...r, branch });
  assert.equal((await failure(gh.rest.repos.getStatusChecksProtection({ ...r, branch }))).status, 404);

  const { data: rv } = await gh.rest.repos.updatePullRequestReviewProtection({ ...r, branch, required_approving_review_count: 2 });
  assert.equal(rv.required_approving_review_count, 2);
  assert.equal((await gh.rest.repos.getPullRequestReviewProtection({ ...r, branch })).data.required_approving_review_count, 2);
  assert.equal((await failure(gh.rest.repos.updatePullRequestReviewProtection({ ...r, branch, required_approving_review_count: 9 }))).status, 422);
  await gh.rest.repos.deletePullRequestReviewProtection({ ...r, branch });
  assert.equal((await failure(gh.rest.repos.getPullRequestReviewProtection({ ...r, branch }))).status, 404);

  assert.equal((await gh.rest.repos.setAdminBranchProtection({ ...r, branch })).data.enabled, true);
  assert.equal((await gh.rest.repos.getAdminBranchProtection({ ...r, branch })).data.enabled, true);
  assert.equal((await gh.rest.repos.deleteAdminBranchProtection({ ...r, branch })).status, 204);
  assert.equal((await gh.rest.repos.createCommitSignatureProtection({ ...r, branch })).data.enabled, true);
  assert.equal((await gh.rest.repos.getCommitSignatureProtection({ ...r, branch })).data.enabled, true);
  await gh.rest.repos.deleteCommitSignatureProtection({ ...r, branch });
  assert.equal((await gh.rest.repos.getCommitSignatureProtection({ ...r, branch })).data.enabled, false);

  assert.equal((await failure(gh.rest.repos.getAccessRestrictions({ ...r, branch }))).message, 'Push restrictions not enabled');
  await gh.rest.repos.updateBranchProtection({ ...r, branch, ...protection({ restrictions: { users: [], teams: [] } }) });
  const users = await gh.rest.repos.addUserAccessRestrictions({ ...r, branch, users: ['lee', 'sam'] });
  assert.deepEqual(users.data.map((u) => u.login), ['lee', 'sam']);
  assert.deepEqual((await gh.rest.repos.setUserAccessRestrictions({ ...r, branch, users: ['sam'] })).data.map((u) => u.login), ['sam']);
  assert.deepEqual((await gh.rest.repos.removeUserAccessRestrictions({ ...r, branch, users: ['sam'] })).data, []);
  const { data: team } = await gh.rest.teams.create({ org: 'acme', name: unique('Pushers') });
  assert.deepEqual((await gh.rest.repos.addTeamAccessRestrictions({ ...r, branch, teams: [team.slug] })).data.map((t) => t.slug), [team.slug]);
  assert.deepEqual((await gh.rest.repos.getTeamsWithAccessToProtectedBranch({ ...r, branch })).data.map((t) => t.slug), [team.slug]);
  assert.equal((await failure(gh.rest.repos.addAppAccessRestrictions({ ...r, branch, apps: ['not-an-app'] }))).status, 422);
  assert.deepEqual((await gh.rest.repos.setAppAccessRestrictions({ ...r, branch, apps: ['asymmetric-checks'] })).data.map((a) => a.slug), ['asymmetric-checks']);
  assert.equal((await gh.rest.repos.deleteAccessRestrictions({ ...r, branch })).status, 204);
  assert.equal((await failure(gh.rest.repos.getUsersWithAccessToProtectedBranch({ ...r, branch }))).status, 404);
});

test('protection writes are admin only and validated', async () => {
  const branch = await newBranch('locked');
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  assert.deepEqual(await failure(lee.rest.repos.updateBranchProtection({ ...r, branch, ...protection() })), {
    status: 403,
    message: 'Must have admin rights to Repository.',
  });
  const noRestrictions = { ...protection() };
  delete noRestrictions.restrictions;
  assert.deepEqual(await failure(gh.rest.repos.updateBranchProtection({ ...r, branch, ...noRestrictions })), {
    status: 422,
    message: 'Invalid request.\n\n"restrictions" wasn\'t supplied.',
  });
  assert.deepEqual(await failure(gh.rest.repos.getBranchProtection({ ...r, branch: 'no-such-branch' })), { status: 404, message: 'Branch not found' });
});

test('merging into a protected branch needs approvals and passing checks', async () => {
  const base = await newBranch('protected');
  await gh.rest.repos.updateBranchProtection({
    ...r,
    branch: base,
    ...protection({ required_status_checks: { strict: false, contexts: ['ci/build'] }, required_pull_request_reviews: { required_approving_review_count: 1 } }),
  });
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  const sam = octokit(clone, await loginToken(clone, 'sam'));
  const pr = await newPull(lee, base, 'Guarded change');
  const merge = () => lee.rest.pulls.merge({ ...r, pull_number: pr.number });
  assert.deepEqual(await failure(merge()), { status: 405, message: 'At least 1 approving review is required by reviewers with write access.' });
  await sam.rest.pulls.createReview({ ...r, pull_number: pr.number, event: 'APPROVE' });
  assert.deepEqual(await failure(merge()), { status: 405, message: 'Required status check "ci/build" is expected.' });
  await gh.rest.checks.create({ ...r, name: 'ci/build', head_sha: pr.head.sha, conclusion: 'success' });
  const { data } = await merge();
  assert.equal(data.merged, true);
});

test('direct pushes to a protected branch are refused, force pushes for everyone', async () => {
  const base = await newBranch('guarded');
  await gh.rest.repos.updateBranchProtection({ ...r, branch: base, ...protection({ required_pull_request_reviews: { required_approving_review_count: 1 } }) });
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  assert.deepEqual(
    await failure(lee.rest.repos.createOrUpdateFileContents({ ...r, path: 'direct.txt', message: 'direct', content: b64('x'), branch: base })),
    { status: 409, message: 'Changes must be made through a pull request.' },
  );
  const { data: made } = await gh.rest.repos.createOrUpdateFileContents({ ...r, path: 'admin.txt', message: 'admin', content: b64('y'), branch: base });
  const parent = made.commit.parents[0].sha;
  assert.deepEqual(await failure(gh.rest.git.updateRef({ ...r, ref: `heads/${base}`, sha: parent, force: true })), {
    status: 422,
    message: 'Cannot force-push to this branch',
  });
  assert.deepEqual(await failure(gh.rest.git.deleteRef({ ...r, ref: `heads/${base}` })), { status: 422, message: 'Cannot delete this protected branch' });
});

test('a reply to a review comment joins its thread', async () => {
  const pr = await newPull(gh, 'main', 'Reply target');
  const { data: files } = await gh.rest.pulls.listFiles({ ...r, pull_number: pr.number });
  const { data: top } = await gh.rest.pulls.createReviewComment({ ...r, pull_number: pr.number, body: 'why?', commit_id: pr.head.sha, path: files[0].filename, line: 1 });
  const { data: reply, status } = await gh.rest.pulls.createReplyForReviewComment({ ...r, pull_number: pr.number, comment_id: top.id, body: 'because' });
  assert.equal(status, 201);
  assert.equal(reply.in_reply_to_id, top.id);
  assert.equal((await failure(gh.rest.pulls.createReplyForReviewComment({ ...r, pull_number: pr.number, comment_id: top.id }))).status, 422);
});

test('branches where a commit is the head, generated notes and release reactions', async () => {
  const name = await newBranch('tip');
  const { data: b } = await gh.rest.repos.getBranch({ ...r, branch: name });
  const { data: heads } = await gh.rest.repos.listBranchesForHeadCommit({ ...r, commit_sha: b.commit.sha });
  assert.ok(heads.some((h) => h.name === name && h.commit.sha === b.commit.sha));

  const tag = unique('v1');
  const { data: rel } = await gh.rest.repos.createRelease({ ...r, tag_name: tag, target_commitish: 'main' });
  const pr = await newPull(gh, 'main', 'Add a farewell');
  await gh.rest.pulls.merge({ ...r, pull_number: pr.number, merge_method: 'squash' });
  const next = unique('v2');
  const { data: notes } = await gh.rest.repos.generateReleaseNotes({ ...r, tag_name: next, target_commitish: 'main' });
  assert.equal(notes.name, next);
  assert.ok(notes.body.startsWith("## What's Changed\n"), notes.body);
  assert.ok(notes.body.includes(`* Add a farewell by @dana in ${pr.html_url}\n`), notes.body);
  assert.ok(notes.body.endsWith(`/acme/hello-world/compare/${tag}...${next}`), notes.body);

  const { data: hooray, status } = await gh.rest.reactions.createForRelease({ ...r, release_id: rel.id, content: 'hooray' });
  assert.equal(status, 201);
  assert.deepEqual((await gh.rest.reactions.listForRelease({ ...r, release_id: rel.id })).data.map((x) => x.content), ['hooray']);
  assert.equal((await gh.rest.repos.getRelease({ ...r, release_id: rel.id })).data.reactions.hooray, 1);
  assert.equal((await failure(gh.rest.reactions.createForRelease({ ...r, release_id: rel.id, content: 'confused' }))).status, 422);
  assert.equal((await gh.rest.reactions.deleteForRelease({ ...r, release_id: rel.id, reaction_id: hooray.id })).status, 204);
});

test('webhook config and repository_dispatch', async () => {
  const sink = await hookSink();
  const { data: hook } = await gh.rest.repos.createWebhook({ ...r, config: { url: sink.url, content_type: 'json' }, events: ['repository_dispatch'] });
  try {
    const { data: cfg } = await gh.rest.repos.getWebhookConfigForRepo({ ...r, hook_id: hook.id });
    assert.equal(cfg.url, sink.url);
    const { data: updated } = await gh.rest.repos.updateWebhookConfigForRepo({ ...r, hook_id: hook.id, secret: 'shh', insecure_ssl: '1' });
    assert.equal(updated.secret, '********');
    assert.equal(updated.insecure_ssl, '1');
    const { status } = await gh.rest.repos.createDispatchEvent({ ...r, event_type: 'rebuild', client_payload: { unit: true } });
    assert.equal(status, 204);
    const got = await sink.waitFor('repository_dispatch');
    const payload = JSON.parse(got.body);
    assert.equal(payload.action, 'rebuild');
    assert.deepEqual(payload.client_payload, { unit: true });
    assert.ok(got.headers['x-hub-signature-256']);
    assert.equal((await failure(gh.rest.repos.createDispatchEvent({ ...r, event_type: '' }))).status, 422);
  } finally {
    await gh.rest.repos.deleteWebhook({ ...r, hook_id: hook.id });
    await sink.close();
  }
});

test('meta, zen, octocat, versions and a directory README', async () => {
  const { data: meta } = await gh.rest.meta.get();
  assert.equal(meta.verifiable_password_authentication, false);
  assert.ok(Array.isArray(meta.hooks));
  assert.deepEqual((await gh.rest.meta.getAllVersions()).data, ['2022-11-28']);
  const { data: zen } = await gh.rest.meta.getZen();
  assert.match(zen, /\.$/);
  const { data: cat } = await gh.rest.meta.getOctocat({ s: 'Hi there' });
  assert.match(Buffer.from(cat).toString(), /\| Hi there \|/);
  await gh.rest.repos.createOrUpdateFileContents({ ...r, path: 'tests/README.md', message: 'tests readme', content: b64('# tests\n') });
  const { data: readme } = await gh.rest.repos.getReadmeInDirectory({ ...r, dir: 'tests' });
  assert.equal(readme.path, 'tests/README.md');
  assert.equal(Buffer.from(readme.content, 'base64').toString(), '# tests\n');
  assert.equal((await failure(gh.rest.repos.getReadmeInDirectory({ ...r, dir: 'src' }))).status, 404);
});

test('tarball and zipball downloads follow the redirect to a real archive', async () => {
  const { data: main } = await gh.rest.repos.getBranch({ ...r, branch: 'main' });
  const sha = main.commit.sha;
  const { data: tgz, url } = await gh.rest.repos.downloadTarballArchive({ ...r, ref: 'main' });
  assert.ok(url.endsWith('/codeload/acme/hello-world/legacy.tar.gz/main'), url);
  const tar = gunzipSync(Buffer.from(tgz));
  const names = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString().replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
    names.push(name);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  assert.equal(names[0], 'pax_global_header');
  assert.ok(names.includes(`acme-hello-world-${sha.slice(0, 7)}/README.md`), names.join(','));
  const { data: zip } = await gh.rest.repos.downloadZipballArchive({ ...r, ref: 'main' });
  const bytes = Buffer.from(zip);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  assert.equal(bytes.subarray(bytes.length - 40).toString(), sha);
  assert.equal((await failure(gh.rest.repos.downloadZipballArchive({ ...r, ref: 'no-such-ref' }))).status, 404);
});

test('a transfer moves a repository into the organization', async () => {
  const name = unique('moving');
  await gh.rest.repos.createForAuthenticatedUser({ name, auto_init: true });
  const { data: moved, status } = await gh.rest.repos.transfer({ owner: 'dana', repo: name, new_owner: 'acme' });
  assert.equal(status, 202);
  assert.equal(moved.full_name, `acme/${name}`);
  assert.equal((await gh.rest.repos.get({ owner: 'acme', repo: name })).data.owner.login, 'acme');
  assert.equal((await failure(gh.rest.repos.get({ owner: 'dana', repo: name }))).status, 404);
  assert.equal((await failure(gh.rest.repos.transfer({ owner: 'acme', repo: name, new_owner: 'acme', new_name: 'hello-world' }))).status, 422);
});

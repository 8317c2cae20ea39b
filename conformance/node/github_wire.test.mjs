// @octokit/rest against the GitHub clone: the wire -- auth, errors, pagination,
// conditional requests, rate-limit headers, git object ids.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { b64, destroyGithub, gitBlobSha, loginToken, octokit, PORT_BASE, spinGithub, unique } from './github_support.mjs';

let clone;
let gh;

before(() => {
  clone = spinGithub(PORT_BASE);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

/** Runs a call that must fail; returns the RequestError. */
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.name, 'HttpError');
    return err;
  }
  assert.fail('the call succeeded');
}

test('the token belongs to the seeded admin', async () => {
  const { data, headers } = await gh.rest.users.getAuthenticated();
  assert.equal(data.login, 'dana');
  assert.equal(typeof data.id, 'number');
  assert.equal(data.url, `${clone.api}/users/dana`);
  assert.ok(headers['x-github-request-id']);
  const org = await gh.rest.orgs.get({ org: 'acme' });
  assert.equal(org.data.name, 'Acme Corp');
  const members = await gh.rest.orgs.listMembers({ org: 'acme' });
  assert.deepEqual(members.data.map((m) => m.login).sort(), ['dana', 'lee', 'sam']);
});

test('a bad token is 401 Bad credentials', async () => {
  const err = await failure(octokit(clone, `ghp_${'0'.repeat(36)}`).rest.users.getAuthenticated());
  assert.equal(err.status, 401);
  assert.equal(err.response.data.message, 'Bad credentials');
});

test('a private repository is 404 for an outsider', async () => {
  const olly = octokit(clone, await loginToken(clone, 'olly'));
  const err = await failure(olly.rest.repos.get({ owner: 'acme', repo: 'secret-plans' }));
  assert.equal(err.status, 404);
  assert.equal(err.response.data.message, 'Not Found');
  const mine = await gh.rest.repos.get({ owner: 'acme', repo: 'secret-plans' });
  assert.equal(mine.data.private, true);
});

test('422 Validation Failed names the field', async () => {
  const err = await failure(gh.rest.issues.create({ owner: 'acme', repo: 'hello-world', title: '' }));
  assert.equal(err.status, 422);
  assert.equal(err.response.data.message, 'Validation Failed');
  assert.deepEqual(err.response.data.errors, [{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
  const dup = await failure(gh.rest.git.createRef({ owner: 'acme', repo: 'hello-world', ref: 'refs/heads/main', sha: 'a'.repeat(40) }));
  assert.equal(dup.status, 422);
});

test('paginate follows the Link header through 250 issues', async () => {
  const name = unique('paging');
  await gh.rest.repos.createForAuthenticatedUser({ name, auto_init: true });
  for (let n = 0; n < 250; n++) {
    await gh.rest.issues.create({ owner: 'dana', repo: name, title: `issue ${String(n).padStart(3, '0')}` });
  }
  const all = await gh.paginate(gh.rest.issues.listForRepo, { owner: 'dana', repo: name, per_page: 100, direction: 'asc' });
  assert.equal(all.length, 250);
  assert.deepEqual(all.map((i) => i.title), Array.from({ length: 250 }, (_, n) => `issue ${String(n).padStart(3, '0')}`));
  const first = await gh.rest.issues.listForRepo({ owner: 'dana', repo: name, per_page: 100 });
  assert.match(first.headers.link, /rel="next"/);
  assert.match(first.headers.link, /page=3>; rel="last"/);
});

test('a conditional request answers 304 and costs nothing', async () => {
  const first = await gh.rest.repos.get({ owner: 'acme', repo: 'hello-world' });
  assert.ok(first.headers.etag);
  const remaining = Number(first.headers['x-ratelimit-remaining']);
  const err = await failure(gh.rest.repos.get({ owner: 'acme', repo: 'hello-world', headers: { 'if-none-match': first.headers.etag } }));
  assert.equal(err.status, 304);
  const next = await gh.rest.repos.get({ owner: 'acme', repo: 'hello-world' });
  assert.equal(Number(next.headers['x-ratelimit-remaining']), remaining - 1, 'the 304 did not count');
});

test('rate-limit headers count down, and /rate_limit agrees', async () => {
  const a = await gh.rest.users.getByUsername({ username: 'sam' });
  const b = await gh.rest.users.getByUsername({ username: 'lee' });
  assert.equal(a.headers['x-ratelimit-limit'], '5000');
  assert.equal(a.headers['x-ratelimit-resource'], 'core');
  assert.equal(Number(b.headers['x-ratelimit-remaining']), Number(a.headers['x-ratelimit-remaining']) - 1);
  const limits = await gh.rest.rateLimit.get();
  assert.equal(limits.data.resources.core.limit, 5000);
  assert.equal(limits.data.rate.remaining, Number(b.headers['x-ratelimit-remaining']));
});

test('the git data api builds commits with the ids git gives them', async () => {
  const repo = { owner: 'acme', repo: 'hello-world' };
  const text = 'from octokit\n';
  const blob = await gh.rest.git.createBlob({ ...repo, content: b64(text), encoding: 'base64' });
  assert.equal(blob.data.sha, gitBlobSha(text));
  const main = await gh.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const parent = await gh.rest.git.getCommit({ ...repo, commit_sha: main.data.object.sha });
  const tree = await gh.rest.git.createTree({ ...repo, base_tree: parent.data.tree.sha, tree: [{ path: 'docs/OCTOKIT.md', mode: '100644', type: 'blob', sha: blob.data.sha }] });
  const commit = await gh.rest.git.createCommit({ ...repo, message: 'Add OCTOKIT.md', tree: tree.data.sha, parents: [parent.data.sha] });
  const branch = unique('octo');
  await gh.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  const got = await gh.rest.repos.getContent({ ...repo, path: 'docs/OCTOKIT.md', ref: branch });
  assert.equal(Buffer.from(got.data.content, 'base64').toString(), text);
  const cmp = await gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `main...${branch}` });
  assert.equal(cmp.data.status, 'ahead');
  assert.deepEqual(cmp.data.files.map((f) => f.filename), ['docs/OCTOKIT.md']);
  const list = await gh.rest.repos.listCommits({ ...repo, sha: branch, per_page: 2 });
  assert.deepEqual(list.data.map((c) => c.sha), [commit.data.sha, parent.data.sha]);
});

test('code search and annotated tags', async () => {
  const { data: code } = await gh.rest.search.code({ q: 'hello repo:acme/hello-world language:python' });
  assert.deepEqual(code.items.map((i) => i.path).sort(), ['src/hello.py', 'tests/test_hello.py']);
  const repo = { owner: 'acme', repo: 'hello-world' };
  const { data: main } = await gh.rest.repos.getBranch({ ...repo, branch: 'main' });
  const name = unique('v0');
  const { data: tag } = await gh.rest.git.createTag({ ...repo, tag: name, message: 'Tagged\n', object: main.commit.sha, type: 'commit' });
  assert.equal(tag.object.sha, main.commit.sha);
  const { data: ref } = await gh.rest.git.createRef({ ...repo, ref: `refs/tags/${name}`, sha: tag.sha });
  assert.equal(ref.object.type, 'tag');
  const { data: commit } = await gh.rest.repos.getCommit({ ...repo, ref: name });
  assert.equal(commit.sha, main.commit.sha);
});

// @octokit/rest against the GitHub clone: sub-issues (add, list, reprioritize,
// remove, the parent), issue dependencies, deploy keys, autolinks and the
// repository statistics computed from the git history. Ports 5110-5119.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyGithub, failure, loginToken, octokit, spinGithub, unique } from './github_support.mjs';

let clone;
let gh;
const r = { owner: 'acme', repo: 'hello-world' };

before(() => {
  clone = spinGithub(5110);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

const issue = async (title) => (await gh.rest.issues.create({ ...r, title: unique(title) })).data;

const ed25519 = (byte) => {
  const field = (b) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.alloc(32, byte))]).toString('base64')}`;
};

test('sub-issues are added, listed, reprioritized and removed', async () => {
  const parent = await issue('epic');
  const [a, b] = [await issue('a'), await issue('b')];
  for (const child of [a, b]) {
    const { status, data } = await gh.rest.issues.addSubIssue({ ...r, issue_number: parent.number, sub_issue_id: child.id });
    assert.equal(status, 201);
    assert.equal(data.number, parent.number);
  }
  const list = async () => (await gh.rest.issues.listSubIssues({ ...r, issue_number: parent.number })).data.map((i) => i.number);
  assert.deepEqual(await list(), [a.number, b.number]);
  await gh.rest.issues.reprioritizeSubIssue({ ...r, issue_number: parent.number, sub_issue_id: b.id, before_id: a.id });
  assert.deepEqual(await list(), [b.number, a.number]);
  const { data: got } = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/parent', { ...r, issue_number: a.number });
  assert.equal(got.number, parent.number);
  const { data: p } = await gh.rest.issues.get({ ...r, issue_number: parent.number });
  assert.deepEqual(p.sub_issues_summary, { total: 2, completed: 0, percent_completed: 0 });

  const other = await issue('other');
  const e = await failure(gh.rest.issues.addSubIssue({ ...r, issue_number: other.number, sub_issue_id: a.id }));
  assert.equal(e.status, 422);
  assert.equal(e.response.data.errors[0].message, 'Sub issue may only have one parent');
  await gh.rest.issues.addSubIssue({ ...r, issue_number: other.number, sub_issue_id: a.id, replace_parent: true });
  assert.deepEqual(await list(), [b.number]);
  const cycle = await failure(gh.rest.issues.addSubIssue({ ...r, issue_number: a.number, sub_issue_id: other.id }));
  assert.equal(cycle.status, 422);

  await gh.rest.issues.removeSubIssue({ ...r, issue_number: parent.number, sub_issue_id: b.id });
  assert.deepEqual(await list(), []);
  const gone = await failure(gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/parent', { ...r, issue_number: b.number }));
  assert.equal(gone.status, 404);
});

test('dependencies block issues and are summarized', async () => {
  const [blocked, blocker] = [await issue('blocked'), await issue('blocker')];
  const { status } = await gh.rest.issues.addBlockedByDependency({ ...r, issue_number: blocked.number, issue_id: blocker.id });
  assert.equal(status, 201);
  const { data: by } = await gh.rest.issues.listDependenciesBlockedBy({ ...r, issue_number: blocked.number });
  assert.deepEqual(by.map((i) => i.number), [blocker.number]);
  const { data: blocking } = await gh.rest.issues.listDependenciesBlocking({ ...r, issue_number: blocker.number });
  assert.deepEqual(blocking.map((i) => i.number), [blocked.number]);
  const { data: now } = await gh.rest.issues.get({ ...r, issue_number: blocker.number });
  assert.deepEqual(now.issue_dependencies_summary, { blocked_by: 0, blocking: 1, total_blocked_by: 0, total_blocking: 1 });
  const self = await failure(gh.rest.issues.addBlockedByDependency({ ...r, issue_number: blocked.number, issue_id: blocked.id }));
  assert.equal(self.status, 422);
  await gh.rest.issues.removeDependencyBlockedBy({ ...r, issue_number: blocked.number, issue_id: blocker.id });
  assert.deepEqual((await gh.rest.issues.listDependenciesBlockedBy({ ...r, issue_number: blocked.number })).data, []);
});

test('deploy keys are validated and unique', async () => {
  const key = ed25519(42);
  const { status, data: k } = await gh.rest.repos.createDeployKey({ ...r, title: 'ci', key: `${key} me@host`, read_only: false });
  assert.equal(status, 201);
  assert.equal(k.key, key);
  assert.equal(k.read_only, false);
  assert.equal((await gh.rest.repos.getDeployKey({ ...r, key_id: k.id })).data.title, 'ci');
  assert.deepEqual((await gh.rest.repos.listDeployKeys(r)).data.map((x) => x.id), [k.id]);
  const dup = await failure(gh.rest.users.createPublicSshKeyForAuthenticatedUser({ title: 'mine', key }));
  assert.equal(dup.status, 422);
  const bad = await failure(gh.rest.repos.createDeployKey({ ...r, key: 'not a key' }));
  assert.equal(bad.status, 422);
  assert.match(bad.response.data.errors[0].message, /^key is invalid/);
  await gh.rest.repos.deleteDeployKey({ ...r, key_id: k.id });
  assert.equal((await failure(gh.rest.repos.getDeployKey({ ...r, key_id: k.id }))).status, 404);
});

test('autolinks need <num> and a unique prefix, and admin rights', async () => {
  const { status, data: link } = await gh.rest.repos.createAutolink({ ...r, key_prefix: 'BUG-', url_template: 'https://bugs.example/<num>', is_alphanumeric: false });
  assert.equal(status, 201);
  assert.equal(link.is_alphanumeric, false);
  assert.equal((await gh.rest.repos.getAutolink({ ...r, autolink_id: link.id })).data.key_prefix, 'BUG-');
  assert.equal((await failure(gh.rest.repos.createAutolink({ ...r, key_prefix: 'BUG-', url_template: 'https://x.example/<num>' }))).status, 422);
  assert.equal((await failure(gh.rest.repos.createAutolink({ ...r, key_prefix: 'X-', url_template: 'https://x.example/' }))).status, 422);
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  assert.equal((await failure(lee.rest.repos.listAutolinks(r))).status, 403);
  await gh.rest.repos.deleteAutolink({ ...r, autolink_id: link.id });
  assert.deepEqual((await gh.rest.repos.listAutolinks(r)).data, []);
});

test('statistics come from the git history', async () => {
  const week = 1703980800;
  const { status, data: contributors } = await gh.rest.repos.getContributorsStats(r);
  assert.equal(status, 200);
  assert.deepEqual(contributors.map((c) => [c.author.login, c.total]), [['lee', 1], ['dana', 2]]);
  assert.deepEqual(contributors[0].weeks, [{ w: week, a: 7, d: 0, c: 1 }]);
  assert.deepEqual((await gh.rest.repos.getCodeFrequencyStats(r)).data, [[week, 16, 0]]);
  const punch = (await gh.rest.repos.getPunchCardStats(r)).data;
  assert.equal(punch.length, 168);
  assert.deepEqual(punch.filter((p) => p[2] > 0), [[2, 9, 1], [3, 10, 1], [4, 16, 1]]);
  assert.equal((await gh.rest.repos.getCommitActivityStats(r)).data.length, 52);
  const { data: part } = await gh.rest.repos.getParticipationStats(r);
  assert.equal(part.all.length, 52);
  assert.equal(part.owner.length, 52);
});

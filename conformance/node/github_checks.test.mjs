// @octokit/rest against the GitHub clone: the Checks API (runs, suites,
// annotations, the ref's listing with `check_name`/`status`/`filter`), commit
// comments, deployments and environments, repository invitations and release
// assets. Ports 4930-4939.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyGithub, hookSink, loginToken, octokit, spinGithub, statusOf, unique } from './github_support.mjs';

let clone;
let gh;
const r = { owner: 'acme', repo: 'hello-world' };

before(() => {
  clone = spinGithub(4930);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

const mainSha = async () => (await gh.rest.repos.getBranch({ ...r, branch: 'main' })).data.commit.sha;

test('check runs report on a commit and roll up into their suite', async () => {
  const sink = await hookSink();
  const { data: hook } = await gh.rest.repos.createWebhook({ ...r, config: { url: sink.url, content_type: 'json' }, events: ['check_run', 'check_suite'] });
  try {
    const sha = await mainSha();
    const { data: run, status: created } = await gh.rest.checks.create({
      ...r,
      name: 'test',
      head_sha: sha,
      status: 'in_progress',
      output: { title: 'Tests', summary: 'running', annotations: [{ path: 'src/hello.py', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'boom' }] },
    });
    assert.equal(created, 201);
    assert.equal(run.status, 'in_progress');
    assert.equal(run.output.annotations_count, 1);
    const { data: done } = await gh.rest.checks.update({ ...r, check_run_id: run.id, status: 'completed', conclusion: 'neutral' });
    assert.equal(done.conclusion, 'neutral');
    assert.ok(done.completed_at);
    const completed = await sink.waitFor('check_suite');
    assert.equal(JSON.parse(completed.body).action, 'completed');
    assert.equal(JSON.parse(completed.body).check_suite.conclusion, 'neutral');

    const { data: got } = await gh.rest.checks.get({ ...r, check_run_id: run.id });
    assert.equal(got.name, 'test');
    const { data: notes } = await gh.rest.checks.listAnnotations({ ...r, check_run_id: run.id });
    assert.deepEqual(notes.map((a) => [a.path, a.message]), [['src/hello.py', 'boom']]);

    await gh.rest.checks.create({ ...r, name: 'test', head_sha: sha, status: 'queued' });
    const { data: latest } = await gh.rest.checks.listForRef({ ...r, ref: 'main', check_name: 'test' });
    assert.equal(latest.total_count, 1);
    assert.equal(latest.check_runs[0].status, 'queued');
    const { data: all } = await gh.rest.checks.listForRef({ ...r, ref: sha, check_name: 'test', filter: 'all' });
    assert.equal(all.total_count, 2);
    const { data: queued } = await gh.rest.checks.listForRef({ ...r, ref: 'main', status: 'queued' });
    assert.ok(queued.check_runs.every((c) => c.status === 'queued'));

    const suiteId = run.check_suite.id;
    const { data: suite } = await gh.rest.checks.getSuite({ ...r, check_suite_id: suiteId });
    assert.equal(suite.status, 'in_progress');
    const { data: inSuite } = await gh.rest.checks.listForSuite({ ...r, check_suite_id: suiteId, filter: 'all' });
    assert.ok(inSuite.total_count >= 2);
    const { data: suites } = await gh.rest.checks.listSuitesForRef({ ...r, ref: 'main' });
    assert.ok(suites.check_suites.some((s) => s.id === suiteId));
    const again = await gh.rest.checks.createSuite({ ...r, head_sha: sha });
    assert.equal(again.status, 200);
    assert.equal(again.data.id, suiteId);
    assert.equal((await gh.rest.checks.rerequestRun({ ...r, check_run_id: run.id })).status, 201);
    assert.equal((await gh.rest.checks.rerequestSuite({ ...r, check_suite_id: suiteId })).status, 201);
    const { data: prefs } = await gh.rest.checks.setSuitesPreferences({ ...r, auto_trigger_checks: [{ app_id: suite.app.id, setting: true }] });
    assert.deepEqual(prefs.preferences.auto_trigger_checks, [{ app_id: suite.app.id, setting: true }]);
  } finally {
    await gh.rest.repos.deleteWebhook({ ...r, hook_id: hook.id });
    await sink.close();
  }
});

test('check run mistakes answer 422', async () => {
  const sha = await mainSha();
  assert.equal(await statusOf(gh.rest.checks.create({ ...r, name: 'x', head_sha: sha, status: 'completed' })), 422);
  assert.equal(await statusOf(gh.rest.checks.create({ ...r, name: 'x', head_sha: sha, conclusion: 'bogus' })), 422);
  assert.equal(await statusOf(gh.rest.checks.get({ ...r, check_run_id: 1 })), 404);
});

test('commit comments, their reactions, the pulls of a commit, compare and branch rename', async () => {
  const { data: pr } = await gh.rest.pulls.get({ ...r, pull_number: 4 });
  const { data: files } = await gh.rest.pulls.listFiles({ ...r, pull_number: 4 });
  const { data: made, status: created } = await gh.rest.repos.createCommitComment({ ...r, commit_sha: pr.head.sha, body: 'ship it', path: files[0].filename, position: 1 });
  assert.equal(created, 201);
  assert.equal(made.commit_id, pr.head.sha);
  const { data: forCommit } = await gh.rest.repos.listCommentsForCommit({ ...r, commit_sha: pr.head.sha });
  assert.ok(forCommit.some((c) => c.id === made.id));
  const { data: forRepo } = await gh.rest.repos.listCommitCommentsForRepo(r);
  assert.ok(forRepo.some((c) => c.id === made.id));
  const { data: edited } = await gh.rest.repos.updateCommitComment({ ...r, comment_id: made.id, body: 'ship it now' });
  assert.equal(edited.body, 'ship it now');
  const { data: reaction } = await gh.rest.reactions.createForCommitComment({ ...r, comment_id: made.id, content: '+1' });
  const { data: reactions } = await gh.rest.reactions.listForCommitComment({ ...r, comment_id: made.id });
  assert.deepEqual(reactions.map((x) => x.content), ['+1']);
  assert.equal((await gh.rest.reactions.deleteForCommitComment({ ...r, comment_id: made.id, reaction_id: reaction.id })).status, 204);
  const { data: got } = await gh.rest.repos.getCommitComment({ ...r, comment_id: made.id });
  assert.equal(got.reactions.total_count, 0);
  assert.equal((await gh.rest.repos.deleteCommitComment({ ...r, comment_id: made.id })).status, 204);
  assert.equal(await statusOf(gh.rest.repos.getCommitComment({ ...r, comment_id: made.id })), 404);
  assert.equal(await statusOf(gh.rest.repos.createCommitComment({ ...r, commit_sha: pr.head.sha, body: '' })), 422);

  const { data: pulls } = await gh.rest.repos.listPullRequestsAssociatedWithCommit({ ...r, commit_sha: pr.head.sha });
  assert.deepEqual(pulls.map((p) => p.number), [4]);
  const { data: cmp } = await gh.rest.repos.compareCommitsWithBasehead({ ...r, basehead: `main...${pr.head.sha}` });
  assert.equal(cmp.status, 'ahead');

  const name = unique('topic');
  await gh.rest.git.createRef({ ...r, ref: `refs/heads/${name}`, sha: await mainSha() });
  const { data: renamed, status: code } = await gh.rest.repos.renameBranch({ ...r, branch: name, new_name: `${name}-2` });
  assert.equal(code, 201);
  assert.equal(renamed.name, `${name}-2`);
  assert.equal(await statusOf(gh.rest.repos.getBranch({ ...r, branch: name })), 404);
});

test('deployments, their statuses and environments', async () => {
  const environment = unique('preview');
  const sha = await mainSha();
  const { data: dep, status: code } = await gh.rest.repos.createDeployment({ ...r, ref: 'main', required_contexts: [], environment, payload: { pr: 4 }, transient_environment: true });
  assert.equal(code, 201);
  assert.equal(dep.sha, sha);
  assert.equal(dep.transient_environment, true);
  assert.deepEqual(dep.payload, { pr: 4 });
  const { data: st } = await gh.rest.repos.createDeploymentStatus({ ...r, deployment_id: dep.id, state: 'in_progress', log_url: 'https://ci.example.com/log' });
  assert.equal(st.log_url, 'https://ci.example.com/log');
  assert.equal(st.target_url, 'https://ci.example.com/log');
  const { data: statuses } = await gh.rest.repos.listDeploymentStatuses({ ...r, deployment_id: dep.id });
  assert.deepEqual(statuses.map((s) => s.state), ['in_progress']);
  assert.equal((await gh.rest.repos.getDeploymentStatus({ ...r, deployment_id: dep.id, status_id: st.id })).data.id, st.id);
  const { data: listed } = await gh.rest.repos.listDeployments({ ...r, environment });
  assert.deepEqual(listed.map((d) => d.id), [dep.id]);
  assert.equal((await gh.rest.repos.getDeployment({ ...r, deployment_id: dep.id })).data.environment, environment);
  assert.equal(await statusOf(gh.rest.repos.createDeploymentStatus({ ...r, deployment_id: dep.id, state: 'bogus' })), 422);
  // Alone in its environment, it may be deleted.
  assert.equal((await gh.rest.repos.deleteDeployment({ ...r, deployment_id: dep.id })).status, 204);
  assert.equal(await statusOf(gh.rest.repos.getDeployment({ ...r, deployment_id: dep.id })), 404);
  assert.equal(await statusOf(gh.rest.repos.createDeployment({ ...r, ref: 'does-not-exist' })), 422);

  const { data: env } = await gh.rest.repos.createOrUpdateEnvironment({ ...r, environment_name: environment, wait_timer: 5 });
  assert.equal(env.protection_rules[0].wait_timer, 5);
  const { data: envs } = await gh.rest.repos.getAllEnvironments(r);
  assert.ok(envs.environments.some((e) => e.name === environment));
  assert.equal((await gh.rest.repos.getEnvironment({ ...r, environment_name: environment })).data.name, environment);
  assert.equal(await statusOf(gh.rest.repos.createOrUpdateEnvironment({ ...r, environment_name: environment, wait_timer: 99999 })), 422);
  assert.equal((await gh.rest.repos.deleteAnEnvironment({ ...r, environment_name: environment })).status, 204);
  assert.equal(await statusOf(gh.rest.repos.getEnvironment({ ...r, environment_name: environment })), 404);
});

test('repository invitations: invite, change, accept, decline', async () => {
  const { data: repo } = await gh.rest.repos.createForAuthenticatedUser({ name: unique('scratch'), auto_init: true });
  const rr = { owner: repo.owner.login, repo: repo.name };
  const sam = octokit(clone, await loginToken(clone, 'sam'));
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  const { data: inv, status: code } = await gh.rest.repos.addCollaborator({ ...rr, username: 'sam', permission: 'pull' });
  assert.equal(code, 201);
  assert.equal(inv.permissions, 'read');
  const { data: changed } = await gh.rest.repos.updateInvitation({ ...rr, invitation_id: inv.id, permissions: 'write' });
  assert.equal(changed.permissions, 'write');
  const { data: listed } = await gh.rest.repos.listInvitations(rr);
  assert.deepEqual(listed.map((i) => i.invitee.login), ['sam']);
  const { data: mine } = await sam.rest.repos.listInvitationsForAuthenticatedUser();
  assert.ok(mine.some((i) => i.id === inv.id));
  assert.equal(await statusOf(sam.rest.repos.get(rr)), 200, 'public repository');
  assert.equal((await sam.rest.repos.acceptInvitationForAuthenticatedUser({ invitation_id: inv.id })).status, 204);
  const { data: perm } = await gh.rest.repos.getCollaboratorPermissionLevel({ ...rr, username: 'sam' });
  assert.equal(perm.permission, 'write');
  assert.equal((await gh.rest.repos.addCollaborator({ ...rr, username: 'sam', permission: 'admin' })).status, 204);

  const { data: second } = await gh.rest.repos.addCollaborator({ ...rr, username: 'lee' });
  assert.equal((await lee.rest.repos.declineInvitationForAuthenticatedUser({ invitation_id: second.id })).status, 204);
  assert.equal(await statusOf(gh.rest.repos.checkCollaborator({ ...rr, username: 'lee' })), 404);
  const { data: third } = await gh.rest.repos.addCollaborator({ ...rr, username: 'lee' });
  assert.equal((await gh.rest.repos.deleteInvitation({ ...rr, invitation_id: third.id })).status, 204);
  assert.equal(await statusOf(lee.rest.repos.acceptInvitationForAuthenticatedUser({ invitation_id: third.id })), 404);
});

test('release assets: upload to upload_url, list, download, update, delete', async () => {
  const { data: release } = await gh.rest.repos.createRelease({ ...r, tag_name: unique('v'), name: 'assets' });
  assert.ok(release.upload_url.startsWith(clone.api));
  // GitHub's documented way: the release's `upload_url` (a hypermedia relation) as the URL.
  const { data: asset, status: code } = await gh.rest.repos.uploadReleaseAsset({
    ...r,
    release_id: release.id,
    url: release.upload_url,
    name: 'report.json',
    label: 'Report',
    data: JSON.stringify({ ok: true }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(code, 201);
  assert.equal(asset.name, 'report.json');
  assert.equal(asset.size, 11);
  const { data: listed } = await gh.rest.repos.listReleaseAssets({ ...r, release_id: release.id });
  assert.deepEqual(listed.map((a) => a.id), [asset.id]);
  const { data: got } = await gh.rest.repos.getReleaseAsset({ ...r, asset_id: asset.id });
  assert.equal(got.label, 'Report');
  const raw = await gh.rest.repos.getReleaseAsset({ ...r, asset_id: asset.id, headers: { accept: 'application/octet-stream' } });
  assert.equal(Buffer.from(raw.data).toString(), '{"ok":true}');
  const { data: updated } = await gh.rest.repos.updateReleaseAsset({ ...r, asset_id: asset.id, name: 'report-1.json' });
  assert.equal(updated.name, 'report-1.json');
  const dup = gh.rest.repos.uploadReleaseAsset({ ...r, release_id: release.id, url: release.upload_url, name: 'report-1.json', data: 'x' });
  assert.equal(await statusOf(dup), 422);
  assert.equal((await gh.rest.repos.deleteReleaseAsset({ ...r, asset_id: asset.id })).status, 204);
  assert.equal(await statusOf(gh.rest.repos.getReleaseAsset({ ...r, asset_id: asset.id })), 404);
});

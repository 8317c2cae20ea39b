// @octokit/rest against the GitHub clone: an agent's workflow -- issue, labels,
// assignee, comment, branch, file commit, pull request, review, merge, the issue
// closed by reference, search -- and the signed webhooks it sets off.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verify } from '@octokit/webhooks-methods';
import { b64, destroyGithub, hookSink, loginToken, octokit, PORT_BASE, spinGithub, unique, verifySignature } from './github_support.mjs';

const repo = { owner: 'acme', repo: 'hello-world' };
let clone;
let gh;

before(() => {
  clone = spinGithub(PORT_BASE + 10);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

test('open, label, assign and comment on an issue', async () => {
  const { data: issue } = await gh.rest.issues.create({ ...repo, title: unique('Crash'), body: 'It crashes' });
  assert.equal(issue.state, 'open');
  await gh.rest.issues.addLabels({ ...repo, issue_number: issue.number, labels: ['bug'] });
  await gh.rest.issues.addAssignees({ ...repo, issue_number: issue.number, assignees: ['lee'] });
  const { data: comment } = await gh.rest.issues.createComment({ ...repo, issue_number: issue.number, body: 'On it' });
  assert.equal(comment.user.login, 'dana');
  const { data: got } = await gh.rest.issues.get({ ...repo, issue_number: issue.number });
  assert.deepEqual(got.labels.map((l) => l.name), ['bug']);
  assert.deepEqual(got.assignees.map((a) => a.login), ['lee']);
  assert.equal(got.comments, 1);
  const { data: events } = await gh.rest.issues.listEvents({ ...repo, issue_number: issue.number });
  assert.deepEqual(events.map((e) => e.event), ['labeled', 'assigned']);
  const { data: mine } = await gh.rest.issues.listForRepo({ ...repo, assignee: 'lee', labels: 'bug' });
  assert.ok(mine.some((i) => i.number === issue.number));
  const { data: byCreator } = await gh.rest.issues.list({ filter: 'created', state: 'open', per_page: 100 });
  assert.ok(byCreator.some((i) => i.number === issue.number && i.repository.full_name === 'acme/hello-world'));
});

test('branch, commit, pull request, review, merge, and the issue closes by reference', async () => {
  const { data: issue } = await gh.rest.issues.create({ ...repo, title: unique('Rude greeting') });
  const branch = unique('fix/polite');
  const { data: main } = await gh.rest.repos.getBranch({ ...repo, branch: 'main' });
  await gh.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: main.commit.sha });
  const { data: current } = await gh.rest.repos.getContent({ ...repo, path: 'src/hello.py', ref: branch });
  const { data: put } = await gh.rest.repos.createOrUpdateFileContents({
    ...repo,
    path: 'src/hello.py',
    message: 'Be polite',
    content: b64('def hello(name):\n    return f"Good day, {name}!"\n'),
    sha: current.sha,
    branch,
  });
  assert.equal(put.commit.parents[0].sha, main.commit.sha);
  const { data: pr } = await gh.rest.pulls.create({ ...repo, title: 'Be polite', head: branch, base: 'main', body: `Closes #${issue.number}` });
  assert.equal(pr.mergeable, true);
  assert.equal(pr.head.sha, put.commit.sha);
  const { data: files } = await gh.rest.pulls.listFiles({ ...repo, pull_number: pr.number });
  assert.deepEqual(files.map((f) => [f.filename, f.status]), [['src/hello.py', 'modified']]);
  await gh.rest.pulls.requestReviewers({ ...repo, pull_number: pr.number, reviewers: ['lee'] });
  const lee = octokit(clone, await loginToken(clone, 'lee'));
  const { data: review } = await lee.rest.pulls.createReview({ ...repo, pull_number: pr.number, event: 'APPROVE', body: 'LGTM' });
  assert.equal(review.state, 'APPROVED');
  const { data: reviews } = await gh.rest.pulls.listReviews({ ...repo, pull_number: pr.number });
  assert.deepEqual(reviews.map((r) => [r.user.login, r.state]), [['lee', 'APPROVED']]);
  const { data: merge } = await gh.rest.pulls.merge({ ...repo, pull_number: pr.number, merge_method: 'merge' });
  assert.equal(merge.merged, true);
  const { data: tip } = await gh.rest.repos.getCommit({ ...repo, ref: 'main' });
  assert.equal(tip.sha, merge.sha);
  assert.deepEqual(tip.parents.map((p) => p.sha), [main.commit.sha, put.commit.sha], 'a merge commit has both parents');
  const { data: after } = await gh.rest.pulls.get({ ...repo, pull_number: pr.number });
  assert.equal(after.merged, true);
  assert.equal(after.state, 'closed');
  const { data: closed } = await gh.rest.issues.get({ ...repo, issue_number: issue.number });
  assert.equal(closed.state, 'closed');
  const { data: timeline } = await gh.rest.issues.listEventsForTimeline({ ...repo, issue_number: pr.number });
  assert.ok(timeline.some((e) => e.event === 'reviewed'));
  assert.ok(timeline.some((e) => e.event === 'merged'));
  const err = await gh.rest.pulls.merge({ ...repo, pull_number: pr.number }).catch((e) => e);
  assert.equal(err.status, 405);
});

test('a pull request as a diff, a file as raw bytes', async () => {
  const { data: diff } = await gh.rest.pulls.get({ ...repo, pull_number: 4, mediaType: { format: 'diff' } });
  assert.match(diff, /^diff --git a\/src\/hello.py b\/src\/hello.py\n/);
  assert.match(diff, /\+    if lang == "pt":/);
  const { data: raw } = await gh.rest.repos.getContent({ ...repo, path: 'README.md', mediaType: { format: 'raw' } });
  assert.match(raw, /^# hello-world/);
});

test('search issues and pull requests with qualifiers', async () => {
  const title = unique('findme');
  const { data: issue } = await gh.rest.issues.create({ ...repo, title, labels: ['enhancement'], assignees: ['sam'] });
  const { data: found } = await gh.rest.search.issuesAndPullRequests({ q: `${title} repo:acme/hello-world is:issue state:open label:enhancement assignee:sam author:dana` });
  assert.equal(found.total_count, 1);
  assert.equal(found.items[0].number, issue.number);
  const { data: prs } = await gh.rest.search.issuesAndPullRequests({ q: 'repo:acme/hello-world is:pr' });
  assert.ok(prs.items.length >= 1 && prs.items.every((i) => i.pull_request));
  const { data: repos } = await gh.rest.search.repos({ q: 'hello user:acme' });
  assert.deepEqual(repos.items.map((r) => r.full_name), ['acme/hello-world']);
});

test('labels, milestones and reactions', async () => {
  const name = unique('triage');
  const { data: label } = await gh.rest.issues.createLabel({ ...repo, name, color: '00ff00' });
  assert.equal(label.color, '00ff00');
  const { data: ms } = await gh.rest.issues.createMilestone({ ...repo, title: unique('m') });
  const { data: issue } = await gh.rest.issues.create({ ...repo, title: unique('Planned'), milestone: ms.number, labels: [name] });
  assert.equal(issue.milestone.number, ms.number);
  const { data: labels } = await gh.rest.issues.setLabels({ ...repo, issue_number: issue.number, labels: ['bug'] });
  assert.deepEqual(labels.map((l) => l.name), ['bug']);
  const { data: reaction } = await gh.rest.reactions.createForIssue({ ...repo, issue_number: issue.number, content: '+1' });
  assert.equal(reaction.content, '+1');
  const { data: got } = await gh.rest.issues.get({ ...repo, issue_number: issue.number });
  assert.equal(got.reactions['+1'], 1);
  await gh.rest.issues.lock({ ...repo, issue_number: issue.number, lock_reason: 'off-topic' });
  assert.equal((await gh.rest.issues.get({ ...repo, issue_number: issue.number })).data.locked, true);
});

test('a release tags the default branch', async () => {
  const tag = unique('v2');
  const { data: rel } = await gh.rest.repos.createRelease({ ...repo, tag_name: tag, name: 'Two', body: 'notes' });
  const { data: latest } = await gh.rest.repos.getLatestRelease(repo);
  assert.equal(latest.id, rel.id);
  const { data: byTag } = await gh.rest.repos.getReleaseByTag({ ...repo, tag });
  assert.equal(byTag.name, 'Two');
  const { data: main } = await gh.rest.repos.getBranch({ ...repo, branch: 'main' });
  const { data: ref } = await gh.rest.git.getRef({ ...repo, ref: `tags/${tag}` });
  assert.equal(ref.object.sha, main.commit.sha);
  await gh.rest.repos.deleteRelease({ ...repo, release_id: rel.id });
  const err = await gh.rest.repos.getRelease({ ...repo, release_id: rel.id }).catch((e) => e);
  assert.equal(err.status, 404);
});

test('webhook deliveries carry GitHub headers and a verifiable signature', async () => {
  const sink = await hookSink();
  try {
    const { data: hook } = await gh.rest.repos.createWebhook({ ...repo, config: { url: sink.url, content_type: 'json', secret: 'shh' }, events: ['issues', 'pull_request'] });
    await sink.waitFor('ping');
    const { data: issue } = await gh.rest.issues.create({ ...repo, title: unique('Hooked') });
    const d = await sink.waitFor('issues');
    assert.ok(verifySignature('shh', d.body, d.headers['x-hub-signature-256']));
    // Octokit's own webhook verifier accepts the delivery.
    assert.equal(await verify('shh', d.body.toString('utf8'), d.headers['x-hub-signature-256']), true);
    assert.equal(await verify('wrong', d.body.toString('utf8'), d.headers['x-hub-signature-256']), false);
    assert.ok(d.headers['x-github-delivery']);
    assert.equal(d.headers['x-github-hook-id'], String(hook.id));
    const payload = JSON.parse(d.body);
    assert.equal(payload.action, 'opened');
    assert.equal(payload.issue.number, issue.number);
    await gh.rest.repos.pingWebhook({ ...repo, hook_id: hook.id });
    let deliveries = [];
    for (let i = 0; i < 100 && deliveries.length < 3; i++) {
      deliveries = (await gh.rest.repos.listWebhookDeliveries({ ...repo, hook_id: hook.id })).data;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(deliveries.map((x) => x.event).sort(), ['issues', 'ping', 'ping']);
    const { data: one } = await gh.rest.repos.getWebhookDelivery({ ...repo, hook_id: hook.id, delivery_id: deliveries.find((x) => x.event === 'issues').id });
    assert.equal(one.request.payload.issue.number, issue.number);
    await gh.rest.repos.deleteWebhook({ ...repo, hook_id: hook.id });
  } finally {
    await sink.close();
  }
});

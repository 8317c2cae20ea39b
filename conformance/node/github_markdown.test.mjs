// @octokit/rest against the GitHub clone: Markdown rendering (markdown.render in
// both modes, markdown.renderRaw) and the body media types through Octokit's
// `mediaType.format` (html, text, full, raw) on issues, issue comments and pull
// requests. Ports 5210-5219.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { destroyGithub, octokit, spinGithub, unique } from './github_support.mjs';

let clone;
let gh;
const r = { owner: 'acme', repo: 'hello-world' };

before(() => {
  clone = spinGithub(5210);
  gh = octokit(clone);
});

after(() => destroyGithub(clone));

test('markdown.render renders CommonMark with the GFM extensions', async () => {
  const res = await gh.rest.markdown.render({ text: 'Hello **world**' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.equal(res.data, '<p>Hello <strong>world</strong></p>\n');
  const table = (await gh.rest.markdown.render({ text: '| a | b |\n|---|---|\n| 1 | 2 |\n', mode: 'gfm' })).data;
  assert.ok(table.includes('<table>') && table.includes('<td>1</td>'), table);
  const tasks = (await gh.rest.markdown.render({ text: '- [x] done\n- [ ] ~~todo~~\n', mode: 'gfm' })).data;
  assert.ok(tasks.includes('checked=""') && tasks.includes('<del>todo</del>'), tasks);
});

test('markdown.render in gfm mode links references and mentions in the context repository', async () => {
  const issue = (await gh.rest.issues.create({ ...r, title: unique('ref') })).data;
  const text = `Closes #${issue.number} and #987654\ncc @lee @nobody-at-all`;
  const out = (await gh.rest.markdown.render({ text, mode: 'gfm', context: 'acme/hello-world' })).data;
  assert.ok(out.includes(`href="${issue.html_url}">#${issue.number}</a>`), out);
  assert.ok(out.includes(' and #987654<br>'), out);
  const lee = (await gh.rest.users.getByUsername({ username: 'lee' })).data;
  assert.ok(out.includes(`href="${lee.html_url}">@lee</a>`), out);
  assert.ok(!out.includes('nobody-at-all</a>'), out);
  // markdown mode links nothing and keeps newlines soft.
  const plain = (await gh.rest.markdown.render({ text, mode: 'markdown', context: 'acme/hello-world' })).data;
  assert.equal(plain, `<p>Closes #${issue.number} and #987654\ncc @lee @nobody-at-all</p>\n`);
  // A context the caller cannot see links no issue.
  const elsewhere = (await gh.rest.markdown.render({ text: `#${issue.number}`, mode: 'gfm', context: 'acme/no-such-repo' })).data;
  assert.equal(elsewhere, `<p>#${issue.number}</p>\n`);
});

test('markdown.renderRaw renders a text/plain body', async () => {
  const res = await gh.rest.markdown.renderRaw({ data: '## Notes\n\n1. `code`\n2. [link](https://example.com)\n' });
  assert.equal(res.status, 200);
  assert.equal(res.data, '<h2>Notes</h2>\n<ol>\n<li><code>code</code></li>\n<li><a href="https://example.com">link</a></li>\n</ol>\n');
});

test('markdown.render answers 422 for an unknown mode', async () => {
  await assert.rejects(gh.rest.markdown.render({ text: 'x', mode: 'wiki' }), (e) => e.status === 422);
});

test('issues and comments honour mediaType.format', async () => {
  const body = 'A *styled* body with @sam\n\n> quoted';
  const issue = (await gh.rest.issues.create({ ...r, title: unique('media'), body })).data;
  const html = (await gh.rest.issues.get({ ...r, issue_number: issue.number, mediaType: { format: 'html' } })).data;
  assert.equal(html.body, undefined);
  assert.ok(html.body_html.startsWith('<p>A <em>styled</em> body with <a class="user-mention'), html.body_html);
  assert.ok(html.body_html.includes('<blockquote>\n<p>quoted</p>\n</blockquote>'), html.body_html);
  const full = (await gh.rest.issues.get({ ...r, issue_number: issue.number, mediaType: { format: 'full' } })).data;
  assert.equal(full.body, body);
  assert.equal(full.body_html, html.body_html);
  assert.equal(full.body_text, 'A styled body with @sam\nquoted');
  const raw = (await gh.rest.issues.get({ ...r, issue_number: issue.number, mediaType: { format: 'raw' } })).data;
  assert.equal(raw.body, body);
  assert.equal(raw.body_html, undefined);
  assert.equal(raw.body_text, undefined);

  const comment = (await gh.rest.issues.createComment({ ...r, issue_number: issue.number, body: 'Done in **#1**' })).data;
  const text = (await gh.rest.issues.getComment({ ...r, comment_id: comment.id, mediaType: { format: 'text' } })).data;
  assert.equal(text.body_text, 'Done in #1');
  assert.equal(text.body, undefined);
  const listed = (await gh.rest.issues.listComments({ ...r, issue_number: issue.number, mediaType: { format: 'html' } })).data;
  assert.equal(listed.length, 1);
  assert.ok(listed[0].body_html.startsWith('<p>Done in <strong>'), listed[0].body_html);
});

test('pull requests honour mediaType.format', async () => {
  const head = unique('md-node');
  const main = (await gh.rest.repos.getBranch({ ...r, branch: 'main' })).data;
  await gh.rest.git.createRef({ ...r, ref: `refs/heads/${head}`, sha: main.commit.sha });
  await gh.rest.repos.createOrUpdateFileContents({
    ...r,
    path: `${head}.txt`,
    message: `add ${head}`,
    content: Buffer.from('hi\n').toString('base64'),
    branch: head,
  });
  const pr = (await gh.rest.pulls.create({ ...r, head, base: 'main', title: unique('pr'), body: 'Ships `it`' })).data;
  const got = (await gh.rest.pulls.get({ ...r, pull_number: pr.number, mediaType: { format: 'full' } })).data;
  assert.equal(got.body, 'Ships `it`');
  assert.equal(got.body_html, '<p>Ships <code>it</code></p>\n');
  assert.equal(got.body_text, 'Ships it');
});

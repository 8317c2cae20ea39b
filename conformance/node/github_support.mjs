// What the GitHub conformance files share: a seeded GitHub clone spun through the
// `asym` binary in its own ASYM_HOME, and @octokit/rest clients pointed at it --
// only `baseUrl` and the token differ from real GitHub. Each file takes its own
// 10 ports from 4650-4699 (ASYM_GITHUB_NODE_PORT_START moves the range).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { runAsym } from './support.mjs';

export const PORT_BASE = Number(process.env.ASYM_GITHUB_NODE_PORT_START || 4650);

/** Spins a seeded GitHub clone on ports [start, start+9]; returns {id, api, token, home}. */
export function spinGithub(portStart) {
  const home = mkdtempSync(join(tmpdir(), 'asym-conformance-gh-node-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { start: portStart, end: portStart + 9 } }));
  const spun = JSON.parse(runAsym(home, 'spin', 'github', '--seed', 'acme', '--json')).clone;
  return { id: spun.id, api: spun.api, token: spun.tokens.token, home };
}

export function destroyGithub(clone) {
  try {
    runAsym(clone.home, 'destroy', clone.id);
  } finally {
    rmSync(clone.home, { recursive: true, force: true });
  }
}

/** A client as a user would make one; only baseUrl and auth point at the clone. */
export function octokit(clone, token = clone.token) {
  return new Octokit({ auth: token, baseUrl: clone.api, log: { debug() {}, info() {}, warn() {}, error() {} } });
}

/** A personal access token for a seeded user, from the clone's control plane. */
export async function loginToken(clone, login, password = 'password123') {
  const res = await fetch(`${clone.api}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if (res.status !== 201) throw new Error(`login ${login}: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** The id git gives a blob. */
export const gitBlobSha = (text) => {
  const data = Buffer.from(text);
  return createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data])).digest('hex');
};

export const unique = (prefix) => `${prefix}-${randomBytes(4).toString('hex')}`;

export const b64 = (text) => Buffer.from(text).toString('base64');

/** GitHub's documented check of `X-Hub-Signature-256`. */
export function verifySignature(secret, body, header) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header || '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A local HTTP server that records webhook deliveries. */
export async function hookSink() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  async function waitFor(event, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = received.find((d) => d.headers['x-github-event'] === event);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${event} delivery; got ${received.map((d) => d.headers['x-github-event'])}`);
  }
  return { url, received, waitFor, close: () => new Promise((r) => server.close(r)) };
}

/** The HTTP status a request ends with, success or failure. */
export const statusOf = async (p) => {
  try {
    return (await p).status;
  } catch (e) {
    return e.status;
  }
};

/** The error a request fails with; a request that succeeds fails the test. */
export const failure = async (p) => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the request to fail');
};

// What every conformance file shares: the `asym` binary, a Slack client pointed
// at a clone (only the base URL changes), and the shape of a platform error.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ASYM_BIN = process.env.ASYM_BIN || join(REPO, 'target', 'debug', 'asym');
/** First port of the suite; each file takes its own 20 from here (files may run in parallel). */
export const PORT_BASE = Number(process.env.ASYM_CONFORMANCE_PORT_START || 4300);

/** Runs `asym` with `home` as its ASYM_HOME; returns stdout. */
export function runAsym(home, ...args) {
  return execFileSync(ASYM_BIN, args, { env: { ...process.env, ASYM_HOME: home }, encoding: 'utf8', timeout: 120_000 });
}

/** A client as a user would make one; only the base URL points at the clone. */
export function slackClient(apiUrl, token, extra = {}) {
  return new WebClient(token, { slackApiUrl: apiUrl, logLevel: LogLevel.ERROR, ...extra });
}

/** Runs a call that must fail with a Slack platform error; returns `err.data`. */
export async function platformError(promise) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.code, ErrorCode.PlatformError, `expected a platform error, got ${err.code}: ${err.message}`);
    assert.equal(err.data.ok, false);
    return err.data;
  }
  assert.fail('the call succeeded');
}

export const unique = (prefix) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The admin token the registry in `home` holds for clone `cloneId` (asserted present). */
export function adminToken(home, cloneId) {
  const find = (node) => {
    if (node && typeof node === 'object') {
      if (node.id === cloneId && node.adminToken) return node.adminToken;
      for (const v of Object.values(node)) {
        const t = find(v);
        if (t) return t;
      }
    }
    return null;
  };
  const token = find(JSON.parse(readFileSync(join(home, 'registry.json'), 'utf8')));
  assert.ok(token, `the registry in ${home} holds the admin token of ${cloneId}`);
  return token;
}

"""Scoring: a scripted agent (slack_sdk, as a user writes it) works on a seeded
environment; `asym eval` and the trainer API (`asym api`) score each run.

The three runs the scorer must tell apart: the task done right (full marks), the
task plus one harmless extra write (expectations pass, the strict check fails),
and the task done in the wrong channel (fails, naming the channel).
"""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient

from conftest import ASYM_BIN

PORT_START = int(os.environ.get("ASYM_EVAL_PORT_START", "4700"))
ENGINEERING, RANDOM = "C0ACMEENGR", "C0ACMERAND"

CHECKS = """
checks:
  - name: "announced v1.4 in #engineering"
    expect: added
    resource: messages
    where: {channel_id: C0ACMEENGR, subtype: null, text: {contains: "v1.4"}}
    count: 1
    weight: 3
  - name: "made it the topic of #engineering"
    expect: changed
    resource: channels
    where: {id: C0ACMEENGR}
    fields:
      topic: {to: {contains: "v1.4"}}
    weight: 2
  - name: "left #general alone"
    expect: unchanged
    resource: messages
    where: {channel_id: C0ACMEGNRL}
  - name: no collateral damage
    strict: true
    ignore:
      where:
        messages: {subtype: channel_topic}
  - name: used the bot token only
    journal: {principal: "xoxp-"}
    count: 0
"""


def run_asym(home, *args, ok=True):
    env = dict(os.environ, ASYM_HOME=home)
    out = subprocess.run([ASYM_BIN, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok and out.returncode != 0:
        raise RuntimeError(f"asym {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="module")
def env():
    home = tempfile.mkdtemp(prefix="asym-eval-py-")
    Path(home, "config.json").write_text(json.dumps({"portRange": {"start": PORT_START, "end": PORT_START + 18}}))
    name = f"eval-py-{secrets.token_hex(3)}"
    spec = Path(home, "task.env.yaml")
    spec.write_text(f"name: task\nclones:\n  - template: slack\n    seed: acme-corp\n    name: {name}\n    rateLimits: false\n")
    checks = Path(home, "checks.yaml")
    checks.write_text(CHECKS)
    spun = None
    try:
        spun = json.loads(run_asym(home, "env", "spin", str(spec), "--json").stdout)
        clone = spun["members"][0]["clone"]
        yield {"home": home, "checks": str(checks), "bot": WebClient(token=clone["tokens"]["bot"], base_url=clone["api"] + "/")}
    finally:
        if spun is not None:
            run_asym(home, "env", "destroy", "task", ok=False)
        shutil.rmtree(home, ignore_errors=True)


def agent(client, channel):
    """The task: announce the release, then make it the channel topic."""
    client.chat_postMessage(channel=channel, text="Release v1.4 is out :rocket:")
    client.conversations_setTopic(channel=channel, topic="Current release: v1.4")


def evaluate(env):
    out = run_asym(env["home"], "eval", "task", env["checks"], "--json", ok=False)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


def by_name(report, name):
    return next(c for c in report["checks"] if c["name"] == name)


def test_a_correct_run_scores_full_marks(env):
    run_asym(env["home"], "env", "reset", "task")
    agent(env["bot"], ENGINEERING)
    code, report = evaluate(env)
    assert code == 0, report
    assert report["passed"] and report["score"] == report["total"] == 8


def test_one_harmless_extra_write_fails_only_the_strict_check(env):
    run_asym(env["home"], "env", "reset", "task")
    agent(env["bot"], ENGINEERING)
    env["bot"].chat_postMessage(channel=RANDOM, text="fyi: v1.4 shipped")
    code, report = evaluate(env)
    assert code == 1
    failed = [c["name"] for c in report["checks"] if not c["passed"]]
    assert failed == ["no collateral damage"], report
    assert RANDOM in by_name(report, "no collateral damage")["evidence"][0]
    assert report["score"] == 7


def test_the_wrong_channel_fails_with_a_message_naming_it(env):
    run_asym(env["home"], "env", "reset", "task")
    agent(env["bot"], RANDOM)
    code, report = evaluate(env)
    assert code == 1
    posted = by_name(report, "announced v1.4 in #engineering")
    assert not posted["passed"] and "found 0" in posted["detail"]
    assert any(RANDOM in line for line in posted["evidence"]), posted
    human = run_asym(env["home"], "eval", "task", env["checks"], ok=False).stdout
    assert RANDOM in human and "FAIL" in human


def call(url, method="GET", body=None):
    req = urllib.request.Request(url, method=method, data=body.encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def test_the_episode_loop_over_the_trainer_api(env):
    port = PORT_START + 19
    api = subprocess.Popen(
        [ASYM_BIN, "api", "--port", str(port)], env=dict(os.environ, ASYM_HOME=env["home"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 20
        while True:
            try:
                call(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.time() < deadline, "asym api did not start"
                time.sleep(0.05)
        # The loop a trainer runs: reset, let the agent act, score, read what it did.
        scores = []
        for episode in range(4):
            call(f"{base}/envs/task/reset", "POST")
            agent(env["bot"], RANDOM if episode % 2 else ENGINEERING)
            report = call(f"{base}/envs/task/eval", "POST", CHECKS)
            scores.append(report["score"])
            trace = call(f"{base}/envs/task/trace?method=chat.postMessage")
            assert len(trace) == 1 and trace[0]["status"] == 200
        assert scores[0] == scores[2] == 8 and scores[1] == scores[3] < 8, scores
        with pytest.raises(urllib.error.HTTPError) as e:
            call(f"{base}/envs/task/eval", "POST", "checks:\n- {name: a, expect: added, resource: mesages}\n")
        assert e.value.code == 404 and json.load(e.value)["error"]["code"] == "RESOURCE_NOT_FOUND"
    finally:
        api.terminate()
        api.wait(timeout=10)

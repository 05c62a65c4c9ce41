"""Crashes and concurrency, end to end.

- shopannounce killed with SIGKILL at random points of a 500-recipient e-mail
  batch, 20 times, re-run after each kill with the same record and state file,
  then run to the end: every recipient has a message, and a recipient has two
  only when a kill fell between the server's acceptance and the state's record
  of it: at most one such per kill, and then with the same Message-ID.
- shopannounce killed likewise while posting to Mastodon, once per notice for
  20 notices, each re-run to the end: exactly one status per notice (the
  Idempotency-Key of the first attempt is sent again, and the fake honours it
  as Mastodon does).
- 8 shopcheck | shopannounce pipelines at once on one state file, three rounds
  (down, down, up): one incident opened and resolved, each notice sent once.

The kill points come from a seeded random generator (SEED), so a failure
reproduces; the seed is in every failure message.
"""

import base64
import datetime
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fake_chat  # noqa: E402
import helpers  # noqa: E402
from fake_chat import FakeChat  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = int(os.environ.get("SHOPKIT_CRASH_SEED", "20261128"))
KILLS = 20
RECIPIENTS = 500
KEYWORD = "カートに入れる"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.M | re.I)


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def incident_record(incident_id, channel="own"):
    now = datetime.datetime.now(datetime.timezone.utc)
    return json.dumps({"v": 1, "type": "incident", "event": "opened", "id": incident_id,
                       "channel": channel, "severity": "critical", "checks": ["cart"],
                       "since": iso(now - datetime.timedelta(minutes=1)), "time": iso(now)},
                      ensure_ascii=False) + "\n"


def target_lines(target):
    return "[[target]]\n" + "".join(f"{k} = {helpers.toml_value(v)}\n"
                                    for k, v in target.items())


class Started:
    """One shopannounce (or shopcheck) process, its output in files (never a pipe
    that a killed or slow reader could fill)."""

    def __init__(self, box, program, args, stdin_text, n):
        self.out = box.path(f"{program}-{n}.out")
        self.err = box.path(f"{program}-{n}.err")
        self.argv = [helpers.program_path(program)] + [str(a) for a in args]
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=out,
                                         stderr=err, env=box.env, cwd=box.dir)
        try:
            self.proc.stdin.write(stdin_text.encode("utf-8"))
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.started = time.monotonic()

    def kill(self):
        """SIGKILL unless it already ended; True when it was killed."""
        if self.proc.poll() is not None:
            return False
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return True

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not end within {timeout}s\n{self}")

    def stdout(self):
        with open(self.out, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err, encoding="utf-8", errors="replace") as f:
            return f.read()

    def announcements(self):
        return [r for r in (json.loads(line) for line in self.stdout().splitlines()
                            if line.strip()) if r.get("type") == "announcement"]

    def __str__(self):
        return (f"$ {' '.join(self.argv)}\nexit {self.proc.returncode}\n--- stdout\n"
                f"{self.stdout()}--- stderr\n{self.stderr()}---")


class SmtpLog:
    """What smtp_server.py stored, read as it grows: [(recipient, Message-ID)]."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.messages = []

    def poll(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            if event["event"] != "message":
                continue
            raw = base64.b64decode(event["data"])
            head = raw.split(b"\r\n\r\n", 1)[0]
            m = MESSAGE_ID.search(head)
            mid = m.group(1).decode() if m else None
            for rcpt in event["rcpt_tos"]:
                self.messages.append((rcpt, mid))
        return len(self.messages)


class CrashTest(unittest.TestCase):
    def setUp(self):
        helpers.program_path("shopannounce")
        self.box = helpers.Sandbox()
        self.addCleanup(self.box.cleanup)
        self.state = self.box.path("state.db")
        self.rng = random.Random(SEED)
        self.runs = []
        self.numbers = itertools.count()  # file names, also for runs started at once

    def start(self, stdin_text, program="shopannounce", args=()):
        base = ["-c", self.box.path("shop.toml"), "--state", self.state, "--format", "jsonl"]
        run = Started(self.box, program, base + list(args), stdin_text, next(self.numbers))
        self.runs.append(run)
        return run

    def assertNoStateErrors(self):
        for run in self.runs:
            err = run.stderr()
            for bad in ("database is locked", "malformed", "corrupt", "internal error"):
                self.assertNotIn(bad, err, f"seed {SEED}\n{run}")

    # ---- (a) e-mail --------------------------------------------------------------------------

    def test_email_batch_killed_20_times_mails_everyone_once_but_one_per_kill(self):
        self.email_batch_killed(connections=1)

    def test_email_batch_on_4_connections_killed_repeats_at_most_one_per_connection(self):
        self.email_batch_killed(connections=4)

    def email_batch_killed(self, connections):
        everyone = [f"c{i:03}@example.com" for i in range(RECIPIENTS)]
        rows = ["email,name,segment,opted_in"]
        rows += [f"{a},顧客 {i},vip,yes" for i, a in enumerate(everyone)]
        self.box.write("customers.csv", "\n".join(rows) + "\n", 0o644)
        self.box.write("templates/opened.email.mustache",
                       "【障害のお知らせ】{{shop.name}}\n{{customer.name}} 様\n\n"
                       "{{channel.name}}で障害が発生しています。\n配信停止: {{unsubscribe}}\n", 0o644)
        smtp_out = self.box.path("smtp.jsonl")
        smtp = subprocess.Popen([helpers.PYTHON, os.path.join(HERE, "smtp_server.py"),
                                 "--mode", "plain", "--out", smtp_out],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (smtp.terminate(), smtp.wait(), smtp.stdout.close()))
        line = helpers._read_line(smtp.stdout, 15)
        self.assertTrue(line.startswith("listening 127.0.0.1:"), line)
        port = int(line.rsplit(":", 1)[1])
        log = SmtpLog(smtp_out)

        self.box.config(helpers.shop_config(
            [{"id": "own", "name": "公式オンラインショップ", "url": "https://shop.example.jp/",
              "checks": [{"id": "cart", "url": "https://shop.example.jp/cart"}]}],
            policy={"customer_delay": "10m"},
            shop={"language": "ja", "contact": "support@example.jp", "templates": "templates"},
            extra=target_lines({
                "id": "mail", "kind": "email", "audience": "customers",
                "url": f"smtp://127.0.0.1:{port}", "plaintext": True,
                "from": "テスト商店 <shop@example.jp>", "customers": "customers.csv",
                "segments": ["vip"], "unsubscribe": "https://shop.example.jp/unsubscribe",
                "timeout": "10s", "connections": connections})))
        record = incident_record("own-20261128T0300")

        kills = 0
        for n in range(KILLS):
            run = self.start(record)
            if self.rng.random() < 0.2:
                # Early: while the program starts, opens the state, reads the list.
                time.sleep(self.rng.uniform(0.0, 0.3))
            else:
                # Inside the batch: a few more messages on, and a little after one.
                target = log.poll() + self.rng.randint(1, 30)
                deadline = time.monotonic() + 30
                while (log.poll() < target and run.proc.poll() is None
                       and time.monotonic() < deadline):
                    time.sleep(0.002)
                time.sleep(self.rng.uniform(0.0, 0.01))
            if run.kill():
                kills += 1
            else:
                self.assertEqual(run.proc.returncode, 0, f"seed {SEED}, run {n}\n{run}")
        final = self.start(record)
        self.assertEqual(final.wait(), 0, f"seed {SEED}\n{final}")
        self.assertNoStateErrors()
        log.poll()
        by_rcpt = {}
        for rcpt, mid in log.messages:
            by_rcpt.setdefault(rcpt, []).append(mid)
        missing = [a for a in everyone if a not in by_rcpt]
        self.assertEqual(missing, [], f"seed {SEED}: never mailed")
        self.assertEqual(set(by_rcpt), set(everyone))
        duplicates = {a: mids for a, mids in by_rcpt.items() if len(mids) > 1}
        extra = sum(len(mids) - 1 for mids in duplicates.values())
        # A kill finds at most one message per connection sent and not yet recorded.
        self.assertLessEqual(extra, kills * connections,
                             f"seed {SEED}: {kills} kills, duplicates {duplicates}")
        for rcpt, mids in duplicates.items():
            self.assertEqual(len(set(mids)), 1, f"seed {SEED}: {rcpt} got different Message-IDs")
        self.assertTrue(all(mid for _, mid in log.messages), "every message has a Message-ID")
        self.assertEqual(len({mids[0] for mids in by_rcpt.values()}), RECIPIENTS,
                         "a Message-ID of its own per recipient")
        # The notice is done: one more run sends nothing.
        sent = len(log.messages)
        again = self.start(record)
        self.assertEqual(again.wait(), 0, f"seed {SEED}\n{again}")
        self.assertEqual(log.poll(), sent, f"seed {SEED}: mailed again\n{again}")

    # ---- (b) a social post -------------------------------------------------------------------

    def test_mastodon_post_killed_at_random_points_is_posted_once(self):
        fake = FakeChat(hang_seconds=4.0)
        self.addCleanup(fake.stop)
        # A client killed mid-request resets its connection: expected here, not news.
        fake.server.handle_error = lambda request, address: None
        self.box.env["T_MASTODON"] = fake_chat.MASTODON_TOKEN
        self.box.write("templates/opened.mustache",
                       "【障害のお知らせ】{{shop.name}} {{channel.name}}\n{{incident.id}}\n", 0o644)
        self.box.config(helpers.shop_config(
            [{"id": "own", "name": "公式ショップ", "url": "https://shop.example.jp/",
              "checks": [{"id": "cart", "url": "https://shop.example.jp/cart"}]}],
            shop={"name": "テスト商店", "language": "ja", "templates": "templates"},
            policy={"customer_delay": "10m"},
            extra=target_lines({"id": "masto", "kind": "mastodon", "audience": "customers",
                                "api_base": fake.base, "token_env": "T_MASTODON",
                                "timeout": "5s"})))

        def posted(incident_id):
            return sum(incident_id in s.get("status", "") for s in list(fake.statuses))

        # One run to the end: how long a run takes here, so that the kills below
        # fall anywhere inside one.
        calib = self.start(incident_record("own-calibrate"))
        self.assertEqual(calib.wait(), 0, str(calib))
        span = time.monotonic() - calib.started
        self.assertEqual(posted("own-calibrate"), 1)

        kills = 0
        ids = [f"own-2026112{n // 10}T{n % 10:02}00" for n in range(KILLS)]
        for n, incident_id in enumerate(ids):
            record = incident_record(incident_id)
            run = self.start(record)
            if n % 2:
                # Just after Mastodon made the status, before the answer is recorded.
                deadline = time.monotonic() + 30
                while (not posted(incident_id) and run.proc.poll() is None
                       and time.monotonic() < deadline):
                    time.sleep(0.001)
            else:
                time.sleep(self.rng.uniform(0.0, span * 1.2))
            kills += run.kill()
            again = self.start(record)
            self.assertEqual(again.wait(), 0, f"seed {SEED}, notice {n}\n{again}")
            self.assertEqual(posted(incident_id), 1, f"seed {SEED}, notice {n}\n{again}")
        self.assertGreater(kills, KILLS // 2, "most runs were killed before they ended")
        self.assertEqual(len(fake.statuses), KILLS + 1)
        self.assertEqual(fake.problems, [])
        self.assertNoStateErrors()

    # ---- (c) 8 pipelines at once -------------------------------------------------------------

    def test_eight_pipelines_on_one_state_open_and_resolve_once(self):
        fx = helpers.Fixture()
        self.addCleanup(fx.stop)
        fake = FakeChat()
        self.addCleanup(fake.stop)
        self.box.env["T_SLACK"] = fake.slack_url
        path = "/flip/pipelines"
        self.box.config(helpers.shop_config(
            [{"id": "own", "name": "公式ショップ", "url": fx.url("/"),
              "checks": [{"id": "cart", "url": fx.url(path), "expect_text": KEYWORD,
                          "critical": True}]}],
            shop={"name": "テスト商店", "language": "ja"},
            policy={"fail_after": 2, "recover_after": 2, "timeout": "10s"},
            extra=target_lines({"id": "staff", "kind": "slack", "url_env": "T_SLACK",
                                "timeout": "10s"})))

        def pipeline():
            # shopcheck | shopannounce, with what went through the pipe kept.
            n = next(self.numbers)
            base = ["-c", self.box.path("shop.toml"), "--state", self.state, "--format", "jsonl"]
            check = helpers.program_path("shopcheck")
            announce = helpers.program_path("shopannounce")
            script = ('"$1" "${@:3}" 2>check.err | tee check.out | "$2" "${@:3}" '
                      '>announce.out 2>announce.err; echo "${PIPESTATUS[0]} ${PIPESTATUS[2]}"')
            os.makedirs(self.box.path(f"pipe-{n}"))
            p = subprocess.run(["bash", "-c", script, "pipeline", check, announce] + base,
                               capture_output=True, text=True, env=self.box.env,
                               cwd=self.box.path(f"pipe-{n}"), timeout=120)
            statuses = [int(s) for s in p.stdout.split()]
            files = {}
            for name in ("check.out", "check.err", "announce.out", "announce.err"):
                with open(self.box.path(f"pipe-{n}", name), encoding="utf-8") as f:
                    files[name] = f.read()
            return statuses, files

        rounds = []
        fx.control(path, 500)
        for label in ("down", "down", "up"):
            if label == "up":
                fx.control(path, "clear")
            rounds.append(helpers.run_parallel([pipeline] * 8))

        incidents = []
        # The first round may or may not reach fail_after (2 failures) in a given
        # run, nor the last recover_after; the second is down in every run.
        for n, (label, pipes) in enumerate(zip(("down", "down", "up"), rounds)):
            for (check_status, announce_status), files in pipes:
                shown = f"{label} round\n" + "\n".join(f"--- {k}\n{v}" for k, v in files.items())
                self.assertIn(check_status, (2,) if n == 1 else (0, 2), shown)
                self.assertEqual(announce_status, 0, shown)
                for bad in ("database is locked", "malformed", "corrupt", "internal error"):
                    self.assertNotIn(bad, files["check.err"] + files["announce.err"], shown)
                incidents += [r for r in (json.loads(line) for line in
                                          files["check.out"].splitlines() if line.strip())
                              if r.get("type") == "incident"]
        opened = [i for i in incidents if i["event"] == "opened"]
        resolved = [i for i in incidents if i["event"] == "resolved"]
        self.assertEqual(len(opened), 1, incidents)
        self.assertEqual(len(resolved), 1, incidents)
        self.assertEqual(opened[0]["id"], resolved[0]["id"])
        # Each notice went to the staff once: the opening, then the resolution.
        self.assertEqual(len(fake.delivered["slack"]), 2, fake.delivered["slack"])
        self.assertEqual(fake.problems, [])


if __name__ == "__main__":
    unittest.main()

"""shopannounce end to end: the policy (staff at once, customers after the delay,
critical at once, no recovery without an outage notice), the outbox (once only
with overlapping runs, after a kill, retries honouring Retry-After), --dry-run,
--hold, secrets and bad input. Targets are webhooks to a recording server on
127.0.0.1 (tests/e2e/recorder.py)."""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import time
import unittest

from helpers import Sandbox, program_path, run_parallel
from recorder import Recorder

TOKEN = "hook-token-7f3a9c1e5b"


def iso(delta_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def incident(event, ident="own-20260604T0300", since=-60, severity="major", until=None,
             checks=("top",)):
    rec = {"v": 1, "type": "incident", "event": event, "id": ident, "channel": "own",
           "severity": severity, "checks": list(checks), "since": iso(since), "time": iso()}
    if until is not None:
        rec["until"] = iso(until)
    return json.dumps(rec, ensure_ascii=False)


class AnnounceTest(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.rec = Recorder()
        self.addCleanup(self.sb.cleanup)
        self.addCleanup(self.rec.stop)
        self.env = {"HOOK_STAFF": self.rec.url(f"/staff/{TOKEN}"),
                    "HOOK_CUSTOMERS": self.rec.url(f"/customers/{TOKEN}")}

    def config(self, extra_targets="", customer_delay="10m", hold=False, staff=True,
               customers=True):
        targets = ""
        if staff:
            targets += """
[[target]]
id = "staff-chat"
kind = "webhook"
audience = "staff"
url_env = "HOOK_STAFF"
"""
        if customers:
            targets += f"""
[[target]]
id = "customer-hook"
kind = "webhook"
audience = "customers"
url_env = "HOOK_CUSTOMERS"
hold = {"true" if hold else "false"}
"""
        return self.sb.config(f"""
[shop]
name = "Example Store"
timezone = "Asia/Tokyo"
language = "ja"
contact = "support@example.jp"
state = "state.db"

[policy]
customer_delay = "{customer_delay}"
update_every = "1h"

[[channel]]
id = "own"
name = "公式オンラインショップ"
url = "https://shop.example.jp/"

[[channel]]
id = "rakuten"
name = "楽天市場店"
url = "https://www.rakuten.co.jp/example/"
{targets}{extra_targets}""")

    def announce(self, *args, stdin=None, **kw):
        return self.sb.announce("-c", self.sb.path("shop.toml"), "--format", "jsonl", *args,
                                env=self.env, stdin=stdin, **kw)

    def results(self, res):
        return [(r["target"], r["event"], r["result"]) for r in res.records("announcement")]

    def outbox(self):
        db = sqlite3.connect(self.sb.path("state.db"))
        try:
            return db.execute("SELECT target, name, state, attempts FROM outbox ORDER BY id").fetchall()
        finally:
            db.close()

    def test_blip_reaches_staff_only(self):
        self.config()
        lines = incident("opened", since=-90) + "\n" + incident("resolved", since=-90, until=0) + "\n"
        res = self.announce(stdin=lines)
        self.assertEqual(res.status, 0, res)
        self.assertEqual(len(self.rec.got()), 2, res)
        self.assertTrue(all(r["path"].startswith("/staff/") for r in self.rec.got()))
        self.assertEqual([r["body"]["event"] for r in self.rec.got()], ["opened", "resolved"])
        self.assertIn("【障害のお知らせ】", self.rec.got()[0]["body"]["text"])
        # The input passes through unchanged, first.
        self.assertEqual(res.stdout.splitlines()[:2], lines.splitlines())

    def test_customer_delay_then_recovery(self):
        self.config(customer_delay="3s")
        res = self.announce(stdin=incident("opened", since=0) + "\n")
        self.assertEqual(res.status, 0, res)
        self.assertEqual([r["path"].split("/")[1] for r in self.rec.got()], ["staff"])
        # Nothing new on stdin: a run still sends what has become due.
        time.sleep(3.2)
        res = self.announce()
        self.assertEqual(res.status, 0, res)
        self.assertEqual(self.results(res), [("customer-hook", "opened", "sent")], res)
        res = self.announce()
        self.assertEqual(self.results(res), [], res)
        res = self.announce(stdin=incident("resolved", since=-10, until=0) + "\n")
        self.assertEqual(sorted(self.results(res)),
                         [("customer-hook", "resolved", "sent"), ("staff-chat", "resolved", "sent")],
                         res)
        body = self.rec.got(f"/customers/{TOKEN}")[-1]["body"]
        self.assertIn("復旧", body["text"])

    def test_critical_is_told_at_once_with_alternatives(self):
        self.config()
        # Rakuten's check is up in the state: shopcheck has seen it.
        db_path = self.sb.path("state.db")
        self.announce()  # creates the state
        db = sqlite3.connect(db_path)
        db.execute("INSERT INTO check_state VALUES ('rakuten', 'top', 'up', 0, 5, NULL, ?)", (iso(),))
        db.commit()
        db.close()
        res = self.announce(stdin=incident("opened", since=0, severity="critical",
                                           checks=["cart"]) + "\n")
        self.assertEqual(res.status, 0, res)
        paths = sorted(r["path"].split("/")[1] for r in self.rec.got())
        self.assertEqual(paths, ["customers", "staff"])
        text = self.rec.got(f"/customers/{TOKEN}")[0]["body"]["text"]
        self.assertIn("楽天市場店", text)
        self.assertIn("https://www.rakuten.co.jp/example/", text)
        self.assertIn("カート", text)

    def test_overlapping_runs_send_once(self):
        self.config(customers=False)
        self.rec.delay = 1.5
        line = incident("opened") + "\n"
        a, b = run_parallel([lambda: self.announce(stdin=line), lambda: self.announce(stdin=line)])
        self.assertEqual(len(self.rec.got()), 1, f"{a}\n{b}")
        self.assertEqual({a.status, b.status}, {0}, f"{a}\n{b}")
        self.assertEqual(self.outbox(), [("staff-chat", "opened", "sent", 1)])

    def test_killed_run_then_rerun_sends_the_rest_once(self):
        extra = "".join(f"""
[[target]]
id = "staff-{i}"
kind = "webhook"
audience = "staff"
url_env = "HOOK_{i}"
""" for i in range(1, 5))
        self.config(extra_targets=extra, staff=False, customers=False)
        for i in range(1, 5):
            self.env[f"HOOK_{i}"] = self.rec.url(f"/hook{i}/{TOKEN}")
        self.rec.hang = {f"/hook2/{TOKEN}"}
        cmd = [program_path("shopannounce"), "-c", self.sb.path("shop.toml"), "--format", "jsonl"]
        env = dict(self.sb.env, **self.env)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=self.sb.dir)
        proc.stdin.write((incident("opened") + "\n").encode())
        proc.stdin.close()
        self.assertTrue(self.rec.wait_for(2), "the second send never started")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        self.rec.hang = set()
        self.assertEqual([r["path"].split("/")[1] for r in self.rec.got()], ["hook1", "hook2"])
        res = self.announce()
        self.assertEqual(res.status, 0, res)
        by_path = {}
        for r in self.rec.got():
            by_path.setdefault(r["path"].split("/")[1], []).append(r)
        self.assertEqual(len(by_path["hook1"]), 1, "a notice sent before the kill went again")
        self.assertEqual(len(by_path["hook3"]), 1)
        self.assertEqual(len(by_path["hook4"]), 1)
        # The one in flight at the kill goes again, with the same idempotency key.
        keys = {r["headers"]["idempotency-key"] for r in by_path["hook2"]}
        self.assertEqual(len(by_path["hook2"]), 2)
        self.assertEqual(len(keys), 1)
        self.assertEqual({s for (_, _, s, _) in self.outbox()}, {"sent"})

    def test_429_with_retry_after_is_retried_later_with_the_same_key(self):
        self.config(customers=False)
        self.rec.script(f"/staff/{TOKEN}", (429, {"Retry-After": "2"}, "slow down"))
        res = self.announce(stdin=incident("opened") + "\n")
        self.assertEqual(res.status, 75, res)
        (rec,) = res.records("announcement")
        self.assertEqual(rec["result"], "retry")
        self.assertIn("429", rec["error"])
        self.assertIn("next_attempt", rec)
        res = self.announce()
        self.assertEqual(res.status, 75, res)
        self.assertEqual(self.results(res), [("staff-chat", "opened", "waiting")])
        self.assertEqual(len(self.rec.got()), 1, "retried before Retry-After")
        time.sleep(2.2)
        res = self.announce()
        self.assertEqual(res.status, 0, res)
        self.assertEqual(self.results(res), [("staff-chat", "opened", "sent")])
        got = self.rec.got()
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]["headers"]["idempotency-key"], got[1]["headers"]["idempotency-key"])

    def test_a_year_of_retry_after_is_cut_to_24_hours(self):
        self.config(customers=False)
        self.rec.script(f"/staff/{TOKEN}", (429, {"Retry-After": "99999999999"}, "slow down"))
        before = datetime.datetime.now(datetime.timezone.utc)
        res = self.announce(stdin=incident("opened") + "\n")
        self.assertEqual(res.status, 75, res)
        self.assertEqual(self.results(res), [("staff-chat", "opened", "retry")], res)
        db = sqlite3.connect(self.sb.path("state.db"))
        try:
            ((when,),) = db.execute("SELECT next_attempt FROM outbox").fetchall()
        finally:
            db.close()
        next_attempt = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        self.assertGreater(next_attempt, before + datetime.timedelta(hours=23), when)
        self.assertLessEqual(next_attempt,
                             before + datetime.timedelta(hours=24, seconds=res.elapsed + 1), when)

    def test_a_secret_echoed_escaped_or_across_the_cut_leaves_no_prefix(self):
        # A LINE token has slashes, which PHP-style JSON writes as "\/".
        line_token = "Ltok9a8b7c6d5e4f/GHIJ+klmn/opqrSTUV1234="
        escaped = line_token.replace("/", "\\/")
        hook_path = f"/staff/{TOKEN}"

        def across_the_cut(text, at):
            # Whole once, then from byte `at` of the body: the 200-byte cut splits it.
            head = '{"error":"bad request","echo":"' + text + '","detail":"'
            return head + "p" * (at - len(head)) + text + '"}'
        self.rec.script("/line/v2/bot/message/push", (400, {}, across_the_cut(escaped, 185)))
        self.rec.script(hook_path,
                        (400, {}, across_the_cut(hook_path.replace("/", "\\/"), 180)))
        self.env["LINE_TOKEN"] = line_token
        self.config(customers=False, extra_targets=f"""
[[target]]
id = "line-staff"
kind = "line"
audience = "staff"
to = "Ustaff0001"
api_base = "{self.rec.url("/line")}"
token_env = "LINE_TOKEN"
""")
        res = self.announce("-vv", stdin=incident("opened") + "\n")
        self.assertEqual(sorted(r["result"] for r in res.records("announcement")),
                         ["failed", "failed"], res)
        self.assertEqual(len(self.rec.got()), 2)
        db = sqlite3.connect(self.sb.path("state.db"))
        try:
            errors = " ".join(e or "" for (e,) in db.execute("SELECT error FROM outbox"))
        finally:
            db.close()
        self.assertIn("[secret]", errors)
        for secret in (line_token, escaped, TOKEN):
            for n in range(8, len(secret) + 1):
                for where, text in (("stdout", res.stdout), ("stderr", res.stderr),
                                    ("outbox.error", errors)):
                    self.assertNotIn(secret[:n], text, f"{where} leaks {secret[:n]!r}\n{res}")

    def test_dry_run_shows_and_sends_nothing(self):
        self.config()
        res = self.announce("--dry-run", stdin=incident("opened", since=-1200) + "\n")
        self.assertEqual(res.status, 0, res)
        recs = res.records("announcement")
        self.assertEqual(sorted(r["target"] for r in recs), ["customer-hook", "staff-chat"])
        self.assertTrue(all(r["result"] == "dry-run" for r in recs))
        self.assertTrue(all("【障害のお知らせ】" in r["preview"] for r in recs), res)
        self.assertEqual(self.rec.got(), [])
        self.assertEqual(self.outbox(), [])
        text = self.sb.announce("-c", self.sb.path("shop.toml"), "--dry-run", "--format", "text",
                                env=self.env, stdin=incident("opened", since=-1200) + "\n")
        self.assertIn("── customer-hook (webhook, customers) · opened", text.stdout)
        # The real run afterwards sends both.
        res = self.announce(stdin=incident("opened", since=-1200) + "\n")
        self.assertEqual(len(self.rec.got()), 2, res)

    def test_hold_pending_approve_discard(self):
        self.config(hold=True)
        res = self.announce(stdin=incident("opened", since=-1200) + "\n")
        self.assertEqual(res.status, 0, res)
        self.assertIn(("customer-hook", "opened", "held"), self.results(res))
        self.assertEqual([r["path"].split("/")[1] for r in self.rec.got()], ["staff"])
        pending = self.announce("--pending")
        (row,) = pending.records("outbox")
        self.assertEqual(row["state"], "held")
        self.assertIn("【障害のお知らせ】", row["text"])
        res = self.announce("--approve", str(row["outbox"]))
        self.assertEqual(res.status, 0, res)
        self.assertEqual(self.results(res), [("customer-hook", "opened", "sent")])
        self.assertEqual(len(self.rec.got(f"/customers/{TOKEN}")), 1)
        res = self.announce("--approve", str(row["outbox"]))
        self.assertEqual(res.status, 64, res)
        # A manual maintenance notice, held, then discarded.
        res = self.announce("--event", "maintenance", "--channel", "own", "--message",
                            "6月10日 2:00〜4:00 にメンテナンスを行います。", "--target", "customer-hook")
        (held,) = res.records("announcement")
        self.assertEqual(held["result"], "held")
        res = self.announce("--discard", str(held["outbox"]))
        self.assertEqual(res.status, 0, res)
        self.assertEqual(self.announce("--pending").records("outbox"), [])
        self.assertEqual(len(self.rec.got(f"/customers/{TOKEN}")), 1)

    def test_manual_event_with_message(self):
        self.config()
        res = self.announce("--event", "maintenance", "--channel", "own", "--message",
                            "明日 2:00 から 1 時間メンテナンスを行います。")
        self.assertEqual(res.status, 0, res)
        self.assertEqual(len(self.rec.got()), 2)
        for r in self.rec.got():
            self.assertIn("明日 2:00 から 1 時間メンテナンスを行います。", r["body"]["text"])
        res = self.announce("--event", "maintenance", "--channel", "nope")
        self.assertEqual(res.status, 64, res)

    def test_manual_resolved_of_an_open_incident_reads_as_a_recovery(self):
        self.config(customers=False)
        self.announce(stdin=incident("opened", since=-600) + "\n")
        res = self.announce("--event", "resolved", "--channel", "own", "--message", "復旧しました。")
        self.assertEqual(res.status, 0, res)
        (rec,) = res.records("announcement")
        self.assertEqual(rec["incident"], "own-20260604T0300")
        text = self.rec.got()[-1]["body"]["text"]
        self.assertIn("【復旧のお知らせ】", text)
        self.assertRegex(text, r"\d+年\d+月\d+日 \d\d:\d\dに復旧")

    def test_secret_never_printed(self):
        self.config(customers=False)
        echo = f"no route for /staff/{TOKEN} (token {TOKEN})"
        self.rec.script(f"/staff/{TOKEN}", (500, {}, echo))
        res = self.sb.announce("-c", self.sb.path("shop.toml"), "-vv", "--format", "jsonl",
                               env=self.env, stdin=incident("opened") + "\n")
        self.assertEqual(res.status, 75, res)
        self.assertEqual(len(self.rec.got()), 1)
        self.assertNotIn(TOKEN, res.stdout + res.stderr)
        self.assertIn("[secret]", res.stdout)
        text = self.sb.announce("-c", self.sb.path("shop.toml"), "--pending", "--format", "text",
                                env=self.env)
        self.assertNotIn(TOKEN, text.stdout + text.stderr)
        db = sqlite3.connect(self.sb.path("state.db"))
        errors = " ".join(e or "" for (e,) in db.execute("SELECT error FROM outbox"))
        db.close()
        self.assertNotIn(TOKEN, errors)

    def test_malformed_record_exit_65_names_the_line_and_keeps_the_rest(self):
        self.config(customers=False)
        lines = ('{"v":1,"type":"check","channel":"own","check":"top","state":"down"}\n'
                 "this is not json\n" + incident("opened") + "\n"
                 '{"v":1,"type":"incident","event":"opened","channel":"own"}\n')
        res = self.announce(stdin=lines)
        self.assertEqual(res.status, 65, res)
        self.assertIn("<stdin>:2:", res.stderr)
        self.assertIn("<stdin>:4:", res.stderr)
        self.assertEqual(res.stdout.splitlines()[:4], lines.splitlines())
        self.assertEqual(len(self.rec.got()), 1, "the good record was not announced")

    def test_number_beyond_a_double_is_one_bad_line(self):
        self.config(customers=False)
        lines = (incident("opened", since=-90) + "\n"
                 '{"v":1,"type":"note","x":1e400}\n'
                 + incident("resolved", since=-90, until=0) + "\n")
        res = self.announce(stdin=lines)
        self.assertEqual(res.status, 65, res)
        self.assertIn("<stdin>:2: ", res.stderr)
        self.assertEqual(res.stdout.splitlines()[:3], lines.splitlines())
        self.assertEqual([r["body"]["event"] for r in self.rec.got()], ["opened", "resolved"], res)

    def test_missing_secret_is_a_clear_failure(self):
        self.config(customers=False)
        del self.env["HOOK_STAFF"]
        res = self.announce(stdin=incident("opened") + "\n")
        self.assertEqual(res.status, 75, res)
        (rec,) = res.records("announcement")
        self.assertEqual(rec["result"], "failed")
        self.assertIn("HOOK_STAFF", rec["error"])

    def test_bad_config_is_78(self):
        self.sb.config("[[target]]\nid = \"x\"\nkind = \"carrier-pigeon\"\n")
        res = self.announce()
        self.assertEqual(res.status, 78, res)
        self.assertIn("shop.toml:", res.stderr)


if __name__ == "__main__":
    unittest.main()

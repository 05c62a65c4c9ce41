"""shopannounce against loopback fakes of Mastodon, Bluesky, Slack, Discord,
Teams, Telegram and a signed webhook (fake_chat.py): every kind posts what
its API wants, staff hear at once, a retry carries the first attempt's
idempotency key, the Bluesky session is reused, a notice too long for its
service is refused and not sent, and no secret is ever printed.
"""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fake_chat  # noqa: E402
import helpers  # noqa: E402
from fake_chat import FakeChat  # noqa: E402

# The subject line, then a body with what each service treats specially: a
# Japanese text before a link (Bluesky facets count bytes), &, < and > (Slack
# escaping), a mention Discord must not ping.
OPENED = """【障害のお知らせ】{{shop.name}} {{channel.name}}
{{incident.checks_text}}が使えません (A&B <cart> @everyone)。{{#message}}{{message}}{{/message}}
詳しくは https://status.example.jp/{{incident.id}} をご覧ください。"""
RESOLVED = """【復旧のお知らせ】{{shop.name}} {{channel.name}}
復旧しました。 https://status.example.jp/{{incident.id}}"""
LONG = "【障害のお知らせ】長文\n" + "ご不便をおかけして申し訳ございません。" * 120
LONG_N = len(LONG)  # over Discord's 2,000 and Mastodon's 500, under Telegram's 4,096

SECRET_ENV = {
    "T_MASTODON": fake_chat.MASTODON_TOKEN,
    "T_BLUESKY": fake_chat.BLUESKY_PASSWORD,
    "T_TELEGRAM": fake_chat.TELEGRAM_TOKEN,
    "T_WEBHOOK_KEY": fake_chat.WEBHOOK_SECRET,
}

# Every part of a secret that must never be printed.
SECRETS = [fake_chat.MASTODON_TOKEN, fake_chat.BLUESKY_PASSWORD, fake_chat.TELEGRAM_TOKEN,
           fake_chat.TELEGRAM_TOKEN.split(":")[1], fake_chat.WEBHOOK_SECRET,
           fake_chat.SLACK_PATH.rsplit("/", 1)[1], fake_chat.DISCORD_PATH.rsplit("/", 1)[1],
           fake_chat.TEAMS_SIG, fake_chat.WEBHOOK_PATH.rsplit("/", 1)[1]]

ALL = ("mastodon", "bluesky", "slack", "discord", "teams", "telegram", "webhook")
STAFF = ("slack", "discord", "teams", "telegram", "webhook")
CUSTOMERS = ("mastodon", "bluesky")


def shopannounce():
    path = os.path.join(helpers.BIN, "shopannounce")
    if not helpers.BIN or not os.access(path, os.X_OK):
        raise RuntimeError(f"no shopannounce at {path!r}: set SHOPKIT_BIN")
    return path


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def incident(channel="own", event="opened", severity="critical", minutes_ago=1, id_=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    since = now - datetime.timedelta(minutes=minutes_ago)
    rec = {"v": 1, "type": "incident", "event": event,
           "id": id_ or f"{channel}-{since.strftime('%Y%m%dT%H%M')}", "channel": channel,
           "severity": severity, "checks": ["cart"], "since": iso(since), "time": iso(now)}
    if event == "resolved":
        rec["until"] = iso(now)
    return json.dumps(rec, ensure_ascii=False)


class Run:
    def __init__(self, args, status, stdout, stderr):
        self.args, self.status, self.stdout, self.stderr = args, status, stdout, stderr

    def announcements(self):
        out = []
        for line in self.stdout.splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("type") == "announcement":
                    out.append(rec)
        return out

    def by_kind(self):
        return {a.get("kind"): a for a in self.announcements()}

    def __str__(self):
        return (f"$ shopannounce {' '.join(self.args)}\nexit {self.status}\n--- stdout\n"
                f"{self.stdout}--- stderr\n{self.stderr}---")


class AnnounceChatTest(unittest.TestCase):
    def setUp(self):
        self.sb = helpers.Sandbox()
        self.addCleanup(self.sb.cleanup)
        self.fake = FakeChat(hang_seconds=4.0)
        self.addCleanup(self.fake.stop)
        self.sb.env.update(SECRET_ENV)
        self.sb.env["T_SLACK"] = self.fake.slack_url
        self.sb.env["T_DISCORD"] = self.fake.discord_url
        self.sb.env["T_TEAMS"] = self.fake.teams_url
        self.sb.env["T_WEBHOOK"] = self.fake.webhook_url
        # The same text for Slack and Teams staff (<event>.<kind>.staff.mustache comes
        # first for them), so every kind is tried with what its API treats specially.
        templates = {"opened": OPENED, "resolved": RESOLVED, "updated": OPENED}
        files = [(f"{event}{kind}.mustache", text) for event, text in templates.items()
                 for kind in ("", ".slack.staff", ".teams.staff")]
        for name, text in files + [("opened.long.mustache", LONG)]:
            self.sb.write(os.path.join("templates", name), text, 0o644)
        self.state = self.sb.path("state.db")

    def write_config(self, kinds=ALL, extra=None, policy=None, templates="templates",
                     own_checks=("cart",), language="ja"):
        extra = extra or {}
        targets = {
            "mastodon": {"kind": "mastodon", "audience": "customers",
                         "api_base": self.fake.base, "token_env": "T_MASTODON"},
            "bluesky": {"kind": "bluesky", "audience": "customers", "api_base": self.fake.base,
                        "handle": fake_chat.BLUESKY_HANDLE, "password_env": "T_BLUESKY"},
            "slack": {"kind": "slack", "url_env": "T_SLACK"},
            "discord": {"kind": "discord", "url_env": "T_DISCORD"},
            "teams": {"kind": "teams", "url_env": "T_TEAMS"},
            "telegram": {"kind": "telegram", "api_base": self.fake.base,
                         "token_env": "T_TELEGRAM", "chat_id": fake_chat.TELEGRAM_CHAT},
            "webhook": {"kind": "webhook", "url_env": "T_WEBHOOK",
                        "secret_env": "T_WEBHOOK_KEY"},
        }
        lines = []
        for kind in kinds:
            t = {"id": f"{kind}-1", "timeout": "2s"} | targets[kind] | extra.get(kind, {})
            lines += ["[[target]]"] + [f"{k} = {helpers.toml_value(v)}" for k, v in t.items()]
            lines.append("")
        text = helpers.shop_config(
            [{"id": "own", "name": "公式ショップ", "url": "https://shop.example.jp/",
              "checks": [{"id": c, "url": f"https://shop.example.jp/{c}"} for c in own_checks]},
             {"id": "mall", "name": "楽天店", "url": "https://mall.example.jp/",
              "checks": [{"id": "cart", "url": "https://mall.example.jp/cart"}]},
             {"id": "yahoo", "name": "Yahoo!店", "url": "https://yahoo.example.jp/",
              "checks": [{"id": "cart", "url": "https://yahoo.example.jp/cart"}]}],
            shop={"name": "テスト商店", "language": language, "timezone": "Asia/Tokyo",
                  "templates": self.sb.path(templates)},
            policy={"customer_delay": "10m"} | (policy or {}),
            extra="\n".join(lines))
        return self.sb.config(text)

    def run_announce(self, *args, stdin="", timeout=40):
        argv = [shopannounce(), "-c", self.sb.path("shop.toml"), "--state", self.state,
                "--format", "jsonl"] + list(args)
        p = subprocess.run(argv, input=stdin.encode(), capture_output=True, env=self.sb.env,
                           cwd=self.sb.dir, timeout=timeout)
        return Run(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"))

    def assertNoProblems(self):
        self.assertEqual(self.fake.problems, [], "the fake APIs refused what we sent")

    def assertNoSecrets(self, run):
        for secret in SECRETS:
            self.assertNotIn(secret, run.stdout, f"a secret in stdout\n{run}")
            self.assertNotIn(secret, run.stderr, f"a secret in stderr\n{run}")

    # ---- tests ----

    def test_each_kind_sends_what_its_api_wants(self):
        self.write_config()
        run = self.run_announce(stdin=incident(severity="critical") + "\n")
        self.assertEqual(run.status, 0, run)
        got = run.by_kind()
        self.assertEqual(sorted(got), sorted(ALL), run)
        for kind, a in got.items():
            self.assertEqual(a["result"], "sent", f"{kind}\n{run}")
        self.assertNoProblems()
        self.assertNoSecrets(run)

        masto = self.fake.of("mastodon")
        self.assertEqual(len(masto), 1)
        self.assertEqual(got["mastodon"]["remote_id"],
                         self.fake._idem[masto[0].headers["idempotency-key"]]["id"])
        self.assertEqual(masto[0].json["language"], "ja")
        self.assertRegex(masto[0].headers["idempotency-key"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

        self.assertEqual(self.fake.sessions_created, 1)
        (rkey, record), = self.fake.records.items()
        self.assertEqual(got["bluesky"]["remote_id"],
                         f"at://{fake_chat.BLUESKY_DID}/app.bsky.feed.post/{rkey}")
        self.assertEqual(record["langs"], ["ja"])
        link = "https://status.example.jp/" + json.loads(incident())["id"]
        facet, = record["facets"]
        self.assertEqual(facet["features"][0]["uri"], link)
        raw = record["text"].encode()
        self.assertEqual(raw[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode(), link)
        # Bytes, not characters: the Japanese before the link moves it a long way.
        self.assertGreater(facet["index"]["byteStart"], record["text"].index(link))

        slack, = self.fake.delivered["slack"]
        self.assertIn("A&amp;B &lt;cart&gt;", slack["text"])
        discord, = self.fake.delivered["discord"]
        self.assertIn("@everyone", discord["content"])
        self.assertEqual(discord["allowed_mentions"], {"parse": []})
        self.assertTrue(got["discord"]["remote_id"].isdigit(), run)
        teams, = self.fake.delivered["teams"]
        blocks = teams["attachments"][0]["content"]["body"]
        self.assertEqual(blocks[0]["text"], "【障害のお知らせ】テスト商店 公式ショップ")
        self.assertIn("https://status.example.jp/", blocks[1]["text"])
        telegram, = self.fake.delivered["telegram"]
        self.assertEqual(got["telegram"]["remote_id"], "101")
        self.assertTrue(telegram["text"].startswith("【障害のお知らせ】"))
        hook, = self.fake.delivered["webhook"]
        self.assertEqual(hook["incident"]["id"], json.loads(incident())["id"])
        # The incident record itself, as shopcheck writes it (shopkit.7), not a
        # copy rebuilt from template variables.
        self.assertEqual({k: hook["incident"].get(k) for k in
                          ("v", "type", "event", "channel", "severity", "checks")},
                         {"v": 1, "type": "incident", "event": "opened", "channel": "own",
                          "severity": "critical", "checks": ["cart"]})
        self.assertIn("since", hook["incident"])
        self.assertEqual(hook["event"], "opened")
        self.assertEqual(hook["target"], "webhook-1")
        self.assertEqual(hook["subject"], "【障害のお知らせ】テスト商店 公式ショップ")
        self.assertEqual(got["webhook"]["remote_id"], "evt_1")

        # A second run with the same record sends nothing again.
        again = self.run_announce(stdin=incident(severity="critical") + "\n")
        self.assertEqual(again.status, 0, again)
        self.assertEqual(len(self.fake.requests), len(ALL) + 1,  # + the Bluesky login
                         f"{self.fake.requests}\n{again}")

    def test_staff_get_the_operational_facts_not_the_apology(self):
        # The shipped templates: no staff template of the shop's own.
        self.write_config(kinds=("mastodon", "slack", "teams"), templates="no-templates",
                          own_checks=("cart", "checkout"), language="en",
                          extra={"mastodon": {"hold": True}})
        self.assertEqual(self.run_announce().status, 0)  # creates the state
        now = datetime.datetime.now(datetime.timezone.utc)
        since = (now - datetime.timedelta(minutes=12)).replace(second=0, microsecond=0)
        db = sqlite3.connect(self.state)
        for channel, check, state, fails, first in (
                ("own", "cart", "down", 5, since),
                ("own", "checkout", "down", 3, since + datetime.timedelta(minutes=6)),
                ("mall", "cart", "up", 0, None), ("yahoo", "cart", "down", 1, since)):
            db.execute("INSERT INTO check_state VALUES (?, ?, ?, ?, 0, ?, ?)",
                       (channel, check, state, fails, first and iso(first), iso(now)))
        db.commit()
        db.close()
        # What shopcheck writes: the check records, then the incident record.
        checks = [
            {"v": 1, "type": "check", "time": iso(now), "channel": "own", "check": "cart",
             "kind": "http", "url": "https://shop.example.jp/cart", "state": "down",
             "critical": True, "http_status": 500, "latency_ms": 2345, "error": "HTTP 500"},
            {"v": 1, "type": "check", "time": iso(now), "channel": "own", "check": "checkout",
             "kind": "http", "url": "https://shop.example.jp/checkout", "state": "down",
             "latency_ms": 10002,
             "error": "unreachable: Timeout was reached (Operation timed out after 10002 ms)"},
        ]
        rec = json.loads(incident(severity="critical", minutes_ago=12))
        rec["checks"] = ["cart", "checkout"]
        rec["since"] = iso(since)
        stdin = "".join(json.dumps(r) + "\n" for r in checks + [rec])
        run = self.run_announce(stdin=stdin)
        self.assertEqual(run.status, 0, run)
        held, = [a for a in run.announcements() if a["result"] == "held"]
        self.assertEqual(held["kind"], "mastodon", run)
        self.assertNoProblems()

        slack, = self.fake.delivered["slack"]
        text = slack["text"]
        first = text.splitlines()[0]
        self.assertIn("Critical outage", first)
        self.assertIn("公式ショップ", first)
        # Slack mrkdwn: bold, bullets and code spans get through as they are.
        self.assertIn("• *cart* `cart`: down, HTTP 500, 2345 ms; 5 runs in a row since ", text)
        self.assertIn("• *checkout* `checkout`: down, unreachable: Timeout was reached "
                      "(Operation timed out after 10002 ms), 10002 ms; 3 runs in a row", text)
        local = since.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
        self.assertIn(f"*Since*: {local.day} {local.strftime('%B %Y %H:%M')} JST", text)
        self.assertIn("*Severity*: Critical", text)
        self.assertIn("*Still up*: 楽天店", text)
        self.assertIn(f"`mastodon-1` (mastodon): held for approval: "
                      f"`shopannounce --approve {held['outbox']}`", text)
        self.assertIn("`shopannounce --pending`", text)
        self.assertIn(f"`shoprecover --confirm --incident {rec['id']}`", text)
        self.assertNotIn("sorry", text)
        self.assertNotIn("Yahoo", text)  # its check is down

        # Customers still get the customers' text; each staff kind its own.
        db = sqlite3.connect(self.state)
        paths = dict(db.execute("SELECT target, template_path FROM outbox"))
        db.close()
        self.assertEqual(paths, {"mastodon-1": "builtin:en/opened.mastodon.mustache",
                                 "slack-1": "builtin:en/opened.slack.staff.mustache",
                                 "teams-1": "builtin:en/opened.teams.staff.mustache"})

        teams, = self.fake.delivered["teams"]
        blocks = teams["attachments"][0]["content"]["body"]
        self.assertIn("Critical outage", blocks[0]["text"])
        self.assertIn("- **cart** (cart): down, HTTP 500, 2345 ms", blocks[1]["text"])
        self.assertIn(f"shopannounce --approve {held['outbox']}", blocks[1]["text"])

    def test_staff_hear_at_once_customers_after_the_delay(self):
        self.write_config()
        rec = incident(severity="major", minutes_ago=1)
        run = self.run_announce(stdin=rec + "\n")
        self.assertIn(run.status, (0, 75), run)
        got = run.by_kind()
        for kind in STAFF:
            self.assertEqual(got.get(kind, {}).get("result"), "sent", f"{kind}\n{run}")
        for kind in CUSTOMERS:
            self.assertNotEqual(got.get(kind, {}).get("result"), "sent", f"{kind}\n{run}")
            self.assertEqual(self.fake.of(kind), [], kind)
        self.assertNoProblems()

        # Another channel's incident, already 15 minutes old: customers are told too.
        run = self.run_announce(stdin=incident(channel="mall", severity="major",
                                               minutes_ago=15) + "\n")
        self.assertEqual(run.status, 0, run)
        self.assertEqual(sorted(a["kind"] for a in run.announcements() if a["result"] == "sent"),
                         sorted(ALL), run)
        for kind in STAFF:
            self.assertEqual(len(self.fake.delivered[kind]), 2, kind)
        self.assertNoProblems()

    def test_customers_are_told_by_a_later_run_once_the_delay_has_passed(self):
        self.write_config(kinds=("slack", "mastodon"), policy={"customer_delay": "3s"})
        run = self.run_announce(stdin=incident(severity="major", minutes_ago=0) + "\n")
        self.assertEqual([(a["kind"], a["result"]) for a in run.announcements()
                          if a["result"] == "sent"], [("slack", "sent")], run)
        self.assertEqual(self.fake.of("mastodon"), [])
        time.sleep(3.5)
        later = self.run_announce()  # nothing on stdin: the state knows the incident
        self.assertEqual(later.status, 0, later)
        self.assertEqual([(a["kind"], a["result"]) for a in later.announcements()],
                         [("mastodon", "sent")], later)
        self.assertEqual(len(self.fake.delivered["slack"]), 1)
        self.assertEqual(len(self.fake.statuses), 1)
        self.assertNoProblems()

    def test_a_retry_after_a_lost_answer_carries_the_same_key(self):
        self.write_config(kinds=("mastodon", "bluesky", "webhook"))
        # Each service does the work, then the answer is lost (a 5xx).
        self.fake.script("mastodon", "commit-500")
        self.fake.script("bluesky", "commit-503")
        self.fake.script("webhook", "commit-500")
        first = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(first.status, 75, first)
        for kind, a in first.by_kind().items():
            self.assertEqual(a["result"], "retry", f"{kind}\n{first}")
        time.sleep(1.3)  # every answer said Retry-After: 1

        second = self.run_announce()  # nothing on stdin: only what is due
        self.assertEqual(second.status, 0, second)
        for kind, a in second.by_kind().items():
            self.assertEqual(a["result"], "sent", f"{kind}\n{second}")
        self.assertNoProblems()

        masto = self.fake.of("mastodon")
        self.assertEqual(len(masto), 2)
        self.assertEqual(masto[0].headers["idempotency-key"], masto[1].headers["idempotency-key"])
        self.assertEqual(len(self.fake.statuses), 1, "Mastodon made the status twice")
        self.assertEqual(second.by_kind()["mastodon"]["remote_id"],
                         self.fake._idem[masto[0].headers["idempotency-key"]]["id"])

        creates = self.fake.of("bluesky", "createRecord")
        self.assertEqual(len(creates), 1, "the retry must find the post, not post again")
        self.assertEqual(len(self.fake.of("bluesky", "getRecord")), 1)
        self.assertEqual(len(self.fake.records), 1)
        self.assertEqual(self.fake.duplicate_creates, 0)
        rkey = creates[0].json["rkey"]
        self.assertEqual(second.by_kind()["bluesky"]["remote_id"],
                         f"at://{fake_chat.BLUESKY_DID}/app.bsky.feed.post/{rkey}")

        hooks = self.fake.of("webhook")
        self.assertEqual(len(hooks), 2)
        self.assertEqual(hooks[0].headers["idempotency-key"], hooks[1].headers["idempotency-key"])
        self.assertEqual(hooks[0].json["key"], hooks[1].json["key"])

    def age_outbox(self, hours=2):
        """Every pending row was made `hours` ago and is due now: what an hour of
        backoff looks like without waiting for it."""
        made = iso(datetime.datetime.now(datetime.timezone.utc)
                   - datetime.timedelta(hours=hours))
        db = sqlite3.connect(self.state, timeout=10)
        try:
            with db:
                db.execute("UPDATE outbox SET created = ?, next_attempt = ? "
                           "WHERE state = 'pending'", (made, "2000-01-01T00:00:00Z"))
        finally:
            db.close()

    def test_a_mastodon_retry_after_the_key_expired_finds_the_earlier_status(self):
        self.write_config(kinds=("mastodon",))
        self.fake.script("mastodon", "commit-500")  # posted, but the answer is lost
        first = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(first.by_kind()["mastodon"]["result"], "retry", first)
        # Over an hour later the instance has forgotten the Idempotency-Key.
        self.fake.forget_idempotency_keys()
        self.age_outbox()
        second = self.run_announce()
        self.assertEqual(second.status, 0, second)
        a = second.by_kind()["mastodon"]
        self.assertEqual(a["result"], "sent", second)
        self.assertEqual(a["remote_id"], self.fake.posted[0]["id"])
        self.assertEqual(len(self.fake.statuses), 1, "Mastodon made the status twice")
        self.assertEqual([(r.method, r.path) for r in self.fake.of("mastodon")[1:]],
                         [("GET", "/api/v1/accounts/verify_credentials"),
                          ("GET", f"/api/v1/accounts/{fake_chat.MASTODON_ACCOUNT}/statuses")])
        self.assertNoProblems()

    def test_a_mastodon_retry_after_the_key_expired_posts_when_nothing_landed(self):
        self.write_config(kinds=("mastodon",))
        self.fake.script("mastodon", 500)  # refused: nothing was posted
        first = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(first.by_kind()["mastodon"]["result"], "retry", first)
        self.age_outbox()
        second = self.run_announce()
        self.assertEqual(second.by_kind()["mastodon"]["result"], "sent", second)
        self.assertEqual([r.method for r in self.fake.of("mastodon")[1:]], ["GET", "GET", "POST"])
        self.assertEqual(len(self.fake.statuses), 1)
        # A token that may not read cannot tell: a clear failure, never a second post.
        # (The new incident also brings the first one's customers an update.)
        self.fake.forget_idempotency_keys()
        self.fake.mastodon_read = False
        self.fake.script("mastodon", 500, 500)
        third = self.run_announce(stdin=incident(channel="mall", id_="mall-1") + "\n")
        self.assertEqual({a["result"] for a in third.announcements()}, {"retry"}, third)
        self.age_outbox()
        made = len(self.fake.statuses)
        fourth = self.run_announce()
        retried = [a for a in fourth.announcements() if a["attempt"] == 2]
        self.assertEqual(len(retried), len(third.announcements()), fourth)
        for a in retried:
            self.assertEqual(a["result"], "failed", fourth)
            self.assertIn("read:statuses", a["error"])
        # Only a notice on its first attempt (a later update) was posted.
        fresh = [a for a in fourth.announcements() if a["attempt"] == 1]
        self.assertEqual(len(self.fake.statuses), made + len(fresh), "posted without knowing")
        self.assertNoProblems()

    def test_rate_limits_are_honoured(self):
        self.write_config(kinds=("discord", "telegram", "mastodon", "bluesky"))
        for kind in ("discord", "telegram", "mastodon", "bluesky"):
            self.fake.script(kind, 429)
        first = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(first.status, 75, first)
        now = datetime.datetime.now(datetime.timezone.utc)
        for kind, a in first.by_kind().items():
            self.assertEqual(a["result"], "retry", f"{kind}\n{first}")
            # The API's own wait (about a second), not the 30 s default backoff.
            nxt = datetime.datetime.fromisoformat(a["next_attempt"].replace("Z", "+00:00"))
            self.assertLess((nxt - now).total_seconds(), 5, f"{kind}\n{first}")
        time.sleep(2.1)
        second = self.run_announce()
        self.assertEqual(second.status, 0, second)
        self.assertEqual(sorted(a["kind"] for a in second.announcements()
                                if a["result"] == "sent"),
                         ["bluesky", "discord", "mastodon", "telegram"], second)
        self.assertNoProblems()

    def test_the_bluesky_session_is_reused_and_renewed_once_expired(self):
        self.write_config(kinds=("bluesky",))
        # The third post finds the session expired.
        self.fake.script("bluesky", "ok", "ok", "expire")
        records = [incident(channel=c) for c in ("own", "mall", "yahoo")]
        run = self.run_announce(stdin="\n".join(records) + "\n")
        self.assertEqual(run.status, 0, run)
        self.assertEqual([a["result"] for a in run.announcements()], ["sent"] * 3, run)
        self.assertEqual(self.fake.sessions_created, 2, "one login for two posts, one renewal")
        self.assertEqual(len(self.fake.records), 3)
        self.assertEqual(len({r.json["rkey"] for r in self.fake.of("bluesky", "createRecord")}), 3)
        self.assertNoProblems()

    def test_the_bluesky_session_is_kept_across_runs_and_refreshed(self):
        # createSession is rate limited per day: later runs reuse the session,
        # and renew an expired one with its refreshJwt, not the password.
        self.write_config(kinds=("bluesky",))
        runs = [self.run_announce(stdin=incident(channel="own", id_="own-a") + "\n"),
                self.run_announce(stdin=incident(channel="mall", id_="mall-a") + "\n")]
        self.assertEqual(self.fake.sessions_created, 1, "the second run logged in again")
        self.fake.script("bluesky", "expire-access")
        runs.append(self.run_announce(stdin=incident(channel="yahoo", id_="yahoo-a") + "\n"))
        for run in runs:
            self.assertEqual(run.status, 0, run)
            self.assertEqual([a["result"] for a in run.announcements()], ["sent"], run)
            self.assertNotIn("eyJ.", run.stdout + run.stderr)
        self.assertEqual(self.fake.sessions_created, 1)
        self.assertEqual(self.fake.sessions_refreshed, 1)
        self.assertEqual(len(self.fake.records), 3)
        refresh = self.fake.of("bluesky", "refreshSession")
        self.assertEqual(refresh[0].headers["authorization"], "Bearer eyJ.refresh.1")
        auth = [r.headers["authorization"] for r in self.fake.of("bluesky", "createRecord")]
        self.assertEqual(auth, ["Bearer eyJ.access.1"] * 3 + ["Bearer eyJ.access.2"])
        # The renewed session is the one kept: a fourth run uses it as it is.
        fourth = self.run_announce(stdin=incident(channel="own", event="resolved", id_="own-a")
                                   + "\n")
        self.assertEqual([a["result"] for a in fourth.announcements()], ["sent"], fourth)
        self.assertEqual(self.fake.of("bluesky", "createRecord")[-1].headers["authorization"],
                         "Bearer eyJ.access.2")
        self.assertEqual((self.fake.sessions_created, self.fake.sessions_refreshed), (1, 1))
        self.assertNoProblems()

    def test_the_webhook_signature_is_checked(self):
        # A wrong key: the receiver recomputes the HMAC and refuses.
        self.sb.env["T_WEBHOOK_KEY"] = "not-the-shared-secret"
        self.write_config(kinds=("webhook",))
        run = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(run.status, 75, run)
        a, = run.announcements()
        self.assertEqual(a["result"], "failed", run)
        self.assertIn("401", a["error"])
        self.assertTrue(any("does not verify" in p for p in self.fake.problems))
        self.assertNoSecrets(run)

    def test_a_notice_too_long_is_refused_and_not_sent(self):
        self.write_config(kinds=("discord", "mastodon", "telegram"),
                          extra={k: {"template": "long"} for k in ("discord", "mastodon",
                                                                   "telegram")})
        dry = self.run_announce("--dry-run", stdin=incident() + "\n")
        got = dry.by_kind()
        self.assertEqual(got["discord"]["result"], "refused", dry)
        self.assertIn(f"Discord counts {LONG_N} of 2000 characters", got["discord"]["error"])
        self.assertEqual(got["mastodon"]["result"], "refused", dry)
        self.assertIn(f"Mastodon counts {LONG_N} of 500", got["mastodon"]["error"])
        self.assertNotEqual(got["telegram"]["result"], "refused", dry)  # 4,096 fits

        run = self.run_announce(stdin=incident() + "\n")
        self.assertEqual(run.status, 75, run)
        got = run.by_kind()
        self.assertEqual(got["discord"]["result"], "failed", run)
        self.assertIn(f"Discord counts {LONG_N} of 2000", got["discord"]["error"])
        self.assertEqual(got["mastodon"]["result"], "failed", run)
        self.assertEqual(got["telegram"]["result"], "sent", run)
        self.assertEqual(self.fake.of("discord"), [])
        self.assertEqual(self.fake.of("mastodon"), [])
        self.assertEqual(self.fake.delivered["telegram"][0]["text"], LONG)  # never cut
        self.assertNoProblems()

    def test_dry_run_needs_no_secret_and_sends_nothing(self):
        self.write_config()
        for name in list(SECRET_ENV) + ["T_SLACK", "T_DISCORD", "T_TEAMS", "T_WEBHOOK"]:
            del self.sb.env[name]
        run = self.run_announce("--dry-run", stdin=incident() + "\n")
        self.assertEqual(run.status, 0, run)
        got = run.by_kind()
        self.assertEqual(sorted(got), sorted(ALL), run)
        for kind, a in got.items():
            self.assertEqual(a["result"], "dry-run", f"{kind}\n{run}")
            self.assertTrue(a["preview"].startswith("【障害のお知らせ】テスト商店"), a)
        self.assertEqual(self.fake.requests, [])

    def test_secrets_never_appear_even_on_failure(self):
        self.write_config()
        self.fake.script("telegram", "hang")       # a timeout
        self.fake.script("discord", 429)
        self.fake.script("mastodon", 500)
        self.fake.script("teams", 500)
        self.fake.script("webhook", 503)
        self.sb.env["T_SLACK"] = self.fake.slack_url + "x"   # 404 no_service
        self.sb.env["T_BLUESKY"] = "wrong-app-password"     # login refused
        run = self.run_announce("-v", stdin=incident() + "\n")
        self.assertEqual(run.status, 75, run)
        got = run.by_kind()
        self.assertEqual(sorted(got), sorted(ALL), run)
        for kind in ("telegram", "discord", "mastodon", "teams", "webhook"):
            self.assertEqual(got[kind]["result"], "retry", f"{kind}\n{run}")
        self.assertEqual(got["slack"]["result"], "failed", run)
        self.assertEqual(got["bluesky"]["result"], "failed", run)
        self.assertIn("app password", got["bluesky"]["error"])
        self.assertNoSecrets(run)
        # Nor in the state, where `shopannounce --pending` and sqlite3 show them.
        db = sqlite3.connect(f"file:{self.state}?mode=ro", uri=True)
        try:
            dump = "\n".join(db.iterdump())
        finally:
            db.close()
        for secret in SECRETS + ["wrong-app-password"]:
            self.assertNotIn(secret, dump)
        pending = self.run_announce("--pending")
        self.assertNoSecrets(pending)


if __name__ == "__main__":
    unittest.main()

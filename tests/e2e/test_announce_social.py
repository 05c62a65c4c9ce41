"""shopannounce against fake LINE, X and Graph (Facebook / Instagram) APIs on
loopback (fake_social.py), which check every request the way the real APIs do:
path, method, auth (the X fake recomputes the OAuth 1.0a signature with the
test's keys), body shape and length limits.

Run by CTest with SHOPKIT_BIN (the built programs) set.
"""

import datetime
import json
import os
import sqlite3
import subprocess
import time
import unittest
import urllib.parse
import uuid

from fake_social import LINE_QUOTA, LINE_RATE, X_TOO_MANY, FakeSocial
from helpers import BIN, Result, Sandbox, closed_port, shop_config, toml_value

LINE_TOKEN = "line-SECRET-token-4f9a2c7e1b"
X_KEYS = {"consumer_key": "xck-SECRET-consumer-key-77",
          "consumer_secret": "xcs-SECRET-consumer-secret-88",
          "access_token": "xat-SECRET-access-token-99",
          "access_secret": "xas-SECRET-access-secret-00"}
X_BEARER = "xbearer-SECRET-oauth2-token-11"
GRAPH_TOKEN = "graph-SECRET-page-token-22"
X_OAUTH2 = {"client_id": "xcid-oauth2-client-33",
            "refresh_token": "xrt-SECRET-first-refresh-token-44"}
SECRETS = [LINE_TOKEN, GRAPH_TOKEN, X_BEARER, X_OAUTH2["refresh_token"]] + list(X_KEYS.values())
PAGE_ID = "1029384756"
IG_USER = "17841400123456789"
IMAGE_URL = "https://cdn.example.jp/notice/outage.png"

SECRET_ENV = {"SK_LINE_TOKEN": LINE_TOKEN, "SK_X_BEARER": X_BEARER,
              "SK_GRAPH_TOKEN": GRAPH_TOKEN, "SK_X_CK": X_KEYS["consumer_key"],
              "SK_X_CS": X_KEYS["consumer_secret"], "SK_X_AT": X_KEYS["access_token"],
              "SK_X_AS": X_KEYS["access_secret"], "SK_X_RT": X_OAUTH2["refresh_token"]}


def announce_path():
    path = os.path.join(BIN, "shopannounce")
    if not BIN or not os.access(path, os.X_OK):
        raise unittest.SkipTest(f"no shopannounce at {path!r}: set SHOPKIT_BIN")
    return path


def run_announce(box, args, stdin="", env=None, timeout=30.0):
    """Runs shopannounce in the sandbox; stdin is a pipe (records) even when empty."""
    merged = dict(box.env)
    merged.update(SECRET_ENV)
    merged.update(env or {})
    argv = [announce_path()] + [str(a) for a in args]
    start = time.monotonic()
    killed = False
    try:
        proc = subprocess.run(argv, input=stdin.encode(), capture_output=True, env=merged,
                              cwd=box.dir, timeout=timeout)
        status, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        killed = True
        status, out, err = -9, e.stdout or b"", e.stderr or b""
    return Result(["shopannounce"] + argv[1:], status, out.decode("utf-8", "replace"),
                  err.decode("utf-8", "replace"), time.monotonic() - start, 0, killed)


def iso(dt):
    return dt.astimezone(datetime.timezone(datetime.timedelta(hours=9))).isoformat(
        timespec="seconds")


def incident(event="opened", severity="critical", minutes_ago=1, ident=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    since = now - datetime.timedelta(minutes=minutes_ago)
    rec = {"v": 1, "type": "incident", "event": event,
           "id": ident or f"own-{since.strftime('%Y%m%dT%H%M%S')}", "channel": "own",
           "severity": severity, "checks": ["cart"], "since": iso(since), "time": iso(now)}
    if event == "resolved":
        rec["until"] = iso(now)
    return json.dumps(rec, ensure_ascii=False) + "\n"


def target(**keys):
    lines = ["[[target]]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in keys.items()]
    return "\n".join(lines)


class AnnounceSocialTest(unittest.TestCase):
    def setUp(self):
        announce_path()
        self.box = Sandbox()
        self.fake = FakeSocial(line_token=LINE_TOKEN, x_bearer=X_BEARER, x_oauth1=X_KEYS,
                               graph_token=GRAPH_TOKEN, page_id=PAGE_ID, ig_user_id=IG_USER,
                               x_oauth2=dict(X_OAUTH2))
        self.state = self.box.path("state.db")
        self.results = []

    def tearDown(self):
        self.fake.stop()
        self.box.cleanup()

    # --- helpers --------------------------------------------------------------

    def config(self, *targets):
        port = closed_port()
        channels = [{"id": "own", "name": "公式オンラインストア",
                     "url": f"http://127.0.0.1:{port}/",
                     "checks": [{"id": "cart", "url": f"http://127.0.0.1:{port}/cart"}]}]
        extra = "\n\n".join(targets)
        return self.box.config(shop_config(
            channels, policy={"customer_delay": "10m"},
            shop={"name": "テスト商店", "timezone": "Asia/Tokyo",
                  "language": "ja", "contact": "support@example.jp"},
            extra=extra))

    def run_cli(self, cfg, *args, stdin="", env=None, timeout=30.0):
        r = run_announce(self.box, ["-c", cfg, "--state", self.state, "--format", "jsonl",
                                    *args], stdin=stdin, env=env, timeout=timeout)
        self.assertFalse(r.killed, f"shopannounce did not end in time\n{r}")
        for secret in SECRETS:
            self.assertNotIn(secret, r.stdout, f"a secret in stdout\n{r}")
            self.assertNotIn(secret, r.stderr, f"a secret in stderr\n{r}")
        self.results.append(r)
        return r

    def announcements(self, r, target_id=None):
        return [a for a in r.records("announcement")
                if target_id is None or a.get("target") == target_id]

    def one(self, r, target_id):
        found = self.announcements(r, target_id)
        self.assertEqual(len(found), 1, f"want one announcement for {target_id}\n{r}")
        return found[0]

    def make_due(self):
        """Every queued notice is due now (as if its backoff had passed)."""
        db = sqlite3.connect(self.state, timeout=10)
        try:
            with db:
                db.execute("UPDATE outbox SET next_attempt = '2000-01-01T00:00:00Z' "
                           "WHERE state = 'pending'")
        finally:
            db.close()

    def assertExit(self, r, status):
        self.assertEqual(r.status, status, f"wrong exit status\n{r}")

    def assertNoProblems(self):
        self.assertEqual(self.fake.problems, [], "the fake API saw malformed requests")

    def line(self, tid="line", **keys):
        return target(id=tid, kind="line", api_base=self.fake.base, token_env="SK_LINE_TOKEN",
                      timeout="3s", **keys)

    # --- every kind -----------------------------------------------------------

    def test_line_broadcast_multicast_push(self):
        cfg = self.config(
            self.line("line-fans", audience="customers"),
            self.line("line-staff", audience="staff", to=["Ustaff0001", "Ustaff0002"]),
            self.line("line-boss", audience="staff", to="Uboss0001"))
        rec = incident()
        r = self.run_cli(cfg, stdin=rec)
        self.assertExit(r, 0)
        self.assertIn(rec.strip(), r.stdout.splitlines(), "the record passes through")
        for tid in ("line-fans", "line-staff", "line-boss"):
            self.assertEqual(self.one(r, tid)["result"], "sent", str(r))
        self.assertNoProblems()
        sent = {s["path"].rsplit("/", 1)[1]: s for s in self.fake.line_sent}
        self.assertEqual(sorted(sent), ["broadcast", "multicast", "push"])
        self.assertNotIn("to", sent["broadcast"]["body"])
        self.assertEqual(sent["multicast"]["body"]["to"], ["Ustaff0001", "Ustaff0002"])
        self.assertEqual(sent["push"]["body"]["to"], "Uboss0001")
        for s in sent.values():
            text = s["body"]["messages"][0]["text"]
            self.assertIn("障害", text)
            self.assertIsNotNone(s["retry_key"])
        # remote ids: the push's sentMessages id, else the request id.
        self.assertEqual(self.one(r, "line-fans")["remote_id"], sent["broadcast"]["request_id"])
        self.assertTrue(self.one(r, "line-boss")["remote_id"].isdigit())

    def test_line_groups_and_rooms_go_by_push_each(self):
        users = ["U" + "0" * 31 + "1", "U" + "0" * 31 + "2"]
        group, room = "C" + "a" * 32, "R" + "b" * 32
        cfg = self.config(self.line("line-staff", audience="staff",
                                    to=[users[0], group, users[1], room]))
        # LINE takes the users and the room, but the group's push hits a 500.
        self.fake.plan("line", None, {"status": 500, "body": {"message": "Internal error"}})
        r1 = self.run_cli(cfg, stdin=incident())
        self.assertExit(r1, 75)
        a1 = self.one(r1, "line-staff")
        self.assertEqual(a1["result"], "retry", str(r1))
        self.assertIn(group, a1["error"])
        first = self.fake.route_requests("line")
        self.assertEqual([(q["path"], json.loads(q["body"])["to"]) for q in first],
                         [("/v2/bot/message/multicast", users), ("/v2/bot/message/push", group),
                          ("/v2/bot/message/push", room)])
        keys = [q["headers"]["x-line-retry-key"] for q in first]
        self.assertEqual(len(set(keys)), 3, "each request has its own retry key")
        for k in keys:
            uuid.UUID(k)
        self.assertEqual(len(self.fake.line_sent), 2)

        # The retry sends the same three requests with the same keys: the two
        # accepted answer 409 (already sent), the group gets its message once.
        self.make_due()
        r2 = self.run_cli(cfg)
        self.assertExit(r2, 0)
        self.assertEqual(self.one(r2, "line-staff")["result"], "sent", str(r2))
        second = self.fake.route_requests("line")[3:]
        self.assertEqual([q["headers"]["x-line-retry-key"] for q in second], keys)
        self.assertEqual(sorted(json.dumps(s["body"]["to"]) for s in self.fake.line_sent),
                         sorted(json.dumps(t) for t in (users, group, room)))
        self.assertNoProblems()

    def test_line_staff_without_to_never_broadcasts(self):
        # A broadcast reaches every friend of the account: a staff target without
        # `to` is refused as a configuration mistake, never sent.
        cfg = self.config(self.line("line-staff", audience="staff"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertIn(r.status, (75, 78), str(r))
        self.assertIn("needs 'to'", r.stdout + r.stderr)
        self.assertEqual(self.fake.count("line"), 0)

    def test_x_oauth1_signature_verified(self):
        cfg = self.config(target(id="x", kind="x", audience="customers",
                                 api_base=self.fake.base, consumer_key_env="SK_X_CK",
                                 consumer_secret_env="SK_X_CS", access_token_env="SK_X_AT",
                                 access_secret_env="SK_X_AS"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 0)
        self.assertNoProblems()
        self.assertEqual(len(self.fake.x_posts), 1, str(r))
        a = self.one(r, "x")
        self.assertEqual(a["result"], "sent")
        self.assertEqual(a["remote_id"], self.fake.x_posts[0]["id"])
        self.assertIn("障害", self.fake.x_posts[0]["text"])
        auth = self.fake.route_requests("x")[0]["headers"]["authorization"]
        self.assertTrue(auth.startswith("OAuth "), auth)

    def test_x_wrong_oauth1_secret_fails_cleanly(self):
        cfg = self.config(target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                                 consumer_key_env="SK_X_CK", consumer_secret_env="SK_X_CS",
                                 access_token_env="SK_X_AT", access_secret_env="SK_X_AS"))
        r = self.run_cli(cfg, stdin=incident(), env={"SK_X_AS": "wrong-SECRET-access-secret"})
        self.assertExit(r, 75)
        a = self.one(r, "x")
        self.assertEqual(a["result"], "failed", str(r))
        self.assertIn("401", a["error"])
        self.assertNotIn("wrong-SECRET", r.stdout + r.stderr)
        self.assertEqual(self.fake.x_posts, [])
        # The fake noticed the bad signature: the check can fail.
        self.assertTrue(any("signature" in p for p in self.fake.problems))

    def test_x_oauth2_bearer(self):
        cfg = self.config(target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                                 token_env="SK_X_BEARER"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 0)
        self.assertNoProblems()
        self.assertEqual(self.one(r, "x")["result"], "sent")
        self.assertEqual(self.fake.route_requests("x")[0]["headers"]["authorization"],
                         f"Bearer {X_BEARER}")

    def x_oauth2(self, **keys):
        return target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                      oauth2_client_id=X_OAUTH2["client_id"], refresh_token_env="SK_X_RT",
                      timeout="3s", **keys)

    def kept_x_token(self):
        db = sqlite3.connect(self.state, timeout=10)
        try:
            row = db.execute("SELECT value FROM credentials WHERE target = 'x' AND kind = 'x'"
                             ).fetchone()
        finally:
            db.close()
        return json.loads(row[0]) if row else None

    def expire_kept_x_token(self):
        db = sqlite3.connect(self.state, timeout=10)
        try:
            with db:
                value = json.loads(db.execute("SELECT value FROM credentials WHERE target = 'x'"
                                              ).fetchone()[0])
                value["expires"] = int(time.time()) - 10
                db.execute("UPDATE credentials SET value = ? WHERE target = 'x'",
                           (json.dumps(value),))
        finally:
            db.close()

    def assertNoTokens(self, r):
        self.assertNotIn("x-oauth2-", r.stdout + r.stderr, f"a token was printed\n{r}")

    def test_x_oauth2_refresh_flow_keeps_the_rotating_token(self):
        cfg = self.config(self.x_oauth2())
        r1 = self.run_cli(cfg, stdin=incident(ident="own-1", minutes_ago=50))
        self.assertExit(r1, 0)
        self.assertEqual(self.one(r1, "x")["result"], "sent", str(r1))
        # The configured refresh token bought the first pair, which the state keeps.
        tokens = self.fake.route_requests("x-token")
        self.assertEqual(len(tokens), 1)
        form = dict(urllib.parse.parse_qsl(tokens[0]["body"].decode()))
        self.assertEqual(form, {"grant_type": "refresh_token", "client_id": X_OAUTH2["client_id"],
                                "refresh_token": X_OAUTH2["refresh_token"]})
        self.assertEqual(self.fake.route_requests("x")[0]["headers"]["authorization"],
                         "Bearer x-oauth2-access-1")
        kept = self.kept_x_token()
        self.assertEqual((kept["refresh_token"], kept["access_token"]),
                         ("x-oauth2-refresh-1", "x-oauth2-access-1"))
        self.assertGreater(kept["expires"], time.time() + 7000)

        # A later run reuses the access token while it lasts: no token request.
        r2 = self.run_cli(cfg, stdin=incident(ident="own-1", event="resolved", minutes_ago=50))
        self.assertExit(r2, 0)
        self.assertEqual(self.fake.count("x-token"), 1)
        self.assertEqual(len(self.fake.x_posts), 2)

        # Once it has expired, the kept refresh token (not the spent configured
        # one) buys the next pair.
        self.expire_kept_x_token()
        r3 = self.run_cli(cfg, stdin=incident(ident="own-2", minutes_ago=7))
        self.assertExit(r3, 0)
        self.assertEqual(self.one(r3, "x")["result"], "sent", str(r3))
        tokens = self.fake.route_requests("x-token")
        self.assertEqual(len(tokens), 2)
        self.assertEqual(dict(urllib.parse.parse_qsl(tokens[1]["body"].decode()))["refresh_token"],
                         "x-oauth2-refresh-1")
        self.assertEqual(self.fake.route_requests("x")[-1]["headers"]["authorization"],
                         "Bearer x-oauth2-access-2")
        self.assertEqual(self.kept_x_token()["refresh_token"], "x-oauth2-refresh-2")

        # An access token revoked early: renewed once, the post goes out.
        self.fake.expire_x_tokens()
        r4 = self.run_cli(cfg, stdin=incident(ident="own-2", event="resolved", minutes_ago=7))
        self.assertExit(r4, 0)
        self.assertEqual(self.fake.count("x-token"), 3)
        self.assertEqual(len(self.fake.x_posts), 4)
        for r in (r1, r2, r3, r4):
            self.assertNoTokens(r)
        self.assertNoProblems()

    def test_x_oauth2_spent_refresh_token_asks_to_reauthorise(self):
        cfg = self.config(self.x_oauth2())
        r = self.run_cli(cfg, stdin=incident(),
                         env={"SK_X_RT": "xrt-SECRET-spent-refresh-token-55"})
        self.assertExit(r, 75)
        a = self.one(r, "x")
        self.assertEqual(a["result"], "failed", str(r))
        self.assertIn("re-authorise", a["error"])
        self.assertIn("offline.access", a["error"])
        self.assertIn("invalid_request", a["error"])
        self.assertNotIn("spent-refresh-token", r.stdout + r.stderr)
        self.assertEqual(self.fake.x_posts, [])
        self.assertEqual(self.fake.count("x"), 0)
        self.assertNoProblems()

    def test_x_oauth2_confidential_client_and_half_configs(self):
        self.fake.x_oauth2["client_secret"] = "xcs-SECRET-oauth2-client-secret-66"
        cfg = self.config(self.x_oauth2(oauth2_client_secret_env="SK_X_OCS"))
        r = self.run_cli(cfg, stdin=incident(),
                         env={"SK_X_OCS": "xcs-SECRET-oauth2-client-secret-66"})
        self.assertExit(r, 0)
        self.assertNotIn("client-secret-66", r.stdout + r.stderr)
        token = self.fake.route_requests("x-token")[0]
        self.assertTrue(token["headers"]["authorization"].startswith("Basic "))
        self.assertNotIn("client_id", dict(urllib.parse.parse_qsl(token["body"].decode())))
        self.assertNoProblems()
        # A client id without a refresh token (or the reverse) is a config error.
        for half in ({"oauth2_client_id": "cid"}, {"refresh_token_env": "SK_X_RT"}):
            bad = self.config(target(id="x2", kind="x", api_base=self.fake.base, **half))
            r = self.run_cli(bad, stdin=incident())
            self.assertIn(r.status, (75, 78), str(r))
            self.assertIn("OAuth 2.0", r.stdout + r.stderr)

    def test_x_duplicate_is_a_clear_failure(self):
        cfg = self.config(target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                                 token_env="SK_X_BEARER"))
        self.fake.plan("x", {"status": 403, "body": {
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank", "title": "Forbidden", "status": 403}})
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 75)
        a = self.one(r, "x")
        self.assertEqual(a["result"], "failed", str(r))
        self.assertIn("duplicate", a["error"])
        # Failed for good: the next run does not try again.
        r2 = self.run_cli(cfg)
        self.assertEqual(self.fake.count("x"), 1, str(r2))

    def test_facebook_page_feed(self):
        cfg = self.config(target(id="fb", kind="facebook", audience="customers",
                                 api_base=self.fake.base, page_id=PAGE_ID,
                                 token_env="SK_GRAPH_TOKEN"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 0)
        self.assertNoProblems()
        self.assertEqual(len(self.fake.feed_posts), 1)
        self.assertIn("障害", self.fake.feed_posts[0]["message"])
        self.assertEqual(self.one(r, "fb")["remote_id"], self.fake.feed_posts[0]["id"])

    def test_instagram_post_and_story(self):
        cfg = self.config(target(id="ig", kind="instagram", audience="customers",
                                 api_base=self.fake.base, user_id=IG_USER, image_url=IMAGE_URL,
                                 story=True, token_env="SK_GRAPH_TOKEN"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 0)
        self.assertNoProblems()
        containers = self.fake.containers
        self.assertEqual(sorted(c["media_type"] for c in containers.values()),
                         ["IMAGE", "STORIES"])
        for c in containers.values():
            self.assertEqual(c["image_url"], IMAGE_URL)
            self.assertTrue(c["published"])
            if c["media_type"] == "IMAGE":
                self.assertIn("障害", c["caption"])
            else:
                self.assertEqual(c["caption"], "")
        self.assertEqual(len(self.fake.published), 2)
        a = self.one(r, "ig")
        self.assertEqual(a["result"], "sent")
        self.assertIn(self.fake.published[0]["id"], a["remote_id"])

    def test_instagram_partial_retry(self):
        cfg = self.config(target(id="ig", kind="instagram", audience="customers",
                                 api_base=self.fake.base, user_id=IG_USER, image_url=IMAGE_URL,
                                 story=True, token_env="SK_GRAPH_TOKEN"))
        # The feed container and its publish go through; the Story container
        # creation gets a temporary error (code 2) the first time.
        self.fake.plan("media", None, {"status": 500, "body": {"error": {
            "message": "Service temporarily unavailable", "type": "OAuthException",
            "code": 2, "fbtrace_id": "x"}}, "headers": {"Retry-After": "1"}})
        r1 = self.run_cli(cfg, stdin=incident())
        self.assertExit(r1, 75)
        a1 = self.one(r1, "ig")
        self.assertEqual(a1["result"], "retry", str(r1))
        self.assertEqual(len(self.fake.published), 1)
        time.sleep(1.2)
        r2 = self.run_cli(cfg)
        self.assertExit(r2, 0)
        self.assertEqual(self.one(r2, "ig")["result"], "sent", str(r2))
        # The feed post was not made twice; the Story was made once.
        kinds = [p["media_type"] for p in self.fake.published]
        self.assertEqual(sorted(kinds), ["IMAGE", "STORIES"], str(self.fake.published))
        self.assertNoProblems()

    def test_instagram_without_image_is_refused(self):
        cfg = self.config(target(id="ig", kind="instagram", audience="customers",
                                 api_base=self.fake.base, user_id=IG_USER,
                                 token_env="SK_GRAPH_TOKEN"))
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 75)
        a = self.one(r, "ig")
        self.assertEqual(a["result"], "failed", str(r))
        self.assertIn("image_url", a["error"])
        self.assertEqual(self.fake.count("media"), 0)

    # --- limits ---------------------------------------------------------------

    def test_too_long_x_post_refused_and_nothing_sent(self):
        cfg = self.config(
            target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                   token_env="SK_X_BEARER"),
            self.line("line-staff", audience="staff", to="Ustaff0001"))
        long_message = "お客様へ" + "あ" * 150
        r = self.run_cli(cfg, "--event", "opened", "--channel", "own", "--message",
                         long_message)
        self.assertExit(r, 75)
        a = self.one(r, "x")
        self.assertEqual(a["result"], "failed", str(r))
        self.assertIn("280", a["error"])
        self.assertRegex(a["error"], r"X counts \d+ of 280")
        self.assertEqual(self.fake.count("x"), 0, "a refused post must not reach X")
        # The same notice fits LINE and goes there.
        self.assertEqual(self.one(r, "line-staff")["result"], "sent")
        self.assertIn(long_message, self.fake.line_sent[0]["body"]["messages"][0]["text"])

    def test_too_long_line_text_refused(self):
        cfg = self.config(self.line("line-staff", audience="staff", to="Ustaff0001"))
        r = self.run_cli(cfg, "--event", "opened", "--channel", "own", "--message",
                         "😀" * 2600)  # 5,200 UTF-16 units
        self.assertExit(r, 75)
        a = self.one(r, "line-staff")
        self.assertEqual(a["result"], "failed")
        self.assertIn("5000", a["error"].replace(",", ""))
        self.assertEqual(self.fake.count("line"), 0)

    def test_dry_run_needs_no_secret_and_sends_nothing(self):
        cfg = self.config(
            target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                   token_env="SK_UNSET_TOKEN"),
            self.line("line-staff", audience="staff", to="Ustaff0001"))
        r = self.run_cli(cfg, "--dry-run", stdin=incident())
        self.assertExit(r, 0)
        self.assertEqual(self.fake.requests, [])
        a = self.one(r, "x")
        self.assertEqual(a["result"], "dry-run", str(r))
        self.assertIn("障害", a.get("preview", ""))

    # --- retries --------------------------------------------------------------

    def test_line_429_honours_retry_after_and_keeps_the_key(self):
        cfg = self.config(self.line("line-staff", audience="staff", to="Ustaff0001"))
        self.fake.plan("line", {"status": 429, "body": LINE_RATE,
                                "headers": {"Retry-After": "2"}})
        r1 = self.run_cli(cfg, stdin=incident())
        # The wait counts from when the 429 arrived, near the end of run 1 (a slow
        # run, e.g. under ASan, must not make run 3 come too early).
        start = time.monotonic()
        self.assertExit(r1, 75)
        a1 = self.one(r1, "line-staff")
        self.assertEqual(a1["result"], "retry")
        self.assertIn("rate limit", a1["error"])
        self.assertNotIn("monthly", a1["error"])
        # Not due yet: the next run leaves it alone.
        r2 = self.run_cli(cfg)
        if time.monotonic() - start < 1.8:
            self.assertEqual(self.fake.count("line"), 1, f"retried before Retry-After\n{r2}")
            self.assertExit(r2, 75)
        time.sleep(max(0.0, 2.3 - (time.monotonic() - start)))
        r3 = self.run_cli(cfg)
        self.assertExit(r3, 0)
        self.assertEqual(self.one(r3, "line-staff")["result"], "sent", str(r3))
        self.assertEqual(len(self.fake.line_sent), 1)
        keys = [q["headers"].get("x-line-retry-key") for q in self.fake.route_requests("line")]
        self.assertEqual(len(set(keys)), 1, f"every attempt carries the same key: {keys}")
        uuid.UUID(keys[0])
        self.assertNoProblems()

    def test_line_lost_answer_is_not_sent_twice(self):
        cfg = self.config(target(id="line-staff", kind="line", audience="staff",
                                 api_base=self.fake.base, token_env="SK_LINE_TOKEN",
                                 to="Ustaff0001", timeout="1s"))
        self.fake.plan("line", {"accept_then_hang": 3})
        r1 = self.run_cli(cfg, stdin=incident())
        self.assertExit(r1, 75)
        self.assertEqual(self.one(r1, "line-staff")["result"], "retry", str(r1))
        self.assertEqual(len(self.fake.line_sent), 1)  # LINE got it; we never heard
        # The backoff after a timeout is long; pretend it has passed.
        self.make_due()
        r2 = self.run_cli(cfg)
        self.assertExit(r2, 0)
        a2 = self.one(r2, "line-staff")
        self.assertEqual(a2["result"], "sent", str(r2))
        # The 409 "already accepted" counted as sent: one message, not two.
        self.assertEqual(len(self.fake.line_sent), 1)
        self.assertEqual(a2["remote_id"], self.fake.line_sent[0]["request_id"])

    def test_line_monthly_quota_says_so(self):
        cfg = self.config(self.line("line-fans", audience="customers"))
        self.fake.plan("line", {"status": 429, "body": LINE_QUOTA})
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 75)
        a = self.one(r, "line-fans")
        self.assertEqual(a["result"], "retry", str(r))
        self.assertIn("monthly", a["error"])
        # Retried in about an hour, not at once: a second run sends nothing.
        r2 = self.run_cli(cfg)
        self.assertExit(r2, 75)
        self.assertEqual(self.fake.count("line"), 1)

    def test_x_429_waits_for_the_reset_header(self):
        cfg = self.config(target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                                 token_env="SK_X_BEARER"))
        reset = int(time.time()) + 3
        self.fake.plan("x", {"status": 429, "body": X_TOO_MANY,
                             "headers": {"x-rate-limit-limit": "100",
                                         "x-rate-limit-remaining": "0",
                                         "x-rate-limit-reset": str(reset)}})
        r1 = self.run_cli(cfg, stdin=incident())
        self.assertExit(r1, 75)
        self.assertEqual(self.one(r1, "x")["result"], "retry", str(r1))
        r2 = self.run_cli(cfg)
        if time.time() < reset - 0.5:
            self.assertEqual(self.fake.count("x"), 1, f"retried before the reset\n{r2}")
        time.sleep(max(0.0, reset + 0.5 - time.time()))
        r3 = self.run_cli(cfg)
        self.assertExit(r3, 0)
        self.assertEqual(self.one(r3, "x")["result"], "sent", str(r3))
        self.assertEqual(len(self.fake.x_posts), 1)

    def test_server_errors_and_rate_limits_retry(self):
        cfg = self.config(
            target(id="x", kind="x", audience="staff", api_base=self.fake.base,
                   token_env="SK_X_BEARER"),
            target(id="fb", kind="facebook", audience="staff", api_base=self.fake.base,
                   page_id=PAGE_ID, token_env="SK_GRAPH_TOKEN"))
        self.fake.plan("x", {"status": 503, "body": {"title": "Service Unavailable"}})
        self.fake.plan("feed", {"status": 400, "body": {"error": {
            "message": "(#4) Application request limit reached", "type": "OAuthException",
            "code": 4, "fbtrace_id": "x"}}})
        r = self.run_cli(cfg, stdin=incident())
        self.assertExit(r, 75)
        self.assertEqual(self.one(r, "x")["result"], "retry", str(r))
        fb = self.one(r, "fb")
        self.assertEqual(fb["result"], "retry", str(r))
        self.assertIn("rate limit", fb["error"])

    def test_hanging_api_times_out(self):
        cfg = self.config(target(id="fb", kind="facebook", audience="staff",
                                 api_base=self.fake.base, page_id=PAGE_ID,
                                 token_env="SK_GRAPH_TOKEN", timeout="1s"))
        self.fake.plan("feed", {"hang": 5})
        start = time.monotonic()
        r = self.run_cli(cfg, stdin=incident())
        self.assertLess(time.monotonic() - start, 4.5, "the timeout was not enforced")
        self.assertExit(r, 75)
        self.assertEqual(self.one(r, "fb")["result"], "retry", str(r))

    def test_rejected_token_is_a_failure_without_the_token(self):
        cfg = self.config(self.line("line-staff", audience="staff", to="Ustaff0001"),
                          target(id="fb", kind="facebook", audience="staff",
                                 api_base=self.fake.base, page_id=PAGE_ID,
                                 token_env="SK_GRAPH_TOKEN"))
        r = self.run_cli(cfg, "-v", stdin=incident(),
                         env={"SK_LINE_TOKEN": "revoked-SECRET-line-token",
                              "SK_GRAPH_TOKEN": "expired-SECRET-graph-token"})
        self.assertExit(r, 75)
        line = self.one(r, "line-staff")
        self.assertEqual(line["result"], "failed", str(r))
        self.assertIn("access token", line["error"])
        fb = self.one(r, "fb")
        self.assertEqual(fb["result"], "failed", str(r))
        self.assertIn("190", fb["error"])
        for s in ("revoked-SECRET-line-token", "expired-SECRET-graph-token"):
            self.assertNotIn(s, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()

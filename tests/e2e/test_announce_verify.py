"""shopannounce --verify against the loopback fakes (fake_social.py, fake_chat.py,
smtp_server.py): every target's read-only identity call, one row per target,
exit 0 / 1, and nothing posted, queued or stored.

Run by CTest with SHOPKIT_BIN (the built programs) set.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import helpers
from fake_chat import BLUESKY_HANDLE, BLUESKY_PASSWORD, MASTODON_TOKEN, TELEGRAM_TOKEN, FakeChat
from fake_social import FakeSocial
from test_announce_email import SmtpServer

LINE_TOKEN = "line-SECRET-verify-token-51"
X_BEARER = "xbearer-SECRET-verify-token-52"
X_KEYS = {"consumer_key": "xck-SECRET-verify-53", "consumer_secret": "xcs-SECRET-verify-54",
          "access_token": "xat-SECRET-verify-55", "access_secret": "xas-SECRET-verify-56"}
GRAPH_TOKEN = "graph-SECRET-verify-token-57"
SMTP_PASSWORD = "smtp-SECRET-verify-pw-58"
PAGE_ID = "1029384756"
IG_USER = "17841400123456789"

GOOD_ENV = {"SK_LINE": LINE_TOKEN, "SK_XB": X_BEARER, "SK_XCK": X_KEYS["consumer_key"],
            "SK_XCS": X_KEYS["consumer_secret"], "SK_XAT": X_KEYS["access_token"],
            "SK_XAS": X_KEYS["access_secret"], "SK_GRAPH": GRAPH_TOKEN,
            "SK_MASTODON": MASTODON_TOKEN, "SK_BLUESKY": BLUESKY_PASSWORD,
            "SK_TELEGRAM": TELEGRAM_TOKEN, "SK_SMTP": SMTP_PASSWORD}
# Every credential wrong (the same length and shape, so only the value differs).
BAD_ENV = {k: v[:-4] + "WRNG" for k, v in GOOD_ENV.items()}
SECRETS = list(GOOD_ENV.values()) + list(BAD_ENV.values())


def announce_path():
    path = os.path.join(helpers.BIN, "shopannounce")
    if not helpers.BIN or not os.access(path, os.X_OK):
        raise unittest.SkipTest(f"no shopannounce at {path!r}: set SHOPKIT_BIN")
    return path


def target(**keys):
    return "[[target]]\n" + "".join(f"{k} = {helpers.toml_value(v)}\n" for k, v in keys.items())


class VerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certdir = tempfile.mkdtemp(prefix="shopkit-verify-cert-")
        cls.cert, cls.key = helpers.make_cert(cls.certdir, "smtp", 30)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def setUp(self):
        announce_path()
        self.box = helpers.Sandbox()
        self.addCleanup(self.box.cleanup)
        self.social = FakeSocial(line_token=LINE_TOKEN, x_bearer=X_BEARER, x_oauth1=X_KEYS,
                                 graph_token=GRAPH_TOKEN, page_id=PAGE_ID, ig_user_id=IG_USER)
        self.addCleanup(self.social.stop)
        self.chat = FakeChat()
        self.addCleanup(self.chat.stop)
        self.state = self.box.path("state.db")

    # --- helpers --------------------------------------------------------------

    def smtp(self):
        s = SmtpServer(self.box.dir, "--mode", "starttls", "--cert", self.cert, "--key",
                       self.key, "--auth", f"shop:{SMTP_PASSWORD}")
        self.addCleanup(s.stop)
        return s

    def config(self, targets, shop_url="https://shop.example.jp/"):
        text = helpers.shop_config(
            [{"id": "own", "name": "公式オンラインストア", "url": shop_url}],
            policy={"customer_delay": "10m"},
            shop={"language": "ja", "contact": "support@example.jp"},
            extra="\n".join(targets))
        return self.box.config(text)

    def every_kind(self, smtp_port, image="ok.png", status_dir=None):
        s, c = self.social.base, self.chat.base
        return [
            target(id="line", kind="line", audience="customers", api_base=s,
                   token_env="SK_LINE", timeout="3s"),
            target(id="line-staff", kind="line", to=["Ustaff01", "Ustaff02"], api_base=s,
                   token_env="SK_LINE", timeout="3s"),
            target(id="x", kind="x", audience="customers", api_base=s, token_env="SK_XB",
                   timeout="3s"),
            target(id="x-oauth1", kind="x", audience="customers", api_base=s,
                   consumer_key_env="SK_XCK", consumer_secret_env="SK_XCS",
                   access_token_env="SK_XAT", access_secret_env="SK_XAS", timeout="3s"),
            target(id="fb", kind="facebook", audience="customers", api_base=s,
                   page_id=PAGE_ID, token_env="SK_GRAPH", timeout="3s"),
            target(id="ig", kind="instagram", audience="customers", api_base=s,
                   user_id=IG_USER, token_env="SK_GRAPH", timeout="3s",
                   image_url=f"{s}/images/{image}"),
            target(id="mastodon", kind="mastodon", audience="customers", api_base=c,
                   token_env="SK_MASTODON", timeout="3s"),
            target(id="bluesky", kind="bluesky", audience="customers", api_base=c,
                   handle=BLUESKY_HANDLE, password_env="SK_BLUESKY", timeout="3s"),
            target(id="telegram", kind="telegram", api_base=c, chat_id="-1001234567890",
                   token_env="SK_TELEGRAM", timeout="3s"),
            target(id="slack", kind="slack", url_env="SK_SLACK"),
            target(id="status", kind="statuspage", audience="customers",
                   dir=status_dir or self.box.path("site")),
            target(id="mail", kind="email", url=f"smtp://127.0.0.1:{smtp_port}",
                   ca_file=self.cert, **{"from": "shop@example.jp"}, to="staff@example.jp",
                   username="shop", password_env="SK_SMTP", timeout="5s"),
        ]

    def verify(self, cfg, *args, env=GOOD_ENV, fmt="jsonl"):
        argv = [announce_path(), "-c", cfg, "--state", self.state, "--format", fmt, "--verify",
                *args]
        merged = dict(self.box.env)
        merged.update(env)
        merged["SK_SLACK"] = self.chat.slack_url
        # stdin holds a record: --verify must not read it.
        proc = subprocess.run(argv, input=b'{"v":1,"type":"incident"}\n', capture_output=True,
                              env=merged, cwd=self.box.dir, timeout=40)
        r = helpers.Result(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                           proc.stderr.decode("utf-8", "replace"), 0.0, 0, False)
        for secret in SECRETS:
            self.assertNotIn(secret, r.stdout + r.stderr, f"a secret in the output\n{r}")
        return r

    def rows(self, r):
        out = {}
        for line in r.stdout.splitlines():
            rec = json.loads(line)
            self.assertEqual(rec["type"], "verify", line)
            out[rec["target"]] = rec
        return out

    def assertNothingPosted(self, smtp=None):
        self.assertEqual([r["path"] for r in self.social.requests if r["method"] != "GET"], [])
        self.assertEqual(self.social.line_sent + self.social.x_posts + self.social.feed_posts,
                         [])
        self.assertEqual(self.social.containers, {})
        chat_writes = [r for r in self.chat.requests if r.method != "GET"
                       and r.path != "/xrpc/com.atproto.server.createSession"]
        self.assertEqual(chat_writes, [])
        self.assertEqual(self.chat.statuses, [])
        self.assertEqual(self.chat.records, {})
        self.assertEqual(sum(len(v) for v in self.chat.delivered.values()), 0)
        if smtp is not None:
            self.assertEqual(smtp.events("message"), [])
        self.assertFalse(os.path.exists(self.state), "--verify opened the state")

    # --- cases ----------------------------------------------------------------

    def test_every_kind_accepts(self):
        smtp = self.smtp()
        cfg = self.config(self.every_kind(smtp.port))
        r = self.verify(cfg)
        self.assertEqual(r.status, 0, str(r))
        rows = self.rows(r)
        self.assertEqual(list(rows), ["line", "line-staff", "x", "x-oauth1", "fb", "ig",
                                      "mastodon", "bluesky", "telegram", "slack", "status",
                                      "mail"], str(r))
        for tid, row in rows.items():
            want = "not verifiable" if tid == "slack" else "ok"
            self.assertEqual(row["result"], want, f"{tid}: {row}")
        self.assertIn("without posting", rows["slack"]["detail"])
        # LINE: 1000 a month, 200 used, 410 followers of whom 10 block: 400 friends.
        line = rows["line"]
        self.assertEqual((line["limit"], line["used"], line["friends"]), (1000, 200, 400))
        self.assertEqual(line["notices_left"], 2)
        self.assertIn("2 broadcasts left", line["detail"])
        self.assertIn("@123abcde", line["detail"])
        self.assertEqual(rows["line-staff"]["notices_left"], 400)  # two ids a notice
        self.assertIn("@test_shop", rows["x"]["detail"])
        self.assertIn("@test_shop", rows["x-oauth1"]["detail"])
        self.assertIn(PAGE_ID, rows["fb"]["detail"])
        self.assertIn("@shop_bot", rows["telegram"]["detail"])
        self.assertIn("logged in as 'shop'", rows["mail"]["detail"])
        self.assertEqual(self.social.problems, [])
        self.assertEqual(self.chat.problems, [])
        self.assertEqual(set(self.social.graph_versions), {"v26.0"})
        # The image was fetched as Instagram would: straight from its URL.
        self.assertEqual(len([q for q in self.social.requests if q["route"] == "image"]), 1)
        # SMTP: logged in over STARTTLS, and no message.
        self.assertEqual([(e["user"], e["ok"]) for e in smtp.events("auth")], [("shop", True)])
        self.assertNothingPosted(smtp)
        self.assertFalse(os.path.exists(self.box.path("site")), "the page was written")

    def test_every_kind_refuses(self):
        smtp = self.smtp()
        self.box.write("not-a-dir", "x")
        self.social.line_quota = {"type": "limited", "value": 1000}
        cfg = self.config(self.every_kind(smtp.port, image="gone.png",
                                          status_dir=self.box.path("not-a-dir")))
        r = self.verify(cfg, env=BAD_ENV)
        self.assertEqual(r.status, 1, str(r))
        rows = self.rows(r)
        for tid, row in rows.items():
            want = "not verifiable" if tid == "slack" else "failed"
            self.assertEqual(row["result"], want, f"{tid}: {row}")
        self.assertIn("channel access token", rows["line"]["detail"])
        self.assertIn("401", rows["x"]["detail"])
        self.assertIn("190", rows["fb"]["detail"])
        self.assertIn("190", rows["ig"]["detail"])
        self.assertIn("401", rows["mastodon"]["detail"])
        self.assertIn("app password", rows["bluesky"]["detail"])
        self.assertIn("401", rows["telegram"]["detail"])
        self.assertIn("not a directory", rows["status"]["detail"])
        self.assertIn("refused the login", rows["mail"]["detail"])
        tries = smtp.events("auth")
        self.assertTrue(tries and not any(e["ok"] for e in tries), tries)
        self.assertNothingPosted(smtp)

    def test_line_quota_and_image_answers(self):
        # The tokens work, but the month's quota cannot take another broadcast
        # and the Instagram image is a web page.
        self.social.line_usage = 900  # 100 left for 400 friends
        s = self.social.base
        cfg = self.config([
            target(id="line", kind="line", audience="customers", api_base=s,
                   token_env="SK_LINE"),
            target(id="ig", kind="instagram", audience="customers", api_base=s,
                   user_id=IG_USER, token_env="SK_GRAPH", image_url=f"{s}/images/page.html"),
        ])
        r = self.verify(cfg)
        self.assertEqual(r.status, 1, str(r))
        rows = self.rows(r)
        self.assertEqual(rows["line"]["result"], "failed")
        self.assertIn("0 broadcasts left", rows["line"]["detail"])
        self.assertEqual(rows["ig"]["result"], "failed")
        self.assertIn("text/html", rows["ig"]["detail"])
        self.assertNothingPosted()

    def test_line_without_insight_still_verifies(self):
        # LINE gives no follower count to some accounts: the token still works,
        # only the number of broadcasts left is unknown.
        self.social.plan("line", None, None, None,
                         {"status": 403, "body": {"message": "Not allowed to use this API"}})
        cfg = self.config([target(id="line", kind="line", audience="customers",
                                  api_base=self.social.base, token_env="SK_LINE")])
        r = self.verify(cfg)
        self.assertEqual(r.status, 0, str(r))
        row = self.rows(r)["line"]
        self.assertEqual(row["result"], "ok")
        self.assertIn("friends unknown", row["detail"])
        self.assertNotIn("notices_left", row)

    def test_image_on_the_shop_is_named(self):
        # The image is served from the shop's own host: fine now, but not while
        # the shop is down, which is when the notice goes out.
        s = self.social.base
        cfg = self.config([target(id="ig", kind="instagram", audience="customers", api_base=s,
                                  user_id=IG_USER, token_env="SK_GRAPH",
                                  image_url=f"{s}/images/ok.png")],
                          shop_url=f"http://127.0.0.1:{helpers.closed_port()}/")
        r = self.verify(cfg)
        self.assertEqual(r.status, 0, str(r))
        row = self.rows(r)["ig"]
        self.assertEqual(row["result"], "ok")
        self.assertIn("shop's own site", row["detail"])

    def test_table_and_target_selection(self):
        s = self.social.base
        cfg = self.config([
            target(id="line", kind="line", audience="customers", api_base=s,
                   token_env="SK_LINE"),
            target(id="hook", kind="slack", url_env="SK_SLACK"),
            target(id="x", kind="x", audience="customers", api_base=s, token_env="SK_XB"),
        ])
        r = self.verify(cfg, "--target", "line", "--target", "hook", fmt="text")
        self.assertEqual(r.status, 0, str(r))
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["TARGET", "KIND", "RESULT", "DETAIL"], str(r))
        self.assertEqual([ln.split()[0] for ln in lines[1:]], ["line", "hook"], str(r))
        self.assertIn("not verifiable", lines[2])
        self.assertEqual([q for q in self.social.requests if q["route"] == "x"], [])
        r = self.verify(cfg, "--target", "nope")
        self.assertEqual(r.status, 64, str(r))
        self.assertIn("--target nope", r.stderr)

    def test_graph_version_is_a_setting(self):
        self.social.graph_version = "v25.0"
        s = self.social.base
        cfg = self.config([target(id="fb", kind="facebook", page_id=PAGE_ID, api_base=s,
                                  token_env="SK_GRAPH", graph_version="v25.0")])
        r = self.verify(cfg)
        self.assertEqual(r.status, 0, str(r))
        # A post uses the same version in its path.
        argv = [announce_path(), "-c", cfg, "--state", self.state, "--format", "jsonl",
                "--event", "maintenance", "--channel", "own", "--message", "点検"]
        merged = dict(self.box.env)
        merged.update(GOOD_ENV)
        proc = subprocess.run(argv, capture_output=True, env=merged, cwd=self.box.dir,
                              timeout=40, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(len(self.social.feed_posts), 1)
        self.assertEqual(self.social.graph_versions, ["v25.0", "v25.0"])
        self.assertEqual(self.social.problems, [])
        # Anything but v<digits>.<digits> is refused when the config is read.
        bad = self.config([target(id="fb", kind="facebook", page_id=PAGE_ID, api_base=s,
                                  token_env="SK_GRAPH", graph_version="19.0")])
        r = self.verify(bad)
        self.assertEqual(r.status, 78, str(r))
        self.assertRegex(r.stderr, r"shop\.toml:\d+")
        self.assertIn("graph_version", r.stderr)


if __name__ == "__main__":
    unittest.main()

"""End-to-end tests of the built shopcheck against fixture servers on 127.0.0.1.

Run by CTest as `python3 -m unittest -v test_shopcheck` with SHOPKIT_BIN set.
Every run gets --no-state (judge this run alone) unless the test is about state.
"""

import datetime
import os
import re
import stat
import unittest

import helpers
from helpers import Sandbox, run_parallel, shop_config

KEYWORD = "カートに入れる"
MAINTENANCE = "メンテナンス中"
INCIDENT_ID = re.compile(r"^(?P<channel>.+)-(?P<stamp>\d{8}T\d{4})$")

FX = None  # the plain-HTTP fixture, shared by the whole module
BEARER = "tok-9f8e7d6c5b4a-SECRET-do-not-print"


def setUpModule():
    global FX
    helpers.shopcheck_path()  # fail early and clearly without a build
    FX = helpers.Fixture(env={"FIXTURE_BEARER_TOKEN": BEARER})


def tearDownModule():
    if FX:
        FX.stop()


def http_check(path, **keys):
    check = {"id": keys.pop("id", "top"), "url": FX.url(path)}
    check.update(keys)
    return check


def one_channel(*checks, channel="own", url=None):
    return [{"id": channel, "name": "公式オンラインショップ", "url": url or FX.url("/"),
             "checks": list(checks)}]


def utc_minutes(t0, t1):
    """The set of "YYYYMMDDTHHMM" (UTC) minutes between two aware datetimes."""
    out = set()
    t = t0.replace(second=0, microsecond=0)
    while t <= t1:
        out.add(t.strftime("%Y%m%dT%H%M"))
        t += datetime.timedelta(minutes=1)
    return out


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def incident_tables(db):
    return [t for t in helpers.db_tables(db) if "incident" in t.lower()]


class E2E(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()

    def tearDown(self):
        self.box.cleanup()

    def config(self, channels, **kw):
        return self.box.config(shop_config(channels, **kw))

    def assertExit(self, result, status):
        self.assertFalse(result.killed, f"shopcheck did not end in time\n{result}")
        self.assertEqual(result.status, status, f"wrong exit status\n{result}")

    def run_isolated(self, check):
        """One check in a sandbox of its own, so parallel runs do not share files."""
        box = Sandbox()
        try:
            cfg = box.config(shop_config(one_channel(check)))
            return box.run("-c", cfg, "--no-state", "--format", "jsonl")
        finally:
            box.cleanup()

    def run_one(self, *checks, args=("--no-state", "--format", "jsonl"), **kw):
        cfg = self.config(one_channel(*checks), **kw)
        return self.box.run("-c", cfg, *args)


# --------------------------------------------------------------------- http


class HttpChecks(E2E):
    def test_200_with_keyword_is_up(self):
        r = self.run_one(http_check("/ok", expect_text=KEYWORD))
        self.assertExit(r, 0)
        rec = r.check("own", "top")
        self.assertEqual(rec["state"], "up", r)
        self.assertEqual(rec["http_status"], 200, r)

    def test_200_without_keyword_is_down_and_names_the_text(self):
        r = self.run_one(http_check("/plain", expect_text=KEYWORD))
        self.assertExit(r, 2)
        rec = r.check("own", "top")
        self.assertEqual(rec["state"], "down", r)
        self.assertIn(KEYWORD, rec.get("error", ""), r)
        # The table for people says it too.
        t = self.box.run("-c", self.box.path("shop.toml"), "--no-state")
        self.assertExit(t, 2)
        self.assertIn(KEYWORD, t.stdout, t)

    def test_keyword_found_in_shift_jis_and_euc_jp_pages(self):
        for path in ("/sjis", "/eucjp"):
            with self.subTest(path=path):
                r = self.run_one(http_check(path, expect_text=KEYWORD))
                self.assertExit(r, 0)
                self.assertEqual(r.check("own", "top")["state"], "up", r)

    def test_500_is_down(self):
        r = self.run_one(http_check("/500"))
        self.assertExit(r, 2)
        rec = r.check("own", "top")
        self.assertEqual(rec["http_status"], 500, r)
        self.assertIn("HTTP 500", rec.get("error", ""), r)

    def test_503_maintenance_page_is_down(self):
        r = self.run_one(http_check("/503", reject_text=MAINTENANCE))
        self.assertExit(r, 2)
        self.assertEqual(r.check("own", "top")["http_status"], 503, r)

    def test_200_maintenance_page_with_reject_text_is_down(self):
        r = self.run_one(http_check("/maint200", reject_text=MAINTENANCE))
        self.assertExit(r, 2)
        rec = r.check("own", "top")
        self.assertEqual(rec["http_status"], 200, r)
        self.assertIn(MAINTENANCE, rec.get("error", ""), r)
        # The same page without reject_text is a plain 200: reject_text made the difference.
        self.assertExit(self.run_one(http_check("/maint200")), 0)

    def test_404_is_down(self):
        r = self.run_one(http_check("/404"))
        self.assertExit(r, 2)
        self.assertEqual(r.check("own", "top")["http_status"], 404, r)

    def test_expect_status_accepts_a_listed_status(self):
        r = self.run_one(http_check("/404", expect_status=[404]))
        self.assertExit(r, 0)

    def test_redirect_loop_is_down_with_a_redirect_message(self):
        before = FX.stats().get("/loop", 0)
        r = self.run_one(http_check("/loop"))
        self.assertExit(r, 2)
        self.assertRegex(r.check("own", "top").get("error", ""), re.compile("redirect", re.I))
        # Redirects are followed up to a limit (default 5), not 50 like curl's.
        self.assertLessEqual(FX.stats().get("/loop", 0) - before, 12)

    def test_redirect_is_followed(self):
        r = self.run_one(http_check("/redirect", expect_text=KEYWORD))
        self.assertExit(r, 0)
        self.assertEqual(r.check("own", "top")["http_status"], 200, r)

    def test_hang_and_drip_end_within_the_timeout(self):
        cases = {"/hang": None, "/drip": None}
        before = FX.stats()
        boxes = {path: Sandbox() for path in cases}
        try:
            def run(path):
                box = boxes[path]
                cfg = box.config(shop_config(one_channel(http_check(path, timeout="1s"))))
                return box.run("-c", cfg, "--no-state", "--format", "jsonl", timeout=20)
            results = run_parallel([lambda p=p: run(p) for p in cases])
        finally:
            for box in boxes.values():
                box.cleanup()
        after = FX.stats()
        for path, r in zip(cases, results):
            with self.subTest(path=path):
                self.assertExit(r, 2)
                self.assertLess(r.elapsed, 5.0, f"a 1s timeout took {r.elapsed:.1f}s\n{r}")
                self.assertRegex(r.check("own", "top").get("error", ""),
                                 re.compile(r"timed? ?out", re.I), r)
                self.assertGreater(after.get(path, 0), before.get(path, 0),
                                   f"the fixture never saw {path}: not a timeout test")

    def test_100_mb_body_keeps_rss_low(self):
        r = self.run_one(http_check("/big", expect_text=KEYWORD, timeout="20s"),
                         args=("--no-state", "--format", "jsonl"))
        self.assertExit(r, 0)
        self.assertEqual(r.check("own", "top")["state"], "up", r)
        # The body is streamed, never held: it adds little to the peak RSS of a
        # run on a small page. The absolute bound holds for a plain build; under
        # AddressSanitizer (CI sets ASAN_OPTIONS) the sanitizer's own start-up
        # memory is already about 67 MB, so there only the growth is bounded.
        small = self.run_one(http_check("/ok", expect_text=KEYWORD),
                             args=("--no-state", "--format", "jsonl"))
        self.assertExit(small, 0)
        self.assertLess(r.maxrss_kb - small.maxrss_kb, 32 * 1024,
                        f"peak RSS {r.maxrss_kb} kB, {small.maxrss_kb} kB for a small page\n{r}")
        if "ASAN_OPTIONS" not in os.environ:
            self.assertLess(r.maxrss_kb, 64 * 1024, f"peak RSS {r.maxrss_kb} kB\n{r}")

    def test_latency_thresholds(self):
        r = self.run_one(http_check("/slow?ms=400", latency_warning="100ms",
                                    latency_critical="5s"))
        self.assertExit(r, 1)
        self.assertEqual(r.check("own", "top")["state"], "degraded", r)


# ---------------------------------------------------------------------- tls


class TlsChecks(E2E):
    @classmethod
    def setUpClass(cls):
        cls.certdir = Sandbox()
        cls.good = helpers.make_cert(cls.certdir.dir, "good", 365)
        cls.expiring = helpers.make_cert(cls.certdir.dir, "expiring", 2)
        cls.fx_good = helpers.Fixture(tls=cls.good)
        cls.fx_expiring = helpers.Fixture(tls=cls.expiring)

    @classmethod
    def tearDownClass(cls):
        cls.fx_good.stop()
        cls.fx_expiring.stop()
        cls.certdir.cleanup()

    def run_checks(self, fx, *checks, args=("--no-state", "--format", "jsonl")):
        box = Sandbox()
        try:
            cfg = box.config(shop_config(one_channel(*checks, url=fx.url("/"))))
            return box.run("-c", cfg, *args)
        finally:
            box.cleanup()

    def test_self_signed_fails_unless_insecure(self):
        strict, insecure = run_parallel([
            lambda: self.run_checks(self.fx_good, {"id": "top", "url": self.fx_good.url("/ok"),
                                                   "expect_text": KEYWORD}),
            lambda: self.run_checks(self.fx_good, {"id": "top", "url": self.fx_good.url("/ok"),
                                                   "expect_text": KEYWORD, "insecure": True}),
        ])
        self.assertExit(strict, 2)
        self.assertEqual(strict.check("own", "top")["state"], "down", strict)
        self.assertExit(insecure, 0)

    def tls_check(self, fx, **keys):
        check = {"id": "cert", "kind": "tls", "url": fx.url("/ok"), "insecure": True}
        check.update(keys)
        return check

    def test_certificate_expiry_warning_and_critical(self):
        warn, crit, good = run_parallel([
            lambda: self.run_checks(self.fx_expiring, self.tls_check(
                self.fx_expiring, days_warning=14, days_critical=1)),
            lambda: self.run_checks(self.fx_expiring, self.tls_check(
                self.fx_expiring, days_warning=14, days_critical=3)),
            lambda: self.run_checks(self.fx_good, self.tls_check(
                self.fx_good, days_warning=14, days_critical=3)),
        ])
        self.assertExit(warn, 1)
        self.assertEqual(warn.check("own", "cert")["state"], "degraded", warn)
        self.assertExit(crit, 2)
        self.assertEqual(crit.check("own", "cert")["state"], "down", crit)
        self.assertExit(good, 0)
        days = good.check("own", "cert").get("tls_days_left")
        self.assertIsNotNone(days, good)
        self.assertTrue(363 <= days <= 366, good)
        days = warn.check("own", "cert").get("tls_days_left")
        self.assertIsNotNone(days, warn)
        self.assertTrue(1.5 <= days <= 2.1, warn)

    def test_prometheus_tls_expiry_timestamp(self):
        r = self.run_checks(self.fx_expiring, self.tls_check(self.fx_expiring),
                            args=("--no-state", "--format", "prometheus"))
        self.assertIn(r.status, (1, 2), r)
        not_after = helpers.cert_not_after(self.expiring[0]).timestamp()
        m = re.search(r'^shopkit_tls_expiry_timestamp_seconds\{[^}]*check="cert"[^}]*\}\s+(\S+)$',
                      r.stdout, re.M)
        self.assertIsNotNone(m, r)
        self.assertAlmostEqual(float(m.group(1)), not_after, delta=2, msg=str(r))


# --------------------------------------------------------------- statuspage


class StatuspageChecks(E2E):
    def sp(self, path, components=None):
        check = {"id": "platform", "kind": "statuspage", "url": FX.url(path)}
        if components is not None:
            check["components"] = components
        return self.run_isolated(check)

    def test_each_indicator(self):
        want = {"none": (0, "up"), "minor": (1, "degraded"), "major": (2, "down"),
                "critical": (2, "down")}
        results = run_parallel([lambda i=i: self.sp(f"/statuspage/{i}") for i in want])
        for (indicator, (status, state)), r in zip(want.items(), results):
            with self.subTest(indicator=indicator):
                self.assertExit(r, status)
                self.assertEqual(r.check("own", "platform")["state"], state, r)

    def test_components_filter(self):
        q = "?Storefront=operational&Checkout=major_outage&Admin=degraded_performance"
        cases = [
            ("/statuspage/major" + q, ["Storefront"], 0),
            ("/statuspage/major" + q, ["Checkout"], 2),
            ("/statuspage/major" + q, ["Admin"], 1),
            ("/statuspage/major" + q, ["Storefront", "Admin"], 1),
            ("/statuspage/none?Checkout=partial_outage", ["Checkout"], 2),
        ]
        results = run_parallel([lambda c=c: self.sp(c[0], c[1]) for c in cases])
        for (path, components, status), r in zip(cases, results):
            with self.subTest(path=path, components=components):
                self.assertExit(r, status)


# --------------------------------------------------------------------- feed


class FeedChecks(E2E):
    def feed(self, path, **keys):
        check = {"id": "news", "kind": "feed", "url": FX.url(path)}
        check.update(keys)
        return self.run_isolated(check)

    def test_rss_and_atom(self):
        cases = [(f"/{kind}/{case}", status) for kind in ("rss", "atom")
                 for case, status in (("ongoing", 1), ("recovered", 0), ("quiet", 0))]
        results = run_parallel([lambda p=p: self.feed(p) for p, _ in cases])
        for (path, status), r in zip(cases, results):
            with self.subTest(path=path):
                self.assertExit(r, status)
                rec = r.check("own", "news")
                self.assertEqual(rec["state"], "degraded" if status else "up", r)
                if status:
                    self.assertIn("障害", rec.get("error", ""), r)

    def test_feed_state_down(self):
        r = self.feed("/rss/ongoing", feed_state="down")
        self.assertExit(r, 2)


# -------------------------------------------------------- state, incidents


class StateAndIncidents(E2E):
    def test_two_runs_open_an_incident_and_recovery_resolves_it(self):
        path = "/flip/incident-cart"
        state = self.box.path("state.db")
        cfg = self.config(
            one_channel(http_check(path, id="cart", expect_text=KEYWORD, critical=True),
                        http_check("/ok", id="top")),
            policy={"fail_after": 2, "recover_after": 2})
        run = lambda: self.box.run("-c", cfg, "--state", state, "--format", "jsonl")
        FX.control(path, 500)
        try:
            t0 = now_utc()
            r1 = run()
            t1 = now_utc()
            # One failure is a blip: the confirmed state is still up.
            self.assertExit(r1, 0)
            rec = r1.check("own", "cart")
            self.assertEqual(rec["state"], "up", r1)
            self.assertEqual(rec.get("raw_state"), "down", r1)
            self.assertEqual(r1.records("incident"), [], r1)

            r2 = run()
            self.assertExit(r2, 2)
            self.assertEqual(r2.check("own", "cart")["state"], "down", r2)
            incidents = r2.records("incident")
            self.assertEqual(len(incidents), 1, r2)
            opened = incidents[0]
            self.assertEqual(opened["v"], 1)
            self.assertEqual(opened["event"], "opened", r2)
            self.assertEqual(opened["channel"], "own", r2)
            self.assertEqual(opened["severity"], "critical", r2)
            self.assertEqual(opened["checks"], ["cart"], r2)
            m = INCIDENT_ID.match(opened["id"])
            self.assertIsNotNone(m, opened)
            self.assertEqual(m.group("channel"), "own")
            # The id is the UTC minute the failing streak started (the first run),
            # although the shop's time zone is Asia/Tokyo.
            self.assertIn(m.group("stamp"), utc_minutes(t0, t1), opened)
            # Check records come first, then the incident records.
            types = [rec["type"] for rec in r2.records()]
            self.assertEqual(types, sorted(types, key=lambda t: t != "check"), r2)

            # A third failing run keeps the incident open without a new event.
            FX.control(path, 200)
            r3 = run()
            # One good answer is not a recovery (recover_after = 2).
            self.assertExit(r3, 2)
            self.assertEqual([i["event"] for i in r3.records("incident")
                              if i["event"] in ("opened", "resolved")], [], r3)

            r4 = run()
            self.assertExit(r4, 0)
            resolved = [i for i in r4.records("incident") if i["event"] == "resolved"]
            self.assertEqual(len(resolved), 1, r4)
            self.assertEqual(resolved[0]["id"], opened["id"], r4)
            self.assertIn("until", resolved[0], r4)
        finally:
            FX.control(path, "clear")

    def test_overlapping_runs_share_one_state_file(self):
        state = self.box.path("state.db")
        cfg = self.config(one_channel(http_check("/slow?ms=1500", id="slow", expect_text=KEYWORD),
                                      http_check("/ok", id="top")),
                          policy={"fail_after": 2, "recover_after": 2})
        results = run_parallel([
            lambda: self.box.run("-c", cfg, "--state", state, "--format", "jsonl", timeout=30)
            for _ in range(4)])
        for i, r in enumerate(results):
            with self.subTest(run=i):
                self.assertExit(r, 0)
                self.assertNotIn("database is locked", r.stderr, r)
        self.assertIn("check_state", helpers.db_tables(state))
        rows = helpers.db_query(state, "SELECT COUNT(*) FROM check_state")[0][0]
        self.assertEqual(rows, 2, "one check_state row per check")

    def test_canary_down_means_our_network(self):
        state = self.box.path("state.db")
        port = helpers.closed_port()
        cfg = self.config(one_channel(http_check("/500", id="cart", critical=True)),
                          policy={"fail_after": 2, "canary": [f"http://127.0.0.1:{port}/"],
                                  "timeout": "2s"})
        for n in (1, 2):
            r = self.box.run("-c", cfg, "--state", state, "--format", "jsonl")
            with self.subTest(run=n):
                self.assertExit(r, 3)
                self.assertRegex(r.stderr, re.compile(r"\bour (own )?network", re.I), r)
                self.assertEqual(r.records("incident"), [], r)
        if os.path.exists(state):
            tables = incident_tables(state)
            self.assertTrue(tables, f"no incident tables in {helpers.db_tables(state)}")
            for t in tables:
                self.assertEqual(helpers.db_query(state, f'SELECT COUNT(*) FROM "{t}"')[0][0], 0,
                                 f"table {t} has rows although the network was down")

        # The same shop with a canary that answers: now it is the shop's problem.
        other = Sandbox()
        try:
            state2 = other.path("state.db")
            cfg2 = other.config(shop_config(
                one_channel(http_check("/500", id="cart", critical=True)),
                policy={"fail_after": 2, "canary": [FX.url("/ok")]}))
            statuses = [other.run("-c", cfg2, "--state", state2, "--format", "jsonl")
                        for _ in range(2)]
            self.assertExit(statuses[0], 0)
            self.assertExit(statuses[1], 2)
            self.assertEqual([i["event"] for i in statuses[1].records("incident")], ["opened"],
                             statuses[1])
        finally:
            other.cleanup()

    def test_maintenance_window_opens_no_incident(self):
        state = self.box.path("state.db")
        now = now_utc()
        cfg = self.config(
            one_channel(http_check("/500", id="cart", critical=True)),
            policy={"fail_after": 2},
            maintenance=[{"channel": "own", "start": now - datetime.timedelta(hours=1),
                          "end": now + datetime.timedelta(hours=1),
                          "reason": "プラットフォームの定期メンテナンス"}])
        r1 = self.box.run("-c", cfg, "--state", state, "--format", "jsonl")
        r2 = self.box.run("-c", cfg, "--state", state, "--format", "jsonl")
        self.assertExit(r1, 0)
        self.assertExit(r2, 2)
        self.assertEqual(r2.check("own", "cart")["state"], "down", r2)
        for r in (r1, r2):
            self.assertEqual(r.records("incident"), [], r)
        tables = incident_tables(state)
        self.assertTrue(tables, f"no incident tables in {helpers.db_tables(state)}")
        for t in tables:
            self.assertEqual(helpers.db_query(state, f'SELECT COUNT(*) FROM "{t}"')[0][0], 0, t)

    def test_default_state_lives_under_xdg_state_home(self):
        cfg = self.config(one_channel(http_check("/ok")))
        r = self.box.run("-c", cfg, "--format", "jsonl")
        self.assertExit(r, 0)
        self.assertTrue(os.path.exists(os.path.join(self.box.env["XDG_STATE_HOME"], "shopkit",
                                                    "state.db")), r)


# ---------------------------------------------------- config, usage, secrets


class ConfigAndUsage(E2E):
    def test_broken_config_is_78_with_file_line_col(self):
        text = shop_config(one_channel(http_check("/ok")))
        lines = text.splitlines()
        lines.insert(4, "name = = 'broken'")  # line 5
        cfg = self.box.config("\n".join(lines) + "\n")
        r = self.box.run("-c", cfg, "--no-state")
        self.assertExit(r, 78)
        self.assertRegex(r.stderr, r"shop\.toml:5:\d+", r)
        self.assertEqual(r.stdout, "", r)

    def test_unknown_key_is_78_and_named(self):
        text = shop_config(one_channel(http_check("/ok", urll="http://127.0.0.1/typo")))
        line = next(n for n, l in enumerate(text.splitlines(), 1) if l.startswith("urll"))
        cfg = self.box.config(text)
        r = self.box.run("-c", cfg, "--no-state")
        self.assertExit(r, 78)
        self.assertIn("urll", r.stderr, r)
        self.assertRegex(r.stderr, rf"shop\.toml:{line}:\d+", r)

    def test_wrong_type_is_78(self):
        cfg = self.config(one_channel(http_check("/ok")), policy={"fail_after": "two"})
        r = self.box.run("-c", cfg, "--no-state")
        self.assertExit(r, 78)
        self.assertIn("fail_after", r.stderr, r)
        self.assertRegex(r.stderr, r"shop\.toml:\d+:\d+", r)

    def test_missing_config_file_is_78(self):
        r = self.box.run("-c", self.box.path("nope.toml"))
        self.assertExit(r, 78)

    def test_config_from_shopkit_config_env(self):
        cfg = self.config(one_channel(http_check("/500")))
        r = self.box.run("--no-state", env={"SHOPKIT_CONFIG": cfg})
        self.assertExit(r, 2)

    def test_bad_flags_are_64(self):
        cfg = self.config(one_channel(http_check("/ok")))
        cases = [["--format", "bogus"], ["--nope"], ["--concurrency", "0"],
                 ["--timeout", "soon"], ["--timeout", "0s"], ["--state", "x", "--no-state"]]
        results = run_parallel([lambda c=c: self.box.run("-c", cfg, "--no-state", *c)
                                for c in cases])
        for args, r in zip(cases, results):
            with self.subTest(args=args):
                self.assertExit(r, 64)
                self.assertNotEqual(r.stderr.strip(), "", r)
                self.assertEqual(r.stdout, "", r)

    def test_version(self):
        r = self.box.run("--version")
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"\d+\.\d+", r)

    def test_url_mode(self):
        bad, good = run_parallel([
            lambda: self.box.run(FX.url("/ok"), FX.url("/500"), "--format", "jsonl"),
            lambda: self.box.run(FX.url("/ok"), FX.url("/redirect")),
        ])
        self.assertExit(bad, 2)
        checks = bad.records("check")
        self.assertEqual(len(checks), 2, bad)
        self.assertEqual(sorted(c["state"] for c in checks), ["down", "up"], bad)
        self.assertExit(good, 0)
        # No config, no state: nothing written under XDG_STATE_HOME.
        self.assertFalse(os.path.exists(os.path.join(self.box.env["XDG_STATE_HOME"], "shopkit",
                                                     "state.db")))

    def test_url_mode_refuses_other_schemes(self):
        r = self.box.run("ftp://127.0.0.1/x")
        self.assertExit(r, 64)

    def test_url_with_credentials_is_refused_without_echoing_them(self):
        r = self.box.run(FX.url("/ok").replace("http://", "http://owner:hunter2@"))
        self.assertExit(r, 64)
        self.assertNotIn("hunter2", r.stdout + r.stderr, r)
        self.assertIn("credentials", r.stderr, r)

    def two_channels(self):
        return self.config([
            {"id": "own", "url": FX.url("/"), "checks": [http_check("/ok", id="top")]},
            {"id": "rakuten", "url": FX.url("/"), "checks": [http_check("/500", id="top")]},
        ])

    def test_channel_limits_the_run(self):
        cfg = self.two_channels()
        everything, own = run_parallel([
            lambda: self.box.run("-c", cfg, "--no-state", "--format", "jsonl"),
            lambda: self.box.run("-c", cfg, "--no-state", "--format", "jsonl", "--channel", "own"),
        ])
        self.assertExit(everything, 2)
        self.assertEqual({c["channel"] for c in everything.records("check")}, {"own", "rakuten"})
        self.assertExit(own, 0)
        self.assertEqual({c["channel"] for c in own.records("check")}, {"own"}, own)

    def test_unknown_channel_is_64(self):
        cfg = self.two_channels()
        r = self.box.run("-c", cfg, "--no-state", "--channel", "amazon")
        self.assertExit(r, 64)
        self.assertIn("amazon", r.stderr, r)

    def test_unknown_channel_message_stays_short_for_many_channels(self):
        cfg = self.config([{"id": f"store{i}", "url": FX.url("/"),
                            "checks": [http_check("/ok", id="top")]} for i in range(30)])
        r = self.box.run("-c", cfg, "--no-state", "--channel", "amazon")
        self.assertExit(r, 64)
        self.assertIn("store0, store1", r.stderr, r)
        self.assertIn("and 22 more", r.stderr, r)
        self.assertNotIn("store29", r.stderr, r)

    def test_bearer_token_is_sent_and_never_printed(self):
        def cfg(box):
            return box.config(shop_config(one_channel(
                http_check("/auth", expect_text=KEYWORD, auth="bearer",
                           token_env="SHOPCHECK_E2E_TOKEN"))))
        wrong = BEARER[::-1]
        runs = []
        for token, status in ((BEARER, 0), (wrong, 2)):
            for fmt in ("text", "jsonl", "nagios", "tsv", "prometheus"):
                runs.append((token, status, fmt))

        def one(token, fmt):
            box = Sandbox()
            try:
                return box.run("-c", cfg(box), "--no-state", "-vv", "--format", fmt,
                               env={"SHOPCHECK_E2E_TOKEN": token})
            finally:
                box.cleanup()
        results = run_parallel([lambda t=t, f=f: one(t, f) for t, _, f in runs])
        for (token, status, fmt), r in zip(runs, results):
            with self.subTest(fmt=fmt, right_token=token == BEARER):
                self.assertExit(r, status)
                for secret in (BEARER, wrong):
                    self.assertNotIn(secret, r.stdout)
                    self.assertNotIn(secret, r.stderr)

    def test_unset_token_env_is_78(self):
        cfg = self.config(one_channel(http_check("/auth", auth="bearer",
                                                 token_env="SHOPCHECK_E2E_UNSET")))
        r = self.box.run("-c", cfg, "--no-state")
        self.assertExit(r, 78)
        self.assertIn("SHOPCHECK_E2E_UNSET", r.stderr, r)

    def test_token_file_must_be_private(self):
        token_file = self.box.write("secrets/token", BEARER + "\n", 0o644)
        cfg = self.config(one_channel(http_check("/auth", expect_text=KEYWORD, auth="bearer",
                                                 token_file=token_file)))
        r = self.box.run("-c", cfg, "--no-state", "-vv")
        self.assertExit(r, 78)
        self.assertIn(token_file, r.stderr, r)
        self.assertNotIn(BEARER, r.stdout + r.stderr)

        os.chmod(token_file, stat.S_IRUSR | stat.S_IWUSR)
        r = self.box.run("-c", cfg, "--no-state", "-vv")
        self.assertExit(r, 0)
        self.assertNotIn(BEARER, r.stdout + r.stderr)

    def test_token_file_fifo_link_or_loose_mode_is_78_at_once(self):
        real = self.box.write("secrets/token", BEARER + "\n")
        fifo = self.box.path("secrets/fifo")
        os.mkfifo(fifo, 0o600)  # no writer ever comes: a plain open() would block
        link = self.box.path("secrets/link")
        os.symlink(real, link)
        loose = self.box.write("secrets/loose", BEARER + "\n", 0o644)
        for path, why in ((fifo, "is a FIFO, not a regular file"),
                          (link, "is a symbolic link"),
                          (loose, "is readable by group or others")):
            with self.subTest(why=why):
                cfg = self.config(one_channel(http_check("/auth", expect_text=KEYWORD,
                                                         auth="bearer", token_file=path)))
                r = self.box.run("-c", cfg, "--no-state", timeout=5)
                self.assertExit(r, 78)
                self.assertRegex(r.stderr, r"shop\.toml:\d+:\d+: token_file " +
                                 re.escape(path) + " " + why)
                self.assertNotIn(BEARER, r.stdout + r.stderr)
        cfg = self.config(one_channel(http_check("/auth", expect_text=KEYWORD, auth="bearer",
                                                 token_file=real)))
        r = self.box.run("-c", cfg, "--no-state", timeout=5)
        self.assertExit(r, 0)


# ------------------------------------------------------------------ formats


PROM_METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
PROM_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
PROM_VALUE = r"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|NaN|Inf)"
PROM_SAMPLE = re.compile(
    rf"^{PROM_METRIC}(?:\{{(?:{PROM_LABEL}(?:,{PROM_LABEL})*,?)?\}})? {PROM_VALUE}(?: -?\d+)?$")
PROM_COMMENT = re.compile(
    rf"^# (?:HELP {PROM_METRIC} .*|TYPE {PROM_METRIC} (?:counter|gauge|histogram|summary|untyped))$")
NAGIOS_NUM = r"-?\d+(?:\.\d+)?"
# One perfdata item: 'label'=value[UOM];warn;crit;min;max, ranges as monitoring-plugins'.
NAGIOS_RANGE = r"@?(?:~|-?\d+(?:\.\d+)?)?(?::(?:-?\d+(?:\.\d+)?)?)?"
NAGIOS_PERF_ITEM = re.compile(
    rf"^'(?:[^'=]|'')+'={NAGIOS_NUM}(?:s|ms|us|%|B|KB|MB|TB|c)?"
    rf"(?:;{NAGIOS_RANGE}(?:;{NAGIOS_RANGE}(?:;(?:{NAGIOS_NUM})?(?:;(?:{NAGIOS_NUM})?)?)?)?)?$")
NAGIOS_PERF = re.compile(
    rf"^\s*(?:'[^'=]+'={NAGIOS_NUM}[a-zA-Z%]*(?:;(?:{NAGIOS_NUM})?){{0,4}}\s*)+$")


class Formats(E2E):
    def shop(self):
        return self.config(one_channel(
            http_check("/ok", id="top", expect_text=KEYWORD, latency_warning="1s",
                       latency_critical="3s"),
            http_check("/500", id="cart", critical=True)))

    def test_jsonl(self):
        r = self.box.run("-c", self.shop(), "--no-state", "--format", "jsonl")
        self.assertExit(r, 2)
        recs = r.records()
        self.assertEqual(len(recs), 2, r)
        for rec in recs:
            self.assertEqual(rec["v"], 1, rec)
            self.assertEqual(rec["type"], "check", rec)
            self.assertEqual(rec["channel"], "own", rec)
            self.assertIn(rec["state"], ("up", "degraded", "down", "unknown"), rec)
            self.assertIsInstance(rec["latency_ms"], int, rec)
            self.assertTrue(rec["url"].startswith(FX.base), rec)
        self.assertEqual([rec["check"] for rec in recs], ["top", "cart"], "config order")
        self.assertEqual(r.check("own", "cart")["critical"], True)

    def test_tsv(self):
        r = self.box.run("-c", self.shop(), "--no-state", "--format", "tsv")
        self.assertExit(r, 2)
        rows = [line.split("\t") for line in r.stdout.splitlines() if line]
        self.assertGreaterEqual(len(rows), 2, r)
        widths = {len(row) for row in rows}
        self.assertEqual(len(widths), 1, f"every row has the same columns\n{r}")
        self.assertGreaterEqual(widths.pop(), 4, r)
        data = [row for row in rows if "top" in row or "cart" in row]
        self.assertEqual(len(data), 2, f"one row per check\n{r}")
        for row in data:
            self.assertIn("own", row, r)
        self.assertIn("up", next(row for row in data if "top" in row), r)
        self.assertIn("down", next(row for row in data if "cart" in row), r)
        self.assertLessEqual(len(rows) - len(data), 1, f"at most one header line\n{r}")

    def test_nagios(self):
        r = self.box.run("-c", self.shop(), "--no-state", "--format", "nagios")
        self.assertExit(r, 2)
        lines = r.stdout.splitlines()
        self.assertTrue(lines, r)
        first = lines[0]
        self.assertTrue(first.startswith("SHOPCHECK CRITICAL - "), r)
        self.assertIn("|", first, r)
        perf = first.split("|", 1)[1]
        self.assertRegex(perf, NAGIOS_PERF, r)
        self.assertRegex(perf, r"'[^']*top[^']*'=", r)
        self.assertGreater(len(lines), 1, f"further lines per check\n{r}")

        ok = self.box.run("-c", self.config(one_channel(http_check("/ok"))), "--no-state",
                          "--format", "nagios")
        self.assertExit(ok, 0)
        self.assertTrue(ok.stdout.startswith("SHOPCHECK OK - "), ok)

    def example_config(self):
        """share/examples/shop.toml with its URLs on the fixture: the product page lacks
        both words of its expect_regex "(カートに入れる|在庫切れ)"."""
        path = os.path.join(helpers.SOURCE, "share", "examples", "shop.toml")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"^canary = .*$", f'canary = ["{FX.url("/ok")}"]', text, flags=re.M)
        text = text.replace("https://shop.example.jp/products/green-tea-100g", FX.url("/plain"))
        text = text.replace("https://status.example-cart.com/api/v2/summary.json",
                            FX.url("/statuspage/none/summary.json"))
        text = text.replace("https://www.example-cart.com/news/feed.xml",
                            FX.url("/rss/ongoing"))
        # A tls check needs an https:// URL: nothing listens on this one (down).
        text = re.sub(r'(kind = "tls"\s+url = )"https://[^"]*"',
                      rf'\1"https://127.0.0.1:{helpers.closed_port()}/"', text)
        text = re.sub(r'"https://(?!127\.0\.0\.1:)[^"]*"', f'"{FX.url("/ok")}"', text)
        self.assertIn('expect_regex = "(カートに入れる|在庫切れ)"', text)
        return self.box.config(text)

    def test_nagios_output_parses_the_way_nagios_reads_it(self):
        r = self.box.run("-c", self.example_config(), "--no-state", "--format", "nagios")
        self.assertIn(r.status, (1, 2), r)
        first, *long_output = r.stdout.splitlines()
        # Nagios: the text ends at the first '|', perfdata follows; a '|' in the long
        # output would start perfdata there too.
        text, _, perf = first.partition("|")
        self.assertTrue(text.startswith("SHOPCHECK CRITICAL - ") or
                        text.startswith("SHOPCHECK WARNING - "), r)
        self.assertIn("own/product down (pattern '(カートに入れる¦在庫切れ)' not found)", text, r)
        self.assertNotIn("|", perf, r)
        items = perf.split()
        self.assertTrue(items, r)
        for item in items:
            self.assertRegex(item, NAGIOS_PERF_ITEM, r)
        labels = [item.split("=", 1)[0] for item in items]
        self.assertIn("'own/product_time'", labels, r)
        for line in long_output:
            self.assertNotIn("|", line, r)
        self.assertIn("own/product: down - pattern '(カートに入れる¦在庫切れ)' not found",
                      long_output, r)

    def test_prometheus(self):
        state = self.box.path("state.db")
        r = self.box.run("-c", self.shop(), "--state", state, "--format", "prometheus")
        # Thresholds: the first failing run with state kept is still up.
        self.assertExit(r, 0)
        families = set()
        for line in r.stdout.splitlines():
            if not line.strip():
                continue
            if line.startswith("#"):
                self.assertRegex(line, PROM_COMMENT, r)
                continue
            self.assertRegex(line, PROM_SAMPLE, r)
            families.add(re.match(PROM_METRIC, line).group(0))
        for name in ("shopkit_check_up", "shopkit_check_state", "shopkit_check_duration_seconds",
                     "shopkit_check_http_status", "shopkit_incident_open"):
            self.assertIn(name, families, r)

        def sample(metric, check):
            m = re.search(rf'^{metric}\{{channel="own",check="{check}"[^}}]*\}} (\S+)', r.stdout,
                          re.M)
            self.assertIsNotNone(m, f"{metric} of {check}\n{r}")
            return float(m.group(1))
        self.assertEqual(sample("shopkit_check_up", "top"), 1.0)
        self.assertEqual(sample("shopkit_check_http_status", "cart"), 500.0)
        self.assertGreaterEqual(sample("shopkit_check_duration_seconds", "top"), 0.0)

        nostate = self.box.run("-c", self.shop(), "--no-state", "--format", "prometheus")
        self.assertExit(nostate, 2)
        m = re.search(r'^shopkit_check_up\{channel="own",check="cart"[^}]*\} (\S+)',
                      nostate.stdout, re.M)
        self.assertIsNotNone(m, nostate)
        self.assertEqual(float(m.group(1)), 0.0)

    def test_text_has_no_colour_off_a_terminal(self):
        r = self.box.run("-c", self.shop(), "--no-state")
        self.assertExit(r, 2)
        self.assertNotIn("\x1b[", r.stdout, r)
        for word in ("top", "cart", "HTTP 500"):
            self.assertIn(word, r.stdout, r)


if __name__ == "__main__":
    unittest.main()


# ------------------------------------------------------- streams and options


class Streams(E2E):
    def failing(self):
        return self.config(one_channel(http_check("/ok", id="top"), http_check("/500", id="cart"),
                                       http_check("/redirect", id="item")))

    def test_quiet_text_prints_nothing_but_keeps_the_status(self):
        r = self.box.run("-c", self.failing(), "--no-state", "-q")
        self.assertExit(r, 2)
        self.assertEqual(r.stdout, "", r)
        self.assertEqual(r.stderr, "", r)

    def test_verbose_levels_go_to_stderr_only(self):
        cfg = self.failing()
        plain, v, vv = run_parallel([
            lambda: self.box.run("-c", cfg, "--format", "jsonl", "--state", self.box.path("a.db")),
            lambda: self.box.run("-c", cfg, "--format", "jsonl", "--state", self.box.path("b.db"), "-v"),
            lambda: self.box.run("-c", cfg, "--format", "jsonl", "--state", self.box.path("c.db"), "-vv"),
        ])
        for r in (plain, v, vv):
            self.assertExit(r, 0)  # one failing run of fail_after 2: not down yet
            self.assertEqual(len(r.records("check")), 3, r)
        self.assertEqual(plain.stderr, "", plain)
        self.assertIn("config: " + cfg, v.stderr, v)
        self.assertIn("3 checks of 1 channel,", v.stderr, v)
        self.assertIn("state: " + self.box.path("b.db"), v.stderr, v)
        self.assertNotIn("own/cart:", v.stderr, v)
        self.assertRegex(vv.stderr, r"own/cart: up \(this probe down\) HTTP 500 dns [0-9.]+s", vv)

    def test_concurrency_one_still_checks_everything(self):
        r = self.box.run("-c", self.failing(), "--no-state", "--format", "jsonl", "--concurrency", "1")
        self.assertExit(r, 2)
        self.assertEqual({c["check"]: c["state"] for c in r.records("check")},
                         {"top": "up", "cart": "down", "item": "up"}, r)

    def test_colour_only_on_a_terminal_and_never_with_no_color(self):
        import pty
        import subprocess
        cfg = self.failing()

        def on_terminal(extra_env):
            env = dict(self.box.env)
            env.pop("NO_COLOR", None)
            env["TERM"] = "xterm"
            env.update(extra_env)
            master, slave = pty.openpty()
            proc = subprocess.Popen([helpers.shopcheck_path(), "-c", cfg, "--no-state"],
                                    stdout=slave, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, env=env)
            os.close(slave)
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            os.close(master)
            self.assertEqual(proc.wait(timeout=30), 2)
            return out.decode("utf-8", "replace")

        self.assertIn("\033[31mdown", on_terminal({}))
        self.assertNotIn("\033[", on_terminal({"NO_COLOR": "1"}))
        piped = self.box.run("-c", cfg, "--no-state", env={"NO_COLOR": ""})
        self.assertExit(piped, 2)
        self.assertNotIn("\033[", piped.stdout, piped)

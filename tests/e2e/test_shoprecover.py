"""End-to-end tests of the built shoprecover, fed by the built shopcheck, against the
fixture server on 127.0.0.1: steps once across repeated and overlapping runs, kill -9,
retries, timeouts that kill the step's children, filters, the landing page,
--confirm, --drill, and secrets.

Run by CTest as `python3 -m unittest -v test_shoprecover` with SHOPKIT_BIN set.
"""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import time
import unittest
import urllib.request

import helpers
from helpers import Sandbox, run_parallel, shop_config, toml_str

FX = None


def setUpModule():
    global FX
    helpers.program_path("shoprecover")
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


def channels(prefix):
    """Three channels, each with checks on paths of its own under /flip/<prefix>/."""
    def ch(id_, name, checks):
        return {"id": id_, "name": name, "url": FX.url(f"/flip/{prefix}/{id_}"),
                "checks": [{"id": c, "url": FX.url(f"/flip/{prefix}/{id_}/{c}"),
                            **({"critical": True} if c == "cart" else {})} for c in checks]}
    return [ch("own", "公式オンラインショップ", ["top", "cart"]),
            ch("mall", "楽天市場店", ["item"]),
            ch("yahoo", "Yahoo!ショッピング店", ["store"])]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


class Recover(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()
        self.prefix = self.id().rsplit(".", 1)[1]
        self.paths = []

    def tearDown(self):
        for p in self.paths:
            FX.control(p, "clear")
        self.box.cleanup()

    def fail_path(self, channel, check, status=500):
        path = f"/flip/{self.prefix}/{channel}/{check}"
        self.paths.append(path)
        FX.control(path, status)

    def config(self, runbook, policy=None, extra=""):
        return self.box.config(shop_config(
            channels(self.prefix),
            policy={"fail_after": 1, "recover_after": 1, **(policy or {})},
            extra=runbook + extra))

    def check(self, cfg):
        return self.box.run("-c", cfg, "--format", "jsonl")

    def recover(self, cfg, *args, stdin=None, timeout=30.0, env=None):
        return self.box.recover("-c", cfg, "--format", "jsonl", *args, stdin=stdin,
                                timeout=timeout, env=env)

    def cycle(self, cfg, *args):
        """shopcheck --format jsonl | shoprecover, as cron runs it."""
        checked = self.check(cfg)
        return self.recover(cfg, *args, stdin=checked.stdout)

    def steps(self, result):
        return [r for r in result.records("step")]

    def lines(self, name):
        try:
            with open(self.box.path(name)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def test_opened_steps_run_once_across_runs_and_overlapping_runs(self):
        marks = self.box.path("marks")
        cfg = self.config(f"""
[[runbook.step]]
id = "failover"
run = ["/bin/sh", "-c", {toml_str(f"echo $SHOPKIT_INCIDENT >> {marks}; sleep 0.3")}]
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["/bin/sh", "-c", {toml_str(f"echo back >> {marks}")}]
""")
        self.fail_path("own", "cart")
        first = self.cycle(cfg)
        self.assertEqual(first.status, 0, first)
        self.assertEqual([(s["step"], s["result"]) for s in self.steps(first)],
                         [("failover", "ok")])
        # Every record shopcheck wrote went through unchanged, before the steps.
        self.assertTrue(any(r["type"] == "incident" for r in first.records()))
        for _ in range(2):
            again = self.cycle(cfg)
            self.assertEqual(again.status, 0, again)
            self.assertEqual(self.steps(again), [])
        both = run_parallel([lambda: self.recover(cfg), lambda: self.recover(cfg)])
        for r in both:
            self.assertEqual(r.status, 0, r)
        self.assertEqual(len(self.lines("marks")), 1, self.lines("marks"))
        self.assertTrue(self.lines("marks")[0].startswith("own-"))
        FX.control(f"/flip/{self.prefix}/own/cart", "clear")
        back = self.cycle(cfg)
        self.assertEqual([(s["step"], s["result"], s["phase"]) for s in self.steps(back)],
                         [("restore", "ok", "restore")])
        self.assertEqual(self.lines("marks")[1:], ["back"])
        rows = helpers.db_query(self.box.path("home/.local/state/shopkit/state.db"),
                                "SELECT step, state, attempts FROM runbook_runs ORDER BY id")
        self.assertEqual(rows, [("failover", "ok", 1), ("restore", "ok", 1)])

    def test_kill_9_during_a_step_reruns_only_the_unfinished_step(self):
        cfg = self.config(f"""
[[runbook.step]]
id = "quick"
run = ["/bin/sh", "-c", {toml_str("echo quick >> " + self.box.path("log"))}]
[[runbook.step]]
id = "slow"
run = ["/bin/sh", "-c", {toml_str("echo slow >> " + self.box.path("log") + "; if [ ! -e "
                                  + self.box.path("once") + " ]; then touch " + self.box.path("once")
                                  + "; echo $$ > " + self.box.path("slow.pid")
                                  + "; sleep 60; fi; echo done >> " + self.box.path("log"))}]
timeout = "90s"
""")
        self.fail_path("own", "cart")
        checked = self.check(cfg)
        env = dict(self.box.env)
        proc = subprocess.Popen([helpers.program_path("shoprecover"), "-c", cfg, "--format",
                                 "jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=self.box.dir)
        proc.stdin.write(checked.stdout.encode())
        proc.stdin.close()
        deadline = time.monotonic() + 20
        while not os.path.exists(self.box.path("slow.pid")) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("slow", self.lines("log"))
        proc.kill()  # SIGKILL, mid-step
        proc.wait()
        # The step's own process group would survive the kill; end it as a crash would.
        step_pid = int(open(self.box.path("slow.pid")).read())
        os.killpg(step_pid, signal.SIGKILL)
        # The process that claimed the slow step is gone: the next run takes it over at
        # once; the quick step, which had finished, does not run again.
        again = self.recover(cfg)
        self.assertEqual([(s["step"], s["result"]) for s in self.steps(again)],
                         [("slow", "ok")])
        self.assertEqual(self.lines("log"), ["quick", "slow", "slow", "done"])

    def test_a_failing_step_is_retried_by_a_later_run_then_succeeds(self):
        flag = self.box.path("ready")
        cfg = self.config(f"""
[[runbook.step]]
id = "needs-flag"
run = ["/bin/sh", "-c", {toml_str(f"test -e {flag} || {{ echo 'not ready yet' >&2; exit 4; }}")}]
""")
        self.fail_path("own", "cart")
        first = self.cycle(cfg)
        self.assertEqual(first.status, 75, first)
        step = self.steps(first)[0]
        self.assertEqual((step["result"], step["exit_status"], step["stderr"]),
                         ("retry", 4, "not ready yet"))
        self.assertIn("next_attempt", step)
        open(flag, "w").close()
        # Never within the same run, nor before the backoff (30 s at first).
        soon = self.recover(cfg)
        self.assertEqual(soon.status, 75, soon)
        self.assertEqual(self.steps(soon)[0]["result"], "retry")
        time.sleep(31)
        later = self.recover(cfg)
        self.assertEqual(later.status, 0, later)
        self.assertEqual([(s["step"], s["result"], s["attempt"]) for s in self.steps(later)],
                         [("needs-flag", "ok", 2)])

    def test_a_hanging_step_and_its_children_are_killed_at_the_timeout(self):
        pids = self.box.path("pids")
        cfg = self.config(f"""
[[runbook.step]]
id = "hangs"
run = ["/bin/sh", "-c", {toml_str(f"sleep 300 & echo $! > {pids}; echo $$ >> {pids}; sleep 300")}]
timeout = "1s"
retries = 0
""")
        self.fail_path("own", "cart")
        started = time.monotonic()
        result = self.cycle(cfg)
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(result.status, 75, result)
        step = self.steps(result)[0]
        self.assertEqual(step["result"], "failed")
        self.assertIn("timed out", step["error"])
        time.sleep(0.2)
        for pid in map(int, self.lines("pids")):
            self.assertFalse(alive(pid), f"process {pid} of the step survived")

    def test_filters_by_check_and_severity_pick_the_steps(self):
        cfg = self.config("""
[[runbook.step]]
id = "cart-down"
checks = ["cart"]
run = ["true"]
[[runbook.step]]
id = "top-down"
checks = ["top"]
run = ["true"]
[[runbook.step]]
id = "critical"
severities = ["critical"]
run = ["true"]
[[runbook.step]]
id = "minor"
severities = ["minor"]
run = ["true"]
[[runbook.step]]
id = "mall-only"
channels = ["mall"]
run = ["true"]
""")
        self.fail_path("own", "cart")
        result = self.cycle(cfg)
        self.assertEqual(result.status, 0, result)
        self.assertEqual(sorted(s["step"] for s in self.steps(result)), ["cart-down", "critical"])

    def test_the_landing_page_follows_the_healthy_channel_and_comes_back(self):
        landing = self.box.path("landing")
        cfg = self.config(f"""
[[runbook.step]]
id = "landing"
action = "switch_link"
dir = {toml_str(landing)}
home = "own"
prefer = ["mall", "yahoo"]
""")
        def link():
            with open(os.path.join(landing, "link.json")) as f:
                return json.load(f)["channel"]
        def page():
            with open(os.path.join(landing, "index.html"), encoding="utf-8") as f:
                return f.read()
        first = self.cycle(cfg)  # all up: every check confirmed, nothing to do
        self.assertEqual(first.status, 0, first)
        self.fail_path("own", "cart")
        down = self.cycle(cfg)
        self.assertEqual(down.status, 0, down)
        self.assertEqual(link(), "mall")
        self.assertIn(f'url={FX.url(f"/flip/{self.prefix}/mall")}', page())
        self.assertIn("楽天市場店", page())
        self.fail_path("mall", "item")
        worse = self.cycle(cfg)
        self.assertEqual(worse.status, 0, worse)
        self.assertEqual(link(), "yahoo")
        FX.control(f"/flip/{self.prefix}/own/cart", "clear")
        back = self.cycle(cfg)
        self.assertEqual(back.status, 0, back)
        self.assertEqual(link(), "own")
        self.assertEqual([s["link"] for s in self.steps(back)], ["own"])

    def test_confirm_waits_through_a_flapping_shop(self):
        cfg = self.config("""
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["true"]
""", policy={"recover_after": 3, "fail_after": 1})
        self.fail_path("own", "cart")
        self.check(cfg)
        # up, down, up, up, up: only the last three in a row count.
        self.fail_path("own", "cart", "200,500,200,200,200")
        result = self.recover(cfg, "--confirm", "--interval", "200ms", "--wait", "20s", "-v")
        self.assertEqual(result.status, 0, result)
        rounds = [l for l in result.stderr.splitlines() if " round " in l]
        self.assertEqual(len(rounds), 5, result.stderr)
        self.assertIn("3 of 3 in a row", rounds[-1])
        incidents = result.records("incident")
        self.assertEqual([i["event"] for i in incidents], ["resolved"])
        self.assertEqual([(s["step"], s["result"]) for s in self.steps(result)],
                         [("restore", "ok")])
        db = self.box.path("home/.local/state/shopkit/state.db")
        self.assertEqual(helpers.db_query(db, "SELECT count(*) FROM incidents WHERE until IS NULL"),
                         [(0,)])
        # shopcheck's next run opens nothing new, and the restore step does not run twice.
        FX.control(f"/flip/{self.prefix}/own/cart", "clear")
        after = self.cycle(cfg)
        self.assertEqual(after.records("incident"), [])
        self.assertEqual(self.steps(after), [])

    def test_confirm_gives_up_after_wait_and_leaves_the_incident_open(self):
        cfg = self.config("")
        self.fail_path("own", "cart")
        self.check(cfg)
        result = self.recover(cfg, "--confirm", "--interval", "200ms", "--wait", "1s")
        self.assertEqual(result.status, 1, result)
        db = self.box.path("home/.local/state/shopkit/state.db")
        self.assertEqual(helpers.db_query(db, "SELECT count(*) FROM incidents WHERE until IS NULL"),
                         [(1,)])
        unknown = self.recover(cfg, "--confirm", "--incident", "no-such-incident")
        self.assertEqual(unknown.status, 64, unknown)

    def test_arguments_reach_the_command_verbatim(self):
        out = self.box.path("argv")
        script = toml_str('printf "%s\\n" "$@" > ' + out)
        weird = "{{x}} $(touch /tmp/shopkit-pwned) `id` ; | & * 'q' \"dq\""
        cfg = self.box.config(shop_config(
            [{"id": "own", "name": weird, "url": FX.url(f"/flip/{self.prefix}/own"),
              "checks": [{"id": "cart", "name": "{{cart}} |x",
                          "url": FX.url(f"/flip/{self.prefix}/own/cart")}]}],
            policy={"fail_after": 1},
            extra=f"""
[[runbook.step]]
id = "args"
run = ["/bin/sh", "-c", {script}, "sh", "{{{{channel.name}}}}", "{{{{incident.checks_text}}}}", "literal $HOME"]
"""))
        self.fail_path("own", "cart")
        result = self.cycle(cfg)
        self.assertEqual(result.status, 0, result)
        got = self.lines("argv")
        self.assertEqual(got[0], weird)
        self.assertEqual(got[2], "literal $HOME")
        self.assertFalse(os.path.exists("/tmp/shopkit-pwned"))

    def test_drill_fails_on_a_missing_program_and_passes_when_fixed(self):
        tool = self.box.path("bin", "point-link")
        cfg = self.config(f"""
[[runbook.step]]
id = "point"
run = [{toml_str(tool)}, "{{{{alternatives.0.url}}}}"]
[[runbook.step]]
id = "landing"
action = "switch_link"
dir = {toml_str(self.box.path("landing"))}
""")
        drill = self.recover(cfg, "--drill")
        self.assertEqual(drill.status, 1, drill)
        failed = [r for r in drill.records("drill") if r["result"] == "failed"]
        self.assertEqual([r.get("step") for r in failed], ["point"])
        self.assertIn("not found", failed[0]["error"])
        # A normal run refuses the config at load, naming the step's line.
        refused = self.recover(cfg)
        self.assertEqual(refused.status, 78, refused)
        self.assertRegex(refused.stderr, r"shop\.toml:\d+:\d+: step 'point'")
        self.box.write("bin/point-link", "#!/bin/sh\nexit 0\n", 0o755)
        ready = self.box.recover("-c", cfg, "--drill", "--format", "text")
        self.assertEqual(ready.status, 0, ready)
        self.assertIn("would point at mall", ready.stdout)
        self.assertFalse(os.path.exists(self.box.path("landing")))

    def test_a_secret_in_the_environment_never_reaches_a_step_record(self):
        token = "tok-7c1d9e5a3b-NEVER-PRINT"
        cfg = self.config("""
[[runbook.step]]
id = "leaky"
run = ["/bin/sh", "-c", "env >&2; echo \\"token is $SHOP_API_TOKEN\\" >&2; exit 1"]
retries = 0
""")
        self.fail_path("own", "cart")
        checked = self.check(cfg)
        result = self.recover(cfg, stdin=checked.stdout, env={"SHOP_API_TOKEN": token})
        self.assertEqual(result.status, 75, result)
        self.assertNotIn(token, result.stdout + result.stderr)
        self.assertIn("token is [secret]", result.stdout)
        db = self.box.path("home/.local/state/shopkit/state.db")
        self.assertNotIn(token, repr(helpers.db_query(db, "SELECT output, error FROM runbook_runs")))

    def test_the_webhook_step_posts_the_incident_signed(self):
        secret = "whsec-4b1d9e7f2a6c"
        self.box.env["RECOVER_HOOK_SECRET"] = secret
        path = f"/hook/recover-{self.prefix}"
        cfg = self.config(f"""
[[runbook.step]]
id = "automation"
action = "webhook"
url = {toml_str(FX.url(path))}
secret_env = "RECOVER_HOOK_SECRET"
""")
        self.fail_path("own", "cart")
        result = self.cycle(cfg)
        self.assertEqual(result.status, 0, result)
        step = self.steps(result)[0]
        self.assertEqual((step["result"], step["http_status"]), ("ok", 200))
        hooks = json.loads(urllib.request.urlopen(FX.url("/_hooks"), timeout=5).read())
        mine = [h for h in hooks if h["path"] == path]
        self.assertEqual(len(mine), 1, hooks)
        body = mine[0]["body"]
        self.assertEqual(body["step"], "automation")
        self.assertEqual(body["incident"]["type"], "incident")
        self.assertEqual(body["incident"]["channel"], "own")
        self.assertEqual([a["id"] for a in body["alternatives"]], ["mall", "yahoo"])
        expected = hmac.new(secret.encode(), mine[0]["raw"].encode("utf-8"),
                            hashlib.sha256).hexdigest()
        self.assertEqual(mine[0]["signature"], "sha256=" + expected)
        self.assertNotIn(secret, result.stdout + result.stderr)

    def test_list_dry_run_and_bad_records(self):
        cfg = self.config("""
[[runbook.step]]
id = "tell"
checks = ["cart"]
run = ["/bin/echo", "{{incident.id}}"]
""")
        listing = self.box.recover("-c", cfg, "--list")
        self.assertEqual(listing.status, 0, listing)
        self.assertIn("tell", listing.stdout)
        self.assertIn("checks=cart", listing.stdout)
        self.fail_path("own", "cart")
        checked = self.check(cfg)
        dry = self.recover(cfg, "--dry-run", stdin=checked.stdout)
        self.assertEqual(dry.status, 0, dry)
        self.assertEqual([s["result"] for s in self.steps(dry)], ["dry-run"])
        self.assertTrue(self.steps(dry)[0]["argv"][1].startswith("own-"))
        real = self.recover(cfg, stdin="not json\n" + checked.stdout)
        self.assertEqual(real.status, 65, real)
        self.assertIn("<stdin>:1:", real.stderr)
        self.assertEqual(real.stdout.splitlines()[0], "not json")
        steps = [json.loads(l) for l in real.stdout.splitlines()[1:]]
        self.assertEqual([s["result"] for s in steps if s["type"] == "step"], ["ok"])


    def test_number_beyond_a_double_is_one_bad_line(self):
        cfg = self.config("""
[[runbook.step]]
id = "tell"
checks = ["cart"]
run = ["/bin/echo", "{{incident.id}}"]
""")
        self.fail_path("own", "cart")
        checked = self.check(cfg).stdout.splitlines()
        incident = [l for l in checked if json.loads(l)["type"] == "incident"]
        others = [l for l in checked if json.loads(l)["type"] != "incident"]
        self.assertEqual(len(incident), 1, checked)
        self.assertTrue(others, checked)
        bad = '{"v":1,"type":"check","x":1e400}'
        lines = incident + [bad] + others
        res = self.recover(cfg, stdin="\n".join(lines) + "\n")
        self.assertEqual(res.status, 65, res)
        self.assertIn("<stdin>:2: ", res.stderr)
        self.assertEqual(res.stdout.splitlines()[:len(lines)], lines)
        self.assertEqual([s["result"] for s in self.steps(res)], ["ok"], res)

if __name__ == "__main__":
    unittest.main()

"""shopreport end to end: a state made by real shopcheck | shopannounce runs against
the fixture server and a recording webhook on 127.0.0.1 (an outage of the cart,
told to staff and customers, then over), reported in every format; the CSV and
JSON parse; the post-mortem lists the notices the run sent; bad input gets its
exit status; the state is only read.

Run by CTest as `python3 -m unittest -v test_shopreport` with SHOPKIT_BIN set.
"""

import csv
import hashlib
import io
import json
import os
import time
import unittest

import helpers
from helpers import Sandbox, shop_config
from recorder import Recorder

FX = None
HOOK = "hook-token-5c2e"


def setUpModule():
    global FX
    helpers.program_path("shopreport")
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Outage:
    """One sandbox, one outage: up, the cart down for two runs, up again."""

    def __init__(self, prefix, sales=""):
        self.box = Sandbox()
        self.rec = Recorder()
        self.prefix = prefix
        self.cart = f"/flip/{prefix}/own/cart"
        channels = [
            {"id": "own", "name": "公式オンラインショップ", "url": FX.url(f"/flip/{prefix}/own"),
             "checks": [{"id": "top", "url": FX.url(f"/flip/{prefix}/own/top")},
                        {"id": "cart", "url": FX.url(self.cart), "critical": True}]},
            {"id": "mall", "name": "楽天市場店", "url": FX.url(f"/flip/{prefix}/mall"),
             "checks": [{"id": "item", "url": FX.url(f"/flip/{prefix}/mall/item")}]},
        ]
        targets = f"""
[sales]
currency = "JPY"
{sales}
hourly = [{", ".join(["36000"] * 24)}]
recaptured = 0.25

[[target]]
id = "staff-chat"
kind = "webhook"
audience = "staff"
url_env = "HOOK_STAFF"

[[target]]
id = "customer-hook"
kind = "webhook"
audience = "customers"
url_env = "HOOK_CUSTOMERS"
"""
        self.cfg = self.box.config(shop_config(
            channels, shop={"language": "ja", "state": "state.db"},
            policy={"fail_after": 1, "recover_after": 1, "customer_delay": "0s"},
            extra=targets))
        self.env = {"HOOK_STAFF": self.rec.url("/staff/" + HOOK),
                    "HOOK_CUSTOMERS": self.rec.url("/customers/" + HOOK)}

    def run_once(self):
        checked = self.box.run("-c", self.cfg, "--format", "jsonl")
        announced = self.box.announce("-c", self.cfg, "--format", "jsonl", stdin=checked.stdout,
                                      env=self.env)
        assert announced.status == 0, announced
        # What the crontab line appends to its log.
        with open(self.box.path("shopkit.jsonl"), "a", encoding="utf-8") as log:
            log.write(announced.stdout)
        return checked

    def play(self):
        self.run_once()
        time.sleep(1.1)
        FX.control(self.cart, 500)
        try:
            self.run_once()
            time.sleep(1.1)
            self.run_once()
            time.sleep(1.1)
        finally:
            FX.control(self.cart, "clear")
        self.run_once()
        return self

    def report(self, *args, timeout=30.0, stdin=None):
        return self.box.report("-c", self.cfg, *args, timeout=timeout, stdin=stdin)

    def close(self):
        self.rec.stop()
        self.box.cleanup()


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = Outage("report").play()
        state = cls.o.box.path("state.db")
        cls.state_digest = digest(state)

    @classmethod
    def tearDownClass(cls):
        cls.o.close()

    def incident_id(self):
        res = self.o.report("--format", "json")
        self.assertEqual(res.status, 0, res)
        return json.loads(res.stdout)["incidents"][0]["id"]

    def test_json_holds_every_section_and_the_incident(self):
        res = self.o.report("--format", "json")
        self.assertEqual(res.status, 0, res)
        doc = json.loads(res.stdout)
        for key in ("summary", "incidents", "availability", "loss"):
            self.assertIn(key, doc)
        self.assertEqual(doc["summary"]["incidents"], 1)
        inc = doc["incidents"][0]
        self.assertEqual(inc["channel"], "own")
        self.assertEqual(inc["severity"], "critical")
        self.assertFalse(inc["ongoing"])
        # Two failing runs a second or more apart, then the first passing one.
        self.assertGreaterEqual(inc["downtime_s"], 2)
        self.assertLess(inc["downtime_s"], 60)
        self.assertIsNotNone(inc["staff_told"])
        self.assertIsNotNone(inc["customers_told"])
        self.assertIsNotNone(inc["recovery_told"])
        marks = [e["mark"] for e in inc["timeline"]]
        for m in ("first_failure", "opened", "staff_told", "customers_told", "recovered",
                  "confirmed", "recovery_told"):
            self.assertIn(m, marks)
        targets = {(n["target"], n["event"]) for n in inc["notices"] if n["state"] == "sent"}
        self.assertIn(("staff-chat", "opened"), targets)
        self.assertIn(("customer-hook", "resolved"), targets)
        # The estimate: 36,000 an hour, critical blocks all of it.
        loss = inc["loss"]
        self.assertAlmostEqual(loss["minutes"], inc["downtime_s"] / 60, delta=1 / 60)
        self.assertAlmostEqual(loss["expected"], 600.0 * loss["minutes"], delta=0.01)
        self.assertEqual(loss["blocked_share"], 1.0)
        self.assertEqual(loss["recaptured_share"], 0.25)
        self.assertGreater(loss["lost"], 0)
        self.assertLessEqual(loss["lost"], loss["expected"])
        avail = {a["channel"]: a for a in doc["availability"]["channels"]}
        self.assertGreater(avail["own"]["down_s"], 0)
        self.assertEqual(avail["mall"]["down_s"], 0)
        self.assertEqual(avail["mall"]["availability"], 1.0)
        self.assertLess(avail["own"]["availability"], 1.0)
        self.assertEqual(doc["timezone"], "Asia/Tokyo")
        self.assertTrue(doc["period"]["from"].endswith("+09:00"), doc["period"])

    def test_csv_is_one_table_of_incidents_unless_only_says(self):
        res = self.o.report("--format", "csv")
        self.assertEqual(res.status, 0, res)
        rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["channel"], "own")
        self.assertEqual(rows[0]["currency"], "JPY")
        self.assertGreater(int(rows[0]["downtime_s"]), 0)
        res = self.o.report("--format", "csv", "--only", "availability")
        rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
        scopes = {(r["scope"], r["channel"], r["check"]) for r in rows}
        self.assertIn(("channel", "own", ""), scopes)
        self.assertIn(("check", "own", "cart"), scopes)
        self.assertIn(("check", "mall", "item"), scopes)

    def test_text_and_markdown_read_as_a_report(self):
        text = self.o.report()
        self.assertEqual(text.status, 0, text)
        self.assertIn("障害レポート", text.stdout)
        self.assertIn("公式オンラインショップ", text.stdout)
        self.assertIn("¥", text.stdout)
        self.assertIn(self.incident_id(), text.stdout)
        md = self.o.report("--format", "markdown")
        self.assertEqual(md.status, 0, md)
        self.assertTrue(md.stdout.startswith("# 障害レポート"), md.stdout[:80])
        self.assertIn("| --- |", md.stdout)
        only = self.o.report("--only", "loss")
        self.assertIn("売上損失の推定", only.stdout)
        self.assertNotIn("稼働率", only.stdout.split("売上損失の推定")[0].split("\n", 3)[-1])

    def test_html_is_one_file_with_a_timeline(self):
        out = self.o.box.path("out", "report.html")
        os.makedirs(os.path.dirname(out))
        res = self.o.report("--format", "html", "-o", out)
        self.assertEqual(res.status, 0, res)
        self.assertEqual(res.stdout, "")
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<svg", html)
        self.assertNotIn("<script", html)
        self.assertEqual(os.listdir(os.path.dirname(out)), ["report.html"])
        self.assertEqual(res.stderr, "")
        # -v says where the report went, on stderr only.
        loud = self.o.report("--format", "html", "-o", out, "-v")
        self.assertEqual(loud.status, 0, loud)
        self.assertEqual(loud.stdout, "")
        self.assertIn("wrote " + out, loud.stderr)

    def test_postmortem_lists_the_notices_sent(self):
        ident = self.incident_id()
        res = self.o.report("incident", ident)
        self.assertEqual(res.status, 0, res)
        pm = res.stdout
        self.assertTrue(pm.startswith("# 障害報告書"), pm[:80])
        for heading in ("## 経過", "## 送信した告知", "## 実行した手順", "## 原因",
                        "## お客様への影響", "## 教訓と再発防止策"):
            self.assertIn(heading, pm)
        self.assertIn("staff-chat", pm)
        self.assertIn("customer-hook", pm)
        # The texts the webhooks received, as sent.
        sent = [r["body"]["text"] for r in self.o.rec.got()]
        self.assertTrue(sent)
        for text in sent:
            first = text.strip().splitlines()[0]
            self.assertIn(first, pm)

    def test_periods_and_channels(self):
        today = json.loads(self.o.report("--format", "json").stdout)["period"]["to"][:10]
        res = self.o.report("--since", today, "--format", "json")
        self.assertEqual(res.status, 0, res)
        self.assertEqual(json.loads(res.stdout)["summary"]["incidents"], 1)
        res = self.o.report("--until", "2020-01-31", "--format", "json")
        self.assertEqual(res.status, 0, res)
        self.assertEqual(json.loads(res.stdout)["summary"]["incidents"], 0)
        res = self.o.report("--month", "last", "--format", "json")
        self.assertEqual(res.status, 0, res)
        self.assertEqual(json.loads(res.stdout)["summary"]["incidents"], 0)
        res = self.o.report("--channel", "mall", "--format", "json")
        self.assertEqual(res.status, 0, res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc["channels"], ["mall"])
        self.assertEqual(doc["summary"]["incidents"], 0)

    def test_bad_input_gets_its_status_and_a_clear_message(self):
        cases = [
            (("--since", "yesterday"), 64, "--since yesterday"),
            (("--month", "2026-13"), 64, "--month 2026-13"),
            (("--month", "last", "--since", "2026-01-01"), 64, "--month"),
            (("--since", "2026-06-05", "--until", "2026-06-01"), 64, "ends before it starts"),
            (("--channel", "nowhere"), 64, "nowhere"),
            (("--format", "pdf"), 64, "pdf"),
            (("incident", "own-19990101T0000"), 64, "own-19990101T0000"),
            (("--state", self.o.box.path("missing.db")), 65, "missing.db"),
        ]
        for args, status, words in cases:
            res = self.o.report(*args)
            self.assertEqual(res.status, status, res)
            self.assertIn(words, res.stderr, res)
            self.assertEqual(res.stdout, "", res)

    def test_the_log_alone_gives_the_same_report(self):
        from_state = json.loads(self.o.report("--format", "json").stdout)
        res = self.o.report("--records", self.o.box.path("shopkit.jsonl"), "--format", "json")
        self.assertEqual(res.status, 0, res)
        from_log = json.loads(res.stdout)
        a, b = from_state["incidents"][0], from_log["incidents"][0]
        for key in ("id", "channel", "severity", "checks", "start", "end",
                    "staff_told", "customers_told", "recovery_told"):
            self.assertEqual(a[key], b[key], key)
        # The log's times are whole seconds; the state's keep milliseconds.
        self.assertAlmostEqual(a["downtime_s"], b["downtime_s"], delta=1)
        self.assertEqual({(n["target"], n["event"]) for n in a["notices"] if n["state"] == "sent"},
                         {(n["target"], n["event"]) for n in b["notices"] if n["state"] == "sent"})
        down = {c["channel"]: c["down_s"] for c in from_log["availability"]["channels"]}
        self.assertGreater(down["own"], 0)
        self.assertEqual(down["mall"], 0)
        with open(self.o.box.path("shopkit.jsonl"), encoding="utf-8") as f:
            log = f.read()
        piped = self.o.report("--records", "-", "--format", "csv", stdin=log)
        self.assertEqual(piped.status, 0, piped)
        self.assertIn(a["id"], piped.stdout)
        # A broken line: its name and line, exit 65, no report.
        lines = log.splitlines()
        bad = self.o.box.write("bad.jsonl", "\n".join(lines[:3] + ['{"v":1,"type":"check"}']
                                                      + lines[3:]) + "\n")
        res = self.o.report("--records", bad)
        self.assertEqual(res.status, 65, res)
        self.assertIn("bad.jsonl:4:", res.stderr)
        self.assertEqual(res.stdout, "")
        res = self.o.report("--records", self.o.box.path("nothing.jsonl"))
        self.assertEqual(res.status, 65, res)
        self.assertIn("nothing.jsonl: cannot read", res.stderr)

    def test_the_state_is_only_read(self):
        for fmt in ("text", "markdown", "csv", "json", "html"):
            self.assertEqual(self.o.report("--format", fmt).status, 0)
        self.assertEqual(digest(self.o.box.path("state.db")), self.state_digest)
        self.assertFalse(os.path.exists(self.o.box.path("missing.db")))


class Orders(unittest.TestCase):
    def test_broken_orders_csv_names_the_file_and_line(self):
        o = Outage("orders", sales='orders_csv = "orders.csv"')
        self.addCleanup(o.close)
        o.run_once()
        o.box.write("orders.csv", "time,amount\n2026-06-01T10:00:00+09:00,1200\n"
                                  "2026-06-01T11:00:00+09:00,twelve\n")
        res = o.report()
        self.assertEqual(res.status, 65, res)
        self.assertIn("orders.csv:3", res.stderr)
        o.box.write("orders.csv", "time,amount\n2026-06-01 10:00,1200\n"
                                  "2026-06-08 10:00,\"1,800\"\n")
        res = o.report("--format", "json")
        self.assertEqual(res.status, 0, res)
        basis = json.loads(res.stdout)["loss"]["basis"]
        self.assertEqual(basis["source"], "orders_csv")
        self.assertEqual(basis["orders"], 2)
        self.assertTrue(basis["orders_csv"].endswith("orders.csv"), basis)


if __name__ == "__main__":
    unittest.main()

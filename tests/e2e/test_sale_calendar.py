"""The sale calendar end to end: while a [[sales.event]] runs, [policy.sale]
changes shopcheck's thresholds and shopannounce's customer delay, and an
incident that starts inside the sale carries its name in its record and in the
state. The shop is fixture_server.py on 127.0.0.1; the notices go to webhooks
on a recording server (recorder.py)."""

import datetime
import unittest

import helpers
from helpers import Sandbox, shop_config
from recorder import Recorder

SALE = "ブラックフライデー"
FX = None  # the plain-HTTP fixture, shared by the whole module


def setUpModule():
    global FX
    helpers.program_path("shopcheck")  # fail early and clearly without a build
    helpers.program_path("shopannounce")
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


class SaleCalendarTest(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.cleanup)
        self.rec = Recorder()
        self.addCleanup(self.rec.stop)
        self.env = {"HOOK_STAFF": self.rec.url("/staff"),
                    "HOOK_CUSTOMERS": self.rec.url("/customers")}
        self.state = self.sb.path("state.db")

    def config(self, sale_running):
        """A shop whose only check fails (500), and a sale running now or tomorrow."""
        now = datetime.datetime.now(datetime.timezone.utc)
        start = now - datetime.timedelta(hours=1) if sale_running else now + datetime.timedelta(days=1)
        extra = f"""[policy.sale]
fail_after = 1
customer_delay = "0s"
update_every = "30m"

[[sales.event]]
name = "{SALE}"
start = {helpers.toml_time(start)}
end = {helpers.toml_time(start + datetime.timedelta(hours=3))}
multiplier = 5

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
        self.sb.config(shop_config(
            [{"id": "own", "name": "公式オンラインショップ", "url": FX.url("/"),
              "checks": [{"id": "top", "url": FX.url("/500")}]}],
            policy={"fail_after": 2, "customer_delay": "10m", "update_every": "1h"},
            shop={"state": self.state}, extra=extra))

    def check(self):
        return self.sb.run("-c", "shop.toml", "--format", "jsonl")

    def announce(self, stdin):
        return self.sb.announce("-c", "shop.toml", "--format", "jsonl", env=self.env,
                                stdin=stdin)

    def opened(self, run):
        return [r for r in run.records("incident") if r["event"] == "opened"]

    def test_during_a_sale_one_failing_run_opens_an_incident_of_the_sale(self):
        self.config(sale_running=True)
        run = self.check()
        self.assertEqual(run.status, 2, run)
        opened = self.opened(run)
        self.assertEqual(len(opened), 1, run)
        self.assertEqual(opened[0]["sale"], SALE)
        self.assertEqual(helpers.db_query(self.state, "SELECT id, sale FROM incidents"),
                         [(opened[0]["id"], SALE)])

        # The next run, still failing, opens nothing new; the incident keeps its sale.
        again = self.check()
        self.assertEqual(again.status, 2, again)
        self.assertEqual(again.records("incident"), [], again)
        self.assertEqual(helpers.db_query(self.state, "SELECT sale FROM incidents"), [(SALE,)])

    def test_outside_a_sale_one_failing_run_opens_nothing(self):
        self.config(sale_running=False)
        first = self.check()
        self.assertEqual(first.status, 0, first)  # one failure is a blip with fail_after 2
        self.assertEqual(first.records("incident"), [], first)
        second = self.check()
        self.assertEqual(second.status, 2, second)
        opened = self.opened(second)
        self.assertEqual(len(opened), 1, second)
        self.assertNotIn("sale", opened[0])
        self.assertEqual(helpers.db_query(self.state, "SELECT sale FROM incidents"), [(None,)])

    def test_during_a_sale_customers_are_told_at_once(self):
        self.config(sale_running=True)
        run = self.check()
        told = self.announce(run.stdout)
        self.assertEqual(told.status, 0, told)
        sent = sorted((a["target"], a["event"]) for a in told.records("announcement")
                      if a.get("result") == "sent")
        self.assertEqual(sent, [("customer-hook", "opened"), ("staff-chat", "opened")], told)
        customers = self.rec.got("/customers")
        self.assertEqual(len(customers), 1)
        self.assertEqual(customers[0]["body"]["incident"]["sale"], SALE)

    def test_outside_a_sale_customers_wait_for_customer_delay(self):
        self.config(sale_running=False)
        self.check()
        run = self.check()
        self.assertEqual(len(self.opened(run)), 1, run)
        told = self.announce(run.stdout)
        self.assertEqual(told.status, 0, told)
        sent = [(a["target"], a["event"]) for a in told.records("announcement")
                if a.get("result") == "sent"]
        self.assertEqual(sent, [("staff-chat", "opened")], told)
        self.assertEqual(self.rec.got("/customers"), [])
        outbox = helpers.db_query(self.state, "SELECT target FROM outbox")
        self.assertEqual(outbox, [("staff-chat",)])


if __name__ == "__main__":
    unittest.main()

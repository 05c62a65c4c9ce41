"""Today's programs against a state file written by the version before lib/ was
restructured (fixtures/state_v2.sql, made by old_state.py with shopkit 0.1.0):
the file is upgraded in place, its open incident is resolved by shopcheck, the
notice the old run could not send goes out once, the recovery reaches exactly
those who heard of the outage, and nothing already sent is sent again.
"""

import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fake_chat  # noqa: E402
import helpers  # noqa: E402
import old_state  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "state_v2.sql")


def load(path):
    db = sqlite3.connect(path)
    with open(FIXTURE, encoding="utf-8") as f:
        db.executescript(f.read())
    db.close()


class StateUpgradeTest(unittest.TestCase):
    def setUp(self):
        self.sb = helpers.Sandbox()
        self.addCleanup(self.sb.cleanup)
        self.fixture = helpers.Fixture()
        self.addCleanup(self.fixture.stop)
        self.fake = fake_chat.FakeChat()
        self.addCleanup(self.fake.stop)
        old_state.environment(self.sb, self.fake)
        self.sb.config(old_state.config(self.fixture, self.fake))
        self.state = self.sb.path("state.db")
        load(self.state)
        self.old = {
            "incidents": helpers.db_query(self.state, "SELECT id, channel, since FROM incidents"),
            "outbox": helpers.db_query(self.state,
                                       "SELECT target, state FROM outbox ORDER BY id"),
            "history": helpers.db_query(self.state, "SELECT COUNT(*) FROM check_history")[0][0],
        }

    def check(self):
        return self.sb.run("-c", "shop.toml", "--state", self.state, "--format", "jsonl")

    def announce(self, stdin=""):
        return self.sb.announce("-c", "shop.toml", "--state", self.state, "--format", "jsonl",
                                stdin=stdin)

    def test_the_fixture_is_what_the_old_version_left(self):
        self.assertEqual(len(self.old["incidents"]), 1)
        self.assertEqual(self.old["incidents"][0][1], "own")
        self.assertIn(("telegram-staff", "pending"), self.old["outbox"])
        self.assertIn(("slack-staff", "sent"), self.old["outbox"])
        self.assertIn(("mastodon-customers", "sent"), self.old["outbox"])

    def test_the_file_is_upgraded_and_nothing_recorded_is_lost(self):
        run = self.check()
        self.assertEqual(run.status, 0, run)
        fresh = self.sb.path("fresh.db")
        again = self.sb.run("-c", "shop.toml", "--state", fresh, "--format", "jsonl")
        self.assertEqual(again.status, 0, again)
        version = "SELECT value FROM meta WHERE name = 'schema_version'"
        self.assertEqual(helpers.db_query(self.state, version), helpers.db_query(fresh, version))
        self.assertEqual(set(helpers.db_tables(self.state)), set(helpers.db_tables(fresh)))
        incidents = helpers.db_query(self.state, "SELECT id, channel, since FROM incidents")
        self.assertEqual(incidents, self.old["incidents"])
        history = helpers.db_query(self.state, "SELECT COUNT(*) FROM check_history")[0][0]
        self.assertEqual(history, self.old["history"] + 3)

    def test_the_open_incident_is_resolved_and_announced_once(self):
        incident_id = self.old["incidents"][0][0]
        run = self.check()
        self.assertEqual(run.status, 0, run)
        resolved = [r for r in run.records("incident") if r["event"] == "resolved"]
        self.assertEqual([r["id"] for r in resolved], [incident_id], run)

        told = self.announce(stdin=run.stdout)
        self.assertEqual(told.status, 0, told)
        self.assertEqual(self.fake.problems, [])
        sent = {(a["target"], a["event"]) for a in told.records("announcement")
                if a.get("result") == "sent"}
        # Telegram gets the outage notice the old run left pending, then the recovery;
        # Slack and Mastodon (told of the outage by the old run) only the recovery.
        self.assertEqual(sent, {("telegram-staff", "opened"), ("telegram-staff", "resolved"),
                                ("slack-staff", "resolved"), ("mastodon-customers", "resolved")},
                         told)
        self.assertEqual(len(self.fake.delivered["slack"]), 1)
        self.assertEqual(len(self.fake.statuses), 1)
        self.assertEqual(len(self.fake.delivered["telegram"]), 2)

        # A second cron run finds nothing left to do.
        quiet = self.announce(stdin=self.check().stdout)
        self.assertEqual(quiet.status, 0, quiet)
        self.assertEqual([a for a in quiet.records("announcement") if a.get("result") == "sent"],
                         [])
        self.assertEqual(len(self.fake.delivered["telegram"]), 2)


if __name__ == "__main__":
    unittest.main()

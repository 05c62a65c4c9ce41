"""Every program says so when its standard output cannot be written (a full disk
under `>> log.jsonl`; here /dev/full, where every write fails with ENOSPC):
shopcheck exits 3 (UNKNOWN, as a monitoring plugin), the others 74 (EX_IOERR),
each with "PROG: error: cannot write to standard output: No space left on device"
on stderr, instead of exit 0 and records lost without a word.
"""

import datetime
import json
import subprocess
import unittest

import helpers
from helpers import Sandbox, shop_config

MESSAGE = "error: cannot write to standard output: No space left on device\n"

FX = None


def setUpModule():
    global FX
    for name in ("shopcheck", "shopannounce", "shoprecover", "shopreport"):
        helpers.program_path(name)  # fail early and clearly without a build
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


def incident_record():
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"v": 1, "type": "incident", "event": "opened", "id": "own-20260604T0300",
                       "channel": "own", "severity": "major", "checks": ["top"],
                       "since": stamp(now - datetime.timedelta(minutes=1)), "time": stamp(now)},
                      ensure_ascii=False) + "\n"


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()
        self.addCleanup(self.box.cleanup)
        self.cfg = self.box.config(shop_config(
            [{"id": "own", "name": "公式オンラインショップ", "url": FX.url("/ok"),
              "checks": [{"id": "top", "url": FX.url("/ok")}]}],
            shop={"state": "state.db"}))

    def on_dev_full(self, program, *args, stdin=""):
        with open("/dev/full", "w") as stdout:
            proc = subprocess.run([helpers.program_path(program), *args], input=stdin.encode(),
                                  stdout=stdout, stderr=subprocess.PIPE, env=self.box.env,
                                  cwd=self.box.dir, timeout=60)
        return proc.returncode, proc.stderr.decode("utf-8", "replace")

    def assertFull(self, status, program, *args, stdin=""):
        code, err = self.on_dev_full(program, *args, stdin=stdin)
        self.assertEqual(code, status, f"{program} {args}: {err}")
        self.assertIn(f"{program}: {MESSAGE}", err, f"{program} {args}")

    def test_shopcheck_is_unknown_in_every_format(self):
        for fmt in ("text", "jsonl", "tsv", "nagios", "prometheus"):
            with self.subTest(format=fmt):
                self.assertFull(3, "shopcheck", "-c", self.cfg, "--no-state", "--format", fmt)

    def test_shopannounce_is_74(self):
        # The record it passes through is lost: that is an error, the rest of the run goes on.
        self.assertFull(74, "shopannounce", "-c", self.cfg, "--format", "jsonl", "--dry-run",
                        stdin=incident_record())

    def test_shoprecover_is_74(self):
        self.assertFull(74, "shoprecover", "-c", self.cfg, "--format", "jsonl", "--dry-run",
                        stdin=incident_record())

    def test_shopreport_is_74(self):
        first = self.box.run("-c", self.cfg, "--format", "jsonl")
        self.assertEqual(first.status, 0, first)
        self.assertFull(74, "shopreport", "-c", self.cfg)
        self.assertFull(74, "shopreport", "-c", self.cfg, "--format", "json")

    def test_help_and_version_too(self):
        for program, status in (("shopcheck", 3), ("shopannounce", 74), ("shoprecover", 74),
                                ("shopreport", 74)):
            for flag in ("--version", "--help"):
                with self.subTest(program=program, flag=flag):
                    self.assertFull(status, program, flag)


if __name__ == "__main__":
    unittest.main()

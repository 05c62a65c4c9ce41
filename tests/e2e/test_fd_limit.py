"""Running out of file descriptors is shopcheck's own trouble, never the shop
being down: the open-file limit caps how many checks are in flight, and -v says so.

Run by CTest as `python3 -m unittest -v test_fd_limit` with SHOPKIT_BIN set.
"""

import re
import resource
import subprocess
import unittest

import helpers
from helpers import Sandbox, shop_config

FX = None


def setUpModule():
    global FX
    helpers.shopcheck_path()
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


def limited(soft, hard):
    def preexec():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return preexec


class OpenFileLimit(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()

    def tearDown(self):
        self.box.cleanup()

    def run_limited(self, checks, concurrency, soft, hard, *args):
        cfg = self.box.config(shop_config(
            [{"id": "own", "url": FX.url("/"),
              "checks": [{"id": f"c{i}", "url": FX.url(f"/flip/{i}")} for i in range(checks)]}],
            policy={"timeout": "20s", "concurrency": concurrency}))
        argv = [helpers.shopcheck_path(), "-c", cfg, "--format", "tsv", *args]
        return subprocess.run(argv, env=self.box.env, cwd=self.box.dir, capture_output=True,
                              text=True, timeout=120, preexec_fn=limited(soft, hard))

    def test_200_checks_under_64_descriptors_are_all_up(self):
        r = self.run_limited(200, 200, 64, 64, "-v")
        what = f"exit {r.returncode}\n--- stdout\n{r.stdout}--- stderr\n{r.stderr}"
        self.assertEqual(r.returncode, 0, what)
        states = [line.split("\t")[2] for line in r.stdout.splitlines()]
        self.assertEqual(len(states), 200, what)
        self.assertEqual(set(states), {"up"}, what)
        m = re.search(r"concurrency capped at (\d+) \(open-file limit 64\)", r.stderr)
        self.assertIsNotNone(m, what)
        self.assertGreaterEqual(int(m.group(1)), 1, what)
        self.assertLess(int(m.group(1)), 64, what)

    def test_soft_limit_is_raised_to_the_hard_one(self):
        # 64 soft, 4096 hard: shopcheck raises its own soft limit and caps nothing.
        r = self.run_limited(100, 100, 64, 4096, "-v")
        what = f"exit {r.returncode}\n--- stdout\n{r.stdout}--- stderr\n{r.stderr}"
        self.assertEqual(r.returncode, 0, what)
        self.assertNotIn("capped", r.stderr, what)


if __name__ == "__main__":
    unittest.main()

"""Memory stays within max_body plus a small constant: a gzip bomb, a status page
nested 100,000 deep, a status page of nearly 1 MiB of objects.

Run by CTest as `python3 -m unittest -v test_memory_cap` with SHOPKIT_BIN set.
"""

import os
import unittest

import helpers
from helpers import Sandbox, shop_config

FX = None
KEYWORD = "カートに入れる"
MIB = 1024  # kB


def setUpModule():
    global FX
    helpers.shopcheck_path()
    FX = helpers.Fixture()


def tearDownModule():
    if FX:
        FX.stop()


class MemoryCap(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()

    def tearDown(self):
        self.box.cleanup()

    def run_check(self, **check):
        check.setdefault("id", "top")
        cfg = self.box.config(shop_config([{"id": "own", "url": FX.url("/"), "checks": [check]}]),
                              name=f"{check['id']}.toml")
        env = {}
        if "ASAN_OPTIONS" in os.environ:
            # AddressSanitizer keeps freed blocks in a quarantine, resident: the
            # buffers a growing body left behind would count as its peak.
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":quarantine_size_mb=0"
        r = self.box.run("-c", cfg, "--no-state", "--format", "jsonl", timeout=60, env=env)
        self.assertFalse(r.killed, r)
        return r

    def test_gzip_bomb_stays_within_max_body(self):
        small = self.run_check(url=FX.url("/ok"), expect_text=KEYWORD)
        self.assertEqual(small.status, 0, small)
        r = self.run_check(url=FX.url("/gzipbomb"), expect_text=KEYWORD, max_body="64MiB",
                           timeout="30s")
        self.assertEqual(r.status, 0, r)  # the page is at the start of what is read
        growth = r.maxrss_kb - small.maxrss_kb
        # 64 MiB of body and a constant (larger under AddressSanitizer: its shadow).
        constant = 16 * MIB if "ASAN_OPTIONS" not in os.environ else 32 * MIB
        self.assertLess(growth, 64 * MIB + constant,
                        f"peak RSS {r.maxrss_kb} kB, {small.maxrss_kb} kB for a small page\n{r}")

    def test_max_body_above_64_mib_is_refused(self):
        cfg = self.box.config(shop_config([{"id": "own", "url": FX.url("/"), "checks": [
            {"id": "top", "url": FX.url("/ok"), "max_body": "65MiB"}]}]))
        r = self.box.run("-c", cfg, "--no-state")
        self.assertEqual(r.status, 78, r)
        self.assertRegex(r.stderr, r"shop\.toml:\d+:\d+: .*max_body", r)

    def test_deeply_nested_status_page_is_unknown(self):
        r = self.run_check(kind="statuspage", url=FX.url("/json/deep"))
        self.assertEqual(r.status, 3, r)
        rec = r.check("own", "top")
        self.assertEqual(rec["state"], "unknown", r)
        self.assertIn("too deeply nested", rec.get("error", ""), r)

    def test_wide_status_page_costs_little(self):
        small = self.run_check(kind="statuspage", url=FX.url("/statuspage/none"))
        self.assertEqual(small.status, 0, small)
        r = self.run_check(kind="statuspage", url=FX.url("/json/wide"))
        self.assertEqual(r.status, 0, r)
        growth = r.maxrss_kb - small.maxrss_kb
        # The whole document as a DOM costs tens of MiB; what is read of it, little.
        limit = 8 * MIB if "ASAN_OPTIONS" not in os.environ else 24 * MIB
        self.assertLess(growth, limit,
                        f"peak RSS {r.maxrss_kb} kB, {small.maxrss_kb} kB for a small page\n{r}")


if __name__ == "__main__":
    unittest.main()

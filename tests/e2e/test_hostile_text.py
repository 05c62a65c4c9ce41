"""Third-party text (a feed's titles) reaches shopcheck's text, tsv and nagios
output without control characters: no escape sequence of a feed can set an
operator's terminal title or clear the screen, nor break a Nagios line.

Run by CTest as `python3 -m unittest -v test_hostile_text` with SHOPKIT_BIN set.
"""

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


C1 = set(range(0x80, 0xA0))


class HostileFeedTitle(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()
        self.cfg = self.box.config(shop_config([{
            "id": "mall", "url": FX.url("/"),
            "checks": [{"id": "news", "kind": "feed", "url": FX.url("/rss/hostile")}]}]))

    def tearDown(self):
        self.box.cleanup()

    def assert_clean(self, text, fmt, r):
        for ch in text:
            o = ord(ch)
            allowed = ch == "\n" or (fmt == "tsv" and ch == "\t")
            self.assertFalse(o < 0x20 and not allowed, f"{fmt}: control U+{o:04X} in output\n{r}")
            self.assertNotEqual(o, 0x7F, f"{fmt}: DEL in output\n{r}")
            self.assertNotIn(o, C1, f"{fmt}: C1 U+{o:04X} in output\n{r}")
            self.assertNotEqual(o, 0xFFFD, f"{fmt}: a byte was not UTF-8\n{r}")

    def test_text_tsv_nagios_carry_no_control_character(self):
        for fmt in ("text", "tsv", "nagios"):
            with self.subTest(format=fmt):
                r = self.box.run("-c", self.cfg, "--no-state", "--format", fmt, "-vv")
                self.assertFalse(r.killed, r)
                self.assertEqual(r.status, 1, r)  # the title matches: degraded
                self.assertIn("決済31mが停止しています", r.stdout, r)
                self.assert_clean(r.stdout, fmt, r)
                self.assert_clean(r.stderr, "stderr", r)
                if fmt == "tsv":
                    for line in r.stdout.splitlines():
                        self.assertEqual(line.count("\t"), 6, f"a tab inside a field\n{r}")

    def test_jsonl_keeps_the_title_escaped(self):
        r = self.box.run("-c", self.cfg, "--no-state", "--format", "jsonl")
        self.assertEqual(r.status, 1, r)
        self.assertNotIn("\x1b", r.stdout, r)  # JSON escapes it as \u001b
        self.assertIn("\x1b]0;pwned", r.check("mall", "news")["error"], r)


if __name__ == "__main__":
    unittest.main()

"""shopreport's HTML report in a real browser (Debian's chromium, headless).

A state is made the way a shop makes it: the built shopcheck probes a loopback
shop whose critical cart check answers 500 for a few runs, then 200 again, so
the state holds one resolved incident. The built shopreport then writes the
HTML report (-o), and chromium opens it over the DevTools protocol (the same
harness as test_statuspage_browser). The test fails on any console error,
uncaught exception or error log entry (a blocked resource, a CSP violation),
on a script or an image in the page, on a page wider than A4 when printed, and
on a blank timeline. Screenshots and the PDF are saved to $SHOPKIT_ARTIFACTS or
a temporary directory, and their paths printed: look at them.

Standard library only; skipped only when /usr/bin/chromium is missing.
"""

import base64
import os
import shutil
import struct
import tempfile
import time
import unittest
import zlib

import helpers
from helpers import Fixture, Sandbox, shop_config
from test_statuspage_browser import CHROMIUM, DevTools, Page, artifacts_dir

SHOP_NAME = "藍染 <script>console.error('shop')</script> & \"こうぼう\""

# A4 less the report's 12 mm margins, in CSS pixels: 186 mm at 96 dpi.
A4_CONTENT_PX = 703


def png_pixels(data):
    """(width, height, rows, channels) of an 8-bit RGB or RGBA, non-interlaced PNG;
    each row a bytes object of width x channels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def hex_rgb(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


class ShopreportHtmlInBrowser(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(CHROMIUM):
            raise unittest.SkipTest(
                f"{CHROMIUM} is missing (Debian package chromium): the report cannot be "
                "opened in a real browser here")
        helpers.program_path("shopreport")
        cls.sandbox = Sandbox()
        cls.fixture = Fixture()
        try:
            cls._make_report()
        except BaseException:
            cls.fixture.stop()
            cls.sandbox.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fixture.stop()
        cls.sandbox.cleanup()

    @classmethod
    def _make_report(cls):
        f, sb = cls.fixture, cls.sandbox
        channels = [
            {"id": "own", "name": "公式オンラインショップ", "url": f.url("/flip/report-own"),
             "checks": [{"id": "top", "url": f.url("/flip/report-own-top")},
                        {"id": "cart", "url": f.url("/flip/report-own-cart"),
                         "critical": True}]},
            {"id": "rakuten", "name": "楽天市場店", "url": f.url("/flip/report-rakuten"),
             "checks": [{"id": "item", "url": f.url("/flip/report-rakuten-item")}]},
        ]
        hourly = ", ".join(["12000"] * 24)
        sb.config(shop_config(
            channels,
            shop={"name": SHOP_NAME, "language": "ja"},
            policy={"fail_after": 1, "recover_after": 1},
            extra=f"[sales]\ncurrency = \"JPY\"\nhourly = [{hourly}]\n"))
        cls.state = sb.path("state.db")

        def check():
            r = sb.run("-c", "shop.toml", "--state", cls.state, "--format", "jsonl")
            if r.status not in (0, 1, 2):
                raise AssertionError(str(r))
            return r

        check()                                        # all up
        f.control("/flip/report-own-cart", 500)        # the cart fails: an incident opens
        for _ in range(3):
            check()
            time.sleep(1)
        f.control("/flip/report-own-cart", "clear")    # back: resolved after one pass
        check()
        check()
        opened = helpers.db_query(cls.state, "SELECT COUNT(*) FROM incidents")[0][0]
        assert opened == 1, f"want one incident in the state, got {opened}"

        cls.out = sb.path("report.html")
        cls.result = sb.report("-c", "shop.toml", "--state", cls.state, "--format", "html",
                               "-o", cls.out)

    def _browse(self):
        profile = tempfile.mkdtemp(prefix="shopkit-chromium-")
        dt = DevTools(profile)
        self.addCleanup(shutil.rmtree, profile, True)
        self.addCleanup(dt.close)
        return dt, Page(dt)

    def test_shopreport_writes_one_self_contained_file(self):
        self.assertEqual(self.result.status, 0, self.result)
        self.assertEqual(self.result.stdout, "", "-o writes the file, not stdout")
        with open(self.out, encoding="utf-8") as fh:
            html = fh.read()
        self.assertTrue(html.startswith("<!DOCTYPE html>"), html[:200])
        self.assertNotIn("<script", html)
        for remote in ('src="http', "src='http", 'href="http', "href='http", "url(http",
                       "@import"):
            self.assertNotIn(remote, html)
        self.assertIn("&lt;script&gt;", html)  # the shop's name, escaped

    def test_report_in_chromium_screen_and_print(self):
        self.assertEqual(self.result.status, 0, self.result)
        dt, page = self._browse()
        url = "file://" + self.out
        out = artifacts_dir()

        page.open(url, 1280, 900)
        self.assertEqual(page.evaluate("document.scripts.length"), 0)
        self.assertEqual(page.evaluate("document.images.length"), 0)
        self.assertEqual(page.evaluate("document.documentElement.lang"), "ja")
        body = page.evaluate("document.body.innerText")
        self.assertIn(SHOP_NAME, body)  # shown as text, never run
        for words in ("公式オンラインショップ", "楽天市場店", "概要", "稼働率", "売上損失の推定"):
            self.assertIn(words, body)
        bars = page.evaluate("[...document.querySelectorAll('svg rect.incident')]"
                             ".map(r => r.getAttribute('fill'))")
        self.assertEqual(len(bars), 1, bars)
        self.assertIn(bars[0], ("#c62828", "#ef6c00"))  # critical or major

        shot = page.screenshot(os.path.join(out, "shopreport-desktop.png"), 1280)
        print(f"\nscreenshot: {shot}")
        # The timeline as drawn: not blank, and the bar in its colour.
        svg = page.evaluate("(() => { const r = document.querySelector('svg.timeline')"
                            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
        bar = page.evaluate("(() => { const r = document.querySelector('svg rect.incident')"
                            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
        clip = {"x": svg[0], "y": svg[1], "width": svg[2], "height": svg[3], "scale": 1}
        data = base64.b64decode(page.cmd("Page.captureScreenshot",
                                         {"format": "png", "clip": clip})["data"])
        with open(os.path.join(out, "shopreport-timeline.png"), "wb") as fh:
            fh.write(data)
        width, height, rows, bpp = png_pixels(data)
        colours = {row[i:i + 3] for row in rows for i in range(0, width * bpp, bpp)}
        self.assertGreater(len(colours), 8, "the timeline looks blank")
        x = int(bar[0] - svg[0] + bar[2] / 2)
        y = int(bar[1] - svg[1] + bar[3] / 2)
        pixel = tuple(rows[y][x * bpp:x * bpp + 3])
        want = hex_rgb(bars[0])
        self.assertTrue(all(abs(p - w) <= 8 for p, w in zip(pixel, want)),
                        f"the bar's middle is {pixel}, want {want}")

        # Printed on A4: nothing wider than the page, and a PDF comes out.
        page.cmd("Emulation.setEmulatedMedia", {"media": "print"})
        page.open(url, A4_CONTENT_PX, 1000)
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
            ".right > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + "
            "e.className)")
        self.assertEqual(wide, [])
        page.cmd("Emulation.setEmulatedMedia", {"media": ""})
        pdf = base64.b64decode(page.cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                             "printBackground": True})["data"])
        self.assertTrue(pdf.startswith(b"%PDF"))
        path = os.path.join(out, "shopreport.pdf")
        with open(path, "wb") as fh:
            fh.write(pdf)
        print(f"pdf: {path}")
        self.assertEqual(dt.errors(), [])


if __name__ == "__main__":
    unittest.main()

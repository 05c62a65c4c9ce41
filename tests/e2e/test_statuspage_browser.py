"""The status page in a real browser (Debian's chromium, headless).

A realistic site is made the way a shop makes it: shopcheck probes a loopback
shop whose cart fails, its records go through shopannounce to a statuspage
target, a person adds an update with --message (holding HTML that must stay
text). Chromium then opens index.html over the DevTools protocol (a pipe on
fds 3 and 4, NUL-separated JSON), and the test fails on any console error,
uncaught exception or error log entry (a blocked resource, a CSP violation).
Screenshots (desktop and phone) are saved to $SHOPKIT_ARTIFACTS or a temporary
directory, and their paths printed: look at them, it is what customers see.

Standard library only; skipped only when /usr/bin/chromium is missing.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
import unittest

import helpers
from helpers import Fixture, Sandbox, shop_config

CHROMIUM = "/usr/bin/chromium"


def _tool(name):
    path = os.path.join(helpers.BIN, name)
    if not helpers.BIN or not os.access(path, os.X_OK):
        raise RuntimeError(f"no {name} at {path!r}: set SHOPKIT_BIN to the build's tools/ dir")
    return path


def run_tool(sandbox, name, *args, stdin=None, timeout=60):
    return subprocess.run([_tool(name)] + [str(a) for a in args], input=stdin, env=sandbox.env,
                          cwd=sandbox.dir, capture_output=True, text=True, timeout=timeout)


def artifacts_dir():
    d = os.environ.get("SHOPKIT_ARTIFACTS")
    if d:
        os.makedirs(d, exist_ok=True)
        return d
    return tempfile.mkdtemp(prefix="shopkit-statuspage-")


class DevTools:
    """Chromium headless driven over --remote-debugging-pipe."""

    def __init__(self, profile_dir):
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        args = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", f"--user-data-dir={profile_dir}", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--hide-scrollbars", "--mute-audio", "--no-proxy-server", "about:blank"]
        # The browser reads commands on fd 3 and writes answers on fd 4.
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'] + args,
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                err = ""
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode("utf-8", "replace")
                raise RuntimeError(f"chromium closed the pipe\n{err}")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=30):
        self._next += 1
        mid = self._next
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data):]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def errors(self):
        """Console errors, uncaught exceptions and error log entries, as strings."""
        out = []
        for m in self.events:
            p = m.get("params", {})
            method = m.get("method")
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + d.get("text", "") + " " +
                           str(d.get("exception", {}).get("description", "")))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                out.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
        return out

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()


class Page:
    """One tab: opened, navigated, measured and photographed."""

    def __init__(self, devtools):
        self.dt = devtools
        target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = devtools.send("Target.attachToTarget",
                                     {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            devtools.send(method, session=self.session)

    def cmd(self, method, params=None):
        return self.dt.send(method, params, session=self.session)

    def open(self, url, width, height, mobile=False, scale=1):
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
        before = len(self.dt.events)
        self.cmd("Page.navigate", {"url": url})
        deadline = time.monotonic() + 30
        def loaded():
            return any(m.get("method") == "Page.loadEventFired"
                       and m.get("sessionId") == self.session for m in self.dt.events[before:])

        while not loaded():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            self.dt.events.append(self.dt._read_message(deadline))

    def evaluate(self, expression):
        r = self.cmd("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                          "awaitPromise": True})
        if "exceptionDetails" in r:
            raise AssertionError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path, width, mobile=False, scale=1):
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": min(int(height), 8000), "deviceScaleFactor": scale,
                  "mobile": mobile})
        data = self.cmd("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


class StatusPageInBrowser(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(CHROMIUM):
            raise unittest.SkipTest(
                f"{CHROMIUM} is missing (Debian package chromium): the status page cannot be "
                "opened in a real browser here")
        cls.sandbox = Sandbox()
        cls.fixture = Fixture()
        try:
            cls.site = cls.sandbox.path("site")
            cls._make_site()
        except BaseException:
            cls.fixture.stop()
            cls.sandbox.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fixture.stop()
        cls.sandbox.cleanup()

    @classmethod
    def _make_site(cls):
        f, sb = cls.fixture, cls.sandbox
        channels = [
            {"id": "own", "name": "公式オンラインショップ", "url": f.url("/flip/own"),
             "checks": [{"id": "top", "url": f.url("/flip/own-top")},
                        {"id": "product", "url": f.url("/flip/own-product")},
                        {"id": "cart", "url": f.url("/flip/own-cart"), "critical": True}]},
            {"id": "rakuten", "name": "楽天市場店", "url": f.url("/flip/rakuten"),
             "checks": [{"id": "top", "url": f.url("/flip/rakuten-top")},
                        {"id": "product", "url": f.url("/flip/rakuten-product"),
                         "critical": True}]},
            {"id": "yahoo", "name": "Yahoo!ショッピング店", "url": f.url("/flip/yahoo"),
             "checks": [{"id": "top", "url": f.url("/flip/yahoo-top")}]},
        ]
        extra = f"""[[target]]
id = "status"
kind = "statuspage"
audience = "customers"
dir = {helpers.toml_str(cls.site)}
url = "https://status.example.jp/"
"""
        sb.config(shop_config(
            channels,
            shop={"name": "藍染手ぬぐい こうぼう", "language": "ja",
                  "contact": "support@example.jp", "state": sb.path("state.db")},
            policy={"fail_after": 1, "recover_after": 1, "customer_delay": "10m"},
            extra=extra))

        def cycle():
            check = run_tool(sb, "shopcheck", "-c", "shop.toml", "--format", "jsonl")
            if check.returncode not in (0, 1, 2):
                raise AssertionError(f"shopcheck exit {check.returncode}\n{check.stderr}")
            announce = run_tool(sb, "shopannounce", "-c", "shop.toml", "--format", "jsonl",
                                stdin=check.stdout)
            if announce.returncode != 0:
                raise AssertionError(f"shopannounce exit {announce.returncode}\n"
                                     f"{announce.stdout}\n{announce.stderr}")
            return announce

        cycle()                                   # all up: nothing to tell
        f.control("/flip/rakuten-product", 500)   # a critical check: told at once
        cycle()
        f.control("/flip/rakuten-product", "clear")
        cycle()                                   # resolved: into the history
        f.control("/flip/own-cart", 500)
        cls.opened = cycle()
        update = run_tool(sb, "shopannounce", "-c", "shop.toml", "--event", "updated",
                          "--channel", "own", "--message",
                          "原因はカートシステムの不具合と判明しました。"
                          "<script>console.error('escaped?')</script>"
                          "<img src=x onerror=\"console.error('img')\">")
        if update.returncode != 0:
            raise AssertionError(f"shopannounce --event updated: exit {update.returncode}\n"
                                 f"{update.stdout}\n{update.stderr}")

    def _browse(self):
        profile = tempfile.mkdtemp(prefix="shopkit-chromium-")
        dt = DevTools(profile)
        self.addCleanup(shutil.rmtree, profile, True)
        self.addCleanup(dt.close)
        return dt, Page(dt)

    def test_the_site_has_its_three_files(self):
        self.assertEqual(sorted(os.listdir(self.site)), ["feed.atom", "index.html", "status.json"])
        with open(os.path.join(self.site, "status.json"), encoding="utf-8") as fh:
            status = json.load(fh)
        self.assertEqual(status["status"]["indicator"], "critical", status)
        ids = [i["id"] for i in status["incidents"]]
        self.assertEqual(len(ids), 2, status["incidents"])
        own = status["incidents"][0]
        self.assertEqual(own["component"], "own")
        self.assertEqual([u["event"] for u in own["updates"]], ["updated", "opened"])
        self.assertIn("<script>", own["updates"][0]["body"])
        self.assertEqual(status["incidents"][1]["status"], "resolved")

    def test_page_in_chromium_desktop_and_phone(self):
        dt, page = self._browse()
        url = "file://" + os.path.join(self.site, "index.html")
        out = artifacts_dir()

        page.open(url, 1280, 900)
        self.assertEqual(page.evaluate("document.scripts.length"), 0)
        self.assertEqual(page.evaluate("document.images.length"), 0)
        body = page.evaluate("document.body.innerText")
        self.assertIn("一部の店舗で障害が発生しています", body)
        self.assertIn("<script>console.error('escaped?')</script>", body)  # shown as text
        self.assertIn("楽天市場店", body)
        self.assertIn("復旧済み", body)
        self.assertEqual(page.evaluate("document.documentElement.lang"), "ja")
        desktop = page.screenshot(os.path.join(out, "statuspage-desktop.png"), 1280)
        print(f"\nscreenshot: {desktop}")

        page.open(url, 390, 844, mobile=True, scale=2)
        # Readable on a phone: nothing wider than the screen, text not tiny.
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        self.assertGreaterEqual(page.evaluate(
            "parseFloat(getComputedStyle(document.body).fontSize)"), 14)
        phone = page.screenshot(os.path.join(out, "statuspage-phone.png"), 390, mobile=True,
                                scale=2)
        print(f"screenshot: {phone}")
        self.assertEqual(dt.errors(), [])

    def test_the_harness_sees_console_errors(self):
        # Without this, a silent harness would pass any page.
        bad = self.sandbox.write("bad.html", "<!DOCTYPE html><meta charset=utf-8><title>x</title>"
                                 "<script>console.error('boom'); undefinedCall();</script>")
        dt, page = self._browse()
        page.open("file://" + bad, 800, 600)
        errors = dt.errors()
        self.assertTrue(any("boom" in e for e in errors), errors)
        self.assertTrue(any(e.startswith("exception:") for e in errors), errors)


if __name__ == "__main__":
    unittest.main()

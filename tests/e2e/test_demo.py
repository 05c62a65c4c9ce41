"""The README's first command: the demo runs on its embedded defaults, shows the
outage caught, opened, the landing page switched to the mall, announced, the
recovery confirmed, the page switched back, announced again, and ends with the
notices it produced."""

import os
import re
import subprocess
import tempfile
import unittest


class Demo(unittest.TestCase):
    def test_demo_catches_announces_and_resolves(self):
        root = os.environ.get("SHOPKIT_SOURCE") or os.path.join(os.path.dirname(__file__), "..", "..")
        report = tempfile.NamedTemporaryFile(suffix=".html", delete=False)
        report.close()
        self.addCleanup(os.unlink, report.name)
        env = dict(os.environ, NO_COLOR="1", SHOPKIT_DEMO_REPORT=report.name)
        proc = subprocess.run(["bash", os.path.join(root, "scripts", "demo.sh")], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        out = proc.stdout
        self.assertEqual(proc.returncode, 0, out + proc.stderr)
        statuses = re.findall(r"^\(exit (\d+)\)$", out, re.M)
        # quiet, first failure (not confirmed), confirmed down, nagios
        self.assertEqual(statuses, ["0", "0", "2", "2"], out)
        self.assertEqual(re.findall(r"^\(shoprecover exit (\d+)\)$", out, re.M), ["0"], out)
        pages = re.findall(r"^landing page -> (\S+) ", out, re.M)
        self.assertEqual(pages, ["rakuten", "own"], out)
        self.assertRegex(out, r"round \d+: 2/2 checks up; 2 of 2 in a row")
        self.assertEqual(re.findall(r"^\(shopannounce exit (\d+)\)$", out, re.M), ["0", "0"], out)
        self.assertRegex(out, r'"type":"incident","event":"opened","id":"own-\d{8}T\d{4}"')
        self.assertIn("SHOPCHECK CRITICAL - ", out)
        self.assertRegex(out, r"own-\d{8}T\d{4}\s+own\s+critical\s+\[\"cart\"\]")
        # Each target told once of the outage and once of the recovery.
        for target in ("staff-slack", "line", "status"):
            self.assertRegex(out, rf"(?m)^sent\s+#\d+\s+{target}\s+\S+\s+opened\s+own-")
            self.assertRegex(out, rf"(?m)^sent\s+#\d+\s+{target}\s+\S+\s+resolved\s+own-")
        notices = out.split("== 8. The notices the outage produced", 1)[1]
        self.assertEqual(notices.count("--- Slack (staff)"), 2, notices)
        self.assertEqual(notices.count("--- LINE broadcast (customers)"), 2, notices)
        self.assertIn("【障害のお知らせ】", notices)
        self.assertIn("【復旧のお知らせ】", notices)
        self.assertIn("楽天市場店", notices)  # where customers can still buy
        self.assertIn("index.html", notices)
        self.assertNotIn("demo0not0a0real0hook", out + proc.stderr)
        # It ends with the report of the outage, its post-mortem and the HTML file.
        report = out.split("== 9. The report of the outage", 1)[1]
        self.assertIn("障害レポート: サンプル商店", report)
        self.assertRegex(report, r"推定売上損失\s+¥[\d,]+")
        self.assertRegex(report, r"(?m)^# 障害報告書: 公式オンラインショップ \(own-\d{8}T\d{4}\)$")
        with open(env["SHOPKIT_DEMO_REPORT"], encoding="utf-8") as f:
            self.assertIn("<svg", f.read())


if __name__ == "__main__":
    unittest.main()

"""The README's first command: the demo runs on its embedded defaults and
shows the outage caught, opened and resolved."""

import os
import re
import subprocess
import unittest


class Demo(unittest.TestCase):
    def test_demo_catches_opens_and_resolves(self):
        root = os.environ.get("SHOPKIT_SOURCE") or os.path.join(os.path.dirname(__file__), "..", "..")
        env = dict(os.environ, NO_COLOR="1")
        proc = subprocess.run(["bash", os.path.join(root, "scripts", "demo.sh")], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        out = proc.stdout
        self.assertEqual(proc.returncode, 0, out + proc.stderr)
        statuses = re.findall(r"^\(exit (\d+)\)$", out, re.M)
        # quiet, first failure (not confirmed), confirmed down, nagios, recovering, recovered
        self.assertEqual(statuses, ["0", "0", "2", "2", "2", "0"], out)
        self.assertRegex(out, r'"type":"incident","event":"opened","id":"own-\d{8}T\d{4}"')
        self.assertRegex(out, r'"event":"resolved","id":"own-\d{8}T\d{4}"')
        self.assertIn("SHOPCHECK CRITICAL - ", out)
        self.assertRegex(out, r"own-\d{8}T\d{4}\s+own\s+critical\s+\[\"cart\"\]")


if __name__ == "__main__":
    unittest.main()

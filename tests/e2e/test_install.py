"""The README's install line: `ninja -C build install` puts the programs, the man
pages, the templates and the examples (in the doc directory) where GNUInstallDirs says. Installed into
a DESTDIR, so nothing outside a temporary directory is touched."""

import glob
import os
import shutil
import subprocess
import tempfile
import unittest

from helpers import BIN, SOURCE


class Install(unittest.TestCase):
    def test_install_into_destdir(self):
        build = os.path.dirname(os.path.abspath(BIN))  # <build>/tools -> <build>
        dest = tempfile.mkdtemp(prefix="shopkit-install-")
        self.addCleanup(shutil.rmtree, dest, True)
        env = dict(os.environ, DESTDIR=dest)
        proc = subprocess.run(["cmake", "--install", build], env=env, capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        (prefix,) = [p for p in glob.glob(os.path.join(dest, "**", "bin"), recursive=True)]
        root = os.path.dirname(prefix)
        for program in ("shopcheck", "shopannounce", "shoprecover", "shopreport"):
            path = os.path.join(root, "bin", program)
            self.assertTrue(os.access(path, os.X_OK), path)
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn(program, out.stdout)
        for page in ("man1/shopcheck.1", "man1/shopannounce.1", "man1/shoprecover.1",
                     "man1/shopreport.1",
                     "man5/shopkit.toml.5",
                     "man7/shopkit.7"):
            self.assertTrue(os.path.isfile(os.path.join(root, "share", "man", page)), page)
        shipped = sorted(os.path.relpath(p, os.path.join(SOURCE, "share", "templates"))
                         for p in glob.glob(os.path.join(SOURCE, "share", "templates", "*", "*")))
        installed = sorted(os.path.relpath(p, os.path.join(root, "share", "shopkit", "templates"))
                           for p in glob.glob(os.path.join(root, "share", "shopkit", "templates",
                                                           "*", "*")))
        self.assertTrue(shipped)
        self.assertEqual(installed, shipped)
        self.assertTrue(os.path.isfile(os.path.join(root, "share", "doc", "shopkit", "examples",
                                                    "shop.toml")))


if __name__ == "__main__":
    unittest.main()

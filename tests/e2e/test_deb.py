"""The README's package: `cpack -G DEB` in the build directory makes a .deb that
puts the programs, the man pages, the templates and the examples in Debian's
places. Unpacked with `dpkg -x` into a scratch root (nothing is installed on the
machine), and the programs run from there. The shipped systemd units and
logrotate snippet are checked by the tools that will read them, when present."""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from helpers import BIN, SOURCE

PROGRAMS = ("shopcheck", "shopannounce", "shoprecover", "shopreport")


def run(args, timeout=60, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build = os.path.dirname(os.path.abspath(BIN))  # <build>/tools -> <build>
        cls.tmp = tempfile.mkdtemp(prefix="shopkit-deb-")
        out = os.path.join(cls.tmp, "out")
        # -B: the package and CPack's staging go to the scratch directory, not the build.
        proc = run(["cpack", "-G", "DEB", "-B", out], cwd=build, timeout=240)
        if proc.returncode != 0:
            shutil.rmtree(cls.tmp, True)
            raise AssertionError("cpack -G DEB failed:\n" + proc.stdout + proc.stderr)
        (cls.deb,) = glob.glob(os.path.join(out, "shopkit_*.deb"))
        cls.root = os.path.join(cls.tmp, "root")
        proc = run(["dpkg", "-x", cls.deb, cls.root])
        if proc.returncode != 0:
            shutil.rmtree(cls.tmp, True)
            raise AssertionError("dpkg -x failed:\n" + proc.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def path(self, *parts):
        return os.path.join(self.root, "usr", *parts)

    def test_file_name_and_control_fields(self):
        self.assertRegex(os.path.basename(self.deb), r"^shopkit_\d+\.\d+\.\d+_[a-z0-9]+\.deb$")
        proc = run(["dpkg-deb", "-I", self.deb])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        fields = dict(re.findall(r"^ (\w[\w-]*): (.*)$", proc.stdout, re.M))
        self.assertEqual(fields.get("Package"), "shopkit", proc.stdout)
        self.assertRegex(fields.get("Version", ""), r"^\d+\.\d+\.\d+")
        self.assertEqual(fields.get("Section"), "admin")
        self.assertIn("@", fields.get("Maintainer", ""))
        self.assertTrue(fields.get("Description"), proc.stdout)
        # dpkg-shlibdeps filled Depends from the libraries the programs link.
        for library in ("libc6", "libcurl", "libsqlite3"):
            self.assertIn(library, fields.get("Depends", ""), proc.stdout)

    def test_everything_under_usr(self):
        top = sorted(os.listdir(self.root))
        self.assertEqual(top, ["usr"])

    def test_programs_run_from_the_scratch_root(self):
        for program in PROGRAMS:
            path = self.path("bin", program)
            self.assertTrue(os.access(path, os.X_OK), path)
            proc = run([path, "--version"], timeout=10)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(program, proc.stdout)

    def test_installed_example_config_loads(self):
        # The installed program reads the installed example: --list prints the
        # runbook without touching the network.
        home = os.path.join(self.tmp, "home")
        os.makedirs(home, exist_ok=True)
        env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"),
                   XDG_CONFIG_HOME=os.path.join(home, "config"))
        env.pop("SHOPKIT_CONFIG", None)
        example = self.path("share", "doc", "shopkit", "examples", "shop.toml")
        proc = run([self.path("bin", "shoprecover"), "-c", example, "--list"], env=env,
                   timeout=20)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertTrue(proc.stdout.strip(), proc.stderr)

    def test_man_pages(self):
        for page in ("man1/shopcheck.1", "man1/shopannounce.1", "man1/shoprecover.1",
                     "man1/shopreport.1", "man5/shopkit.toml.5", "man7/shopkit.7"):
            plain = self.path("share", "man", page)
            self.assertTrue(os.path.isfile(plain) or os.path.isfile(plain + ".gz"), page)

    def test_templates(self):
        source = os.path.join(SOURCE, "share", "templates")
        installed = self.path("share", "shopkit", "templates")
        shipped = sorted(os.path.relpath(p, source) for p in glob.glob(os.path.join(source, "*", "*")))
        packed = sorted(os.path.relpath(p, installed)
                        for p in glob.glob(os.path.join(installed, "*", "*")))
        self.assertTrue(shipped)
        self.assertEqual(packed, shipped)

    def test_examples_in_the_doc_directory(self):
        examples = self.path("share", "doc", "shopkit", "examples")
        for name in ("shop.toml", "customers.csv", "shopkit.cron", "shopkit.service",
                     "shopkit.timer", "shopkit.logrotate"):
            self.assertTrue(os.path.isfile(os.path.join(examples, name)), name)
        self.assertFalse(os.path.exists(self.path("share", "shopkit", "examples")))

    def test_systemd_units_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("no systemd-analyze")
        examples = self.path("share", "doc", "shopkit", "examples")
        units = os.path.join(self.tmp, "units")
        os.makedirs(units, exist_ok=True)
        for name in ("shopkit.service", "shopkit.timer"):
            shutil.copy(os.path.join(examples, name), units)
        proc = run([analyze, "verify", "--man=no", "shopkit.timer", "shopkit.service"],
                   cwd=units)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("shopkit.", proc.stderr)  # no warning about our units

    def test_logrotate_snippet_rotates(self):
        logrotate = shutil.which("logrotate") or shutil.which("/usr/sbin/logrotate")
        if not logrotate:
            self.skipTest("no logrotate")
        with open(self.path("share", "doc", "shopkit", "examples", "shopkit.logrotate")) as f:
            text = f.read()
        self.assertIn("/var/log/shopkit/*.jsonl {", text)
        # The same snippet on a scratch directory, rotated by the running user.
        logs = os.path.join(self.tmp, "log")
        os.makedirs(logs, exist_ok=True)
        text = text.replace("/var/log/shopkit", logs)
        if os.geteuid() == 0:
            text = text.replace("su shopkit shopkit", "su root root")
        else:  # only root may su; anyone may rotate their own files
            text = re.sub(r"^\s*su .*$", "", text, flags=re.M)
        conf = os.path.join(self.tmp, "logrotate.conf")
        with open(conf, "w") as f:
            f.write(text)
        status = os.path.join(self.tmp, "logrotate.status")
        log = os.path.join(logs, "shopkit.jsonl")
        for line in ('{"type":"check"}\n', '{"type":"incident"}\n'):
            with open(log, "a") as f:  # as the pipeline's >> does
                f.write(line)
            proc = run([logrotate, "-f", "-s", status, conf])
            self.assertEqual(proc.returncode, 0, proc.stderr)
        # nocreate: the next run's >> makes the file; delaycompress: one plain, one gzipped.
        self.assertEqual(sorted(os.listdir(logs)), ["shopkit.jsonl.1", "shopkit.jsonl.2.gz"])


if __name__ == "__main__":
    unittest.main()

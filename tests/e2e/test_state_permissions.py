"""The state file holds customer addresses: shopkit creates it 0600, and refuses
one that others can read or write (unless --state names it: then it warns).

Run by CTest as `python3 -m unittest -v test_state_permissions` with SHOPKIT_BIN set.
"""

import os
import sqlite3
import stat
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


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class StatePermissions(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox()
        self.old_umask = os.umask(0o022)

    def tearDown(self):
        os.umask(self.old_umask)
        self.box.cleanup()

    def config(self, state):
        return self.box.config(shop_config(
            [{"id": "own", "url": FX.url("/"), "checks": [{"id": "top", "url": FX.url("/ok")}]}],
            shop={"state": state}))

    def test_a_new_state_is_0600(self):
        state = self.box.path("var", "state.db")
        r = self.box.run("-c", self.config(state))
        self.assertEqual(r.status, 0, r)
        self.assertEqual(mode(state), 0o600, r)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(state + suffix):
                self.assertEqual(mode(state + suffix), 0o600, f"{suffix}\n{r}")

    def make_state(self, path, file_mode):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sqlite3.connect(path).close()
        os.chmod(path, file_mode)

    def test_a_state_others_can_read_is_refused(self):
        for file_mode in (0o644, 0o640, 0o606):
            with self.subTest(mode=oct(file_mode)):
                state = self.box.path(f"s{file_mode:o}", "state.db")
                self.make_state(state, file_mode)
                r = self.box.run("-c", self.config(state))
                self.assertEqual(r.status, 78, r)
                self.assertIn(state, r.stderr, r)
                self.assertIn(f"chmod 600 {state}", r.stderr, r)
                self.assertEqual(mode(state), file_mode, "the file was changed")

    def test_a_state_in_a_directory_others_can_write_is_refused(self):
        state = self.box.path("shared", "state.db")
        self.make_state(state, 0o600)
        os.chmod(os.path.dirname(state), 0o777)
        r = self.box.run("-c", self.config(state))
        self.assertEqual(r.status, 78, r)
        self.assertIn(os.path.dirname(state), r.stderr, r)

    def test_state_option_warns_and_goes_on(self):
        state = self.box.path("given", "state.db")
        self.make_state(state, 0o644)
        r = self.box.run("-c", self.config(self.box.path("unused.db")), "--state", state)
        self.assertEqual(r.status, 0, r)
        self.assertIn("warning", r.stderr, r)
        self.assertIn(f"chmod 600 {state}", r.stderr, r)


if __name__ == "__main__":
    unittest.main()

"""shopannounce's e-mail target end to end: the built program against a real SMTP
server on 127.0.0.1 (smtp_server.py, Debian's aiosmtpd), and what arrived parsed
with Python's email package: headers decoded, body decoded, one message per
opted-in recipient, STARTTLS enforced, rejected recipients, a run killed
mid-batch and re-run; a bulk sender's message parsed strictly, its
per-recipient unsubscribe URL, and its DKIM signature checked by an independent
verifier (dkimpy, with the test's public key instead of DNS).
"""

import base64
import datetime
import hashlib
import hmac
import email
import email.policy
import email.utils
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import dkim

import helpers

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "pw-7Hq2-not-in-any-output"
SUBJECT = "【障害のお知らせ】テスト商店のカートがご利用いただけません"

CUSTOMERS = (
    "email,name,segment,opted_in,notes\r\n"
    "taro@example.com,山田 太郎,vip,yes,\r\n"
    "hanako@example.com,佐藤 花子,news,TRUE,\"likes \"\"tea\"\", green\"\r\n"
    "jiro@example.com,鈴木 次郎,news,no,opted out\r\n"
    "bad-row,壊れた行,news,yes,\r\n"
    "saburo@example.com,\"Saburo \"\"Sab\"\" Ito\",vip,1,\r\n"
    "ext@example.com,外部 さん,other,yes,not in the segments\r\n"
)
MAILED = {"taro@example.com", "hanako@example.com", "saburo@example.com"}

TEMPLATE = (
    "【障害のお知らせ】{{shop.name}}のカートがご利用いただけません\n"
    "{{customer.name}} 様\n"
    "\n"
    "いつも{{shop.name}}をご利用いただき、ありがとうございます。\n"
    "{{channel.name}}で障害が発生しています（{{incident.since}}から）。\n"
    "配信停止: {{unsubscribe}}\n"
)


def announce_path():
    path = os.path.join(helpers.BIN, "shopannounce")
    if not helpers.BIN or not os.access(path, os.X_OK):
        raise RuntimeError(f"no shopannounce at {path!r}: set SHOPKIT_BIN")
    return path


class SmtpServer:
    """One smtp_server.py process; what it received is read from its --out file."""

    def __init__(self, directory, *args):
        fd, self.out = tempfile.mkstemp(prefix="smtp-", suffix=".jsonl", dir=directory)
        os.close(fd)
        argv = [helpers.PYTHON, os.path.join(HERE, "smtp_server.py"), "--out", self.out]
        argv += [str(a) for a in args]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = helpers._read_line(self.proc.stdout, 15)
        if not line.startswith("listening 127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"smtp_server.py did not hand shake: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def events(self, kind=None):
        with open(self.out, encoding="utf-8") as f:
            evs = [json.loads(line) for line in f if line.strip()]
        return [e for e in evs if kind is None or e["event"] == kind]

    def messages(self):
        """[(event, raw bytes, parsed EmailMessage)] of every stored message."""
        out = []
        for e in self.events("message"):
            raw = base64.b64decode(e["data"])
            out.append((e, raw, email.message_from_bytes(raw, policy=email.policy.default)))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


class Run:
    def __init__(self, argv, status, stdout, stderr):
        self.argv, self.status, self.stdout, self.stderr = argv, status, stdout, stderr

    def announcements(self):
        out = []
        for line in self.stdout.splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("type") == "announcement":
                    out.append(rec)
        return out

    def one(self, target="mail"):
        found = [a for a in self.announcements() if a.get("target") == target]
        if len(found) != 1:
            raise AssertionError(f"want one announcement for {target}, got {found}\n{self}")
        return found[0]

    def __str__(self):
        return (f"$ {' '.join(self.argv)}\nexit {self.status}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}---")


def now_iso(minutes_ago=0):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)
    return t.astimezone(datetime.timezone(datetime.timedelta(hours=9))).isoformat(timespec="seconds")


def opened_record(incident="own-20260604T0300", severity="critical"):
    return json.dumps({"v": 1, "type": "incident", "event": "opened", "id": incident,
                       "channel": "own", "severity": severity, "checks": ["cart"],
                       "since": now_iso(1), "time": now_iso()}, ensure_ascii=False) + "\n"


class EmailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certdir = tempfile.mkdtemp(prefix="shopkit-smtp-cert-")
        cls.cert, cls.key = helpers.make_cert(cls.certdir, "smtp", 30)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def setUp(self):
        self.box = helpers.Sandbox()
        self.addCleanup(self.box.cleanup)
        self.box.write("customers.csv", CUSTOMERS, 0o644)
        self.box.write("templates/opened.email.mustache", TEMPLATE, 0o644)
        self.env = {"SHOPKIT_SMTP_PASSWORD": PASSWORD}
        self.outputs = []

    def tearDown(self):
        # The password is in no output of any run, nor in the state file.
        for run in self.outputs:
            self.assertNotIn(PASSWORD, run.stdout + run.stderr, str(run))
        state = self.box.path("state.db")
        for suffix in ("", "-wal"):
            if os.path.exists(state + suffix):
                with open(state + suffix, "rb") as f:
                    self.assertNotIn(PASSWORD.encode(), f.read())

    def server(self, *args):
        s = SmtpServer(self.box.dir, *args)
        self.addCleanup(s.stop)
        return s

    def write_config(self, port, scheme="smtp", **overrides):
        target = {
            "id": "mail", "kind": "email", "audience": "customers",
            "url": f"{scheme}://127.0.0.1:{port}", "ca_file": self.cert,
            "from": "テスト商店 <shop@example.jp>",
            "username": "shop", "password_env": "SHOPKIT_SMTP_PASSWORD",
            "customers": "customers.csv", "segments": ["vip", "news"],
            "unsubscribe": ["unsubscribe@example.jp", "https://shop.example.jp/unsubscribe"],
            "timeout": "5s",
        }
        target.update(overrides)
        extra = "[[target]]\n" + "".join(f"{k} = {helpers.toml_value(v)}\n"
                                         for k, v in target.items() if v is not None)
        text = helpers.shop_config(
            [{"id": "own", "name": "公式オンラインショップ", "url": "https://shop.example.jp/",
              "checks": [{"id": "cart", "url": "https://shop.example.jp/cart"}]}],
            policy={"customer_delay": "10m"},
            shop={"language": "ja", "contact": "support@example.jp", "templates": "templates"},
            extra=extra)
        return self.box.config(text)

    def announce(self, *args, stdin=None, env=None, timeout=40, config=None):
        argv = [announce_path(), "-c", config or self.box.path("shop.toml"), "--state",
                self.box.path("state.db"), "--format", "jsonl"] + list(args)
        merged = dict(self.box.env)
        merged.update(self.env)
        merged.update(env or {})
        proc = subprocess.run(argv, input=(stdin or "").encode(), capture_output=True,
                              env=merged, cwd=self.box.dir, timeout=timeout)
        run = Run(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))
        self.outputs.append(run)
        return run

    def assert_mailed_once(self, server, expected):
        rcpts = [tuple(e["rcpt_tos"]) for e, _, _ in server.messages()]
        self.assertEqual(sorted(rcpts), sorted((r,) for r in expected),
                         f"each recipient exactly once: {rcpts}")

    # --- the tests ----------------------------------------------------------------------------

    def test_starttls_auth_one_message_per_opted_in_customer(self):
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port)
        run = self.announce("-v", stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        a = run.one()
        self.assertEqual(a["result"], "sent", str(run))
        self.assert_mailed_once(smtp, MAILED)
        # The bad row is reported with its file and line; the opted-out and the
        # other segment are not mailed.
        self.assertRegex(run.stderr, r"customers\.csv:5: .*bad-row")
        names = {"taro@example.com": "山田 太郎", "hanako@example.com": "佐藤 花子",
                 "saburo@example.com": 'Saburo "Sab" Ito'}
        ids = set()
        for event, raw, msg in smtp.messages():
            rcpt = event["rcpt_tos"][0]
            self.assertTrue(event["tls"], "sent inside STARTTLS")
            self.assertEqual(event["auth"], "shop")
            self.assertEqual(event["mail_from"], "shop@example.jp")
            # Every line CRLF and at most 78 characters; headers are 7-bit.
            head, _, _ = raw.partition(b"\r\n\r\n")
            head.decode("ascii")
            for line in raw.split(b"\r\n"):
                self.assertLessEqual(len(line), 78, line)
                self.assertNotIn(b"\n", line)
            self.assertEqual(str(msg["Subject"]), SUBJECT)
            self.assertIn("=?UTF-8?B?", raw.decode("ascii"))
            self.assertEqual(msg["From"].addresses[0].display_name, "テスト商店")
            self.assertEqual(msg["From"].addresses[0].addr_spec, "shop@example.jp")
            self.assertEqual(msg["To"].addresses[0].addr_spec, rcpt)
            self.assertEqual(msg["To"].addresses[0].display_name, names[rcpt])
            date = email.utils.parsedate_to_datetime(str(msg["Date"]))
            self.assertEqual(date.utcoffset(), datetime.timedelta(hours=9))
            self.assertLess(abs((date - datetime.datetime.now(datetime.timezone.utc))
                                .total_seconds()), 300)
            mid = str(msg["Message-ID"])
            self.assertRegex(mid, r"^<[A-Za-z0-9.-]+\.[0-9a-f]{16}@example\.jp>$")
            ids.add(mid)
            self.assertEqual(str(msg["List-Unsubscribe"]),
                             "<mailto:unsubscribe@example.jp?subject=unsubscribe>, "
                             "<https://shop.example.jp/unsubscribe>")
            self.assertEqual(str(msg["List-Unsubscribe-Post"]), "List-Unsubscribe=One-Click")
            self.assertEqual(msg["MIME-Version"], "1.0")
            self.assertEqual(msg.get_content_type(), "text/plain")
            self.assertEqual(msg.get_content_charset(), "utf-8")
            self.assertEqual(msg["Content-Transfer-Encoding"], "base64")
            # The body was encoded in canonical form (CRLF line ends).
            body = msg.get_content()
            self.assertNotIn("\n", body.replace("\r\n", ""))
            body = body.replace("\r\n", "\n")
            self.assertTrue(body.startswith(f"{names[rcpt]} 様\n"), body)
            self.assertIn("公式オンラインショップで障害が発生しています", body)
            self.assertIn("配信停止: https://shop.example.jp/unsubscribe", body)
        self.assertEqual(len(ids), 3, "a Message-ID per recipient")
        # One connection for the whole batch.
        self.assertEqual(len(smtp.events("connection")), 1, smtp.events("connection"))
        # Nothing more on the next run: the notice went out once.
        again = self.announce()
        self.assertEqual(again.status, 0, str(again))
        self.assertEqual(len(smtp.messages()), 3)

    def test_customer_list_of_a_config_given_by_a_relative_path(self):
        # -c conf/shop.toml from the directory above: its customers = "customers.csv" is
        # conf/customers.csv (relative to the config's directory once, not twice).
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port)
        os.makedirs(self.box.path("conf"))
        for name in ("shop.toml", "customers.csv", "templates"):
            os.rename(self.box.path(name), self.box.path("conf", name))
        run = self.announce(stdin=opened_record(), config=os.path.join("conf", "shop.toml"))
        self.assertEqual(run.status, 0, str(run))
        self.assertEqual(run.one()["result"], "sent", str(run))
        self.assert_mailed_once(smtp, MAILED)

    def test_rejected_recipient_is_recorded_and_the_rest_delivered(self):
        self.box.write("customers.csv", CUSTOMERS + "rejectme@example.com,拒否,vip,yes,\r\n"
                       "last@example.com,最後,vip,yes,\r\n", 0o644)
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}", "--reject", "rejectme@example.com")
        self.write_config(smtp.port)
        run = self.announce(stdin=opened_record())
        a = run.one()
        self.assertEqual(a["result"], "sent", str(run))
        self.assertEqual(run.status, 0, str(run))
        self.assertIn("rejectme@example.com", a.get("error") or "", str(run))
        self.assert_mailed_once(smtp, MAILED | {"last@example.com"})
        self.assertEqual([e["rcpt"] for e in smtp.events("rejected")], ["rejectme@example.com"])
        # libcurl closes the connection after a failed transfer: at most one more
        # connection per refusal.
        self.assertLessEqual(len(smtp.events("connection")), 2)
        # The refusal is in the state, and a second run neither retries nor resends.
        rows = [r for t in helpers.db_tables(self.box.path("state.db")) if "recipient" in t
                for r in helpers.db_query(self.box.path("state.db"), f"SELECT * FROM {t}")]
        flat = [" ".join(str(c) for c in r) for r in rows]
        self.assertTrue(any("rejectme@example.com" in r and "rejected" in r for r in flat), flat)
        self.assertEqual(sum("sent" in r.split() for r in flat), 4, flat)
        again = self.announce()
        self.assertEqual(again.status, 0, str(again))
        self.assertEqual(len(smtp.events("rejected")), 1)
        self.assertEqual(len(smtp.messages()), 4)

    def test_no_plaintext_send_when_the_server_offers_no_starttls(self):
        smtp = self.server("--mode", "plain", "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port)
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 75, str(run))
        a = run.one()
        self.assertIn(a["result"], ("retry", "failed"), str(run))
        self.assertIn("STARTTLS", a.get("error") or "", str(run))
        self.assertEqual(smtp.messages(), [])

    def test_smtps_implicit_tls(self):
        smtp = self.server("--mode", "smtps", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port, scheme="smtps")
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        self.assert_mailed_once(smtp, MAILED)
        self.assertTrue(all(e["tls"] for e, _, _ in smtp.messages()))

    def test_untrusted_certificate_sends_nothing(self):
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port, ca_file=None)  # the system CAs do not know it
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 75, str(run))
        self.assertIn(run.one()["result"], ("retry", "failed"))
        self.assertEqual(smtp.messages(), [])

    def test_plaintext_relay_warns(self):
        smtp = self.server("--mode", "plain")
        self.write_config(smtp.port, plaintext=True, username=None, password_env=None,
                          ca_file=None)
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        self.assertIn("plaintext", run.stderr.lower())
        self.assert_mailed_once(smtp, MAILED)
        self.assertFalse(any(e["tls"] for e, _, _ in smtp.messages()))

    def test_wrong_password_fails_without_showing_it(self):
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", "shop:another-password")
        self.write_config(smtp.port)
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 75, str(run))
        self.assertEqual(run.one()["result"], "failed", str(run))
        self.assertEqual(smtp.messages(), [])

    def test_temporary_failure_stops_the_batch_for_the_next_run(self):
        # hanako (second in the list) gets 450: taro is delivered, the rest wait.
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}", "--tempfail", "hanako@example.com")
        self.write_config(smtp.port)
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 75, str(run))
        a = run.one()
        self.assertEqual(a["result"], "retry", str(run))
        self.assertIn("450", a.get("error") or "")
        self.assert_mailed_once(smtp, {"taro@example.com"})

    def test_killed_mid_batch_then_rerun_mails_the_rest_once(self):
        rows = ["email,name,segment,opted_in"]
        rows += [f"c{i:02}@example.com,顧客 {i},vip,yes" for i in range(30)]
        self.box.write("customers.csv", "\n".join(rows) + "\n", 0o644)
        everyone = {f"c{i:02}@example.com" for i in range(30)}
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}", "--stall-after", "10")
        self.write_config(smtp.port, timeout="60s")
        argv = [announce_path(), "-c", self.box.path("shop.toml"), "--state",
                self.box.path("state.db"), "--format", "jsonl"]
        env = dict(self.box.env)
        env.update(self.env)
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=self.box.dir)
        proc.stdin.write(opened_record().encode())
        proc.stdin.close()
        deadline = time.monotonic() + 20
        while len(smtp.messages()) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(smtp.messages()), 10)
        time.sleep(0.5)  # stuck on the 11th: the server does not answer MAIL
        self.assertIsNone(proc.poll(), "shopannounce should be waiting on the server")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
        self.outputs.append(Run(argv, proc.returncode, out, err))

        run = self.announce()
        self.assertEqual(run.status, 0, str(run))
        self.assertEqual(run.one()["result"], "sent", str(run))
        self.assert_mailed_once(smtp, everyone)
        ids = [str(m["Message-ID"]) for _, _, m in smtp.messages()]
        self.assertEqual(len(set(ids)), 30)

    def test_dry_run_shows_the_first_message_and_sends_nothing(self):
        smtp = self.server("--mode", "plain")
        self.write_config(smtp.port)
        run = self.announce("--dry-run", stdin=opened_record(), env={"SHOPKIT_SMTP_PASSWORD": ""})
        self.assertEqual(run.status, 0, str(run))
        self.assertEqual(run.one()["result"], "dry-run", str(run))
        shown = run.stdout + run.stderr
        self.assertIn("To: 山田 太郎 <taro@example.com>", shown)
        self.assertIn(f"Subject: {SUBJECT}", shown)
        self.assertEqual(smtp.events(), [])

    def test_customer_mail_without_unsubscribe_is_a_config_error(self):
        self.write_config(helpers.closed_port(), unsubscribe=None)
        run = self.announce(stdin=opened_record())
        # A config error: exit 78 when the program checks its targets up front, or
        # the notice fails (75) with the reason, never sent.
        if run.status == 78:
            self.assertIn("unsubscribe", run.stderr)
        else:
            self.assertEqual(run.status, 75, str(run))
            a = run.one()
            self.assertEqual(a["result"], "failed", str(run))
            self.assertIn("needs 'unsubscribe'", a.get("error") or "", str(run))

    # --- a bulk sender: per-recipient unsubscribe, DKIM, List-Id, Feedback-ID -------------

    def make_dkim_key(self, algorithm):
        """A private key file (0600) and the TXT record a DNS lookup would give."""
        key = self.box.path(f"dkim-{algorithm}.pem")
        if algorithm == "rsa":
            subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True,
                           capture_output=True)
        else:
            subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key],
                           check=True, capture_output=True)
        os.chmod(key, 0o600)
        der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        if algorithm == "rsa":
            record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)
        else:
            record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
        return key, record

    def assert_dkim(self, raw, record, domain=b"example.jp", selector=b"shop2026"):
        def dns(name, timeout=5):
            self.assertTrue(name.startswith(selector + b"._domainkey." + domain), name)
            return record
        self.assertTrue(dkim.verify(raw, dnsfunc=dns), raw[:600])
        sig = email.message_from_bytes(raw, policy=email.policy.compat32)["DKIM-Signature"]
        tags = {k.strip(): v.strip() for k, _, v in
                (t.partition("=") for t in re.sub(r"\s+", "", sig).split(";") if t)}
        self.assertEqual(tags["c"], "relaxed/relaxed")
        signed = {h.lower() for h in tags["h"].split(":")}
        for h in ("from", "subject", "date", "message-id", "list-unsubscribe",
                  "list-unsubscribe-post"):
            self.assertIn(h, signed, tags["h"])
        return tags

    def test_bulk_sender_message_parsed_strictly_and_dkim_signed(self):
        secret = "unsub-secret-3f9a-not-in-any-output"
        self.box.write("unsub.secret", secret + "\n", 0o600)
        for algorithm, a_tag in (("rsa", "rsa-sha256"), ("ed25519", "ed25519-sha256")):
            with self.subTest(algorithm=algorithm):
                for name in ("state.db", "state.db-wal", "state.db-shm"):
                    if os.path.exists(self.box.path(name)):
                        os.unlink(self.box.path(name))
                key, record = self.make_dkim_key(algorithm)
                smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                                   "--auth", f"shop:{PASSWORD}")
                self.write_config(smtp.port, unsubscribe_secret_file=self.box.path("unsub.secret"),
                                  dkim_domain="example.jp", dkim_selector="shop2026",
                                  dkim_key_file=key,
                                  list_id="outage.example.jp", feedback_id="shop42")
                # Without -v a run that mailed everyone says nothing on stderr but the
                # bad row of the list.
                run = self.announce(stdin=opened_record())
                self.assertEqual(run.status, 0, str(run))
                self.assertEqual(run.one()["result"], "sent", str(run))
                self.assertEqual(run.stderr.strip().splitlines(),
                                 [l for l in run.stderr.strip().splitlines() if "bad-row" in l],
                                 str(run))
                self.assert_mailed_once(smtp, MAILED)
                for event, raw, _ in smtp.messages():
                    rcpt = event["rcpt_tos"][0]
                    self.assertNotIn(secret.encode(), raw)
                    msg = email.message_from_bytes(raw, policy=email.policy.strict)
                    self.assertEqual(msg.defects, [])
                    token = base64.urlsafe_b64encode(
                        hmac.new(secret.encode(), rcpt.lower().encode(),
                                 hashlib.sha256).digest()).decode()[:22]
                    url = f"https://shop.example.jp/unsubscribe?t={token}"
                    self.assertEqual(str(msg["List-Unsubscribe"]),
                                     f"<mailto:unsubscribe@example.jp?subject=unsubscribe>, "
                                     f"<{url}>")
                    self.assertEqual(str(msg["List-Unsubscribe-Post"]),
                                     "List-Unsubscribe=One-Click")
                    self.assertEqual(str(msg["List-Id"]), "<outage.example.jp>")
                    self.assertEqual(str(msg["Feedback-ID"]), "opened:mail:shopkit:shop42")
                    body = msg.get_content().replace("\r\n", "\n")
                    self.assertIsNotNone(re.search(f"配信停止: {re.escape(url)}$", body,
                                                   re.MULTILINE), body)
                    tags = self.assert_dkim(raw, record)
                    self.assertEqual(tags["a"], a_tag)
                    self.assertEqual(tags["d"], "example.jp")
                    # A changed subject breaks the signature: it is really checked.
                    forged = raw.replace(b"Subject: ", b"Subject: Re: ", 1)
                    self.assertFalse(dkim.verify(forged, dnsfunc=lambda n, timeout=5: record))
                for run in self.outputs:
                    self.assertNotIn(secret, run.stdout + run.stderr)

    def test_token_column_url_template_and_html_part(self):
        self.box.write("customers.csv",
                       "email,name,opted_in,token\r\n"
                       "taro@example.com,山田 太郎,yes,tok-TARO_1\r\n"
                       "hanako@example.com,佐藤 花子,yes,\r\n", 0o644)
        self.box.write("templates/opened.email.html.mustache",
                       "<html><body><p>{{customer.name}} 様</p>"
                       "<p>{{shop.name}} &amp; {{customer.token}}</p></body></html>\n", 0o644)
        smtp = self.server("--mode", "plain")
        self.write_config(smtp.port, plaintext=True, username=None, password_env=None,
                          ca_file=None, segments=None,
                          unsubscribe="https://shop.example.jp/u/{token}?x=1")
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        # hanako has no token and there is no secret: she is not mailed, and told of.
        self.assert_mailed_once(smtp, {"taro@example.com"})
        self.assertRegex(run.stderr, r"customers\.csv:3: hanako@example\.com has no unsubscribe")
        _, raw, _ = smtp.messages()[0]
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        text, html = list(msg.iter_parts())
        self.assertEqual(text.get_content_type(), "text/plain")
        self.assertEqual(html.get_content_type(), "text/html")
        url = "https://shop.example.jp/u/tok-TARO_1?x=1"
        self.assertEqual(str(msg["List-Unsubscribe"]), f"<{url}>")
        self.assertIn(url, text.get_content())
        page = html.get_content()
        self.assertIn("<p>山田 太郎 様</p>", page)
        self.assertIn("tok-TARO_1", page)
        self.assertIn(f'<a href="{url}">', page)

    def test_parallel_connections_and_rate(self):
        rows = ["email,name,segment,opted_in"]
        rows += [f"p{i:03}@example.com,顧客 {i},vip,yes" for i in range(200)]
        self.box.write("customers.csv", "\n".join(rows) + "\n", 0o644)
        smtp = self.server("--mode", "starttls", "--cert", self.cert, "--key", self.key,
                           "--auth", f"shop:{PASSWORD}")
        self.write_config(smtp.port, connections=4)
        run = self.announce(stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        # All delivered: nothing on stderr without -v (cron stays quiet).
        self.assertEqual(run.stderr, "", str(run))
        self.assert_mailed_once(smtp, {f"p{i:03}@example.com" for i in range(200)})
        self.assertEqual(len(smtp.events("connection")), 4, smtp.events("connection"))
        ids = {str(m["Message-ID"]) for _, _, m in smtp.messages()}
        self.assertEqual(len(ids), 200)

        # rate = "20/s" over all connections: 10 messages take at least 0.45 s.
        self.box.write("customers.csv", "\n".join(rows[:11]) + "\n", 0o644)
        os.unlink(self.box.path("state.db"))
        smtp2 = self.server("--mode", "plain")
        self.write_config(smtp2.port, plaintext=True, username=None, password_env=None,
                          ca_file=None, rate="20/s")
        start = time.monotonic()
        run = self.announce(stdin=opened_record())
        elapsed = time.monotonic() - start
        self.assertEqual(run.status, 0, str(run))
        self.assertEqual(len(smtp2.messages()), 10)
        self.assertGreaterEqual(elapsed, 0.45)

    def test_dry_run_without_the_unsubscribe_secret_shows_a_placeholder(self):
        smtp = self.server("--mode", "plain")
        self.write_config(smtp.port, unsubscribe_secret_env="SHOPKIT_UNSUB_SECRET_UNSET")
        run = self.announce("--dry-run", stdin=opened_record())
        self.assertEqual(run.status, 0, str(run))
        self.assertIn("<https://shop.example.jp/unsubscribe?t=TOKEN>", run.stdout + run.stderr)
        self.assertEqual(smtp.events(), [])

    def test_bad_email_settings_are_refused_at_load(self):
        cases = [
            ({"connections": 17}, "connections"),
            ({"connections": 0}, "connections"),
            ({"rate": "10/day"}, "rate"),
        ]
        for overrides, word in cases:
            with self.subTest(overrides=overrides):
                self.write_config(helpers.closed_port(), **overrides)
                run = self.announce(stdin=opened_record())
                self.assertEqual(run.status, 78, str(run))
                self.assertRegex(run.stderr, r"shop\.toml:\d+:\d+: .*'" + word + "'")
        # A template that names a customer field there is none of.
        self.box.write("templates/opened.email.mustache",
                       TEMPLATE.replace("{{customer.name}}", "{{customer.phone}}"), 0o644)
        self.write_config(helpers.closed_port())
        run = self.announce(stdin=opened_record())
        self.assertIn(run.status, (75, 78), str(run))
        self.assertIn("customer.phone", run.stdout + run.stderr, str(run))


if __name__ == "__main__":
    unittest.main()

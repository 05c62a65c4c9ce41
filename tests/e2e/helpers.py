"""Helpers for shopcheck's end-to-end tests: the fixture server, a sandbox with
XDG directories of its own, running the built binary, certificates.

Standard library only (Debian's /usr/bin/python3). CTest sets SHOPKIT_BIN (the
directory of the built programs) and SHOPKIT_SOURCE (the repository root).
"""

import datetime
import json
import os
import selectors
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
SOURCE = os.environ.get("SHOPKIT_SOURCE", os.path.dirname(os.path.dirname(HERE)))
BIN = os.environ.get("SHOPKIT_BIN", "")


def program_path(name="shopcheck"):
    """A built program; raises when SHOPKIT_BIN does not hold it."""
    path = os.path.join(BIN, name)
    if not BIN or not os.access(path, os.X_OK):
        raise RuntimeError(f"no {name} at {path!r}: set SHOPKIT_BIN to the build's tools/ dir")
    return path


def shopcheck_path():
    return program_path("shopcheck")


# Nothing of the caller's environment that could change the outcome: no proxy,
# no config, no colour, a HOME and XDG dirs inside the sandbox.
_DROP = {
    "http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "NO_PROXY",
    "SHOPKIT_CONFIG", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "TZ",
}

# The fixture and the control requests of the tests bypass any proxy too.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Fixture:
    """One fixture_server.py process on 127.0.0.1 (optionally HTTPS)."""

    def __init__(self, tls=None, env=None, handshake_timeout=10.0):
        args = [PYTHON, os.path.join(HERE, "fixture_server.py")]
        if tls:
            args += ["--tls", tls[0], tls[1]]
        full_env = {k: v for k, v in os.environ.items() if k not in _DROP}
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=full_env)
        line = _read_line(self.proc.stdout, handshake_timeout)
        prefix = "listening 127.0.0.1:"
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"fixture did not hand shake: {line!r}")
        self.port = int(line[len(prefix):].strip())
        self.scheme = "https" if tls else "http"
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def control(self, path, status):
        """From now on GET `path` answers `status` (an int, "clear", or "500,200,200":
        one status per request in turn, the last one from then on)."""
        assert self.scheme == "http", "control the plain-HTTP fixture"
        req = urllib.request.Request(
            f"{self.base}/control?path={urllib.parse.quote(path)}&status={status}",
            data=b"", method="POST")
        with _opener.open(req, timeout=5) as resp:
            resp.read()

    def stats(self):
        """{path: requests seen} (plain-HTTP fixture only)."""
        with _opener.open(self.base + "/_stats", timeout=5) as resp:
            return json.loads(resp.read())

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout,):
            if f:
                f.close()


def _read_line(stream, timeout):
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise RuntimeError(f"no handshake line within {timeout}s (got {buf!r})")
            chunk = os.read(stream.fileno(), 1)
            if not chunk:
                break
            buf += chunk
    finally:
        sel.close()
    return buf.decode("utf-8", "replace")


class Result:
    """What one run of shopcheck did."""

    def __init__(self, args, status, stdout, stderr, elapsed, maxrss_kb, killed,
                 program="shopcheck"):
        self.program = program
        self.args = args
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.maxrss_kb = maxrss_kb
        self.killed = killed

    def records(self, type_=None):
        """stdout parsed as JSON Lines (every non-empty line must parse)."""
        out = []
        for n, line in enumerate(self.stdout.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise AssertionError(f"stdout line {n} is not JSON ({e}): {line!r}\n{self}")
            if type_ is None or rec.get("type") == type_:
                out.append(rec)
        return out

    def check(self, channel, check):
        """The one check record of (channel, check)."""
        found = [r for r in self.records("check")
                 if r.get("channel") == channel and r.get("check") == check]
        if len(found) != 1:
            raise AssertionError(f"want one check record {channel}/{check}, got {found}\n{self}")
        return found[0]

    def __str__(self):
        return (f"$ {self.program} {' '.join(self.args)}\nexit {self.status} after "
                f"{self.elapsed:.2f}s{' (killed: timeout)' if self.killed else ''}\n"
                f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}---")


class Sandbox:
    """A temporary directory with HOME and XDG dirs inside it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="shopcheck-e2e-")
        self.env = {k: v for k, v in os.environ.items() if k not in _DROP}
        for name, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "home/.config"),
                          ("XDG_STATE_HOME", "home/.local/state"),
                          ("XDG_DATA_HOME", "home/.local/share"),
                          ("XDG_CACHE_HOME", "home/.cache"),
                          ("XDG_RUNTIME_DIR", "run")):
            path = os.path.join(self.dir, sub)
            os.makedirs(path, mode=0o700, exist_ok=True)
            self.env[name] = path
        self.env["NO_COLOR"] = "1"
        self.env["NO_PROXY"] = "*"
        self.env["no_proxy"] = "*"
        self.env["LC_ALL"] = "C.UTF-8"
        self.env["TERM"] = "dumb"

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, text, mode=0o600):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def config(self, text, name="shop.toml"):
        return self.write(name, text, 0o644)

    def run(self, *args, env=None, timeout=30.0, stdin=None):
        merged = dict(self.env)
        merged.update(env or {})
        return run_shopcheck(list(args), merged, timeout=timeout, cwd=self.dir, stdin=stdin)

    def recover(self, *args, env=None, timeout=30.0, stdin=None):
        """Runs the built shoprecover (stdin: text/bytes for it to read, else /dev/null)."""
        merged = dict(self.env)
        merged.update(env or {})
        return run_shopcheck(list(args), merged, timeout=timeout, cwd=self.dir, stdin=stdin,
                             program="shoprecover")

    def report(self, *args, env=None, timeout=30.0, stdin=None):
        """Runs the built shopreport (stdin: text/bytes for it to read, else /dev/null)."""
        merged = dict(self.env)
        merged.update(env or {})
        return run_shopcheck(list(args), merged, timeout=timeout, cwd=self.dir, stdin=stdin,
                             program="shopreport")

    def announce(self, *args, env=None, timeout=30.0, stdin=None):
        """Runs the built shopannounce (stdin: text/bytes for it to read, else /dev/null)."""
        merged = dict(self.env)
        merged.update(env or {})
        return run_shopcheck(list(args), merged, timeout=timeout, cwd=self.dir, stdin=stdin,
                             program="shopannounce")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def run_shopcheck(args, env, timeout=30.0, cwd=None, stdin=None, program="shopcheck"):
    """Runs a built program (shopcheck by default), kills it after `timeout` s. Peak
    RSS of the child comes from wait4's rusage (kB on Linux)."""
    argv = [program_path(program)] + [str(a) for a in args]
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    outputs = {}

    def drain(name, stream):
        outputs[name] = stream.read()
        stream.close()

    readers = [threading.Thread(target=drain, args=("out", proc.stdout)),
               threading.Thread(target=drain, args=("err", proc.stderr))]
    for t in readers:
        t.start()
    if stdin is not None:
        try:
            proc.stdin.write(stdin.encode("utf-8") if isinstance(stdin, str) else stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
    killed = threading.Event()

    def kill():
        killed.set()
        try:
            proc.kill()
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, wstatus, rusage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(wstatus)
    elapsed = time.monotonic() - start
    for t in readers:
        t.join()
    return Result(args, proc.returncode, outputs["out"].decode("utf-8", "replace"),
                  outputs["err"].decode("utf-8", "replace"), elapsed, rusage.ru_maxrss,
                  killed.is_set(), program)


def run_parallel(calls):
    """Runs each zero-argument callable in its own thread; returns their results in order."""
    results = [None] * len(calls)
    errors = []

    def one(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # re-raised on the caller's thread
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def make_cert(directory, name, days):
    """A self-signed certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) valid
    for `days` days, made with the openssl CLI. Returns (cert_path, key_path)."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", str(days),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    return cert, key


def make_expired_cert(directory, name):
    """A self-signed certificate for 127.0.0.1 whose notAfter was a day ago (openssl
    x509 -days -1; `req -x509` refuses a negative count). Returns (cert, key)."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    csr = os.path.join(directory, f"{name}.csr")
    ext = os.path.join(directory, f"{name}.ext")
    with open(ext, "w", encoding="ascii") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    subprocess.run(
        ["openssl", "x509", "-req", "-in", csr, "-signkey", key, "-out", cert, "-days", "-1",
         "-extfile", ext],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    return cert, key


def make_wrong_host_cert(directory, name):
    """A self-signed certificate, valid a year, for shop.example.invalid only (no
    IP:127.0.0.1): a client reaching 127.0.0.1 sees the wrong host. (cert, key)."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "365",
         "-subj", "/CN=shop.example.invalid",
         "-addext", "subjectAltName=DNS:shop.example.invalid"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    return cert, key


class FaultServer(Fixture):
    """One fault_server.py process: the plain port (`base`) and one TLS port per
    certificate given (`tls_base[name]`). tls: {name: (cert, key)}. stats() (TLS
    ports count as "tls:NAME /path") and stop() are the fixture's."""

    def __init__(self, tls=None, handshake_timeout=15.0):
        args = [PYTHON, os.path.join(HERE, "fault_server.py")]
        for name, (cert, key) in (tls or {}).items():
            args += ["--tls", name, cert, key]
        env = {k: v for k, v in os.environ.items() if k not in _DROP}
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.tls_base = {}
        try:
            line = _read_line(self.proc.stdout, handshake_timeout)
            prefix = "listening 127.0.0.1:"
            if not line.startswith(prefix):
                raise RuntimeError(f"fault server did not hand shake: {line!r}")
            self.base = f"http://127.0.0.1:{int(line[len(prefix):].strip())}"
            while True:
                line = _read_line(self.proc.stdout, handshake_timeout).strip()
                if line == "ready":
                    break
                kind, name, addr = line.split(" ")
                if kind != "tls":
                    raise RuntimeError(f"fault server said {line!r}")
                self.tls_base[name] = f"https://{addr}"
        except BaseException:
            self.stop()
            raise

    def url(self, path, tls=None):
        return (self.tls_base[tls] if tls else self.base) + path


def cert_not_after(cert):
    """The certificate's notAfter as an aware UTC datetime."""
    out = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", cert], check=True,
                         capture_output=True, text=True).stdout.strip()
    stamp = out.split("=", 1)[1]  # "Nov 25 18:21:26 2026 GMT"
    return datetime.datetime.strptime(stamp, "%b %d %H:%M:%S %Y %Z").replace(
        tzinfo=datetime.timezone.utc)


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def toml_str(s):
    """A TOML basic string."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_time(dt):
    """A TOML offset date-time (UTC)."""
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def db_tables(path):
    return [r[0] for r in db_query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")]


def db_query(path, sql, params=()):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, datetime.datetime):
        return toml_time(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


def shop_config(channels, policy=None, shop=None, maintenance=(), extra=""):
    """A shopkit.toml text. `channels`: [{"id", "url", "checks": [{key: value}]}]."""
    lines = ["# written by tests/e2e", "[shop]"]
    for k, v in ({"name": "テスト商店", "timezone": "Asia/Tokyo"} | (shop or {})).items():
        lines.append(f"{k} = {toml_value(v)}")
    lines += ["", "[policy]"]
    for k, v in ({"timeout": "5s"} | (policy or {})).items():
        lines.append(f"{k} = {toml_value(v)}")
    for m in maintenance:
        lines += ["", "[[maintenance]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in m.items()]
    for ch in channels:
        lines += ["", "[[channel]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in ch.items() if k != "checks"]
        for check in ch.get("checks", []):
            lines += ["[[channel.check]]"]
            lines += [f"{k} = {toml_value(v)}" for k, v in check.items()]
    if extra:
        lines += ["", extra]
    return "\n".join(lines) + "\n"

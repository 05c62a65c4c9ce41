"""A recording HTTP endpoint on 127.0.0.1 for the announce tests: every POST is
kept (path, headers, JSON body); answers are scripted per path (status, headers,
delay), so a test can make a target time out, fail or ask to retry later.
Standard library only; the server runs in a thread of the test process."""

import http.server
import json
import threading
import time


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # dicts: path, headers, body (parsed JSON or text), time
        self.scripts = {}           # path -> list of (status, headers, body, delay); consumed in order
        self.delay = 0.0            # seconds before every answer
        self.hold = threading.Event()  # when set, requests to paths in self.hang wait until cleared
        self.hang = set()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = self.path.split("?")[0]
                with recorder.lock:
                    script = recorder.scripts.get(path)
                    answer = script.pop(0) if script else (200, {}, "ok", 0.0)
                    entry = {"path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": body, "time": time.time(), "answered": False}
                    recorder.requests.append(entry)
                if path in recorder.hang:
                    # Stays unanswered (the client is expected to be killed meanwhile).
                    while path in recorder.hang:
                        time.sleep(0.05)
                    return
                status, headers, text, delay = answer
                if delay or recorder.delay:
                    time.sleep(delay or recorder.delay)
                data = text.encode("utf-8")
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    entry["answered"] = True
                except OSError:
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path, *answers):
        """Answers for the next requests to `path`: (status, headers, body[, delay])."""
        with self.lock:
            self.scripts[path] = [tuple(a) + (0.0,) * (4 - len(a)) for a in answers]

    def got(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait_for(self, count, path=None, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.got(path)) >= count:
                return True
            time.sleep(0.02)
        return False

    def stop(self):
        self.hang.clear()
        self.server.shutdown()
        self.server.server_close()

"""Loopback fakes of the chat and social APIs shopannounce posts to: Mastodon,
Bluesky (an atproto PDS), Slack, Discord and Teams webhooks, the Telegram Bot
API and a plain webhook. One ThreadingHTTPServer on 127.0.0.1, port 0, in a
thread of the test process.

Each endpoint checks a request the way the real service would (path, method,
auth, body shape, length limit, Bluesky facet byte offsets, the webhook's HMAC
signature) and answers as the service does. Whatever the real service would
refuse is also written to `problems`, so a test asserts `problems == []`.
`script(service, *actions)` makes the next requests of a service answer
otherwise: 500, 429, "commit-500" (do the work, then answer 500, as when the
answer is lost), "commit-503" (the same with 503 and Retry-After: 1), "hang"
(answer nothing for `hang_seconds`), "expire" (Bluesky: the session has
expired, both its accessJwt and its refreshJwt), "expire-access" (Bluesky: the
accessJwt has expired, the refreshJwt still works), "ok" (answer as usual).

Read-only calls (shopannounce --verify): Mastodon GET
/api/v1/accounts/verify_credentials, Telegram getMe, Bluesky createSession.

Standard library only. Run it alone to poke at it by hand:
    /usr/bin/python3 fake_chat.py    → prints "listening 127.0.0.1:PORT"
"""

import datetime
import hashlib
from html import escape as html_escape
import hmac
import http.server
import itertools
import json
import re
import threading
import time
import unicodedata
import urllib.parse

MASTODON_TOKEN = "mastodon-token-4f1c9e"
MASTODON_ACCOUNT = "109000000000000042"
BLUESKY_HANDLE = "shop.example.com"
BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"
BLUESKY_DID = "did:plc:shopexample1234567890ab"
TELEGRAM_TOKEN = "7654321:AAFakeTelegramToken_xyz987"
TELEGRAM_CHAT = -1001234567890
SLACK_PATH = "/services/T0FAKE01/B0FAKE02/slackSecretPart123"
DISCORD_PATH = "/api/webhooks/123456789012345678/discordSecretToken-abc"
TEAMS_PATH = "/workflows/0f1e2d3c/triggers/manual/paths/invoke"
TEAMS_SIG = "teamsSigSecret987"
WEBHOOK_PATH = "/hook/webhookSecretPath42"
WEBHOOK_SECRET = "whsec-signing-key-0042"

SERVICES = ("mastodon", "bluesky", "slack", "discord", "teams", "telegram", "webhook")

_MASTODON_LINK = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")
_URL = re.compile(r"https?://[^\s<>\"'`\u0080-\U0010ffff]+", re.IGNORECASE)
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_S32 = "234567abcdefghijklmnopqrstuvwxyz"


def _trim_url(url):
    while url and url[-1] in ".,;:!?":
        url = url[:-1]
    while url and url[-1] in ")]":
        opener = "(" if url[-1] == ")" else "["
        if url.count(url[-1]) <= url.count(opener):
            break
        url = url[:-1]
    return url


def urls_in(text):
    """(start, end, url) in code points for every http(s) URL, as the services see them."""
    out = []
    for m in _URL.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum() and text[m.start() - 1].isascii():
            continue
        url = _trim_url(m.group(0))
        if len(url) > len("https://"):
            out.append((m.start(), m.start() + len(url), url))
    return out


def mastodon_length(text):
    """Mastodon's count: code points, every URL as 23."""
    n = len(text)
    for start, end, _ in urls_in(text):
        n += 23 - (end - start)
    return n


def graphemes(text):
    """Extended grapheme clusters, approximately (Python has no segmenter):
    marks, joiners, variation selectors and skin tones join the previous cluster,
    a ZWJ joins the next character too, and regional indicators pair up."""
    n = 0
    join_next = False
    ri_open = False
    for ch in text:
        cp = ord(ch)
        if join_next:
            join_next = False
            continue
        if cp == 0x200D:
            join_next = True
            continue
        if unicodedata.category(ch) in ("Mn", "Me", "Mc") or 0xFE00 <= cp <= 0xFE0F \
                or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:
            continue
        if 0x1F1E6 <= cp <= 0x1F1FF:
            if ri_open:
                ri_open = False
                continue
            ri_open = True
        else:
            ri_open = False
        n += 1
    return n


def utf16_units(text):
    return len(text.encode("utf-16-le")) // 2


def _rfc3339(s):
    if not isinstance(s, str) or not re.match(
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", s):
        return None
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


class Request:
    """One request the fake received, and what it answered."""

    def __init__(self, service, method, path, query, headers, body):
        self.service = service
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers  # lower-case names
        self.body = body
        self.status = None
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.service} {self.method} {self.path} → {self.status}>"


class FakeChat:
    """The fake services. `base` is the http://127.0.0.1:PORT every api_base and
    webhook URL starts with."""

    def __init__(self, hang_seconds=6.0):
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        self.requests = []
        self.problems = []
        self._script = {s: [] for s in SERVICES}
        self._ids = itertools.count(109000000000000001)
        # mastodon
        self.statuses = []          # bodies of created statuses
        self.posted = []            # the statuses as the API shows them, oldest first
        self.mastodon_read = True   # the token has read:accounts and read:statuses
        self._idem = {}             # Idempotency-Key → the answer given
        # bluesky
        self.sessions_created = 0
        self.sessions_refreshed = 0
        self._tokens = {}           # accessJwt → expired?
        self._refresh = {}          # refreshJwt → expired (or used: they rotate)?
        self._jwt_serial = itertools.count(1)
        self.records = {}           # rkey → record
        self.duplicate_creates = 0
        # the rest: what each accepted
        self.delivered = {s: [] for s in SERVICES}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # ---- what tests use ----

    @property
    def slack_url(self):
        return self.base + SLACK_PATH

    @property
    def discord_url(self):
        return self.base + DISCORD_PATH

    @property
    def teams_url(self):
        return (f"{self.base}{TEAMS_PATH}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun"
                f"&sv=1.0&sig={TEAMS_SIG}")

    @property
    def webhook_url(self):
        return self.base + WEBHOOK_PATH

    def script(self, service, *actions):
        """The next requests of `service` answer these, in order (then as usual)."""
        assert service in SERVICES, service
        with self.lock:
            self._script[service].extend(actions)

    def of(self, service, path_part=""):
        with self.lock:
            return [r for r in self.requests if r.service == service and path_part in r.path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # ---- plumbing ----

    def _problem(self, req, why):
        with self.lock:
            self.problems.append(f"{req.service} {req.method} {req.path}: {why}")

    def _next_action(self, service):
        with self.lock:
            return self._script[service].pop(0) if self._script[service] else None

    def _dispatch(self, h):
        parsed = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        path = parsed.path
        if path.startswith("/api/v1/"):
            service = "mastodon"
        elif path.startswith("/xrpc/"):
            service = "bluesky"
        elif path.startswith("/bot"):
            service = "telegram"
        elif path.startswith("/services/"):
            service = "slack"
        elif path.startswith("/api/webhooks/"):
            service = "discord"
        elif path.startswith("/workflows/"):
            service = "teams"
        elif path.startswith("/hook/"):
            service = "webhook"
        else:
            service = "unknown"
        req = Request(service, h.command, path, urllib.parse.parse_qs(parsed.query), headers, body)
        with self.lock:
            self.requests.append(req)
        if service == "unknown":
            self._problem(req, "no such API")
            return self._answer(h, req, 404, {"error": "not found"})
        action = None if (service == "bluesky" and path.endswith(("createSession",
                                                                  "refreshSession"))) \
            else self._next_action(service)
        if action == "hang":
            time.sleep(self.hang_seconds)
            return self._answer(h, req, 504, {"error": "too late"})
        if action in (500, 429, 503):
            return self._answer(h, req, action, *self._refusal(service, action))
        getattr(self, "_" + service)(h, req, action)

    def _refusal(self, service, status):
        """What the service says with a 500/503 or a 429 (body, headers)."""
        if status != 429:
            return {"error": "Internal Server Error"}, {"Retry-After": "1"}
        if service == "discord":
            return ({"message": "You are being rate limited.", "retry_after": 1.2,
                     "global": False}, {"Retry-After": "1"})
        if service == "telegram":
            return ({"ok": False, "error_code": 429,
                     "description": "Too Many Requests: retry after 1",
                     "parameters": {"retry_after": 1}}, {})
        if service == "mastodon":
            reset = (datetime.datetime.now(datetime.timezone.utc)
                     + datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return {"error": "Too many requests"}, {"X-RateLimit-Reset": reset,
                                                    "X-RateLimit-Remaining": "0"}
        if service == "bluesky":
            return ({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    {"RateLimit-Reset": str(int(time.time()) + 1), "RateLimit-Remaining": "0"})
        return "rate limited", {"Retry-After": "1"}

    def _answer(self, h, req, status, body, headers=None):
        req.status = status
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            ctype = "application/json; charset=utf-8"
        else:
            data = (body or "").encode()
            ctype = "text/plain; charset=utf-8"
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass

    def _need_json(self, h, req):
        ctype = req.headers.get("content-type", "")
        if req.method != "POST":
            self._problem(req, f"method {req.method}, want POST")
            self._answer(h, req, 405, {"error": "method not allowed"})
            return False
        if not ctype.startswith("application/json") or not isinstance(req.json, dict):
            self._problem(req, f"not a JSON object body (Content-Type {ctype!r})")
            self._answer(h, req, 400, {"error": "bad body"})
            return False
        return True

    # ---- Mastodon: POST /api/v1/statuses, and the look-up of earlier ones ----

    def forget_idempotency_keys(self):
        """What the instance does an hour after a key was first used."""
        with self.lock:
            self._idem.clear()

    @staticmethod
    def _mastodon_html(text):
        """A status's `content` as Mastodon renders plain text: escaped, paragraphs
        at blank lines, <br /> at line breaks, links split into hidden and shown parts."""
        def link(m):
            url = m.group(0)
            scheme, rest = url.split("://", 1)
            return (f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">'
                    f'<span class="invisible">{scheme}://</span><span class="ellipsis">'
                    f'{rest[:30]}</span><span class="invisible">{rest[30:]}</span></a>')
        paras = []
        for para in re.split(r"\n\s*\n", text.strip()):
            escaped = html_escape(para, quote=True).replace("&#x27;", "&#39;")
            escaped = _MASTODON_LINK.sub(link, escaped)
            paras.append("<p>" + escaped.replace("\n", "<br />") + "</p>")
        return "".join(paras)

    def _mastodon_lookup(self, h, req):
        if req.headers.get("authorization") != "Bearer " + MASTODON_TOKEN:
            self._problem(req, "bad or missing bearer token")
            return self._answer(h, req, 401, {"error": "The access token is invalid"})
        if req.method != "GET":
            self._problem(req, f"method {req.method}, want GET")
        if not self.mastodon_read:
            return self._answer(h, req, 403, {
                "error": "This action is outside the authorized scopes"})
        if req.path == "/api/v1/accounts/verify_credentials":
            # Also shopannounce --verify's read-only call: who the token belongs to.
            return self._answer(h, req, 200, {"id": MASTODON_ACCOUNT, "username": "shop",
                                              "acct": "shop", "display_name": "テスト商店"})
        limit = int(req.query.get("limit", ["20"])[0])
        if limit > 40:
            self._problem(req, f"limit {limit} over the maximum 40")
        with self.lock:
            newest_first = list(reversed(self.posted))[:limit]
        return self._answer(h, req, 200, newest_first)

    def _mastodon(self, h, req, action):
        if req.path in ("/api/v1/accounts/verify_credentials",
                        f"/api/v1/accounts/{MASTODON_ACCOUNT}/statuses"):
            return self._mastodon_lookup(h, req)
        if req.path != "/api/v1/statuses":
            self._problem(req, "unknown path")
            return self._answer(h, req, 404, {"error": "Record not found"})
        if req.headers.get("authorization") != "Bearer " + MASTODON_TOKEN:
            self._problem(req, "bad or missing bearer token")
            return self._answer(h, req, 401, {"error": "The access token is invalid"})
        if not self._need_json(h, req):
            return
        key = req.headers.get("idempotency-key")
        if not key:
            self._problem(req, "no Idempotency-Key")
        with self.lock:
            earlier = self._idem.get(key) if key else None
        if earlier is not None:
            # Mastodon answers a repeated key with the status it made the first time.
            return self._answer(h, req, 200, earlier)
        status = req.json.get("status")
        if not isinstance(status, str) or not status.strip():
            self._problem(req, "no status text")
            return self._answer(h, req, 422, {"error": "Validation failed: Text can't be blank"})
        if req.json.get("visibility") != "public":
            self._problem(req, f"visibility {req.json.get('visibility')!r}, want public")
        if mastodon_length(status) > 500:
            self._problem(req, f"status counts {mastodon_length(status)} of 500")
            return self._answer(h, req, 422, {
                "error": "Validation failed: Text character limit of 500 exceeded"})
        sid = str(next(self._ids))
        created = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        answer = {"id": sid, "url": f"https://mastodon.example/@shop/{sid}",
                  "created_at": created, "visibility": "public",
                  "content": self._mastodon_html(status),
                  "language": req.json.get("language")}
        with self.lock:
            self.statuses.append(req.json)
            self.posted.append(answer)
            if key:
                self._idem[key] = answer
        if action == "commit-500":
            return self._answer(h, req, 500, {"error": "Internal Server Error"},
                                {"Retry-After": "1"})
        self._answer(h, req, 200, answer)

    # ---- Bluesky: createSession, createRecord, getRecord ----

    def expire_sessions(self, refresh_too=True):
        with self.lock:
            for t in self._tokens:
                self._tokens[t] = True
            if refresh_too:
                for t in self._refresh:
                    self._refresh[t] = True

    def _new_session(self):
        """A new (accessJwt, refreshJwt) pair; call with the lock held."""
        n = next(self._jwt_serial)
        access, refresh = f"eyJ.access.{n}", f"eyJ.refresh.{n}"
        self._tokens[access] = False
        self._refresh[refresh] = False
        return access, refresh

    def _bluesky_auth(self, h, req):
        auth = req.headers.get("authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with self.lock:
            state = self._tokens.get(token)
        if state is None:
            self._problem(req, "no valid accessJwt")
            self._answer(h, req, 401, {"error": "AuthenticationRequired",
                                       "message": "Authentication Required"})
            return False
        if state:
            self._answer(h, req, 400, {"error": "ExpiredToken", "message": "Token has expired"})
            return False
        return True

    def _bluesky(self, h, req, action):
        if action == "expire":
            self.expire_sessions()
        if action == "expire-access":
            self.expire_sessions(refresh_too=False)
        if req.path == "/xrpc/com.atproto.server.refreshSession":
            if req.method != "POST":
                self._problem(req, "refreshSession is a POST")
            if req.body:
                self._problem(req, "refreshSession takes no body")
            auth = req.headers.get("authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            with self.lock:
                state = self._refresh.get(token)
                if state is False:
                    self._refresh[token] = True  # a refreshJwt is used once
                    self.sessions_refreshed += 1
                    access, refresh = self._new_session()
            if state is None:
                if token in self._tokens:
                    self._problem(req, "refreshSession with the accessJwt")
                return self._answer(h, req, 400, {"error": "InvalidToken",
                                                  "message": "Token could not be verified"})
            if state:
                return self._answer(h, req, 400, {"error": "ExpiredToken",
                                                  "message": "Token has been revoked"})
            return self._answer(h, req, 200, {
                "accessJwt": access, "refreshJwt": refresh, "handle": BLUESKY_HANDLE,
                "did": BLUESKY_DID, "active": True})
        if req.path == "/xrpc/com.atproto.server.createSession":
            if not self._need_json(h, req):
                return
            if req.json.get("identifier") != BLUESKY_HANDLE or \
                    req.json.get("password") != BLUESKY_PASSWORD:
                return self._answer(h, req, 401, {"error": "AuthenticationRequired",
                                                  "message": "Invalid identifier or password"})
            with self.lock:
                self.sessions_created += 1
                token, refresh = self._new_session()
            return self._answer(h, req, 200, {
                "accessJwt": token, "refreshJwt": refresh,
                "handle": BLUESKY_HANDLE, "did": BLUESKY_DID, "active": True})
        if req.path == "/xrpc/com.atproto.repo.getRecord":
            if req.method != "GET":
                self._problem(req, "getRecord is a GET")
            q = {k: v[0] for k, v in req.query.items()}
            if q.get("repo") not in (BLUESKY_DID, BLUESKY_HANDLE) or \
                    q.get("collection") != "app.bsky.feed.post":
                self._problem(req, f"getRecord of {q}")
            with self.lock:
                rec = self.records.get(q.get("rkey"))
            if rec is None:
                return self._answer(h, req, 400, {
                    "error": "RecordNotFound",
                    "message": f"Could not locate record: at://{q.get('repo')}/"
                               f"{q.get('collection')}/{q.get('rkey')}"})
            return self._answer(h, req, 200, {
                "uri": f"at://{BLUESKY_DID}/app.bsky.feed.post/{q['rkey']}",
                "cid": "bafyreifake", "value": rec})
        if req.path != "/xrpc/com.atproto.repo.createRecord":
            self._problem(req, "unknown XRPC method")
            return self._answer(h, req, 501, {"error": "MethodNotImplemented"})
        if not self._bluesky_auth(h, req) or not self._need_json(h, req):
            return
        body = req.json
        if body.get("repo") != BLUESKY_DID:
            self._problem(req, f"repo {body.get('repo')!r}, want the session's did")
            return self._answer(h, req, 401, {"error": "AuthRequired"})
        if body.get("collection") != "app.bsky.feed.post":
            self._problem(req, f"collection {body.get('collection')!r}")
            return self._answer(h, req, 400, {"error": "InvalidRequest"})
        rkey = body.get("rkey")
        if not isinstance(rkey, str) or not _TID.match(rkey):
            self._problem(req, f"rkey {rkey!r} is not a TID (the AppView ignores such posts)")
            return self._answer(h, req, 400, {"error": "InvalidRequest",
                                              "message": "Invalid record key"})
        why = self._check_post(body.get("record"))
        if why:
            self._problem(req, why)
            return self._answer(h, req, 400, {"error": "InvalidRequest",
                                              "message": f"Invalid app.bsky.feed.post record: "
                                                         f"{why}"})
        with self.lock:
            if rkey in self.records:
                # What the reference PDS answers for a record key already taken.
                self.duplicate_creates += 1
                dup = True
            else:
                self.records[rkey] = body["record"]
                dup = False
        if dup:
            return self._answer(h, req, 500, {"error": "InternalServerError",
                                              "message": "Internal Server Error"})
        if action == "commit-500":
            return self._answer(h, req, 500, {"error": "InternalServerError",
                                              "message": "Internal Server Error"})
        if action == "commit-503":
            return self._answer(h, req, 503, {"error": "UpstreamFailure",
                                              "message": "Upstream Failure"},
                                {"Retry-After": "1"})
        self._answer(h, req, 200, {"uri": f"at://{BLUESKY_DID}/app.bsky.feed.post/{rkey}",
                                   "cid": "bafyreifake" + rkey,
                                   "commit": {"cid": "bafyreicommit", "rev": rkey},
                                   "validationStatus": "valid"})

    @staticmethod
    def _check_post(record):
        if not isinstance(record, dict):
            return "record is not an object"
        if record.get("$type") != "app.bsky.feed.post":
            return f"$type {record.get('$type')!r}"
        text = record.get("text")
        if not isinstance(text, str):
            return "no text"
        if graphemes(text) > 300:
            return f"Record/text must not be longer than 300 graphemes ({graphemes(text)})"
        if len(text.encode()) > 3000:
            return "Record/text must not be longer than 3000 characters"
        created = _rfc3339(record.get("createdAt"))
        if created is None:
            return f"createdAt {record.get('createdAt')!r} is not an atproto datetime"
        if abs((created - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) > 600:
            return f"createdAt {record.get('createdAt')} is not now"
        langs = record.get("langs")
        if langs is not None and (not isinstance(langs, list) or len(langs) > 3 or
                                  not all(isinstance(x, str) and x for x in langs)):
            return f"langs {langs!r}"
        raw = text.encode()
        linked = set()
        for f in record.get("facets") or []:
            index = f.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not isinstance(start, int) or not isinstance(end, int) or \
                    not 0 <= start < end <= len(raw):
                return f"facet index {index!r} outside the text's {len(raw)} bytes"
            try:
                span = raw[start:end].decode()
            except UnicodeDecodeError:
                return f"facet {start}..{end} splits a UTF-8 character"
            feats = f.get("features")
            if not isinstance(feats, list) or len(feats) != 1:
                return f"facet features {feats!r}"
            feat = feats[0]
            if feat.get("$type") != "app.bsky.richtext.facet#link":
                return f"facet feature $type {feat.get('$type')!r}"
            if feat.get("uri") != span:
                return f"facet {start}..{end} covers {span!r}, not its uri {feat.get('uri')!r}"
            linked.add(span)
        for _, _, url in urls_in(text):
            if url not in linked:
                return f"the link {url} has no facet"
        return None

    # ---- Telegram: POST /bot<token>/sendMessage ----

    def _telegram(self, h, req, action):
        m = re.match(r"^/bot([^/]+)/(\w+)$", req.path)
        if not m or m.group(1) != TELEGRAM_TOKEN:
            # The real API answers a bad token 401 (or 404 for a malformed one).
            self._problem(req, "bad bot token in the path")
            return self._answer(h, req, 401, {"ok": False, "error_code": 401,
                                              "description": "Unauthorized"})
        if m.group(2) == "getMe":
            # Read-only (shopannounce --verify): the bot itself.
            return self._answer(h, req, 200, {"ok": True, "result": {
                "id": 7654321, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}})
        if m.group(2) != "sendMessage":
            self._problem(req, f"method {m.group(2)}")
            return self._answer(h, req, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found"})
        if not self._need_json(h, req):
            return
        body = req.json
        if body.get("chat_id") != TELEGRAM_CHAT:
            self._problem(req, f"chat_id {body.get('chat_id')!r}")
            return self._answer(h, req, 400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: chat not found"})
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            self._problem(req, "no text")
            return self._answer(h, req, 400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: message text is empty"})
        if utf16_units(text) > 4096:
            self._problem(req, f"text counts {utf16_units(text)} of 4096 UTF-16 units")
            return self._answer(h, req, 400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: message is too long"})
        if body.get("disable_web_page_preview") is not True:
            self._problem(req, "link previews not disabled")
        with self.lock:
            self.delivered["telegram"].append(body)
            mid = len(self.delivered["telegram"]) + 100
        if action == "commit-500":
            return self._answer(h, req, 500, {"ok": False, "error_code": 500,
                                              "description": "Internal Server Error"})
        self._answer(h, req, 200, {"ok": True, "result": {
            "message_id": mid, "date": int(time.time()), "text": text,
            "chat": {"id": TELEGRAM_CHAT, "type": "supergroup"}}})

    # ---- Slack incoming webhook ----

    def _slack(self, h, req, action):
        if req.path != SLACK_PATH:
            self._problem(req, "unknown webhook")
            return self._answer(h, req, 404, "no_service")
        if req.method != "POST" or not isinstance(req.json, dict):
            self._problem(req, "not a JSON POST")
            return self._answer(h, req, 400, "invalid_payload")
        text = req.json.get("text")
        if not isinstance(text, str) or not text:
            self._problem(req, "no text")
            return self._answer(h, req, 400, "no_text")
        if "<" in text or ">" in text or re.search(r"&(?!amp;|lt;|gt;)", text):
            self._problem(req, "text not mrkdwn-escaped (&, <, >)")
        if len(text) > 40000:
            self._problem(req, f"text counts {len(text)} of 40000")
            return self._answer(h, req, 400, "msg_too_long")
        with self.lock:
            self.delivered["slack"].append(req.json)
        self._answer(h, req, 200, "ok")

    # ---- Discord webhook ----

    def _discord(self, h, req, action):
        if req.path != DISCORD_PATH:
            self._problem(req, "unknown webhook")
            return self._answer(h, req, 401, {"message": "Invalid Webhook Token", "code": 50027})
        if req.query.get("wait") != ["true"]:
            self._problem(req, "no ?wait=true")
        if not self._need_json(h, req):
            return
        content = req.json.get("content")
        if not isinstance(content, str) or not content:
            self._problem(req, "no content")
            return self._answer(h, req, 400, {"message": "Cannot send an empty message",
                                              "code": 50006})
        if req.json.get("allowed_mentions") != {"parse": []}:
            self._problem(req, f"allowed_mentions {req.json.get('allowed_mentions')!r}")
        if len(content) > 2000:
            self._problem(req, f"content counts {len(content)} of 2000")
            too_long = {"code": "BASE_TYPE_MAX_LENGTH",
                        "message": "Must be 2000 or fewer in length."}
            return self._answer(h, req, 400, {"message": "Invalid Form Body", "code": 50035,
                                              "errors": {"content": {"_errors": [too_long]}}})
        with self.lock:
            self.delivered["discord"].append(req.json)
        self._answer(h, req, 200, {"id": str(next(self._ids)), "type": 0, "content": content,
                                   "channel_id": "111", "webhook_id": "123456789012345678"})

    # ---- Teams Workflows webhook ----

    def _teams(self, h, req, action):
        if req.path != TEAMS_PATH or req.query.get("sig") != [TEAMS_SIG]:
            self._problem(req, "bad workflow URL or signature")
            return self._answer(h, req, 401, {"error": {"code": "DirectApiAuthorizationRequired"}})
        if not self._need_json(h, req):
            return
        if len(req.body) > 28 * 1024:
            self._problem(req, f"{len(req.body)} bytes over 28 KB")
            return self._answer(h, req, 413, {"error": {"code": "RequestEntityTooLarge"}})
        why = self._check_card(req.json)
        if why:
            self._problem(req, why)
            return self._answer(h, req, 400, {"error": {"code": "InvalidTemplate",
                                                        "message": why}})
        with self.lock:
            self.delivered["teams"].append(req.json)
        self._answer(h, req, 202, "")

    @staticmethod
    def _check_card(body):
        if body.get("type") != "message":
            return "type is not message"
        atts = body.get("attachments")
        if not isinstance(atts, list) or len(atts) != 1:
            return "want one attachment"
        a = atts[0]
        if a.get("contentType") != "application/vnd.microsoft.card.adaptive":
            return f"contentType {a.get('contentType')!r}"
        if "contentUrl" not in a or a["contentUrl"] is not None:
            return "contentUrl must be null"
        card = a.get("content") or {}
        if card.get("type") != "AdaptiveCard" or card.get("version") != "1.4" or \
                card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
            return "not an Adaptive Card 1.4"
        blocks = card.get("body")
        if not isinstance(blocks, list) or not blocks:
            return "empty card"
        for b in blocks:
            if b.get("type") != "TextBlock" or not isinstance(b.get("text"), str) or \
                    b.get("wrap") is not True:
                return f"block {b!r} is not a wrapping TextBlock"
        if blocks[0].get("weight") != "Bolder":
            return "the subject is not bold"
        return None

    # ---- the plain webhook ----

    def _webhook(self, h, req, action):
        if req.path != WEBHOOK_PATH:
            self._problem(req, "unknown webhook path")
            return self._answer(h, req, 404, {"error": "no such hook"})
        if not self._need_json(h, req):
            return
        sig = req.headers.get("x-shopkit-signature")
        want = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), req.body, hashlib.sha256).hexdigest()
        if sig != want:
            self._problem(req, f"signature {sig!r} does not verify")
            return self._answer(h, req, 401, {"error": "bad signature"})
        body = req.json
        for k in ("incident", "event", "target", "text", "subject", "key"):
            if k not in body:
                self._problem(req, f"no {k!r} in the body")
        if not isinstance(body.get("incident"), dict) or not body["incident"].get("id"):
            self._problem(req, "incident is not a record with an id")
        if req.headers.get("idempotency-key") != body.get("key"):
            self._problem(req, "Idempotency-Key is not the body's key")
        with self.lock:
            self.delivered["webhook"].append(body)
        if action == "commit-500":
            return self._answer(h, req, 500, {"error": "oops"}, {"Retry-After": "1"})
        self._answer(h, req, 200, {"id": f"evt_{len(self.delivered['webhook'])}"})


if __name__ == "__main__":
    fake = FakeChat()
    print(f"listening 127.0.0.1:{fake.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()

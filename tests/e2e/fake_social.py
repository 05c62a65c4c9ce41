"""Fake LINE, X and Graph (Facebook / Instagram) APIs on 127.0.0.1, for the
end-to-end tests of shopannounce.

One FakeSocial serves all three on one port (the paths do not overlap), in a
thread of the test process. It checks every request the way the real API would
and answers like it:

  LINE  POST /v2/bot/message/broadcast|push|multicast
        Authorization: Bearer TOKEN, Content-Type: application/json,
        X-Line-Retry-Key: a UUID; body {"messages":[{"type":"text","text"}]} (1-5),
        push {"to": id}, multicast {"to": [user ids U…]} (1-500; a group C… or
        room R… id there is refused); text <= 5000 UTF-16
        units. 200 {} + x-line-request-id; a retry key seen before and accepted
        answers 409 + x-line-accepted-request-id (as LINE does).
  X     POST /2/tweets, Content-Type: application/json, body {"text"} and
        nothing else; Authorization: Bearer TOKEN (OAuth 2.0) or OAuth 1.0a
        HMAC-SHA1 whose signature is recomputed here with the test's keys (method,
        this server's URL, oauth_* parameters; the JSON body is not signed),
        timestamp within 5 minutes, nonce never reused. Weighted length <= 280.
        Same text twice: 403 duplicate content. 201 {"data":{"id","text"}}.
        Bearer also takes an access token this fake issued and has not expired.
  X     POST /2/oauth2/token, form grant_type=refresh_token&refresh_token=R and
        client_id=ID (public client) or Authorization: Basic ID:SECRET
        (confidential client, x_oauth2["client_secret"]). A refresh token works
        once: 200 {"token_type","expires_in":7200,"access_token","scope",
        "refresh_token"} with a new pair; a spent or unknown one answers 400
        {"error":"invalid_request","error_description":…}, as X does.
  Graph POST /{v}/{page}/feed (form message, access_token) -> {"id"};
        POST /{v}/{user}/media (form image_url, caption | media_type=STORIES,
        access_token) -> {"id": container}; POST /{v}/{user}/media_publish
        (creation_id, access_token) -> {"id": media}; errors
        {"error":{"message","type","code","fbtrace_id"}}. {v} must be
        `graph_version` (every version seen is in `graph_versions`).

Read-only calls (shopannounce --verify), which change nothing:
  LINE  GET /v2/bot/info, /v2/bot/message/quota (line_quota),
        /v2/bot/message/quota/consumption (line_usage),
        /v2/bot/insight/followers?date=yyyyMMdd (line_followers)
  X     GET /2/users/me (signed as a post is) -> {"data":{"id","name","username"}}
  Graph GET /{v}/me?fields=id,name&access_token= (the Page) and
        GET /{v}/{user}?fields=id,username&access_token= (the Instagram user)
  Images GET /images/NAME: images[NAME] = (status, content type)

A request that breaks a rule is answered 400 and recorded in `problems`, so a
test asserts `fake.problems == []`. Tests script failures per route with
`plan(route, *answers)`: each answer is used by one request, in order, before the
route behaves normally again. An answer is None (behave normally) or a dict:
  {"status": 429, "headers": {...}, "body": {...}}   answered as given
  {"hang": 5}                                          answers nothing for 5 s
  {"accept_then_hang": 5}                              does the work, then answers
                                                       nothing for 5 s (a lost answer)
Routes: "line", "x", "x-token", "feed", "media", "publish".

Standard library only (Debian's /usr/bin/python3).
"""

import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
import urllib.parse
import uuid

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}$")

LINE_QUOTA = {"message": "You have reached your monthly limit."}
LINE_RATE = {"message": "The API rate limit has been exceeded. Try again later."}
X_TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests",
              "type": "about:blank", "status": 429}


def utf16_units(text):
    return len(text.encode("utf-16-le")) // 2


def x_weight(text):
    """twitter-text v3 weighting, written apart from the C++ one: URLs 23, code
    points in the light ranges 1, others 2 (no emoji sequences in these tests)."""
    weight = 0
    url = re.compile(r"https?://[A-Za-z0-9][\x21-\x7e]*", re.IGNORECASE)
    pos = 0
    for m in url.finditer(text):
        weight += _plain_weight(text[pos:m.start()])
        end = m.group(0).rstrip(".,:;!?'")
        weight += 23 + _plain_weight(m.group(0)[len(end):])
        pos = m.end()
    weight += _plain_weight(text[pos:])
    return weight


def _plain_weight(s):
    total = 0
    for ch in s:
        c = ord(ch)
        light = (c <= 0x10FF or 0x2000 <= c <= 0x200D or 0x2010 <= c <= 0x201F
                 or 0x2032 <= c <= 0x2037)
        total += 1 if light else 2
    return total


def pct(s):
    return urllib.parse.quote(s, safe="-._~")


def oauth1_signature(method, url, params, consumer_secret, token_secret):
    """RFC 5849 HMAC-SHA1 over (method, base URL, sorted encoded params)."""
    pairs = sorted((pct(k), pct(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method.upper(), pct(url), pct(normalized)])
    key = f"{pct(consumer_secret)}&{pct(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


def parse_oauth_header(value):
    if not value.startswith("OAuth "):
        return None
    params = {}
    for part in value[6:].split(","):
        part = part.strip()
        m = re.fullmatch(r'([A-Za-z0-9_]+)="([^"]*)"', part)
        if not m:
            return None
        params[urllib.parse.unquote(m.group(1))] = urllib.parse.unquote(m.group(2))
    return params


class Problem(Exception):
    """A request the real API would refuse (answered 400)."""


class FakeSocial:
    def __init__(self, line_token="line-token-0123456789", x_bearer=None, x_oauth1=None,
                 graph_token="graph-token-0123456789", page_id="1234567890",
                 ig_user_id="17841400000000000", x_oauth2=None, graph_version="v26.0"):
        """x_oauth1: dict consumer_key, consumer_secret, access_token, access_secret.
        x_oauth2: dict client_id, refresh_token (the first one X handed out) and,
        for a confidential client, client_secret."""
        self.x_oauth2 = x_oauth2
        self._x_refresh = {x_oauth2["refresh_token"]: True} if x_oauth2 else {}  # → usable?
        self._x_access = {}     # access token issued here → still valid?
        self._x_serial = 0
        self.line_token = line_token
        self.x_bearer = x_bearer
        self.x_oauth1 = x_oauth1
        self.graph_token = graph_token
        self.page_id = page_id
        self.ig_user_id = ig_user_id
        self.graph_version = graph_version
        self.graph_versions = []  # the version of every Graph request, in order
        self.line_quota = {"type": "limited", "value": 1000}
        self.line_usage = 200
        self.line_followers = {"status": "ready", "followers": 410, "targetedReaches": 300,
                               "blocks": 10}
        self.images = {"ok.png": (200, "image/png"), "page.html": (200, "text/html"),
                       "gone.png": (404, "text/html")}
        self.lock = threading.Lock()
        self.requests = []      # every request: {"route","method","path","headers","body"}
        self.problems = []      # rule breaks, as text
        self.line_sent = []     # accepted LINE requests: {"path","body","retry_key"}
        self.x_posts = []       # accepted posts: {"id","text"}
        self.feed_posts = []    # {"id","message"}
        self.containers = {}    # id -> {"image_url","caption","media_type","published"}
        self.published = []     # {"id","container","media_type"}
        self._plans = {}
        self._line_keys = {}    # retry key -> request id
        self._x_nonces = set()
        self._stop = threading.Event()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake._handle(self, body)

            def _answer(self, status, body, headers=None):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                if "Content-Type" not in (headers or {}):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def plan(self, route, *answers):
        with self.lock:
            self._plans.setdefault(route, []).extend(answers)

    def count(self, route):
        with self.lock:
            return sum(1 for r in self.requests if r["route"] == route)

    def route_requests(self, route):
        with self.lock:
            return [r for r in self.requests if r["route"] == route]

    # --- dispatch -------------------------------------------------------------

    def _handle(self, h, body):
        path = urllib.parse.urlsplit(h.path).path
        route = self._route(path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.requests.append({"route": route, "method": h.command, "path": h.path,
                                  "headers": headers, "body": body})
            planned = self._plans.get(route, [])
            answer = planned.pop(0) if planned else None
        if answer is not None and "accept_then_hang" in answer:
            # The API does the work but the answer never arrives (a lost
            # response): what idempotency keys are for.
            try:
                self._dispatch(route, h, path, headers, body)
            except Problem as p:
                with self.lock:
                    self.problems.append(f"{route} {path}: {p}")
            self._stop.wait(answer["accept_then_hang"])
            h.close_connection = True
            return
        if answer is not None:
            if "hang" in answer:
                self._stop.wait(answer["hang"])
                h.close_connection = True
                return
            # A scripted failure still has to be a well-formed request to get it.
            h._answer(answer.get("status", 500), answer.get("body", {}),
                      answer.get("headers"))
            return
        try:
            status, out, extra = self._dispatch(route, h, path, headers, body)
        except Problem as p:
            with self.lock:
                self.problems.append(f"{route} {path}: {p}")
            status, out, extra = 400, {"message": str(p)}, {}
        h._answer(status, out, extra)

    def _dispatch(self, route, h, path, headers, body):
        if h.command == "GET":
            return self._read(route, h, path, headers)
        if route == "line":
            return self._line(path, headers, body)
        if route == "x":
            return self._x(h, path, headers, body)
        if route == "x-token":
            return self._x_token(headers, body)
        if route in ("feed", "media", "publish"):
            return self._graph(route, path, headers, body)
        return 404, {"message": "Not found"}, {}

    def _route(self, path):
        if path.startswith("/v2/bot/"):
            return "line"
        if path in ("/2/tweets", "/2/users/me"):
            return "x"
        if path == "/2/oauth2/token":
            return "x-token"
        if path.startswith("/images/"):
            return "image"
        m = re.fullmatch(r"/(v\d+\.\d+)/[^/]+(/feed|/media|/media_publish)?", path)
        if m:
            with self.lock:
                self.graph_versions.append(m.group(1))
            return {"/feed": "feed", "/media": "media", "/media_publish": "publish",
                    None: "graph-read"}[m.group(2)]
        return "unknown"

    # --- read-only calls (--verify) -------------------------------------------

    def _read(self, route, h, path, headers):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(h.path).query))
        if route == "line":
            if headers.get("authorization") != f"Bearer {self.line_token}":
                return 401, {"message": "Authentication failed. Confirm that the access token "
                                        "in the authorization header is valid."}, {}
            if path == "/v2/bot/info":
                return 200, {"userId": "Ufake0123456789", "basicId": "@123abcde",
                             "displayName": "テスト商店", "chatMode": "bot",
                             "markAsReadMode": "auto"}, {}
            if path == "/v2/bot/message/quota":
                return 200, self.line_quota, {}
            if path == "/v2/bot/message/quota/consumption":
                return 200, {"totalUsage": self.line_usage}, {}
            if path == "/v2/bot/insight/followers":
                if not re.fullmatch(r"\d{8}", query.get("date", "")):
                    raise Problem(f"followers date {query.get('date')!r} is not yyyyMMdd")
                return 200, self.line_followers, {}
            return 404, {"message": "Not found"}, {}
        if route == "x":
            if path != "/2/users/me":
                raise Problem(f"GET {path}")
            if not self._x_authorized(h, headers.get("authorization", "")):
                return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                             "detail": "Unauthorized"}, {}
            return 200, {"data": {"id": "2244994945", "name": "テスト商店",
                                  "username": "test_shop"}}, {}
        if route == "image":
            status, ctype = self.images.get(path[len("/images/"):], (404, "text/html"))
            return status, {"image": path}, {"Content-Type": ctype}
        if route == "graph-read":
            version, node = path.split("/")[1:3]
            if version != self.graph_version:
                raise Problem(f"Graph API version {version}, want {self.graph_version}")
            if query.get("access_token") != self.graph_token:
                return self._graph_error(400, "Invalid OAuth access token - Cannot parse "
                                         "access token", 190)
            if node == "me" and query.get("fields") == "id,name":
                return 200, {"id": self.page_id, "name": "テスト商店"}, {}
            if node == self.ig_user_id and query.get("fields") == "id,username":
                return 200, {"id": self.ig_user_id, "username": "test_shop"}, {}
            return self._graph_error(400, "(#100) Unknown path or fields", 100,
                                     "GraphMethodException")
        return 404, {"message": "Not found"}, {}

    # --- LINE -----------------------------------------------------------------

    def _line(self, path, headers, body):
        kind = path.rsplit("/", 1)[1]
        if kind not in ("broadcast", "push", "multicast"):
            return 404, {"message": "Not found"}, {}
        if headers.get("authorization") != f"Bearer {self.line_token}":
            return 401, {"message": "Authentication failed. Confirm that the access token in "
                                    "the authorization header is valid."}, {}
        if not headers.get("content-type", "").startswith("application/json"):
            raise Problem("Content-Type is not application/json")
        key = headers.get("x-line-retry-key")
        if key is not None and not UUID_RE.match(key):
            raise Problem(f"X-Line-Retry-Key {key!r} is not a UUID")
        try:
            doc = json.loads(body)
        except ValueError:
            raise Problem("body is not JSON")
        if not isinstance(doc, dict):
            raise Problem("body is not an object")
        messages = doc.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            raise Problem("messages must be an array of 1 to 5")
        for m in messages:
            if not isinstance(m, dict) or m.get("type") != "text" or not isinstance(
                    m.get("text"), str) or not m["text"]:
                raise Problem(f"bad message {m!r}")
            if utf16_units(m["text"]) > 5000:
                raise Problem(f"text of {utf16_units(m['text'])} UTF-16 units exceeds 5000")
        allowed = {"messages", "notificationDisabled", "customAggregationUnits"}
        if kind == "push":
            allowed.add("to")
            if not isinstance(doc.get("to"), str) or not doc["to"]:
                raise Problem("push needs 'to' as a string")
        elif kind == "multicast":
            allowed.add("to")
            to = doc.get("to")
            if not isinstance(to, list) or not 1 <= len(to) <= 500 or not all(
                    isinstance(t, str) and t for t in to):
                raise Problem("multicast needs 'to' as an array of 1 to 500 ids")
            # Multicast takes user ids only; a group (C…) or room (R…) goes by push.
            for i, t in enumerate(to):
                if not t.startswith("U"):
                    raise Problem(f"The property, 'to[{i}]', in the request body is invalid "
                                  f"(multicast takes user ids only, not {t[:1]}…)")
        if set(doc) - allowed:
            raise Problem(f"unexpected fields {sorted(set(doc) - allowed)}")
        with self.lock:
            if key is not None and key in self._line_keys:
                return 409, {"message": "The retry key is already accepted"}, {
                    "x-line-request-id": str(uuid.uuid4()),
                    "x-line-accepted-request-id": self._line_keys[key]}
            request_id = str(uuid.uuid4())
            if key is not None:
                self._line_keys[key] = request_id
            self.line_sent.append({"path": path, "body": doc, "retry_key": key,
                                   "request_id": request_id})
        out = {}
        if kind == "push":
            out = {"sentMessages": [{"id": str(461230966842064000 + len(self.line_sent)),
                                     "quoteToken": "q"}]}
        return 200, out, {"x-line-request-id": request_id}

    # --- X --------------------------------------------------------------------

    def _x(self, h, path, headers, body):
        auth = headers.get("authorization", "")
        if not self._x_authorized(h, auth):
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                         "detail": "Unauthorized"}, {}
        if not headers.get("content-type", "").startswith("application/json"):
            raise Problem("Content-Type is not application/json")
        try:
            doc = json.loads(body)
        except ValueError:
            raise Problem("body is not JSON")
        if not isinstance(doc, dict) or set(doc) != {"text"} or not isinstance(doc["text"], str):
            raise Problem(f"body must be exactly {{\"text\": …}}, got {doc!r}")
        text = doc["text"]
        weight = x_weight(text)
        if weight > 280:
            return 400, {"errors": [{"message": f"text is too long ({weight})"}],
                         "title": "Invalid Request", "detail": "One or more parameters to your "
                         "request was invalid.", "type": "https://api.twitter.com/2/problems/"
                         "invalid-request"}, {}
        with self.lock:
            if any(p["text"] == text for p in self.x_posts):
                return 403, {"detail": "You are not allowed to create a Tweet with duplicate "
                             "content.", "type": "about:blank", "title": "Forbidden",
                             "status": 403}, {}
            post_id = str(1790000000000000000 + len(self.x_posts) + 1)
            self.x_posts.append({"id": post_id, "text": text})
        return 201, {"data": {"id": post_id, "edit_history_tweet_ids": [post_id],
                              "text": text}}, {}

    def expire_x_tokens(self):
        """Every access token issued so far stops working (the refresh tokens do not)."""
        with self.lock:
            for t in self._x_access:
                self._x_access[t] = False

    def _x_token(self, headers, body):
        conf = self.x_oauth2
        if conf is None:
            return 404, {"title": "Not Found"}, {}
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise Problem("token request is not application/x-www-form-urlencoded")
        form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        if form.get("grant_type") != "refresh_token":
            raise Problem(f"grant_type {form.get('grant_type')!r}")
        auth = headers.get("authorization", "")
        if conf.get("client_secret"):
            want = base64.b64encode(
                f"{conf['client_id']}:{conf['client_secret']}".encode()).decode()
            if auth != f"Basic {want}":
                return 401, {"error": "unauthorized_client",
                             "error_description": "Missing valid authorization header"}, {}
        elif form.get("client_id") != conf["client_id"]:
            raise Problem(f"client_id {form.get('client_id')!r}, want {conf['client_id']!r}")
        elif auth:
            raise Problem("a public client sends no Authorization header")
        if set(form) - {"grant_type", "refresh_token", "client_id"}:
            raise Problem(f"unexpected fields {sorted(set(form))}")
        with self.lock:
            if not self._x_refresh.get(form.get("refresh_token")):
                return 400, {"error": "invalid_request",
                             "error_description": "Value passed for the token was invalid."}, {}
            self._x_refresh[form["refresh_token"]] = False  # spent
            self._x_serial += 1
            access = f"x-oauth2-access-{self._x_serial}"
            refresh = f"x-oauth2-refresh-{self._x_serial}"
            self._x_access[access] = True
            self._x_refresh[refresh] = True
        return 200, {"token_type": "bearer", "expires_in": 7200, "access_token": access,
                     "scope": "tweet.write users.read tweet.read offline.access",
                     "refresh_token": refresh}, {}

    def _x_authorized(self, h, auth):
        if auth.startswith("Bearer "):
            with self.lock:
                if self._x_access.get(auth[len("Bearer "):]):
                    return True
            return self.x_bearer is not None and auth == f"Bearer {self.x_bearer}"
        params = parse_oauth_header(auth)
        keys = self.x_oauth1
        if params is None or keys is None:
            return False
        need = {"oauth_consumer_key", "oauth_nonce", "oauth_signature",
                "oauth_signature_method", "oauth_timestamp", "oauth_token", "oauth_version"}
        if set(params) != need:
            raise Problem(f"OAuth parameters {sorted(params)} are not {sorted(need)}")
        if params["oauth_signature_method"] != "HMAC-SHA1" or params["oauth_version"] != "1.0":
            raise Problem("OAuth method/version is not HMAC-SHA1/1.0")
        if params["oauth_consumer_key"] != keys["consumer_key"] or \
                params["oauth_token"] != keys["access_token"]:
            return False
        if abs(int(params["oauth_timestamp"]) - time.time()) > 300:
            raise Problem("oauth_timestamp more than 5 minutes off")
        with self.lock:
            if params["oauth_nonce"] in self._x_nonces:
                raise Problem("oauth_nonce reused")
            self._x_nonces.add(params["oauth_nonce"])
        split = urllib.parse.urlsplit(h.path)
        url = f"http://127.0.0.1:{self.port}{split.path}"
        signed = [(k, v) for k, v in params.items() if k != "oauth_signature"]
        signed += urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        expected = oauth1_signature(h.command, url, signed, keys["consumer_secret"],
                                    keys["access_secret"])
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            with self.lock:
                self.problems.append("X: OAuth 1.0a signature does not verify")
            return False
        return True

    # --- Graph ----------------------------------------------------------------

    def _graph_error(self, status, message, code, kind="OAuthException"):
        return status, {"error": {"message": message, "type": kind, "code": code,
                                  "fbtrace_id": "AbCdEf"}}, {}

    def _graph(self, route, path, headers, body):
        version = path.split("/")[1]
        if version != self.graph_version:
            raise Problem(f"Graph API version {version}, want {self.graph_version}")
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise Problem("Content-Type is not application/x-www-form-urlencoded")
        try:
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                               strict_parsing=bool(body)))
        except (ValueError, UnicodeDecodeError) as e:
            raise Problem(f"form body does not parse: {e}")
        if form.get("access_token") != self.graph_token:
            return self._graph_error(400, "Invalid OAuth access token - Cannot parse access "
                                     "token", 190)
        node = path.split("/")[2]
        if route == "feed":
            if node != self.page_id:
                return self._graph_error(400, "(#100) Unknown page", 100, "GraphMethodException")
            message = form.get("message", "")
            if not message:
                raise Problem("feed post without message")
            if len(message) > 63206:
                return self._graph_error(400, "(#100) message is too long", 100)
            with self.lock:
                post_id = f"{self.page_id}_{len(self.feed_posts) + 100}"
                self.feed_posts.append({"id": post_id, "message": message})
            return 200, {"id": post_id}, {}
        if node != self.ig_user_id:
            return self._graph_error(400, "(#100) Unknown user", 100, "GraphMethodException")
        if route == "media":
            image = form.get("image_url", "")
            if not re.match(r"https?://", image):
                return self._graph_error(400, "(#9004) Only photo or video can be accepted as "
                                         "media type.", 9004)
            media_type = form.get("media_type", "IMAGE")
            if media_type == "STORIES":
                if "caption" in form:
                    raise Problem("a Story container takes no caption")
            elif media_type != "IMAGE" or "media_type" in form:
                raise Problem(f"unexpected media_type {media_type!r}")
            caption = form.get("caption", "")
            if len(caption) > 2200:
                return self._graph_error(400, "(#100) The caption is too long", 100)
            allowed = {"access_token", "image_url", "caption", "media_type"}
            if set(form) - allowed:
                raise Problem(f"unexpected fields {sorted(set(form) - allowed)}")
            with self.lock:
                cid = str(17900000000000000 + len(self.containers) + 1)
                self.containers[cid] = {"image_url": image, "caption": caption,
                                        "media_type": media_type, "published": False}
            return 200, {"id": cid}, {}
        # publish
        cid = form.get("creation_id", "")
        with self.lock:
            c = self.containers.get(cid)
            if c is None:
                return self._graph_error(400, "(#100) Invalid creation_id", 100)
            if c["published"]:
                return self._graph_error(400, "(#100) The media has already been published",
                                         100)
            c["published"] = True
            mid = str(18000000000000000 + len(self.published) + 1)
            self.published.append({"id": mid, "container": cid,
                                   "media_type": c["media_type"]})
        return 200, {"id": mid}, {}

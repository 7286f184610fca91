"""The playground's web server: two pages and a few JSON endpoints around the learners' `Session`s.

Standard library only (`http.server`, `json`): each page is a single self-contained HTML file (inline CSS
and JavaScript, no CDN), so it works offline. The server is one process; each request runs in its own
thread and a session's lock serialises everything that touches its model. Each browser tab sends its own
session id (header `X-Session-Id`), so two tabs or two students never share a model; a request without
one uses the server's default session.

Endpoints (every answer is JSON except the pages; a bad request gets 400 and {"error", "field", ...}):

    GET  /                     the playground page
    GET  /circuit              the circuit page: tug on a circuit's output, watch the gradients flow back
    POST /api/circuit          body: {"expression", "inputs", "force", "default"} -> output, gradients, wires
    GET  /api/circuits         the guide's circuits the page offers (name, expression, inputs, parameters)
    GET  /api/options          fields, their ranges/choices and defaults (the page builds its form from it)
    GET  /api/state            config, points, history, counters and the decision grid
    GET  /api/grid?resolution  the decision grid alone
    GET  /api/hidden?layer=0&resolution=24   one hidden layer's unit maps
    GET  /api/network?resolution=16          every layer's unit maps, the weights between, stuck/dead units
    POST /api/reset            body: a config (partial is fine) -> new data, fresh model; returns the state
    POST /api/step?n=10&grid=1 n optimizer steps -> losses, loss, accuracy, (grid)
    POST /api/points           body: {"points": [[x, y, label], ...], "replace": false} -> the state
                               or {"remove": [index, ...]} (points by their place in the state's list)
    POST /api/config           body: training fields (loss, optimizer, lr, l2, batch_size, grid) -> the state

POST bodies must be sent as `Content-Type: application/json`. Besides being honest about the format, this
keeps other web sites out: a cross-site page cannot send that header without a CORS preflight, which this
server never approves. The `Host` header must name this machine (localhost, 127.0.0.1, ::1) or the
address the server is bound to (bound to every interface: also this machine's names), which keeps out a
web site that re-points its own name at 127.0.0.1 (DNS rebinding). A POST must declare its length (at
most MAX_BODY bytes) and is refused before anything is read otherwise; a connection that idles for
TIMEOUT seconds, or has not sent its request within REQUEST_DEADLINE, is closed; at most MAX_CONNECTIONS
are served at once; one request trains for at most TRAIN_SECONDS while it holds a session's lock.
"""

import collections
import json
import re
import socket
import sys
import threading
import traceback
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from hackgrad.playground.session import PlaygroundError, Session, options

__all__ = ["PlaygroundServer", "SessionStore", "make_server", "page_html"]

MAX_BODY = 1 << 20  # 5000 points as JSON is about 150 KB
TIMEOUT = 10.0  # seconds a connection may sit idle (between bytes) before it is closed
REQUEST_DEADLINE = 30.0  # seconds to send a whole request: a client trickling bytes cannot hold a thread
MAX_CONNECTIONS = 32  # served at once; more are answered 503 at once
MAX_SESSIONS = 64  # learners' sessions kept; the one used longest ago goes first
TRAIN_SECONDS = 1.0  # training per request while holding a session's lock, so other requests wait little
PAGES = {"/": "index.html", "/index.html": "index.html", "/circuit": "circuit.html",
         "/favicon.ico": "favicon.svg", "/favicon.svg": "favicon.svg"}
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def page_html(name="index.html"):
    """A page's bytes, read from the installed package (static/ is package data)."""
    return resources.files("hackgrad.playground").joinpath("static", name).read_bytes()


class SessionStore:
    """The learners' sessions by id, created on first use from `config`; at most `max_sessions` kept."""

    def __init__(self, default, config=None, max_sessions=MAX_SESSIONS):
        self.default, self.config, self.max_sessions = default, config, max_sessions
        self._sessions = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._sessions)

    def get(self, session_id):
        """The session for `session_id` (None: the default one); a new id gets a fresh session."""
        if session_id is None:
            return self.default
        if not _SESSION_ID.fullmatch(session_id):
            raise PlaygroundError(f"X-Session-Id must be 8 to 64 letters, digits, '-' or '_', got "
                                  f"{session_id[:80]!r}", field="session")
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._sessions.move_to_end(session_id)
                return session
        session = Session(self.config)  # built outside the store's lock: other tabs need not wait
        with self._lock:
            session = self._sessions.setdefault(session_id, session)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session


class PlaygroundServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that owns the sessions; `url` is where a browser should go."""

    daemon_threads = True  # a stuck request must not keep Ctrl-C from ending the process

    def __init__(self, address, session, *, quiet=True, config=None, max_connections=MAX_CONNECTIONS,
                 timeout=TIMEOUT, request_deadline=REQUEST_DEADLINE):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.session, self.quiet = session, quiet
        self.idle_timeout, self.request_deadline = timeout, request_deadline
        self.sessions = SessionStore(session, config)
        self.pages = {path: page_html(name) for path, name in PAGES.items()}
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, PlaygroundHandler)
        host = self.server_address[0]
        self.allowed_hosts = {"localhost", "127.0.0.1", "::1", host.lower()}
        if host in ("0.0.0.0", "::"):  # serving a classroom: this machine's own names and addresses too
            self.allowed_hosts |= _own_names()

    @property
    def url(self):
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):  # listening everywhere; this machine reaches itself on loopback
            host = "127.0.0.1"
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):  # full: say so at once rather than queue forever
            try:
                body = b'{"error":"the server is busy: too many connections at once; try again"}'
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\nRetry-After: 1\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _own_names():
    """This machine's host names and the addresses they resolve to (lower case)."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        try:
            names.update(socket.gethostbyname_ex(name)[2])
        except OSError:  # a name that does not resolve here
            pass
    return {n.lower() for n in names if n}


def make_server(host="127.0.0.1", port=8000, *, session=None, config=None, quiet=True, **limits):
    """A bound, not yet serving, PlaygroundServer; port 0 picks a free port (see `server.url`).

    `config` is every new session's starting config (the default session's too, unless `session` is given).
    `limits`: max_connections, timeout (idle seconds), request_deadline (seconds to send a request).
    """
    return PlaygroundServer((host, port), session if session is not None else Session(config), quiet=quiet,
                            config=config, **limits)


class _HTTPError(Exception):
    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.status, self.body = status, {"error": message, **extra}


def _query_int(query, name, default):
    values = query.get(name)
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise PlaygroundError(f"{name} must be an integer, got {values[-1][:40]!r}", field=name) from None


def _query_flag(query, name, default):
    values = query.get(name)
    if not values:
        return default
    value = values[-1].lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise PlaygroundError(f"{name} must be 1 or 0 (true/false), got {values[-1][:40]!r}", field=name,
                          choices=("1", "0"))


def _host_name(header):
    """The host part of a Host header: 'localhost:8000' -> 'localhost', '[::1]:80' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class PlaygroundHandler(BaseHTTPRequestHandler):
    server_version = "hackgrad-playground/0.1"

    def setup(self):
        self.timeout = self.server.idle_timeout  # socketserver sets it on the connection: idle clients drop
        super().setup()
        # the whole request (line, headers, body) must arrive by the deadline; reading it stops then
        self._deadline = threading.Timer(self.server.request_deadline, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def finish(self):
        self._deadline.cancel()
        super().finish()

    @property
    def session(self):
        return self.server.sessions.get(self.headers.get("X-Session-Id"))

    # --- endpoints: (method, path) -> handler(query, body) -> JSON-able --------------------------------
    def api_options(self, query, body):
        return options()

    def api_state(self, query, body):
        return self.session.state()

    def api_grid(self, query, body):
        return self.session.grid(_query_int(query, "resolution", None))

    def api_hidden(self, query, body):
        return self.session.hidden(_query_int(query, "layer", 0), _query_int(query, "resolution", 24))

    def api_network(self, query, body):
        return self.session.network(_query_int(query, "resolution", 16))

    def api_reset(self, query, body):
        return self.session.reset(body if body is not None else {})

    def api_step(self, query, body):
        n = _query_int(query, "n", None)
        if n is None:
            n = (body or {}).get("n", 1) if isinstance(body, dict) else 1
        return self.session.step(n, grid=_query_flag(query, "grid", True), max_seconds=TRAIN_SECONDS)

    def api_points(self, query, body):
        if isinstance(body, dict) and set(body) == {"remove"}:
            return self.session.remove_points(body["remove"])
        if not isinstance(body, dict) or "points" not in body:
            raise PlaygroundError('the body must be {"points": [[x, y, label], ...], "replace": false}',
                                  field="points")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise PlaygroundError(f"replace must be true or false, got {replace!r}", field="replace")
        return self.session.add_points(body["points"], replace=replace)

    def api_config(self, query, body):
        return self.session.configure(body if body is not None else {})

    def api_circuits(self, query, body):
        from hackgrad.circuit.expression import FUNCTIONS, PRESETS

        return {"presets": PRESETS, "functions": sorted(FUNCTIONS)}

    def api_circuit(self, query, body):
        from hackgrad.circuit.expression import ExpressionError, compute

        if not isinstance(body, dict) or not isinstance(body.get("expression"), str):
            raise PlaygroundError('the body must be {"expression": "sigmoid(a*x + b*y + c)", "inputs": '
                                  '{"a": 1, ...}, "force": 1.0}', field="expression")
        allowed = ("expression", "inputs", "force", "default")
        for key in body:
            if key not in allowed:
                raise PlaygroundError(f"unknown field {key!r}; valid fields: {', '.join(allowed)}", field=key,
                                      choices=allowed)
        try:
            return compute(body["expression"], body.get("inputs", {}), body.get("force", 1.0),
                           default=body.get("default"))
        except ExpressionError as e:
            detail = e.to_dict()
            raise _HTTPError(HTTPStatus.BAD_REQUEST, detail.pop("error"), **detail) from None
        except (ValueError, ZeroDivisionError, OverflowError) as e:  # inputs outside a gate's domain
            raise PlaygroundError(str(e), field="inputs") from None

    ROUTES = {
        "/api/options": ("GET", api_options),
        "/api/state": ("GET", api_state),
        "/api/grid": ("GET", api_grid),
        "/api/hidden": ("GET", api_hidden),
        "/api/network": ("GET", api_network),
        "/api/reset": ("POST", api_reset),
        "/api/step": ("POST", api_step),
        "/api/points": ("POST", api_points),
        "/api/config": ("POST", api_config),
        "/api/circuits": ("GET", api_circuits),
        "/api/circuit": ("POST", api_circuit),
    }

    # --- plumbing ------------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        try:
            self._check_host()
            if url.path in PAGES:
                if method != "GET":
                    raise _HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{url.path} answers GET, not {method}")
                kind = "image/svg+xml" if PAGES[url.path].endswith(".svg") else "text/html; charset=utf-8"
                self._deadline.cancel()
                return self._send(HTTPStatus.OK, self.server.pages[url.path], kind)
            if url.path not in self.ROUTES:
                raise _HTTPError(HTTPStatus.NOT_FOUND, f"no endpoint {url.path}",
                                 endpoints=["/", "/circuit", *self.ROUTES])
            expected, handler = self.ROUTES[url.path]
            if method != expected:
                raise _HTTPError(HTTPStatus.METHOD_NOT_ALLOWED,
                                 f"{url.path} answers {expected}, not {method}")
            body = self._read_json() if method == "POST" else None
            self._deadline.cancel()  # the request is in; the work may take its time
            result = handler(self, urllib.parse.parse_qs(url.query), body)
            self._send_json(HTTPStatus.OK, result)
        except PlaygroundError as e:
            self._send_json(HTTPStatus.BAD_REQUEST, e.to_dict())
        except _HTTPError as e:
            if e.status >= 400 and method == "POST":
                self.close_connection = True  # an unread body must not be taken for the next request
            self._send_json(e.status, e.body)
        except Exception as e:  # keep serving; tell the page and the terminal what broke
            traceback.print_exc(file=sys.stderr)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                            {"error": f"internal error: {type(e).__name__}: {e}"})

    def _check_host(self):
        host = self.headers.get("Host")
        if host is None or _host_name(host) not in self.server.allowed_hosts:
            raise _HTTPError(HTTPStatus.FORBIDDEN,
                             f"Host {host!r} is not this server; use localhost or 127.0.0.1 "
                             f"(a page on another site cannot reach the playground through its own name)")

    def _read_json(self):
        """The request's JSON body, or None if it is empty. The length is checked before a byte is read."""
        declared = self.headers.get("Content-Length")
        if declared is None:
            raise _HTTPError(HTTPStatus.LENGTH_REQUIRED, "a POST must say its Content-Length")
        try:
            length = int(declared)
        except ValueError:
            raise _HTTPError(HTTPStatus.BAD_REQUEST,
                             f"Content-Length must be an integer, got {declared[:40]!r}") from None
        if length < 0:
            raise _HTTPError(HTTPStatus.BAD_REQUEST, f"Content-Length must be 0 or more, got {length}")
        if length > MAX_BODY:
            raise _HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise _HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                             f"POST bodies must be sent as Content-Type: application/json, "
                             f"got {content_type[:60]!r}")
        try:
            raw = self.rfile.read(length) if length else b""
        except OSError:  # the idle timeout or the request deadline
            raise _HTTPError(HTTPStatus.REQUEST_TIMEOUT, "the request body did not arrive in time") from None
        if len(raw) < length:
            raise _HTTPError(HTTPStatus.BAD_REQUEST,
                             f"the body ended after {len(raw)} of its {length} declared bytes")
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        # ValueError: an integer of thousands of digits; RecursionError: [[[[...]]]] nested too deep
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise _HTTPError(HTTPStatus.BAD_REQUEST, f"the request body is not valid JSON: {e}") from None

    def _send_json(self, status, obj):
        # allow_nan=False: JavaScript's JSON.parse rejects NaN, so a stray one must fail here, loudly
        payload = json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, payload, "application/json")

    def _send(self, status, payload, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            expected = self.ROUTES.get(urllib.parse.urlsplit(self.path).path, ("GET",))[0]
            self.send_header("Allow", expected)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        if not self.server.quiet:
            super().log_message(format, *args)

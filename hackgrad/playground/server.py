"""The playground's web server: one page and a few JSON endpoints around one shared `Session`.

Standard library only (`http.server`, `json`): the page is a single self-contained HTML file (inline CSS
and JavaScript, no CDN), so it works offline. The server is one process; each request runs in its own
thread and the session's lock serialises everything that touches the model.

Endpoints (every answer is JSON except the page; a bad request gets 400 and {"error", "field", ...}):

    GET  /                     the page
    GET  /api/options          fields, their ranges/choices and defaults (the page builds its form from it)
    GET  /api/state            config, points, history, counters and the decision grid
    GET  /api/grid?resolution  the decision grid alone
    GET  /api/hidden?layer=0&resolution=24   one hidden layer's unit maps
    POST /api/reset            body: a config (partial is fine) -> new data, fresh model; returns the state
    POST /api/step?n=10&grid=1 n optimizer steps -> losses, loss, accuracy, (grid)
    POST /api/points           body: {"points": [[x, y, label], ...], "replace": false} -> the state
    POST /api/config           body: training fields (loss, optimizer, lr, l2, batch_size, grid) -> the state

POST bodies must be sent as `Content-Type: application/json`. Besides being honest about the format, this
keeps other web sites out: a cross-site page cannot send that header without a CORS preflight, which this
server never approves.
"""

import json
import socket
import sys
import traceback
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from hackgrad.playground.session import PlaygroundError, Session, options

__all__ = ["PlaygroundServer", "make_server", "page_html"]

MAX_BODY = 1 << 20  # 5000 points as JSON is about 150 KB


def page_html():
    """The page's bytes, read from the installed package (static/index.html is package data)."""
    return resources.files("hackgrad.playground").joinpath("static", "index.html").read_bytes()


class PlaygroundServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that owns one `Session`; `url` is where a browser should go."""

    daemon_threads = True  # a stuck request must not keep Ctrl-C from ending the process

    def __init__(self, address, session, *, quiet=True):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.session, self.quiet, self.page = session, quiet, page_html()
        super().__init__(address, PlaygroundHandler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):  # listening everywhere; this machine reaches itself on loopback
            host = "127.0.0.1"
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_server(host="127.0.0.1", port=8000, *, session=None, config=None, quiet=True):
    """A bound, not yet serving, PlaygroundServer; port 0 picks a free port (see `server.url`)."""
    return PlaygroundServer((host, port), session if session is not None else Session(config), quiet=quiet)


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
        raise PlaygroundError(f"{name} must be an integer, got {values[-1]!r}", field=name) from None


def _query_flag(query, name, default):
    values = query.get(name)
    if not values:
        return default
    value = values[-1].lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise PlaygroundError(f"{name} must be 1 or 0 (true/false), got {values[-1]!r}", field=name,
                          choices=("1", "0"))


class PlaygroundHandler(BaseHTTPRequestHandler):
    server_version = "hackgrad-playground/0.1"

    # --- endpoints: (method, path) -> handler(query, body) -> JSON-able --------------------------------
    def api_options(self, query, body):
        return options()

    def api_state(self, query, body):
        return self.server.session.state()

    def api_grid(self, query, body):
        return self.server.session.grid(_query_int(query, "resolution", None))

    def api_hidden(self, query, body):
        return self.server.session.hidden(_query_int(query, "layer", 0), _query_int(query, "resolution", 24))

    def api_reset(self, query, body):
        return self.server.session.reset(body if body is not None else {})

    def api_step(self, query, body):
        n = _query_int(query, "n", None)
        if n is None:
            n = (body or {}).get("n", 1) if isinstance(body, dict) else 1
        return self.server.session.step(n, grid=_query_flag(query, "grid", True))

    def api_points(self, query, body):
        if not isinstance(body, dict) or "points" not in body:
            raise PlaygroundError('the body must be {"points": [[x, y, label], ...], "replace": false}',
                                  field="points")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise PlaygroundError(f"replace must be true or false, got {replace!r}", field="replace")
        return self.server.session.add_points(body["points"], replace=replace)

    def api_config(self, query, body):
        return self.server.session.configure(body if body is not None else {})

    ROUTES = {
        "/api/options": ("GET", api_options),
        "/api/state": ("GET", api_state),
        "/api/grid": ("GET", api_grid),
        "/api/hidden": ("GET", api_hidden),
        "/api/reset": ("POST", api_reset),
        "/api/step": ("POST", api_step),
        "/api/points": ("POST", api_points),
        "/api/config": ("POST", api_config),
    }

    # --- plumbing ------------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path in ("/", "/index.html"):
                if method != "GET":
                    raise _HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{url.path} answers GET, not {method}")
                return self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
            if url.path not in self.ROUTES:
                raise _HTTPError(HTTPStatus.NOT_FOUND, f"no endpoint {url.path}",
                                 endpoints=["/", *self.ROUTES])
            expected, handler = self.ROUTES[url.path]
            if method != expected:
                raise _HTTPError(HTTPStatus.METHOD_NOT_ALLOWED,
                                 f"{url.path} answers {expected}, not {method}")
            body = self._read_json() if method == "POST" else None
            result = handler(self, urllib.parse.parse_qs(url.query), body)
            self._send_json(HTTPStatus.OK, result)
        except PlaygroundError as e:
            self._send_json(HTTPStatus.BAD_REQUEST, e.to_dict())
        except _HTTPError as e:
            self._send_json(e.status, e.body)
        except Exception as e:  # keep serving; tell the page and the terminal what broke
            traceback.print_exc(file=sys.stderr)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                            {"error": f"internal error: {type(e).__name__}: {e}"})

    def _read_json(self):
        """The request's JSON body, or None if it has none."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _HTTPError(HTTPStatus.BAD_REQUEST, "Content-Length must be an integer") from None
        if length > MAX_BODY:
            raise _HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise _HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                             f"POST bodies must be sent as Content-Type: application/json, "
                             f"got {content_type!r}")
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
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
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        if not self.server.quiet:
            super().log_message(format, *args)

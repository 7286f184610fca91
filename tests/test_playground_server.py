"""The server's circuit API, its per-tab sessions and its defences, over real HTTP and raw sockets."""

import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from hackgrad.circuit import Unit, gates
from hackgrad.playground.server import SessionStore, make_server
from hackgrad.playground.session import Session


def _serve(**kwargs):
    srv = make_server("127.0.0.1", 0, config={"n_points": 80, "grid": 16}, **kwargs)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    return srv, thread


@pytest.fixture(scope="module")
def server():
    srv, thread = _serve()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def _call(srv, method, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if method == "POST" and data is None:
        data = b""
    req = urllib.request.Request(srv.url.rstrip("/") + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, json.loads(resp.read()) if "json" in resp.headers["Content-Type"] \
                else resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def _raw(srv, request, timeout=10):
    """Send raw bytes; return (seconds until the first reply byte, the whole reply)."""
    with socket.create_connection(srv.server_address[:2], timeout=timeout) as conn:
        start = time.perf_counter()
        conn.sendall(request)
        reply = conn.makefile("rb").read()
        return time.perf_counter() - start, reply


# --- the circuit API ------------------------------------------------------------------------------------------


def test_the_circuit_api_answers_the_guides_neuron(server):
    body = {"expression": "sigmoid(a*x + b*y + c)", "inputs": {"a": 1, "b": 2, "c": -3, "x": -1, "y": 3},
            "force": 1.0}
    status, _, r = _call(server, "POST", "/api/circuit", body)
    units = {k: Unit(float(v), label=k) for k, v in body["inputs"].items()}
    out = gates.sigmoid(units["a"] * units["x"] + units["b"] * units["y"] + units["c"])
    out.backward(1.0)
    assert status == 200 and r["output"] == pytest.approx(0.8808, abs=1e-4) and r["output"] == out.value
    assert r["gradients"] == {k: u.grad for k, u in units.items()}
    assert [w["op"] for w in r["wires"] if w["kind"] == "gate"] == ["*", "*", "+", "+", "sig"]
    assert all({"value", "grad", "x", "y"} <= set(w) for w in r["wires"])


@pytest.mark.parametrize("body, position, needle", [
    ({"expression": "sigmoid(a*x +"}, 13, "expected a number"),
    ({"expression": "a ** b"}, 3, "expected a number"),
    ({"expression": "open(x)"}, 0, "unknown function 'open'"),
])
def test_a_malformed_expression_is_400_with_its_position(server, body, position, needle):
    status, _, err = _call(server, "POST", "/api/circuit", {**body, "default": 1})
    assert status == 400 and err["position"] == position and needle in err["error"]
    assert err["field"] == "expression"


@pytest.mark.parametrize("body, needle", [
    ({"expression": "log(x)", "inputs": {"x": -1}}, "log of a non-positive"),
    ({"expression": "a + b", "inputs": {"a": 1}}, "no value for input b"),
    ({"expression": "a", "inputs": {"a": 1}, "force": "hard"}, "force must be a finite number"),
    ({"expression": "a", "inputs": {"a": 1}, "forse": 1}, "unknown field 'forse'"),
    ({"expr": "a"}, '{"expression"'),
    ({"expression": "1 / (a - a)", "inputs": {"a": 1}}, "division by zero"),
])
def test_bad_circuit_requests_are_400_naming_the_problem(server, body, needle):
    status, _, err = _call(server, "POST", "/api/circuit", body)
    assert status == 400 and needle in err["error"], err


def test_presets_and_pages(server):
    status, _, r = _call(server, "GET", "/api/circuits")
    assert status == 200 and len(r["presets"]) == 4 and "sigmoid" in r["functions"]
    for path, needle in (("/circuit", b"/api/circuit"), ("/", b"/api/step"), ("/favicon.ico", b"<svg")):
        status, headers, page = _call(server, "GET", path)
        assert status == 200 and needle in page, path


# --- sessions ---------------------------------------------------------------------------------------------------


def test_each_tab_has_its_own_session(server):
    a, b = {"X-Session-Id": "tab-aaaaaaaa"}, {"X-Session-Id": "tab-bbbbbbbb"}
    _call(server, "POST", "/api/reset", {"seed": 1, "n_points": 60}, headers=a)
    _call(server, "POST", "/api/step?n=7&grid=0", headers=a)
    status, _, sb = _call(server, "GET", "/api/state", headers=b)
    _, _, sa = _call(server, "GET", "/api/state", headers=a)
    assert status == 200 and sa["step"] == 7 and sa["n_points"] == 60
    assert sb["step"] == 0 and sb["n_points"] == 80  # the server's starting config, untouched by tab a
    status, _, err = _call(server, "GET", "/api/state", headers={"X-Session-Id": "../../etc"})
    assert status == 400 and err["field"] == "session"


def test_the_session_store_forgets_the_least_recently_used():
    store = SessionStore(Session({"n_points": 10}), {"n_points": 10}, max_sessions=2)
    first = store.get("aaaaaaaa")
    store.get("bbbbbbbb")
    assert store.get("aaaaaaaa") is first  # a use moves it to the back of the queue
    store.get("cccccccc")
    assert len(store) == 2 and store.get("aaaaaaaa") is first and store.get(None) is store.default


# --- defences -----------------------------------------------------------------------------------------------------


def test_the_host_header_must_name_this_machine(server):
    port = server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "127.0.0.1", "[::1]:80"):
        _, reply = _raw(server, f"GET /api/options HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.0 200"), host
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
        _, reply = _raw(server, f"GET /api/options HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.0 403") and b"is not this server" in reply, host
    _, reply = _raw(server, b"GET / HTTP/1.0\r\n\r\n")  # no Host at all
    assert reply.startswith(b"HTTP/1.0 403")


@pytest.mark.parametrize("length, status, needle", [
    ("-1", 400, b"0 or more"), ("abc", 400, b"must be an integer"), (None, 411, b"Content-Length"),
    ("2000000", 413, b"request body over"),
])
def test_content_length_is_checked_before_reading(server, length, status, needle):
    head = "POST /api/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    seconds, reply = _raw(server, (head + "\r\n").encode() + b"{}")
    assert reply.startswith(f"HTTP/1.0 {status}".encode()) and needle in reply and seconds < 5


@pytest.mark.parametrize("body, needle", [
    (b'{"lr": 1' + b"0" * 400 + b"}", b"lr must be a number"),
    (b'{"n_points": 1' + b"0" * 400 + b"}", b"n_points must be an integer"),
    (b'{"lr": 1' + b"0" * 5000 + b"}", b"not valid JSON"),
    (b"[" * 100000 + b"]" * 100000, b"not valid JSON"),
])
def test_oversized_numbers_and_deep_nesting_are_400(server, body, needle):
    status, _, err = _call(server, "POST", "/api/reset", raw=body)
    assert status == 400 and needle.decode() in err["error"]
    status, _, err = _call(server, "POST", "/api/points", {"points": [[10**400, 0, 0]]})
    assert status == 400 and "finite" in err["error"]


def test_a_step_request_trains_for_about_a_second_at_most():
    s = Session({"n_points": 2000, "hidden": [128] * 4, "batch_size": 2000})
    start = time.perf_counter()
    r = s.step(1000, grid=False, max_seconds=0.2)
    assert 1 <= len(r["losses"]) < 1000 and r["step"] == len(r["losses"])
    assert time.perf_counter() - start < 5  # one chunk past the budget, plus the accuracy pass


def test_connections_beyond_the_cap_are_503_at_once():
    srv, thread = _serve(max_connections=2, timeout=5)
    idle = [socket.create_connection(srv.server_address[:2], timeout=5) for _ in range(2)]
    try:
        for _ in range(50):  # once the server has taken both idle connections, a third is turned away at once
            seconds, reply = _raw(srv, b"GET /api/options HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if reply.startswith(b"HTTP/1.0 503"):
                break
            time.sleep(0.1)
        assert reply.startswith(b"HTTP/1.0 503") and seconds < 2
    finally:
        for c in idle:
            c.close()
    time.sleep(0.3)
    _, reply = _raw(srv, b"GET /api/options HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.0 200")  # the slots came back
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def test_idle_and_trickling_connections_are_closed():
    srv, thread = _serve(timeout=0.5, request_deadline=1.5)
    try:
        with socket.create_connection(srv.server_address[:2], timeout=10) as conn:
            start = time.perf_counter()
            assert conn.recv(100) == b"" and time.perf_counter() - start < 3  # idle: dropped
        with socket.create_connection(srv.server_address[:2], timeout=10) as conn:
            start, closed_at = time.perf_counter(), None
            for byte in b"GET /api/options HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n":  # 48 bytes: 14 s
                try:
                    conn.sendall(bytes([byte]))
                    hung_up = select.select([conn], [], [], 0)[0] and conn.recv(100) == b""
                except OSError:
                    hung_up = True
                if hung_up:
                    closed_at = time.perf_counter() - start
                    break
                time.sleep(0.3)  # never idle for the 0.5 s timeout, but slow
                if time.perf_counter() - start > 4:
                    break
            # closed at the 1.5 s deadline while the client was still trickling
            assert closed_at is not None and closed_at < 3, closed_at
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's memory from /proc")
def test_content_length_minus_one_with_a_large_body_is_refused_and_memory_stays_flat():
    code = ("import argparse; from hackgrad.playground import command; p = argparse.ArgumentParser(); "
            "command.add_arguments(p); "
            "raise SystemExit(command.run(p.parse_args(['--port', '0', '--no-browser'])))")
    import hackgrad

    root = os.path.dirname(os.path.dirname(hackgrad.__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
        before = _rss_kb(proc.pid)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            start = time.perf_counter()
            conn.sendall(b"POST /api/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: -1\r\n\r\n")
            chunk, sent = b"[" * (1 << 20), 0
            try:  # keep pushing a body of up to 100 MB; the server should have answered and hung up
                while sent < 100 << 20:
                    conn.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            reply = conn.recv(200)
            seconds = time.perf_counter() - start
        time.sleep(0.5)
        after = _rss_kb(proc.pid)
        assert reply.startswith(b"HTTP/1.0 400"), reply
        assert seconds < 10 and sent < 100 << 20  # refused at once: the 100 MB never went in
        assert after - before < 20_000, (before, after)  # kB: the body was never read into memory
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.skipif(sys.platform == "win32", reason="stops the server with SIGTERM")
def test_hackgrad_circuit_serves_the_circuit_page_until_stopped():
    import signal

    import hackgrad

    root = os.path.dirname(os.path.dirname(hackgrad.__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "hackgrad.cli", "circuit", "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+/circuit", line).group(0)
        assert line.startswith("hackgrad circuit at ")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=30) as resp:
            assert resp.status == 200 and b"/api/circuit" in resp.read()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the server failed to stop
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "stopped" in out, err


def test_listening_everywhere_also_admits_this_machines_own_names():
    srv = make_server("0.0.0.0", 0, config={"n_points": 10})
    try:
        assert socket.gethostname().lower() in srv.allowed_hosts and "evil.example" not in srv.allowed_hosts
    finally:
        srv.server_close()

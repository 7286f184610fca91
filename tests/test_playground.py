"""The playground: the session trains and validates on its own; the server speaks JSON over real HTTP."""

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

from hackgrad.playground.session import (
    MAX_POINTS,
    ConfigError,
    PlaygroundError,
    Session,
    options,
    validate_config,
)

# --- the session ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moons_reach_95_percent_in_300_steps(seed):
    s = Session({"dataset": "moons", "seed": seed})
    start = s.state(grid=False)
    r = s.step(300, grid=False)
    assert r["step"] == 300 and len(r["losses"]) == 300
    assert r["accuracy"] >= 0.95, (start["accuracy"], r["accuracy"])
    assert np.mean(r["losses"][-50:]) < 0.5 * np.mean(r["losses"][:10])


def test_spiral_improves():
    s = Session({"dataset": "spiral", "classes": 3, "hidden": [16, 16], "seed": 1})
    before = s.state(grid=False)["accuracy"]
    r = s.step(400, grid=False)
    assert s.n_classes_ == 3 and len(set(s.y_.tolist())) == 3
    assert r["accuracy"] > before + 0.25, (before, r["accuracy"])
    assert np.mean(r["losses"][-50:]) < 0.8 * np.mean(r["losses"][:10])


@pytest.mark.parametrize("change", [
    {"loss": "hinge"},
    {"optimizer": "sgd", "lr": 0.1},
    {"optimizer": "momentum", "lr": 0.05},
    {"activation": "relu"},
    {"activation": "sigmoid", "lr": 0.03},
    {"hidden": []},  # a linear classifier still learns most of the moons
    {"dataset": "circles"},
    {"dataset": "xor"},
    {"dataset": "blobs", "classes": 4},
])
def test_every_choice_trains(change):
    s = Session({"seed": 0, **change})
    first = s.step(5, grid=False)["losses"]
    r = s.step(200, grid=False)
    assert np.mean(r["losses"][-20:]) < np.mean(first)
    assert r["accuracy"] >= 0.8, r["accuracy"]


def test_same_seed_same_run_other_seed_other_run():
    cfg = {"dataset": "spiral", "seed": 7, "batch_size": 16}
    a, b, c = Session(cfg), Session(cfg), Session({**cfg, "seed": 8})
    np.testing.assert_array_equal(a.X_, b.X_)
    ra, rb, rc = a.step(30), b.step(30), c.step(30)
    assert ra["losses"] == rb["losses"] and ra["grid"] == rb["grid"]
    assert not np.array_equal(a.X_, c.X_) and ra["losses"] != rc["losses"]
    # reset brings the very same run back
    a.reset(cfg)
    assert a.step(30)["losses"] == ra["losses"]


def test_state_and_grid_shapes():
    s = Session({"dataset": "blobs", "classes": 3, "grid": 20})
    st = s.state()
    assert st["n_points"] == 200 == len(st["points"]) and st["n_classes"] == 3
    assert {p[2] for p in st["points"]} == {0, 1, 2}
    g = st["grid"]
    assert g["resolution"] == 20 and len(g["classes"]) == len(g["confidence"]) == 400
    assert set(g["classes"]) <= {0, 1, 2} and all(0 <= c <= 1 for c in g["confidence"])
    assert st["n_parameters"] == (2 * 8 + 8) + (8 * 8 + 8) + (8 * 3 + 3)
    xmin, xmax, ymin, ymax = st["view"]
    assert xmin < s.X_[:, 0].min() and s.X_[:, 0].max() < xmax and ymin < s.X_[:, 1].min()
    assert len(s.grid(8)["classes"]) == 64
    json.dumps(st, allow_nan=False)  # what the server sends must be plain JSON


def test_grid_rows_run_from_the_top_of_the_view():
    # class 0 above the x axis, class 1 below: the first grid row (top) must say 0, the last row 1
    pts = [[x, y, 0 if y > 0 else 1] for x in np.linspace(-1, 1, 5) for y in (-1.0, -0.6, 0.6, 1.0)]
    s = Session({"dataset": "custom", "points": pts, "grid": 10, "lr": 0.05})
    s.step(100, grid=False)
    cls = np.array(s.grid()["classes"]).reshape(10, 10)
    assert (cls[0] == 0).all() and (cls[-1] == 1).all()


def test_hinge_confidence_is_the_capped_margin():
    s = Session({"loss": "hinge", "grid": 12})
    s.step(200, grid=False)
    conf = np.array(s.grid()["confidence"])
    scores = s._scores(s._grid_inputs(12)).astype(np.float64)
    top2 = np.sort(scores, axis=1)[:, -2:]
    np.testing.assert_allclose(conf, np.minimum(top2[:, 1] - top2[:, 0], 1), atol=1e-3)
    assert conf.max() == 1.0  # the SVM pushed most of the plane past the margin


@pytest.mark.parametrize("config, field, needle", [
    ({"dataset": "mnist"}, "dataset", "valid choices: moons, circles, spiral, xor, blobs, custom"),
    ({"activation": "gelu"}, "activation", "valid choices: relu, tanh, sigmoid"),
    ({"optimizer": "rmsprop"}, "optimizer", "valid choices: sgd, momentum, adam"),
    ({"loss": "mse"}, "loss", "valid choices: cross_entropy, hinge"),
    ({"lr": 0}, "lr", "(0.0, 10.0]"),
    ({"lr": -1e-3}, "lr", "(0.0, 10.0]"),
    ({"lr": "fast"}, "lr", "must be a number"),
    ({"l2": 2.0}, "l2", "[0.0, 1.0]"),
    ({"noise": float("nan")}, "noise", "must be a number"),
    ({"batch_size": 0}, "batch_size", "integer in [1, 5000]"),
    ({"n_points": 2.5}, "n_points", "must be an integer"),
    ({"seed": True}, "seed", "must be an integer"),
    ({"seed": -1}, "seed", "[0, 4294967295]"),
    ({"hidden": [8, 0]}, "hidden", "integers in [1, 128]"),
    ({"hidden": [4] * 7}, "hidden", "up to 6"),
    ({"hidden": "8, x"}, "hidden", "up to 6"),
    ({"grid": 1000}, "grid", "[8, 128]"),
    ({"classes": 3}, "classes", "moons dataset has exactly 2 classes"),
    ({"dataset": "spiral", "classes": 9}, "classes", "[2, 8]"),
    ({"datset": "moons"}, "datset", "unknown config field 'datset'"),
    ({"points": [[0, 0, 0]]}, "points", "only the 'custom' dataset"),
    ({"dataset": "custom", "points": [[0, 0, 2]]}, "points", "labels 0..1"),
    ({"dataset": "custom", "points": [[0, float("inf"), 0]]}, "points", "finite"),
    ({"dataset": "custom", "points": "everywhere"}, "points", "list of [x, y, label]"),
])
def test_bad_configs_name_the_field(config, field, needle):
    with pytest.raises(ConfigError) as info:
        Session(config)
    assert info.value.field == field
    assert needle in str(info.value), str(info.value)
    assert info.value.to_dict()["error"] == str(info.value)


def test_choices_travel_with_the_error():
    with pytest.raises(ConfigError) as info:
        validate_config({"activation": "swish"})
    assert info.value.to_dict()["choices"] == ["relu", "tanh", "sigmoid"]
    with pytest.raises(ConfigError, match="JSON object"):
        validate_config([1, 2])


def test_defaults_depend_on_the_dataset():
    assert validate_config({"dataset": "spiral"})["classes"] == 3
    assert validate_config({"dataset": "blobs"})["noise"] == 0.5
    assert validate_config({"dataset": "custom"})["classes"] == 2
    assert validate_config({"dataset": "moons", "noise": None})["noise"] == 0.1
    assert validate_config({"hidden": "16, 4"})["hidden"] == [16, 4]
    assert validate_config({"hidden": ""})["hidden"] == []
    opts = options()
    assert opts["fields"]["activation"]["choices"] == ["relu", "tanh", "sigmoid"]
    assert opts["fields"]["lr"]["min_exclusive"] and opts["fixed_classes"] == ["moons", "circles", "xor"]


def test_a_bad_reset_keeps_the_old_session():
    s = Session({"seed": 3})
    s.step(10, grid=False)
    X = s.X_.copy()
    with pytest.raises(ConfigError):
        s.reset({"dataset": "spiral", "optimizer": "nope"})
    assert s.steps_ == 10 and s.config["dataset"] == "moons"
    np.testing.assert_array_equal(s.X_, X)


def test_configure_changes_training_and_keeps_weights():
    s = Session({"optimizer": "momentum", "lr": 0.05})
    s.step(20, grid=False)
    w = s.model_[0].weight.data.copy()
    s.configure({"lr": 0.2, "l2": 0.01, "batch_size": 8})
    weights, biases = s.optimizer_.param_groups
    assert weights["lr"] == biases["lr"] == 0.2
    assert weights["weight_decay"] == 0.01 and biases["weight_decay"] == 0  # biases never decay
    np.testing.assert_array_equal(s.model_[0].weight.data, w)
    assert s.optimizer_.state  # momentum buffers survive an lr change
    s.configure({"optimizer": "adam"})
    assert type(s.optimizer_).__name__ == "Adam" and not s.optimizer_.state
    r = s.step(1, grid=False)
    assert r["step"] == 21 and r["config"]["batch_size"] == 8
    with pytest.raises(ConfigError, match="reset") as info:
        s.configure({"hidden": [4]})
    assert info.value.field == "hidden"
    with pytest.raises(ConfigError, match="valid choices"):
        s.configure({"loss": "logistic"})
    with pytest.raises(ConfigError, match="unknown config field"):
        s.configure({"momentum": 0.5})


def test_l2_is_weight_decay_and_its_penalty_is_reported():
    s = Session({"l2": 0.1, "optimizer": "sgd", "lr": 0.1})
    weights = [m.weight.data for m in s.model_ if hasattr(m, "weight")]
    expected = 0.05 * sum(float((w.astype(np.float64) ** 2).sum()) for w in weights)
    assert s.state(grid=False)["reg_loss"] == pytest.approx(expected)
    big = Session({"l2": 0.5, "optimizer": "sgd", "lr": 0.1, "seed": 0})
    small = Session({"l2": 0.0, "optimizer": "sgd", "lr": 0.1, "seed": 0})
    big.step(100, grid=False)
    small.step(100, grid=False)
    norm = lambda s: sum(float((m.weight.data ** 2).sum()) for m in s.model_ if hasattr(m, "weight"))  # noqa: E731
    assert norm(big) < 0.5 * norm(small)


def test_clicked_points_train_a_custom_dataset():
    s = Session({"dataset": "custom"})
    assert s.state()["n_points"] == 0 and s.state()["accuracy"] is None
    with pytest.raises(PlaygroundError, match="no points to train on"):
        s.step(1)
    st = s.add_points([[-0.5, 0.5, 0], [-0.6, 0.4, 0], {"x": 0.5, "y": -0.5, "label": 1}, [0.6, -0.3, 1]])
    assert st["n_points"] == 4 and st["view"] == [-1.0, 1.0, -1.0, 1.0]
    r = s.step(100, grid=False)
    assert r["accuracy"] == 1.0
    with pytest.raises(PlaygroundError, match="labels 0..1"):
        s.add_points([[0, 0, 2]])
    with pytest.raises(PlaygroundError, match=f"at most {MAX_POINTS}"):
        s.add_points([[0.0, 0.0, 0]] * MAX_POINTS)
    assert s.add_points([], replace=True)["n_points"] == 0


def test_points_added_to_a_generated_set_join_training():
    s = Session({"n_points": 50})
    s.step(5, grid=False)
    st = s.add_points([[3.0, 3.0, 1]] * 5)
    assert st["n_points"] == 55 and st["step"] == 5
    s.step(20, grid=False)
    assert (s.y_[-5:] == 1).all() and len(s.X_) == 55


def test_hidden_unit_maps():
    s = Session({"hidden": [5, 3], "activation": "relu"})
    h = s.hidden(0, resolution=6)
    assert h["n_layers"] == 2 and len(h["units"]) == 5 == h["total_units"] and len(h["units"][0]) == 36
    assert min(min(u) for u in h["units"]) >= 0  # ReLU outputs
    h1 = s.hidden(1, resolution=6)
    assert len(h1["units"]) == 3 and h1["lo"] == [min(u) for u in h1["units"]]
    with pytest.raises(PlaygroundError, match=r"layer must be an integer in \[0, 1\]"):
        s.hidden(2)
    with pytest.raises(PlaygroundError, match="resolution"):
        s.hidden(0, resolution=1000)
    assert Session({"hidden": []}).hidden(0)["units"] == []
    t = Session({"hidden": [4], "activation": "tanh"}).hidden(0, resolution=5)
    assert all(-1 <= v <= 1 for u in t["units"] for v in u)


def test_step_count_is_checked():
    s = Session()
    for bad in (0, 1001, 2.5, True, "10"):
        with pytest.raises(PlaygroundError, match=r"n must be an integer in \[1, 1000\]"):
            s.step(bad)


def test_divergence_is_reported_not_crashed():
    s = Session({"optimizer": "momentum", "lr": 10, "hidden": [64, 64, 64], "activation": "relu", "grid": 8})
    r = s.step(10)
    assert r["diverged"] and r["loss"] is None and None in r["losses"]
    json.dumps(r, allow_nan=False)
    json.dumps(s.state(), allow_nan=False)


def test_concurrent_steps_are_serialised():
    s = Session({"n_points": 60, "batch_size": 10, "test_fraction": 0})
    errors = []

    def work():
        try:
            for _ in range(5):
                s.step(4, grid=False)
                s.grid(8)
        except Exception as e:  # pragma: no cover - only on failure
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and s.steps_ == 80 and len(s.history_) == 20
    assert s.samples_seen_ == 800  # batches of 10 out of 60 points never split across threads


# --- the HTTP server -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    from hackgrad.playground.server import make_server

    srv = make_server("127.0.0.1", 0, config={"n_points": 80, "grid": 16})
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def _call(srv, method, path, body=None, content_type="application/json", raw=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if method == "POST" and data is None:
        data = b""
    req = urllib.request.Request(srv.url.rstrip("/") + path, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    # no proxy: the request must reach this very process
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_http_serves_the_page(server):
    assert server.server_address[1] != 0 and server.url.startswith("http://127.0.0.1:")
    status, headers, body = _call(server, "GET", "/")
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<canvas" in html and "/api/step" in html and "/api/reset" in html
    # offline: nothing is fetched from elsewhere (no external scripts, styles, fonts or images)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) and "@import" not in html


def test_http_reset_step_points_config(server):
    status, _, body = _call(server, "POST", "/api/reset", {"dataset": "moons", "seed": 0, "n_points": 100})
    st = json.loads(body)
    assert status == 200 and st["step"] == 0 and len(st["points"]) == 100 and st["config"]["seed"] == 0
    status, headers, body = _call(server, "POST", "/api/step?n=25")
    r = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert r["step"] == 25 and len(r["losses"]) == 25 and 0 <= r["accuracy"] <= 1
    assert len(r["grid"]["classes"]) == r["grid"]["resolution"] ** 2
    status, _, body = _call(server, "POST", "/api/step?n=5&grid=0")
    assert status == 200 and json.loads(body)["step"] == 30 and "grid" not in json.loads(body)
    status, _, body = _call(server, "POST", "/api/step", {"n": 3})  # n in the body works too
    assert status == 200 and json.loads(body)["step"] == 33
    status, _, body = _call(server, "POST", "/api/points", {"points": [[0.1, 0.2, 1], [0.3, 0.4, 0]]})
    assert status == 200 and json.loads(body)["n_points"] == 102
    status, _, body = _call(server, "POST", "/api/config", {"lr": 0.05})
    assert status == 200 and json.loads(body)["config"]["lr"] == 0.05
    status, _, body = _call(server, "GET", "/api/state")
    st = json.loads(body)
    assert status == 200 and st["step"] == 33 and len(st["history"]) == 3 and len(st["points"]) == 102
    status, _, body = _call(server, "GET", "/api/hidden?layer=1&resolution=5")
    assert status == 200 and len(json.loads(body)["units"]) == 8
    status, _, body = _call(server, "GET", "/api/grid?resolution=10")
    assert status == 200 and len(json.loads(body)["classes"]) == 100
    status, _, body = _call(server, "GET", "/api/options")
    assert status == 200 and "fields" in json.loads(body)


@pytest.mark.parametrize("method, path, body, status, needle, field", [
    ("POST", "/api/reset", {"activation": "gelu"}, 400, "valid choices: relu, tanh, sigmoid", "activation"),
    ("POST", "/api/reset", {"dataset": "spiral", "lr": 0}, 400, "lr must be a number in (0.0, 10.0]", "lr"),
    ("POST", "/api/reset", {"optimizer": "lbfgs"}, 400, "valid choices: sgd, momentum, adam", "optimizer"),
    ("POST", "/api/step?n=0", None, 400, "n must be an integer in [1, 1000]", "n"),
    ("POST", "/api/step?n=ten", None, 400, "n must be an integer", "n"),
    ("POST", "/api/step?grid=maybe", None, 400, "grid must be 1 or 0", "grid"),
    ("POST", "/api/points", {"points": [[0, 0, 9]]}, 400, "labels 0..1", "points"),
    ("POST", "/api/points", {"pts": []}, 400, '{"points"', "points"),
    ("POST", "/api/config", {"hidden": [2]}, 400, "POST /api/reset", "hidden"),
    ("GET", "/api/hidden?layer=5", None, 400, "layer must be an integer in [0, 1]", "layer"),
    ("GET", "/api/nowhere", None, 404, "no endpoint /api/nowhere", None),
    ("GET", "/api/step", None, 405, "/api/step answers POST, not GET", None),
    ("POST", "/", {}, 405, "answers GET", None),
])
def test_http_errors_are_json_with_a_message(server, method, path, body, status, needle, field):
    got, headers, raw = _call(server, method, path, body)
    err = json.loads(raw)
    assert got == status and headers["Content-Type"] == "application/json"
    assert needle in err["error"], err
    assert err.get("field") == field


def test_http_rejects_bad_bodies(server):
    status, _, raw = _call(server, "POST", "/api/reset", raw=b"{not json")
    assert status == 400 and "not valid JSON" in json.loads(raw)["error"]
    # a form post (what another web site could send without asking) is refused
    form = "application/x-www-form-urlencoded"
    status, _, raw = _call(server, "POST", "/api/reset", raw=b"a=1", content_type=form)
    assert status == 415 and "application/json" in json.loads(raw)["error"]
    # an oversized body is refused from its Content-Length alone, before anything is read
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall(b"POST /api/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2000000\r\n\r\n")
        reply = conn.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.0 413") and b"request body over" in reply


# --- the page's JavaScript and the command ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["index.html", "circuit.html"])
def test_page_javascript_parses(tmp_path, name):
    # what each page does in a browser is tested in a real one: tests/test_browser.py
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed; the page's JavaScript cannot be syntax-checked here")
    from hackgrad.playground.server import page_html

    scripts = re.findall(r"<script>(.*?)</script>", page_html(name).decode(), re.S)
    assert len(scripts) == 1
    path = tmp_path / "page.js"
    path.write_text(scripts[0])
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", ["index.html", "circuit.html"])
def test_page_ids_used_by_the_script_exist(name):
    from hackgrad.playground.server import page_html

    html = page_html(name).decode()
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    used = set(re.findall(r"""\$\("([\w-]+)"\)""", script))
    defined = set(re.findall(r'\sid="([\w-]+)"', html))
    assert used and used <= defined, used - defined


def test_command_arguments_and_a_busy_port():
    import argparse

    from hackgrad.playground import command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.port, args.host, args.no_browser) == (8000, "127.0.0.1", False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args = parser.parse_args(["--port", str(busy.getsockname()[1]), "--no-browser"])
        assert command.run(args) == 1
    assert command.run(parser.parse_args(["--port", "70000", "--no-browser"])) == 2


def _env_with_hackgrad():
    import os

    import hackgrad

    root = os.path.dirname(os.path.dirname(hackgrad.__file__))  # it may be on the path, not installed
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


@pytest.mark.skipif(sys.platform == "win32", reason="stops the server with SIGTERM")
def test_the_command_serves_until_stopped():
    import signal

    code = ("import argparse; from hackgrad.playground import command; p = argparse.ArgumentParser(); "
            "command.add_arguments(p); "
            "raise SystemExit(command.run(p.parse_args(['--port', '0', '--no-browser'])))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env_with_hackgrad())
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+/", line).group(0)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=30) as resp:
            assert resp.status == 200 and b"<canvas" in resp.read()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the server failed to stop
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "stopped" in out, err


def test_the_command_module_imports_light():
    code = "import sys, hackgrad.playground.command; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=_env_with_hackgrad())
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


def test_a_held_out_test_set_is_never_trained_on_and_is_reported():
    s = Session({"dataset": "moons", "n_points": 100, "test_fraction": 0.3, "seed": 0})
    assert s.test_.sum() == 30
    seen = set()
    for _ in range(20):
        seen.update(s._next_batch().tolist())
    assert seen == set(np.flatnonzero(~s.test_).tolist())  # every training point, no test point
    r = s.step(300, grid=False)
    assert r["n_test"] == 30 and r["test_accuracy"] >= 0.85 and r["test_loss"] is not None
    st = s.state(grid=False)
    assert sum(st["test"]) == 30 and len(st["history"][-1]) == 5
    s.add_points([[0.0, 0.0, 1]])
    assert s.state(grid=False)["test"][-1] == 0  # a clicked point trains
    custom = Session({"dataset": "custom", "points": [[0, 0, 0], [1, 1, 1]]})
    assert custom.state(grid=False)["n_test"] == 0  # the learner's own points are all for training


def test_points_can_be_removed_by_index():
    s = Session({"dataset": "moons", "n_points": 20, "seed": 0})
    kept = s.state(grid=False)["points"]
    st = s.remove_points([0, 5])
    assert st["n_points"] == 18 and st["points"] == [p for i, p in enumerate(kept) if i not in (0, 5)]
    with pytest.raises(PlaygroundError, match=r"remove must be a list of point indices in \[0, 17\]"):
        s.remove_points([18])

"""Hyperparameter search: search space, k-fold CV, successive halving, leaderboard, ensembles, backends, CLI.

Searches here use iris and tiny networks so each takes about a second; the digits-sized search and its
comparison with the default models live in bench/search_dask.py.
"""

import argparse
import io
import json
import math

import numpy as np
import pytest

from hackgrad.data import kfold_indices, load_iris
from hackgrad.estimators import MLPClassifier, ModelFileError, SoftmaxClassifier, SVMClassifier
from hackgrad.search import (
    Ensemble,
    HalvingRandomSearch,
    Leaderboard,
    ProcessBackend,
    SearchSpace,
    SerialBackend,
    cross_validate,
    halving_schedule,
    make_backend,
)
from hackgrad.search import command as search_command

SMALL_SPACE = SearchSpace(depth=(1, 2), widths=(8, 16), batch_sizes=(16, 32), learning_rate=(3e-3, 3e-2))


@pytest.fixture(scope="module")
def iris():
    return load_iris()


def small_search(**kw):
    base = dict(
        space=SMALL_SPACE,
        n_configs=6,
        folds=3,
        min_folds=2,
        min_epochs=3,
        top_k=2,
        seed=0,
        quiet=True,
        workers=1,
    )
    return HalvingRandomSearch(**{**base, **kw})


def board_numbers(search):
    return [
        (r["id"], r["rung"], r["epochs"], r["folds"], r["score"], r["std"], r["log_loss"])
        for r in search.leaderboard_.to_list()
    ]


# --- search space --------------------------------------------------------------------------------------
def test_space_samples_are_reproducible_and_inside_the_ranges():
    space = SearchSpace()
    configs = space.sample_many(300, seed=3)
    assert configs == space.sample_many(300, seed=3)
    assert configs[:10] == space.sample_many(10, seed=3)  # a longer list extends a shorter one
    assert configs != space.sample_many(300, seed=4)
    for c in configs:
        depth = len(c["hidden_layer_sizes"])
        assert 1 <= depth <= 3 and set(c["hidden_layer_sizes"]) <= set(space.widths)
        assert c["activation"] in ("relu", "tanh")
        assert 0.0 <= c["dropout"] <= 0.5
        assert 3e-4 * 0.999 <= c["learning_rate_init"] <= 1e-2 * 1.001
        assert 1e-6 * 0.999 <= c["alpha"] <= 1e-2 * 1.001
        MLPClassifier(**c)._check_hyperparameters()  # every draw is a valid estimator
    assert {len(c["hidden_layer_sizes"]) for c in configs} == {1, 2, 3}
    assert 0.3 < np.mean([c["dropout"] > 0 for c in configs]) < 0.7


def test_learning_rate_and_l2_are_log_uniform():
    space = SearchSpace(learning_rate=(1e-4, 1e-2), alpha=(1e-6, 1e-2))
    configs = space.sample_many(2000, seed=0)
    lr = np.log10([c["learning_rate_init"] for c in configs])
    l2 = np.log10([c["alpha"] for c in configs])
    # uniform in log space: each decade gets its share (a uniform draw would put ~90% in the top decade)
    assert abs(np.mean(lr < -3) - 0.5) < 0.05
    assert abs(np.mean(l2 < -4) - 0.5) < 0.05


def test_space_rejects_bad_ranges_with_clear_messages():
    with pytest.raises(ValueError, match="unknown activations 'swish'; valid choices are"):
        SearchSpace(activations=("relu", "swish"))
    with pytest.raises(ValueError, match=r"learning_rate must be numbers >= 0 and > 0"):
        SearchSpace(learning_rate=(0, 1e-2))
    with pytest.raises(ValueError, match="low <= high"):
        SearchSpace(depth=(3, 1))
    with pytest.raises(ValueError, match="dropout must stay below 1"):
        SearchSpace(dropout=(0.0, 1.0))
    with pytest.raises(ValueError, match="widths needs at least one choice"):
        SearchSpace(widths=())


# --- schedule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,eta,top_k", [(27, 3, 3), (16, 3, 3), (40, 2, 4), (3, 3, 3), (1, 3, 1), (100, 4, 2)])
def test_halving_schedule_shrinks_configs_and_grows_budgets(n, eta, top_k):
    rungs = halving_schedule(n, eta=eta, min_epochs=5, folds=5, min_folds=2, top_k=top_k)
    assert rungs[0]["configs"] == n
    assert rungs[-1]["folds"] == 5
    assert rungs[-1]["configs"] >= min(top_k, n)
    for r, (a, b) in enumerate(zip(rungs, rungs[1:]), 1):
        assert b["configs"] == max(top_k, math.ceil(n / eta**r))
        assert b["configs"] < a["configs"]
        assert b["epochs"] == a["epochs"] * eta
        assert b["folds"] >= a["folds"]
    if len(rungs) > 1:
        assert rungs[0]["folds"] == 2


def test_halving_schedule_caps_epochs():
    rungs = halving_schedule(27, eta=3, min_epochs=10, max_epochs=50, top_k=3)
    assert [r["epochs"] for r in rungs] == [10, 30, 50]


# --- cross-validation --------------------------------------------------------------------------------
def test_cross_validate_matches_a_manual_loop_over_the_same_folds(iris):
    X, y = iris
    est = SoftmaxClassifier(max_iter=20, random_state=0)
    out = cross_validate(est, X, y, folds=4, seed=1, workers=1)
    manual = [
        SoftmaxClassifier(max_iter=20, random_state=0).fit(X[tr], y[tr]).score(X[va], y[va])
        for tr, va in kfold_indices(y, 4, seed=1)
    ]
    np.testing.assert_array_equal(out["scores"], manual)
    assert out["mean"] == pytest.approx(np.mean(manual)) and out["folds"] == 4
    assert all(v is not None and v > 0 for v in out["log_losses"])


def test_cross_validate_folds_are_stratified_and_cover_every_sample(iris):
    _, y = iris
    seen = np.zeros(len(y), dtype=int)
    for _, val in kfold_indices(y, 5, stratified=True, seed=0):
        seen[val] += 1
        counts = np.bincount(y[val], minlength=3)
        assert counts.max() - counts.min() <= 1  # iris has 50 per class: 10 per class per fold
    assert np.all(seen == 1)


def test_cross_validate_without_predict_proba(iris):
    X, y = iris
    out = cross_validate(SVMClassifier(max_iter=20, random_state=0), X, y, folds=3, workers=1, return_estimators=True)
    assert out["log_losses"] == [None, None, None]
    assert len(out["estimators"]) == 3 and all(hasattr(e, "model_") for e in out["estimators"])


def test_cross_validate_rejects_mismatched_input():
    with pytest.raises(ValueError, match="one label per row"):
        cross_validate(SoftmaxClassifier(), np.ones((10, 2)), np.zeros(9), workers=1)


# --- backends ----------------------------------------------------------------------------------------
def test_make_backend_choices_and_errors():
    assert isinstance(make_backend(workers=1), SerialBackend)
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        make_backend(workers=0)
    with pytest.raises(TypeError, match="Client or an address string"):
        make_backend(scheduler=42)
    with pytest.raises(ValueError, match="unknown start_method"):
        ProcessBackend(2, start_method="teleport")


def test_serial_backend_reraises_task_errors_on_gather():
    with SerialBackend() as backend:
        fut = backend.submit(math.sqrt, -1.0)
        with pytest.raises(ValueError):
            backend.gather([fut])


# --- the search --------------------------------------------------------------------------------------
def test_search_follows_the_schedule_and_promotes_the_best(iris):
    X, y = iris
    out = io.StringIO()
    search = small_search(quiet=False, stream=out, n_configs=9).fit(X, y)
    rungs = search.schedule_
    assert [r["configs"] for r in rungs] == [9, 3]
    history = search.leaderboard_.history
    first = [r for r in history if r["rung"] == 0]
    second = [r for r in history if r["rung"] == 1]
    assert len(first) == 9 and len(second) == 3
    assert all(r["epochs"] == 3 and r["folds"] == 2 for r in first)
    assert all(r["epochs"] == 9 and r["folds"] == 3 for r in second)
    ranked_first = sorted(first, key=lambda r: (-r["score"], r["log_loss"], r["id"]))
    assert {r["id"] for r in second} == {r["id"] for r in ranked_first[:3]}  # the survivors are the top third
    # the best is the top of the last rung, and the live leaderboard was printed after every rung
    assert search.best_id_ == search.leaderboard_.ranked(rung=1)[0]["id"]
    assert search.best_score_ == search.leaderboard_.ranked(rung=1)[0]["score"]
    text = out.getvalue()
    assert text.count("after rung") == 2 and "rank" in text and "refitting the top 2" in text
    assert search.score(X, y) > 0.9


def test_quiet_search_prints_nothing(iris, capsys):
    X, y = iris
    small_search(quiet=True).fit(X, y)
    assert capsys.readouterr().out == ""


def test_search_is_reproducible_and_seed_dependent(iris):
    X, y = iris
    a, b, c = small_search().fit(X, y), small_search().fit(X, y), small_search(seed=1).fit(X, y)
    assert board_numbers(a) == board_numbers(b)
    assert board_numbers(a) != board_numbers(c)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_local_processes_give_the_same_results_as_one_process(iris):
    """Tasks are pure functions of (data, config, seed): the worker count cannot change any number."""
    X, y = iris
    serial = small_search(workers=1).fit(X, y)
    with ProcessBackend(2) as backend:
        pooled = small_search(backend=backend).fit(X, y)
    assert board_numbers(serial) == board_numbers(pooled)
    np.testing.assert_array_equal(serial.predict_proba(X), pooled.predict_proba(X))


def test_a_diverging_configuration_scores_zero_instead_of_stopping_the_search(iris):
    from hackgrad.search import fit_and_score

    X, y = iris
    wild = MLPClassifier(
        (8,), solver="sgd", momentum=0.99, learning_rate_init=1e6, max_iter=20, tol=None, random_state=0
    )
    tr, va = next(kfold_indices(y, 3))
    out = fit_and_score(wild, X * 1e3, y, tr, va, False, True)
    assert out["score"] == 0.0 and out["log_loss"] == float("inf") and "lower learning_rate_init" in out["error"]
    with pytest.raises(FloatingPointError):
        fit_and_score(wild, X * 1e3, y, tr, va)
    space = SearchSpace(depth=(1, 1), widths=(8,), learning_rate=(1e5, 1e6), solvers=("sgd",), batch_sizes=(16,))
    with pytest.raises(RuntimeError, match="every configuration diverged"):
        small_search(space=space, n_configs=2, top_k=1, base_params={"momentum": 0.99, "tol": None}).fit(X * 1e3, y)


def test_leaderboard_ranks_by_score_then_log_loss_then_id():
    board = Leaderboard(quiet=True)
    kw = dict(rung=0, epochs=1, folds=2, std=0.0, seconds=0.1)
    board.record(0, {}, score=0.9, log_loss=0.3, **kw)
    board.record(1, {}, score=0.95, log_loss=0.5, **kw)
    board.record(2, {}, score=0.9, log_loss=0.2, **kw)
    board.record(3, {}, score=0.9, log_loss=0.2, **kw)
    board.record(4, {}, score=0.0, log_loss=float("inf"), error="diverged", **kw)
    assert [r["id"] for r in board.ranked()] == [1, 2, 3, 0, 4]
    rows = json.loads(board.to_json())
    assert rows[-1]["log_loss"] is None and rows[-1]["error"] == "diverged"
    assert "diverged" in board.format()


# --- the ensemble --------------------------------------------------------------------------------------
def test_ensemble_averages_member_probabilities(iris):
    X, y = iris
    members = [MLPClassifier((8,), batch_size=16, max_iter=15, random_state=s).fit(X, y) for s in range(3)]
    ens = Ensemble(members)
    expected = np.mean([m.predict_proba(X) for m in members], axis=0)
    np.testing.assert_allclose(ens.predict_proba(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(ens.predict(X), ens.classes_[expected.argmax(axis=1)])
    weighted = Ensemble(members, weights=[2, 1, 1]).predict_proba(X)
    np.testing.assert_allclose(
        weighted,
        (2 * members[0].predict_proba(X) + members[1].predict_proba(X) + members[2].predict_proba(X)) / 4,
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="at least one member"):
        Ensemble([]).predict(X)
    with pytest.raises(TypeError, match="has no predict_proba"):
        Ensemble([SVMClassifier(max_iter=5, random_state=0).fit(X, y)]).predict(X)
    other = MLPClassifier((8,), max_iter=5, random_state=0).fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="knows classes"):
        Ensemble(members + [other]).predict(X)


def test_search_ensemble_saves_to_one_file_and_loads_back(iris, tmp_path):
    X, y = iris
    search = small_search().fit(X, y)
    path = search.ensemble_.save(tmp_path / "ens.npz", extra={"note": "iris"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens.npz"]
    back = Ensemble.load(path)
    assert len(back) == len(search.ensemble_) == 2
    assert back.extra_ == {"note": "iris"}
    np.testing.assert_array_equal(back.predict_proba(X), search.predict_proba(X))
    raw = (tmp_path / "ens.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[:-100])
    with pytest.raises(ModelFileError, match="damaged"):
        Ensemble.load(tmp_path / "cut.npz")
    search.best_estimator_.save(tmp_path / "single.npz")
    with pytest.raises(ModelFileError, match="holds a 'estimator', expected a 'ensemble'"):
        Ensemble.load(tmp_path / "single.npz")


# --- the command ---------------------------------------------------------------------------------------
def parse(argv):
    parser = argparse.ArgumentParser(prog="hackgrad search")
    search_command.add_arguments(parser)
    return parser.parse_args(argv)


def test_command_rejects_bad_flags_listing_valid_choices(capsys):
    with pytest.raises(SystemExit):
        parse(["--data", "mnist-xl"])
    err = capsys.readouterr().err
    assert "invalid choice: 'mnist-xl'" in err and "'digits'" in err and "'iris'" in err
    with pytest.raises(SystemExit):
        parse(["--folds", "1"])
    assert "expected an integer >= 2, got 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--workers", "two"])
    assert "expected an integer >= 1, got 'two'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--test-size", "1.5"])
    assert "strictly between 0 and 1" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--min-folds .* must be <= --folds"):
        search_command.run(parse(["--folds", "3", "--min-folds", "4"]))
    with pytest.raises(SystemExit, match="'nowhere' is not a Dask scheduler address"):
        search_command.run(parse(["--data", "iris", "--scheduler", "nowhere"]))


def test_command_runs_a_search_and_saves_the_ensemble(tmp_path, capsys):
    args = parse(
        [
            "--data",
            "iris",
            "--n-configs",
            "4",
            "--folds",
            "3",
            "--min-epochs",
            "3",
            "--top-k",
            "2",
            "--workers",
            "1",
            "--seed",
            "0",
            "--out",
            str(tmp_path),
        ]
    )
    assert search_command.run(args) == 0
    out = capsys.readouterr().out
    assert "final leaderboard" in out and "ensemble of 2: test accuracy" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ensemble.npz", "leaderboard.json"]
    board = json.loads((tmp_path / "leaderboard.json").read_text())
    assert len(board["leaderboard"]) == 4 and board["best_id"] == board["leaderboard"][0]["id"]
    ens = Ensemble.load(tmp_path / "ensemble.npz")
    assert ens.extra_["summary"]["ensemble_size"] == 2

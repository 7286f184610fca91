"""The worked examples run as a learner would run them (`python examples/NAME.py`) and print what they say.

Each test runs the script itself, at its own settings, and reads the figures from its printed output.
"""

import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(name, capsys, monkeypatch, tmp_path, *args):
    monkeypatch.setattr(sys, "argv", [name, *map(str, args)])
    monkeypatch.chdir(tmp_path)  # anything an example saves lands here
    runpy.run_path(str(ROOT / "examples" / f"{name}.py"), run_name="__main__")
    return capsys.readouterr().out


def figures(out, label):
    """The numbers printed on the line that starts with `label` (after stripping spaces)."""
    for line in out.splitlines():
        if line.strip().startswith(label):
            return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", line.strip()[len(label):])]
    raise AssertionError(f"no line starting with {label!r} in:\n{out}")


def test_regression_mlp_matches_ridge_on_the_same_folds(capsys, monkeypatch, tmp_path):
    pytest.importorskip("sklearn")
    out = run_example("ch3_02_regression", capsys, monkeypatch, tmp_path)
    (ridge,) = figures(out, "RidgeCV (scikit-learn)")
    (mlp,) = figures(out, "MLPRegressor()")
    (no_l2,) = figures(out, "MLPRegressor(alpha=1e-4)")
    assert mlp >= ridge > 0.45
    assert no_l2 < mlp - 0.1  # the L2 is what does it


def test_structured_prediction_beats_independent_reading(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_03_structured_prediction", capsys, monkeypatch, tmp_path)
    ind_pos, ind_str = figures(out, "independent")
    crf_pos, crf_str = figures(out, "CRF ")
    svm_pos, svm_str = figures(out, "struct. SVM")
    assert crf_str > ind_str + 20 and svm_str > ind_str + 20  # percentages of whole strings read right
    assert crf_pos > ind_pos and svm_pos > ind_pos
    assert ind_pos > 85  # the network itself is a fair reader of single digits
    assert "4: [3, 5]" in out  # the CRF learned the grammar: 4 is followed by 3 or 5


def test_ch1_gates_wired_by_hand(capsys, monkeypatch, tmp_path):
    out = run_example("ch1_gates_by_hand", capsys, monkeypatch, tmp_path)
    assert "circuit output: 0.8808" in out
    assert "{'a': -0.105, 'b': 0.315, 'c': 0.105, 'x': 0.105, 'y': 0.21}" in out
    assert "numerical gradients: [-0.105, 0.315, 0.105, 0.105, 0.21]" in out
    assert figures(out, "circuit output after one backprop:")[0] > 0.8808


@pytest.mark.parametrize("name", ["ch2_circuit_svm", "ch2_two_layer_by_hand"])  # ch2_svm, ch2_neural_net:
# tests/test_circuit_modules.py runs those and checks the same sentence
def test_ch2_says_plainly_that_100_percent_depends_on_the_order(name, capsys, monkeypatch, tmp_path):
    out = run_example(name, capsys, monkeypatch, tmp_path)
    count = int(re.search(r"reaching 100% after 400 iterations: (\d+) of 100", out).group(1))
    assert 0 < count < 100  # some orders reach it and some do not: it is the order, not the method
    assert "identical parameters: True" in out  # the guide's code and hackgrad's class agree exactly


def test_vectorized_three_ways_agree(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_04_vectorized", capsys, monkeypatch, tmp_path)
    rows = {name: figures(out, name) for name in ("Units", "NumPy", "tensor engine")}
    first, final = rows["NumPy"][0], rows["NumPy"][2]
    for first_loss, grad_diff, final_loss, weight_diff, _, _ in rows.values():
        assert abs(first_loss - first) < 1e-6 and abs(final_loss - final) < 1e-6
        assert grad_diff < 1e-12 and weight_diff < 1e-10
    assert final < first / 5  # and it learned
    assert rows["NumPy"][5] > 10 and rows["tensor engine"][5] > 3  # vectorized beats a circuit per example


def test_multiclass_losses_pull_as_described(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_01_multiclass", capsys, monkeypatch, tmp_path)
    assert "Weston-Watkins  loss 3.6000   gradient on the scores [-2.0, 1.0, 1.0, 0.0]" in out
    assert "Crammer-Singer  loss 2.9000   gradient on the scores [-1.0, 1.0, 0.0, 0.0]" in out  # the worst only
    soft = figures(out, "softmax         loss")
    assert abs(soft[0] - 2.1323) < 1e-4 and all(g > 0 for g in soft[2:])  # every wrong class pulled down
    accuracies = [figures(out, f"{name}  test accuracy")[0] for name in ("Weston-Watkins", "Crammer-Singer")]
    accuracies.append(figures(out, "softmax         test accuracy")[0])
    assert min(accuracies) > 0.93 and max(accuracies) - min(accuracies) < 0.03


def test_optimizers_race(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_05_optimizers", capsys, monkeypatch, tmp_path, tmp_path)
    loss = {name: figures(out, name)[0] for name in ("SGD", "momentum", "Nesterov", "Adam", "LBFGS")}
    assert loss["SGD"] > 0.5  # plain SGD at this step size has barely started
    assert loss["momentum"] < loss["SGD"] / 3 and loss["Nesterov"] < loss["SGD"] / 3
    assert loss["Adam"] < loss["momentum"] and loss["LBFGS"] < loss["Adam"]
    assert (tmp_path / "ch3_optimizers.png").stat().st_size > 10_000


def test_initialization_shows_why(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_06_initialization", capsys, monkeypatch, tmp_path, tmp_path)
    rows = {name: figures(out, name) for name in
            ("N(0, 0.01^2), tanh", "N(0, 1), tanh", "Xavier, tanh", "Xavier, ReLU", "He, ReLU")}
    small, large, xavier, xavier_relu, he = rows.values()  # std at layers 1, 5, 10; stuck share; grad
    assert small[2] < 1e-6 and small[4] < 1e-4  # the signal and the gradient vanish
    assert large[3] > 0.8 and large[4] > 1e3  # saturated, and the gradient that gets through explodes
    assert 0.3 < xavier[2] < 1.0 and xavier[3] < 0.05
    assert xavier_relu[2] < xavier_relu[0] / 10  # ReLU halves the variance per layer under Xavier
    assert 0.5 < he[2] / he[0] < 2  # He keeps it
    assert (tmp_path / "ch3_initialization.png").exists()


def test_regularization_sparsity(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_07_regularization", capsys, monkeypatch, tmp_path)
    rows = {k: figures(out, k + " ") for k in ("none", "L2", "L1", "group lasso", "dropout", "L1 (prox)",
                                               "group lasso (prox)")}
    counts = dict(re.findall(r"^(\S.*?)\s+\d\.\d+\s+\d\.\d+\s+(\d+)/64", out, flags=re.M))
    for k in ("none", "L2", "L1", "group lasso", "dropout"):
        assert rows[k][1] == 0.0  # a pull alone never lands a weight on exactly zero
    assert rows["L1 (prox)"][1] > 0.5 and int(counts["L1 (prox)"]) < 8  # many single weights, few whole inputs
    assert int(counts["group lasso (prox)"]) >= 60  # whole noise inputs switched off
    assert rows["group lasso"][0] < 0.8  # the same group pull as a subgradient wrecks the fit
    for k in ("none", "L2", "dropout", "L1 (prox)", "group lasso (prox)"):
        assert rows[k][0] > 0.93


def test_search_from_python(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_08_search", capsys, monkeypatch, tmp_path)
    mean, std = figures(out, "default MLPClassifier(max_iter=30), 5-fold CV:")
    assert 0.9 < mean < 1 and 0 < std < 0.05
    (best,) = figures(out, "halving random search over 9 configurations, best CV accuracy:")
    (test,) = figures(out, "best configuration refit on all search data, held-out test accuracy:")
    assert best > 0.93 and test > 0.93
    assert "'hidden_layer_sizes'" in out


def test_dying_relus_diagnosed_and_fixed(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_09_dying_relus", capsys, monkeypatch, tmp_path)
    (broken,) = figures(out, "bias -2: training accuracy after 300 Adam steps")
    (fixed,) = figures(out, "bias 0.1 + He: training accuracy after 300 Adam steps")
    assert broken < 0.6 and fixed > 0.95
    dead = [int(v) for v in re.findall(r"\(ReLU\) (\d+)% dead", out)]
    assert min(dead[:4]) >= 90 and max(dead[4:]) < 30  # broken: nearly all dead; fixed: few
    assert "[fail]" in out and "large negative biases" in out


def test_unbalanced_data(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_10_unbalanced", capsys, monkeypatch, tmp_path)
    plain, weighted, sampled = (figures(out, k) for k in ("plain", "class weights", "balanced batches"))
    assert plain[0] > 0.95  # looks great on plain accuracy ...
    assert weighted[1] > plain[1] + 0.05 and sampled[1] > plain[1] + 0.05  # ... but not on balanced accuracy
    assert weighted[2] > plain[2] + 0.2 and sampled[2] > plain[2] + 0.2  # the rare class is found


def test_debugging_broken_runs(capsys, monkeypatch, tmp_path):
    out = run_example("ch3_11_debugging", capsys, monkeypatch, tmp_path)
    first, second = out.split("=== 2.")
    assert "[FAIL] NaN/Inf: at training step" in first and "lower the learning rate (now 100)" in first
    assert "[FAIL] lr range test" in first and "your lr 100 is past that point" in first
    assert "[ok  ] initial loss" in second  # the forward is right ...
    assert "[FAIL] overfit tiny batch" in second  # ... but the net cannot memorise 20 samples
    assert "gradcheck(BuggyReLU) passes: False" in second
    assert "gradient of input 0 (shape (4, 3)) disagrees at index" in second

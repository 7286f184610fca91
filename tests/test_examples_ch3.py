"""Every chapter-3 example runs as a learner would run it (`python examples/NAME.py`), and prints what it says.

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
            return [float(v) for v in re.findall(r"-?\d+\.\d+", line.strip()[len(label):])]
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

"""CSV targets: classes vs regression decided sensibly, labels mapped to 0..C-1 and back, bad cells named."""

import csv

import numpy as np
import pytest

from hackgrad import data


def _write(path, header, rows):
    path.write_text("\n".join([header, *(",".join(str(v) for v in r) for r in rows)]) + "\n")
    return path


def test_prices_are_a_regression_target_not_120000_classes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    prices = (110000 + 5000 * X[:, 0]).round().astype(int)
    path = _write(tmp_path / "p.csv", "a,b,price", [(*x, p) for x, p in zip(X, prices)])
    _, y, meta = data.load_csv(path, return_meta=True)
    assert meta["task"] == "regression" and meta["classes"] is None
    assert y.dtype == np.float64 and y.min() > 90000  # the prices themselves, not class indices


def test_minus_one_plus_one_labels_map_to_0_1_and_back(tmp_path):
    path = _write(tmp_path / "s.csv", "x,label", [(i, 1 if i % 2 else -1) for i in range(20)])
    _, y, meta = data.load_csv(path, return_meta=True)
    assert meta["task"] == "classification" and meta["classes"] == [-1, 1]
    assert set(y) == {0, 1}
    back = np.array(meta["classes"])[y]
    np.testing.assert_array_equal(back, [1 if i % 2 else -1 for i in range(20)])


def test_a_huge_label_is_a_class_name_not_a_class_count(tmp_path):
    path = _write(tmp_path / "h.csv", "x,label", [(i, 300000000 if i % 2 else 7) for i in range(10)])
    _, y, meta = data.load_csv(path, return_meta=True)
    assert meta["classes"] == [7, 300000000] and y.max() == 1


def test_integers_beyond_int64_do_not_wrap(tmp_path):
    big = 2**64 + 5  # wraps to 5 as int64
    path = _write(tmp_path / "b.csv", "x,label", [(i, big if i % 2 else 5) for i in range(10)])
    _, y, meta = data.load_csv(path, return_meta=True)
    assert meta["classes"] == [5, big]  # two different classes, exactly
    assert list(y) == [1 if i % 2 else 0 for i in range(10)]
    path = _write(tmp_path / "r.csv", "x,t", [(i, 10**20 + i * 10**15) for i in range(40)])
    _, y = data.load_csv(path)
    assert y.dtype == np.float64 and np.all(y >= 1e20)  # many values: regression, as floats


def test_one_class_is_refused_with_a_clear_message(tmp_path):
    path = _write(tmp_path / "one.csv", "x,label", [(i, 3) for i in range(10)])
    with pytest.raises(ValueError, match=r"every row has the label 3; classification needs at least two classes"):
        data.load_csv(path)
    path = _write(tmp_path / "one_text.csv", "x,label", [(i, "cat") for i in range(10)])
    with pytest.raises(ValueError, match="every row has the label 'cat'"):
        data.load_csv(path)


def test_the_task_can_be_forced(tmp_path):
    path = _write(tmp_path / "t.csv", "x,label", [(i, i % 3) for i in range(30)])
    _, y, meta = data.load_csv(path, task="regression", return_meta=True)
    assert y.dtype == np.float64 and meta["task"] == "regression"
    path = _write(tmp_path / "f.csv", "x,t", [(i, i / 7) for i in range(30)])
    with pytest.raises(ValueError, match="classification needs whole-number or text labels"):
        data.load_csv(path, task="classification")
    path = _write(tmp_path / "w.csv", "x,t", [(1, "a"), (2, "b")])
    with pytest.raises(ValueError, match=r"line 2, column 1 \('t'\): regression needs numbers, got 'a'"):
        data.load_csv(path, task="regression")
    with pytest.raises(ValueError, match="task must be one of"):
        data.load_csv(path, task="clustering")


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_inf_cells_are_errors_naming_line_and_column(tmp_path, cell):
    path = _write(tmp_path / "n.csv", "a,b,label", [(1, 2, 0), (3, cell, 1), (5, 6, 0)])
    with pytest.raises(ValueError, match=rf"line 3, column 1 \('b'\): '{cell}' is not a finite number"):
        data.load_csv(path)
    path = _write(tmp_path / "t.csv", "a,b,t", [(1, 2, 0.5), (3, 4, cell), (5, 6, 1.5)])
    with pytest.raises(ValueError, match=r"line 3, column 2 \('t'\): the target is"):
        data.load_csv(path)


def test_non_utf8_and_oversized_fields_give_one_clear_error_naming_the_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\n1,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.csv: not UTF-8 text \(byte 0xe9 on line 2\)"):
        data.load_csv(path)
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n1," + "9" * (csv.field_size_limit() + 10) + "\n")
    with pytest.raises(ValueError, match=r"wide.csv: line 2 is not valid CSV: field larger than field limit"):
        data.load_csv(path)


def _train(*argv):
    from hackgrad.cli import main

    return main(["train", *[str(a) for a in argv]])


def test_cli_trains_minus_one_plus_one_labels_and_refuses_one_class(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    labels = np.where(X[:, 0] > 0, 1, -1)
    path = _write(tmp_path / "pm.csv", "a,b,label", [(f"{x[0]:.4f}", f"{x[1]:.4f}", t) for x, t in zip(X, labels)])
    assert _train("--csv", path, "--epochs", 10, "--out", tmp_path / "run", "--no-plots", "--quiet") == 0
    out = capsys.readouterr().out
    assert float(out.split("test accuracy ")[1].split("%")[0]) > 85
    one = _write(tmp_path / "one.csv", "a,label", [(i, 1) for i in range(20)])
    assert _train("--csv", one, "--out", tmp_path / "r2", "--quiet") == 1
    err = capsys.readouterr().err
    assert "classification needs at least two classes" in err and "Traceback" not in err

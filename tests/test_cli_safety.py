"""The commands check what they are given before the work starts: resumed settings, output folders, sizes."""

import os

import numpy as np
import pytest

from hackgrad.cli import main
from hackgrad.train.checkpoint import load_checkpoint, save_checkpoint
from hackgrad.train.command import check_settings


def _train(*argv):
    return main(["train", *[str(a) for a in argv]])


QUICK = ("--data", "moons", "--n-samples", 120, "--hidden", "8", "--no-plots", "--quiet")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "moons"
    assert _train(*QUICK, "--epochs", 1, "--out", out) == 0
    return out


def _edited_copy(run_dir, tmp_path, **settings):
    ckpt = load_checkpoint(run_dir / "checkpoint.npz")
    ckpt.config["settings"].update(settings)
    folder = tmp_path / "edited"
    save_checkpoint(folder / "checkpoint.npz", ckpt)  # a valid checksum over edited settings
    return folder


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"hidden": "100000000"}, "needs about .* of memory, but only .* is free; choose smaller --hidden"),
        ({"batch_size": 0}, "saved setting batch_size=0: expected a positive integer"),
        ({"optimizer": "adamax"}, "saved setting optimizer='adamax' is not one of sgd, momentum"),
        ({"lr": float("inf")}, "saved setting lr=inf: expected a finite number"),
        ({"lr": "fast"}, "saved setting lr='fast'"),
        ({"activation": ["relu"]}, "saved setting activation=\\['relu'\\] is not one of"),
        ({"batchnorm": "yes"}, "saved setting batchnorm='yes'; expected true or false"),
    ],
)
def test_resume_checks_the_saved_settings_like_the_command_line(run_dir, tmp_path, capsys, settings, message):
    folder = _edited_copy(run_dir, tmp_path, **settings)
    assert _train("--resume", folder, "--epochs", 2, "--quiet") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert __import__("re").search(message, err), err


def test_settings_missing_a_key_are_refused():
    with pytest.raises(ValueError, match="the saved settings lack .csv.; this is not a run"):
        check_settings({"data": "moons"}, "x.npz")


def test_resume_accepts_the_checkpoint_file_and_saves_into_its_folder(run_dir, tmp_path, capsys):
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "checkpoint.npz").write_bytes((run_dir / "checkpoint.npz").read_bytes())
    assert _train("--resume", folder / "checkpoint.npz", "--epochs", 2, "--quiet") == 0
    assert load_checkpoint(folder / "checkpoint.npz").epoch == 2
    assert (folder / "results.json").exists()


def test_a_fresh_run_into_an_existing_run_folder_is_refused_unless_overwrite(run_dir, tmp_path, capsys):
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "checkpoint.npz").write_bytes((run_dir / "checkpoint.npz").read_bytes())
    before = (folder / "checkpoint.npz").read_bytes()
    with pytest.raises(SystemExit):
        _train(*QUICK, "--epochs", 1, "--out", folder)
    err = capsys.readouterr().err
    assert "already holds a run (checkpoint.npz); continue it with --resume" in err and "--overwrite" in err
    assert (folder / "checkpoint.npz").read_bytes() == before
    assert _train(*QUICK, "--epochs", 1, "--out", folder, "--overwrite") == 0
    assert (folder / "checkpoint.npz").read_bytes() != before


def test_an_out_that_is_a_file_or_unwritable_is_refused_before_training(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert _train(*QUICK, "--epochs", 50, "--out", a_file) == 1
    err = capsys.readouterr().err
    assert f"--out {a_file} is a file, not a folder" in err and "Traceback" not in err
    # a folder nobody may write into (root writes anywhere but /proc)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    unwritable = locked / "run" if os.geteuid() != 0 else "/proc/hackgrad-run"
    assert _train(*QUICK, "--epochs", 50, "--out", unwritable) == 1
    err = capsys.readouterr().err
    assert f"--out {unwritable} cannot be written to" in err and "Traceback" not in err


def test_a_failure_while_saving_is_one_line_and_keeps_the_last_good_checkpoint(tmp_path, capsys, monkeypatch):
    out = tmp_path / "full"
    assert _train(*QUICK, "--epochs", 1, "--out", out) == 0
    good = (out / "checkpoint.npz").read_bytes()
    import hackgrad.io as hio

    real = hio.os.fsync

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(hio.os, "fsync", full_disk)
    assert _train("--resume", out, "--epochs", 3, "--quiet") == 1
    monkeypatch.setattr(hio.os, "fsync", real)
    err = capsys.readouterr().err
    assert "could not save: [Errno 28] No space left on device" in err and "Traceback" not in err
    assert (out / "checkpoint.npz").read_bytes() == good
    assert [p for p in os.listdir(out) if p.endswith(".tmp")] == []


def test_huge_sizes_are_refused_with_an_estimate_before_allocating(tmp_path, capsys):
    assert _train("--data", "moons", "--n-samples", 10**9, "--out", tmp_path / "n", "--quiet") == 1
    err = capsys.readouterr().err
    assert "1,000,000,000 samples needs about" in err and "GiB of memory" in err
    assert _train("--data", "moons", "--hidden", 100000000, "--out", tmp_path / "h", "--quiet") == 1
    err = capsys.readouterr().err
    assert "a 2-100000000-2 mlp (500,000,002 parameters, batch 32) needs about" in err
    assert "choose smaller --hidden layers or --batch-size" in err


def test_search_and_tour_check_out_before_working(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(SystemExit, match=f"--out {a_file} is a file"):
        main(["search", "--data", "iris", "--out", str(a_file)])
    assert main(["tour", "--out", str(a_file)]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_make_data_refuses_a_huge_n_with_the_estimate():
    from hackgrad.data import make_blobs, make_moons
    from hackgrad.util import NotEnoughMemoryError

    with pytest.raises(NotEnoughMemoryError, match="needs about .* GiB of memory"):
        make_moons(10**10)
    with pytest.raises(MemoryError):
        make_blobs(10**8, n_features=1000)
    assert make_moons(10)[0].shape == (10, 2) and np.isfinite(make_moons(10)[0]).all()


def test_a_layer_too_large_for_memory_is_refused_before_allocating():
    from hackgrad import nn
    from hackgrad.estimators import MLPClassifier
    from hackgrad.util import NotEnoughMemoryError

    with pytest.raises(NotEnoughMemoryError, match=r"Linear\(100000000, 100000\) needs about .* TiB of memory"):
        nn.Linear(100_000_000, 100_000)
    X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    with pytest.raises(MemoryError, match=r"Linear\(2, 10000000000\)"):
        MLPClassifier((10**10,), max_iter=1).fit(X, y)
    assert nn.Linear(3, 2).weight.shape == (2, 3)


def test_doctor_checks_a_runs_saved_settings_too(run_dir, tmp_path, capsys):
    folder = _edited_copy(run_dir, tmp_path, optimizer="adamax")
    assert main(["doctor", str(folder)]) != 0
    err = capsys.readouterr().err
    assert "saved setting optimizer='adamax' is not one of" in err and "Traceback" not in err

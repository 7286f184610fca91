"""A training process killed with SIGKILL -- between epochs, or in the middle of writing a checkpoint --
resumes from its last checkpoint and ends with exactly the weights of a run that was never interrupted."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hackgrad.train import load_checkpoint

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")

REPO = Path(__file__).resolve().parents[1]
EPOCHS = 8

# Dropout (a generator), batch norm (buffers), Adam (moments), a cosine schedule and early stopping's memory:
# every kind of state a resumed run must get back exactly.
SCRIPT = """
import os, sys, time
import numpy as np
from hackgrad import optim
from hackgrad.nn import functional as F
from hackgrad.data import make_moons
from hackgrad.train import EarlyStopping, LambdaCallback, build_model, fit, mlp_spec

out, epochs, resume, pause, weights = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", float(sys.argv[4]), \
    sys.argv[5]
hang_at = int(os.environ.get("HANG_AT_FSYNC", "3" if os.environ.get("HANG_IN_SECOND_SAVE") else "0"))
if hang_at:
    # each save fsyncs its temporary file, then its folder. HANG_IN_SECOND_SAVE hangs in the second save's file
    # fsync: the temporary file is written, the old checkpoint not yet replaced -- the moment a crash is most
    # dangerous. HANG_AT_FSYNC=n hangs at the n-th fsync (odd: a file, even: the folder after the rename).
    real_fsync, calls = os.fsync, [0]
    def fsync(fd):
        calls[0] += 1
        if calls[0] == hang_at:
            open(os.path.join(out, "hanging"), "w").close()
            time.sleep(600)
        real_fsync(fd)
    os.fsync = fsync
X, y = make_moons(300, noise=0.2, seed=0)
model = build_model(mlp_spec(2, [32, 32], 2, dropout=0.2, batchnorm=True), seed=0)
opt = optim.Adam(model.parameters(), lr=1e-2)
sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
slow = LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: time.sleep(pause))
fit(model, F.cross_entropy, opt, (X[:240], y[:240]), epochs=epochs, batch_size=16,
    val_data=(X[240:], y[240:]), scheduler=sched,
    callbacks=[slow, EarlyStopping(patience=100, restore_best=False)], checkpoint_dir=out, resume=resume,
    verbose=0)
np.savez(weights, **model.state_dict())
"""


def _cmd(script, out, resume, pause, weights):
    return [
        sys.executable,
        str(script),
        str(out),
        str(EPOCHS),
        "1" if resume else "0",
        str(pause),
        str(weights),
    ]


def _env(**extra):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    env.update(extra)
    return env


def _wait_for(path_test, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while not path_test():
        if proc.poll() is not None:
            raise AssertionError(
                f"the training process ended (rc {proc.returncode}) before it could be killed: "
                f"{proc.stderr.read().decode()}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("timed out waiting for the training process")
        time.sleep(0.005)


def _kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _weights(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill")
    script = tmp / "train.py"
    script.write_text(SCRIPT)
    straight = tmp / "straight.npz"
    subprocess.run(
        _cmd(script, tmp / "straight", False, 0, straight),
        env=_env(),
        check=True,
        timeout=300,
        capture_output=True,
    )
    return tmp, script, _weights(straight)


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_sigkill_between_epochs_then_resume_is_bitwise_identical(setup):
    tmp, script, straight = setup
    out = tmp / "killed"
    ckpt = out / "checkpoint.npz"
    proc = subprocess.Popen(
        _cmd(script, out, False, 0.3, tmp / "unused.npz"), env=_env(), stderr=subprocess.PIPE
    )
    _wait_for(ckpt.exists, proc)
    _kill(proc)
    done = load_checkpoint(ckpt).epoch
    assert 1 <= done < EPOCHS  # killed part way, with a readable checkpoint
    resumed = tmp / "resumed.npz"
    subprocess.run(
        _cmd(script, out, True, 0, resumed), env=_env(), check=True, timeout=300, capture_output=True
    )
    assert load_checkpoint(ckpt).epoch == EPOCHS
    _assert_same(straight, _weights(resumed))


def test_sigkill_in_the_middle_of_a_save_leaves_the_previous_checkpoint(setup):
    tmp, script, straight = setup
    out = tmp / "midsave"
    proc = subprocess.Popen(
        _cmd(script, out, False, 0, tmp / "unused2.npz"),
        env=_env(HANG_IN_SECOND_SAVE="1"),
        stderr=subprocess.PIPE,
    )
    _wait_for((out / "hanging").exists, proc)
    temporary = [p for p in os.listdir(out) if p.endswith(".tmp")]
    assert len(temporary) == 1  # the second checkpoint is written out but not yet renamed into place
    _kill(proc)
    assert load_checkpoint(out).epoch == 1  # the first checkpoint, intact
    resumed = tmp / "resumed2.npz"
    subprocess.run(
        _cmd(script, out, True, 0, resumed), env=_env(), check=True, timeout=300, capture_output=True
    )
    _assert_same(straight, _weights(resumed))


def test_killed_during_saves_again_and_again_every_resume_works_and_no_temporary_is_left(setup):
    """Kill the run in the middle of a save (at a different moment each time), resume, kill again, ...;
    every resume loads, the last one ends with the uninterrupted run's weights, and no .tmp file remains."""
    tmp, script, straight = setup
    out = tmp / "again"
    resume, epochs_seen = False, []
    for hang_at in (3, 2, 1, 4, 3, 1):  # mid-save with the temporary file written, or right after a rename
        marker = out / "hanging"
        if marker.exists():
            marker.unlink()
        proc = subprocess.Popen(
            _cmd(script, out, resume, 0, tmp / "unused3.npz"),
            env=_env(HANG_AT_FSYNC=str(hang_at)),
            stderr=subprocess.PIPE,
        )
        _wait_for(marker.exists, proc)
        _kill(proc)
        if (out / "checkpoint.npz").exists():
            epochs_seen.append(load_checkpoint(out).epoch)  # the last complete save, readable
            resume = True
    assert epochs_seen == sorted(epochs_seen) and epochs_seen[-1] < EPOCHS
    resumed = tmp / "resumed3.npz"
    subprocess.run(_cmd(script, out, resume, 0, resumed), env=_env(), check=True, timeout=300, capture_output=True)
    _assert_same(straight, _weights(resumed))
    assert [p for p in os.listdir(out) if p.endswith(".tmp")] == []

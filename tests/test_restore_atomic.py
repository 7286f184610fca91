"""A failed restore changes nothing: Module.load_state_dict and Trainer.load_checkpoint are all or nothing."""

import numpy as np
import pytest

from hackgrad import nn, optim
from hackgrad.data import make_moons
from hackgrad.nn import functional as F
from hackgrad.train import Trainer
from hackgrad.train.checkpoint import CheckpointError


def _mlp(seed=0):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(2, 8, rng=rng), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2, rng=rng))
    return model


def _snapshot(model):
    return {k: np.array(v.data if hasattr(v, "data") else v) for k, v in model.state_dict().items()}


def _assert_unchanged(model, before):
    after = _snapshot(model)
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


def test_load_state_dict_with_a_bad_later_entry_changes_no_earlier_one():
    model, other = _mlp(0), _mlp(1)
    before = _snapshot(model)
    state = _snapshot(other)
    state["3.weight"] = np.zeros((5, 5))  # the last layer's weight, the wrong shape
    with pytest.raises(ValueError, match=r"3.weight has shape \(5, 5\), expected \(2, 8\)"):
        model.load_state_dict(state)
    _assert_unchanged(model, before)  # 0.weight, 0.bias and the batch-norm buffers too
    state = _snapshot(other)
    state["1.running_var"] = np.ones(3)
    with pytest.raises(ValueError, match="1.running_var has shape"):
        model.load_state_dict(state)
    _assert_unchanged(model, before)
    state = _snapshot(other)
    state["3.bias"] = np.array(["a", "b"])
    with pytest.raises(ValueError, match="3.bias has dtype <U1, expected numbers"):
        model.load_state_dict(state)
    _assert_unchanged(model, before)
    model.load_state_dict(_snapshot(other))
    _assert_unchanged(model, _snapshot(other))


def _trainer(tmp_path, scheduler_factory, seed=0):
    model = _mlp(seed)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = scheduler_factory(opt) if scheduler_factory else None
    return Trainer(model, F.cross_entropy, opt, scheduler=sched, checkpoint_dir=tmp_path, verbose=0, seed=seed)


def test_a_checkpoint_that_fails_part_way_leaves_the_run_as_it_was(tmp_path):
    X, y = make_moons(80, seed=0)
    saved = _trainer(tmp_path / "a", lambda o: optim.lr_scheduler.StepLR(o, 1, gamma=0.5))
    saved.fit((X, y), epochs=2, batch_size=16)  # writes tmp_path/a/checkpoint.npz
    # a run with two schedules cannot take a checkpoint that holds one; that check comes after the weights
    # and the optimizer are restored
    target = _trainer(tmp_path / "b", lambda o: optim.lr_scheduler.StepLR(o, 1, gamma=0.9), seed=1)
    target.schedulers.append(target.schedulers[0])
    target.fit((X, y), epochs=1, batch_size=16)
    weights = _snapshot(target.model)
    lr = target.optimizer.param_groups[0]["lr"]
    opt_state = target.optimizer.state_dict()
    epoch, history = target.epoch, target.history.to_dict()
    with pytest.raises(CheckpointError, match="holds 1 lr schedules, this run has 2"):
        target.load_checkpoint(tmp_path / "a" / "checkpoint.npz")
    _assert_unchanged(target.model, weights)
    assert target.optimizer.param_groups[0]["lr"] == lr
    after = target.optimizer.state_dict()
    for idx, s in opt_state["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(after["state"][idx][k], v)
    assert target.epoch == epoch and target.history.to_dict() == history


def test_a_scheduler_state_that_fails_its_checks_changes_nothing(tmp_path):
    X, y = make_moons(80, seed=0)
    saved = _trainer(tmp_path / "a", lambda o: optim.lr_scheduler.StepLR(o, 1, gamma=0.5))
    saved.fit((X, y), epochs=2, batch_size=16)
    ckpt = saved.checkpoint()
    ckpt.scheduler_state[0]["gamma"] = -1.0
    target = _trainer(tmp_path / "b", lambda o: optim.lr_scheduler.StepLR(o, 1, gamma=0.5), seed=1)
    weights = _snapshot(target.model)
    lr = target.optimizer.param_groups[0]["lr"]
    with pytest.raises(CheckpointError, match="gamma must be in"):
        target.load_checkpoint(ckpt)
    _assert_unchanged(target.model, weights)
    assert target.optimizer.param_groups[0]["lr"] == lr and target.optimizer.state == {}

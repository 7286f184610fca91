"""Four small PyTorch programs, written in the PyTorch documentation's idioms, run on hackgrad with only
their import lines changed (tests/ported/*.py): a digits CNN with train/test loops, a character MLP with
F.cross_entropy over view(-1, C), a GPT with masked_fill on a tril buffer, and an LSTM language model with
dropout and tied weights. Each runs forward, backward and optimizer steps, and its loss must fall.

With torch installed, the same files run again with their import lines turned back into torch's: the test
checks that nothing else differs, and that both libraries learn.
"""

import re
import types
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent / "ported"
PROGRAMS = {  # program -> (keyword arguments for a short run, how much its loss must fall)
    "digits_cnn": ({"epochs": 2, "n_train": 480}, 0.1),
    "char_mlp": ({"steps": 200}, 0.25),
    "gpt_block": ({"steps": 30}, 0.5),
    "lstm_lm": ({}, 0.25),
}
IMPORT = re.compile(r"^(import|from) \S+")


def as_torch(source):
    """The program with its hackgrad imports written as torch's (the reverse of the port)."""
    return "\n".join(
        line.replace("hackgrad", "torch") if IMPORT.match(line) else line for line in source.splitlines()
    )


def load(name, source):
    module = types.ModuleType(name)
    module.__file__ = str(HERE / f"{name}.py")
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def head_tail(losses, k=5):
    return float(np.mean(losses[:k])), float(np.mean(losses[-k:]))


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_runs_and_learns_on_hackgrad(name):
    kwargs, fall = PROGRAMS[name]
    source = (HERE / f"{name}.py").read_text()
    program = load(name, source)
    losses, info = program.main(**kwargs)
    first, last = head_tail(losses)
    print(f"\n{name} on hackgrad: loss {first:.3f} -> {last:.3f} over {len(losses)} steps, {info}")
    assert np.isfinite(losses).all()
    assert last < first * (1 - fall), f"{name}: loss {first:.3f} -> {last:.3f}, {info}"


def test_the_ports_differ_from_pytorch_only_in_imports():
    for name in PROGRAMS:
        source = (HERE / f"{name}.py").read_text()
        mentions = [line for line in source.splitlines() if "hackgrad" in line]
        assert mentions and all(IMPORT.match(line) for line in mentions), name


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_the_same_program_learns_on_pytorch(name):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # one BLAS thread per test worker, as for NumPy
    kwargs, fall = PROGRAMS[name]
    losses, info = load(name, as_torch((HERE / f"{name}.py").read_text())).main(**kwargs)
    first, last = head_tail(losses)
    print(f"\n{name} on torch: loss {first:.3f} -> {last:.3f} over {len(losses)} steps, {info}")
    assert last < first * (1 - fall), f"{name} on torch: loss {first:.3f} -> {last:.3f}, {info}"


def test_the_digits_cnn_steps_like_pytorch_from_the_same_weights():
    """Same weights, same batches, dropout off: hackgrad's and PyTorch's Adam runs of the ported CNN agree
    step by step (the curves above differ only by their random streams)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from sklearn.datasets import load_digits

    import hackgrad

    source = (HERE / "digits_cnn.py").read_text()
    ours, theirs = load("digits_cnn", source), load("digits_cnn_torch", as_torch(source))
    digits = load_digits()
    X, y = (digits.images[:, None] / 16.0).astype(np.float32), digits.target
    net, net_t = ours.Net().eval(), theirs.Net().eval()
    net_t.load_state_dict({k: torch.tensor(v) for k, v in net.state_dict().items()})
    opt, opt_t = ours.optim.Adam(net.parameters(), lr=1e-2), theirs.optim.Adam(net_t.parameters(), lr=1e-2)
    for step in range(5):
        batch = slice(16 * step, 16 * step + 16)
        loss = ours.F.nll_loss(net(hackgrad.tensor(X[batch])), hackgrad.tensor(y[batch]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_t = theirs.F.nll_loss(net_t(torch.tensor(X[batch])), torch.tensor(y[batch]))
        opt_t.zero_grad()
        loss_t.backward()
        opt_t.step()
        assert loss.item() == pytest.approx(loss_t.item(), abs=1e-4), step

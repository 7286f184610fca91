"""Chapter 3, approaches to debugging nets: two deliberately broken runs and what the diagnostics say.

1. A learning rate far too large (plain SGD at lr 100): the loss blows up. The doctor's NaN/Inf check names the first op
   that produced an infinity, the update-size check shows steps as large as the weights, and the
   learning-rate range test suggests a workable rate.
2. A custom op with a bug in its backward: a hand-written ReLU whose mask is inverted (gradient flows where
   the unit was off). The forward is right, so the loss looks plausible, but the net cannot even overfit 20
   examples, and `gradcheck` (the guide's numerical gradient) names the op's input and the element that disagrees.
The same checks run from the command line on a saved run: `hackgrad doctor RUN_DIR`.
Run: python examples/ch3_11_debugging.py
"""

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.autograd.function import Function
from hackgrad.data import make_spiral
from hackgrad.train.diagnostics import diagnose


class BuggyReLU(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0 ... but the backward below says x <= 0 (the bug)."""

    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dy):
        return (dy * (self.x <= 0),)  # BUG: the mask is inverted; it should be (self.x > 0)


class BuggyReLUModule(nn.Module):
    def forward(self, x):
        return BuggyReLU.apply(x)


def network(seed, activation=nn.ReLU):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 32, rng=rng), activation(), nn.Linear(32, 32, rng=rng), activation(),
                         nn.Linear(32, 3, rng=rng))


def main(seed=0, verbose=True):
    X, y = make_spiral(300, 3, seed=seed)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    say = print if verbose else (lambda *a: None)
    checks = ("initial_loss", "overfit", "gradients", "nonfinite", "lr_range")

    say("=== 1. SGD with lr = 100 (far too large) ===")
    too_fast = diagnose(network(seed), F.cross_entropy, X, y, checks=checks,
                        optimizer_factory=lambda p: optim.SGD(p, lr=100.0), seed=seed)
    say(too_fast)

    say("\n=== 2. a custom ReLU whose backward has an inverted mask ===")
    buggy = diagnose(network(seed, BuggyReLUModule), F.cross_entropy, X, y, checks=("initial_loss", "overfit"),
                     optimizer_factory=lambda p: optim.Adam(p, lr=1e-2), seed=seed)
    say(buggy)
    x = hackgrad.tensor(np.random.default_rng(seed).normal(size=(4, 3)), dtype="float64", requires_grad=True)
    verdict = hackgrad.gradcheck(lambda t: BuggyReLU.apply(t), x, raise_exception=False)
    say(f"gradcheck(BuggyReLU) passes: {verdict}")
    try:
        hackgrad.gradcheck(lambda t: BuggyReLU.apply(t), x)
    except AssertionError as err:
        say(f"gradcheck says: {err}")
    return {"too_fast": too_fast, "buggy": buggy, "gradcheck": verdict}


if __name__ == "__main__":
    main()

"""Trainable circuits on Units: Neuron, Layer, MLP, plain SGD, and the guide's chapter-2 classifiers.

A neuron's weighted sum is one `LinearGate` node (not 2n binary gates): the gradients are the same and
the graph is several times smaller, which is where a scalar engine spends its time.

The guide trains its classifiers with a *force specification*: pull the score up (+1) when a positive
example scores below 1, down (-1) when a negative one scores above -1, and pull every weight (not the
biases) towards zero with a spring, force -w. `Classifier(objective="force")` does exactly that;
`objective="loss"` minimises the equivalent loss, hinge + 0.5*reg*sum(w**2), by gradient descent. The
two are the same training rule, and they produce bit-identical parameters (see tests/test_guide_ch2.py).
"""

import random

from hackgrad.circuit.gates import LinearGate, LinearReLUGate, total
from hackgrad.circuit.unit import Unit, as_unit


def _rng(seed=None, rng=None):
    if rng is not None and seed is not None:
        raise ValueError("pass seed or rng, not both")
    return rng if rng is not None else random.Random(seed)


class Module:
    """Something with parameters (Units) that training updates."""

    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """out = relu(w . x + b) (or w . x + b when `nonlin=False`); w ~ U(-1, 1), b = 0."""

    def __init__(self, nin, nonlin=True, seed=None, rng=None):
        if nin < 1:
            raise ValueError(f"Neuron: nin must be a positive number of inputs, got {nin}")
        rng = _rng(seed, rng)
        self.w = [Unit(rng.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Unit(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        gate = LinearReLUGate() if self.nonlin else LinearGate()  # one node per neuron
        return gate(*self.w, *x, self.b)

    def parameters(self):
        return [*self.w, self.b]

    def weights(self):
        """The multiplicative parameters: the ones the guide's regularisation pulls towards zero."""
        return list(self.w)

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs."""

    def __init__(self, nin, nout, nonlin=True, seed=None, rng=None):
        rng = _rng(seed, rng)
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def __call__(self, x):
        x = [as_unit(v, "Layer") for v in x]  # one wire per input, branching to every neuron
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def weights(self):
        return [w for n in self.neurons for w in n.weights()]

    def __repr__(self):
        return f"Layer({', '.join(map(repr, self.neurons))})"


class MLP(Module):
    """Layers of ReLU neurons, the last one linear: MLP(2, [16, 16, 1]) maps 2 inputs to 1 score."""

    def __init__(self, nin, sizes, seed=None, rng=None):
        rng = _rng(seed, rng)
        dims = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [Layer(dims[i], dims[i + 1], nonlin=i != last, rng=rng) for i in range(len(sizes))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
            x = x if isinstance(x, list) else [x]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def weights(self):
        return [w for layer in self.layers for w in layer.weights()]

    def __repr__(self):
        return f"MLP({', '.join(map(repr, self.layers))})"


class SGD:
    """Plain stochastic gradient descent: p -= lr * p.grad (p += lr * p.grad when `maximize`).

    The guide's "parameters respond to the tug" is `maximize=True`: its gradients are pulls in the
    direction the circuit should move, not gradients of a loss to descend.
    """

    def __init__(self, parameters, lr=0.01, maximize=False):
        self.parameters = list(parameters)
        self.lr = lr
        self.maximize = maximize

    def step(self):
        lr = -self.lr if self.maximize else self.lr
        for p in self.parameters:
            p.value -= lr * p.grad

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0.0


# --- the guide's chapter 2: binary classifiers trained one example at a time ----------------------


def force_pull(score, label):
    """The pull on the score: +1 if a positive example scores below 1, -1 if a negative one above -1."""
    if label == 1 and score < 1:
        return 1.0
    if label == -1 and score > -1:
        return -1.0
    return 0.0


def _check_label(label):
    if label not in (1, -1):
        raise ValueError(f"labels must be +1 or -1, got {label!r}")


class Classifier(Module):
    """A score circuit trained the guide's way, one example at a time (stochastic gradient descent).

    Subclasses define `score(x)` (a Unit), `parameters()` and `weights()` (the regularised ones).
    `objective="force"` pulls on the circuit (the guide's force specification); `objective="loss"`
    minimises hinge(score) + 0.5*reg*sum(w**2). Both give the same update.
    """

    def __init__(self, step_size=0.01, reg=1.0, objective="force"):
        if objective not in ("force", "loss"):
            raise ValueError(f"objective must be 'force' or 'loss', got {objective!r}")
        self.step_size = step_size
        self.reg = reg
        self.objective = objective

    def __call__(self, x):
        return self.score([Unit(float(v)) for v in x])

    def predict(self, x):
        return 1 if self(x).value > 0 else -1

    def accuracy(self, data, labels):
        return sum(self.predict(x) == y for x, y in zip(data, labels)) / len(data)

    def loss(self, x, label):
        """hinge + regularisation: max(0, 1 - label*score) + 0.5*reg*sum(w**2)."""
        score = self(x)
        return (1 - label * score).relu() + 0.5 * self.reg * total(w**2 for w in self.weights())

    def learn_from(self, x, label):
        """One step of SGD on one example."""
        _check_label(label)
        self.zero_grad()
        if self.objective == "force":
            score = self(x)
            score.backward(force_pull(score.value, label))  # the pull on top of the circuit
            for w in self.weights():
                w.grad += -self.reg * w.value  # a spring towards zero, proportional to w (Hooke)
            SGD(self.parameters(), lr=self.step_size, maximize=True).step()  # follow the pulls
        else:
            self.loss(x, label).backward()
            SGD(self.parameters(), lr=self.step_size).step()  # go against the gradient of the loss

    def fit(self, data, labels, iters=400, seed=None, rng=None, print_every=25, log=print):
        """Learn from `iters` examples drawn uniformly at random; log training accuracy every `print_every`.

        Returns the list of (iteration, accuracy) pairs it logged.
        """
        if len(data) != len(labels) or not data:
            raise ValueError(f"fit: need as many labels as examples (> 0), got {len(data)} and {len(labels)}")
        for y in labels:
            _check_label(y)
        rng = _rng(seed, rng)
        history = []
        for it in range(iters):
            i = rng.randrange(len(data))
            self.learn_from(data[i], labels[i])
            if print_every and it % print_every == 0:
                acc = self.accuracy(data, labels)
                history.append((it, acc))
                if log is not None:
                    log(f"training accuracy at iteration {it}: {acc:.4f}")
        return history


class SVM(Classifier):
    """The guide's linear SVM: score = a*x + b*y + c, starting from a = 1, b = -2, c = -1."""

    def __init__(self, a=1.0, b=-2.0, c=-1.0, step_size=0.01, reg=1.0, objective="force"):
        super().__init__(step_size=step_size, reg=reg, objective=objective)
        self.a, self.b, self.c = a, b, c
        self.a_, self.b_, self.c_ = Unit(a, label="a"), Unit(b, label="b"), Unit(c, label="c")

    def score(self, xy):
        x, y = xy
        return self.a_ * x + self.b_ * y + self.c_

    def parameters(self):
        return [self.a_, self.b_, self.c_]

    def weights(self):
        return [self.a_, self.b_]


class TwoLayerNet(Classifier):
    """The guide's 2-layer net: `hidden` ReLU neurons, then a linear score; parameters ~ U(-0.5, 0.5)."""

    def __init__(self, nin=2, hidden=3, step_size=0.01, reg=1.0, objective="force", seed=None, rng=None):
        super().__init__(step_size=step_size, reg=reg, objective=objective)
        rng = _rng(seed, rng)
        self.hidden = Layer(nin, hidden, nonlin=True, rng=rng)
        self.out = Neuron(hidden, nonlin=False, rng=rng)
        for p in self.parameters():
            p.value = rng.random() - 0.5  # as the guide draws every parameter, biases included

    def score(self, x):
        h = self.hidden(x)
        return self.out(h if isinstance(h, list) else [h])

    def parameters(self):
        return self.hidden.parameters() + self.out.parameters()

    def weights(self):
        return self.hidden.weights() + self.out.weights()

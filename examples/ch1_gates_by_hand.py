"""Chapter 1, as the guide writes it: a sigmoid neuron from gate objects wired by hand, then backward
called on each gate in reverse order, one step along the gradient, and a numerical check.

Run: python examples/ch1_gates_by_hand.py
"""

import math

from hackgrad.circuit import AddGate, MultiplyGate, SigmoidGate, Unit

# input units: parameters a, b, c and data x, y
a, b, c = Unit(1.0), Unit(2.0), Unit(-3.0)
x, y = Unit(-1.0), Unit(3.0)

# the gates, one object each
mulg0, mulg1 = MultiplyGate(), MultiplyGate()
addg0, addg1 = AddGate(), AddGate()
sg0 = SigmoidGate()


def forward_neuron():
    ax = mulg0.forward(a, x)  # a*x = -1
    by = mulg1.forward(b, y)  # b*y = 6
    axpby = addg0.forward(ax, by)  # a*x + b*y = 5
    axpbypc = addg1.forward(axpby, c)  # a*x + b*y + c = 2
    return sg0.forward(axpbypc)  # sig(a*x + b*y + c) = 0.8808


def forward_circuit_fast(a, b, c, x, y):
    return 1 / (1 + math.exp(-(a * x + b * y + c)))


if __name__ == "__main__":
    s = forward_neuron()
    print(f"circuit output: {s.value:.4f}")

    s.grad = 1.0  # tug on the output with force +1
    for gate in (sg0, addg1, addg0, mulg1, mulg0):  # backward in reverse order of the forward pass
        gate.backward()
    units = dict(a=a, b=b, c=c, x=x, y=y)
    print("gradients:", {k: round(u.grad, 3) for k, u in units.items()})

    values = [u.value for u in units.values()]
    h = 1e-4
    numerical = []
    for i in range(5):
        bumped = list(values)
        bumped[i] += h
        numerical.append((forward_circuit_fast(*bumped) - forward_circuit_fast(*values)) / h)
    print("numerical gradients:", [round(g, 3) for g in numerical])

    step_size = 0.01
    for u in units.values():
        u.value += step_size * u.grad  # every input responds to its pull
    print(f"circuit output after one backprop: {forward_neuron().value:.5f}")  # the guide truncates to 0.8825

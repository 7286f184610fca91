"""Chapter 1: backpropagation through (x + y) * z and through a sigmoid neuron; diagrams as SVG."""

import sys

from hackgrad.circuit import Unit, draw, sigmoid

if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    x, y, z = Unit(-2.0, label="x"), Unit(5.0, label="y"), Unit(-4.0, label="z")
    f = (x + y) * z
    f.backward()  # tug on the output with +1
    print(f"f = {f.value}, gradient [x, y, z] = {[x.grad, y.grad, z.grad]}")  # -12, [-4, -4, 3]
    print("saved", draw(f).save(f"{out_dir}/ch1_values_and_gradients.svg"))

    a, b, c = Unit(1.0, label="a"), Unit(2.0, label="b"), Unit(-3.0, label="c")
    x, y = Unit(-1.0, label="x"), Unit(3.0, label="y")
    s = sigmoid(a * x + b * y + c)
    s.backward()
    print(f"neuron = {s.value:.4f}, gradient [a, b, c, x, y] = {[round(u.grad, 3) for u in (a, b, c, x, y)]}")
    for u in (a, b, c, x, y):
        u.value += 0.01 * u.grad  # every input responds to its pull
    print(f"after one step: {sigmoid(a.value * x.value + b.value * y.value + c.value):.4f}")
    print("saved", draw(s).save(f"{out_dir}/ch1_neuron.svg"))

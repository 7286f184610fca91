"""Chapter 2: the guide's linear SVM, trained by its force specification and by a loss function."""

import random

from hackgrad.circuit import SVM

DATA = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]]
LABELS = [1, -1, 1, -1, -1, 1]

if __name__ == "__main__":
    svm = SVM()  # a = 1, b = -2, c = -1
    svm.fit(DATA, LABELS, iters=400, seed=3, print_every=25)
    print("a, b, c =", [round(p.value, 4) for p in svm.parameters()])

    # said plainly: seed 3 is a lucky order; the guide's spring (reg 1) keeps most orders short of 100%
    perfect = 0
    for seed in range(100):
        other = SVM()
        other.fit(DATA, LABELS, iters=400, seed=seed, print_every=0)
        perfect += other.accuracy(DATA, LABELS) == 1.0
    print(f"orders reaching 100% after 400 iterations: {perfect} of 100 (100% depends on the example order)")

    # the same updates, once as pulls on the circuit and once as gradient descent on hinge + L2
    order = random.Random(0).choices(range(len(DATA)), k=400)
    force, loss = SVM(objective="force"), SVM(objective="loss")
    for i in order:
        force.learn_from(DATA[i], LABELS[i])
        loss.learn_from(DATA[i], LABELS[i])
    print("identical:", [p.value for p in force.parameters()] == [p.value for p in loss.parameters()])

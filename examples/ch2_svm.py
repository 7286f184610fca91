"""Chapter 2: the guide's linear SVM, trained by its force specification and by a loss function."""

import random

from hackgrad.circuit import SVM

DATA = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]]
LABELS = [1, -1, 1, -1, -1, 1]

if __name__ == "__main__":
    svm = SVM()  # a = 1, b = -2, c = -1
    svm.fit(DATA, LABELS, iters=400, seed=3, print_every=25)
    print("a, b, c =", [round(p.value, 4) for p in svm.parameters()])

    # the same updates, once as pulls on the circuit and once as gradient descent on hinge + L2
    order = random.Random(0).choices(range(len(DATA)), k=400)
    force, loss = SVM(objective="force"), SVM(objective="loss")
    for i in order:
        force.learn_from(DATA[i], LABELS[i])
        loss.learn_from(DATA[i], LABELS[i])
    print("identical:", [p.value for p in force.parameters()] == [p.value for p in loss.parameters()])

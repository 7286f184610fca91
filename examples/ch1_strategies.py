"""Chapter 1: three ways to make x * y (x = -2, y = 3) output more than -6, and what each costs."""

from hackgrad.circuit import compare_strategies, gradcheck


def multiply(x, y):
    return x * y


if __name__ == "__main__":
    compare_strategies(multiply, -2.0, 3.0, step_size=0.01, seed=0)
    print()
    print(gradcheck(multiply, -2.0, 3.0))

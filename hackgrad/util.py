"""Small helpers every layer shares: random generators, names that load on first use, argument checks.

Like `hackgrad.io`, this module sits below everything else and imports only the standard library at load
time (NumPy inside `make_rng`), so the scalar engine and `hackgrad --help` stay light.
"""

import importlib
import math
import numbers
import sys

__all__ = ["make_rng", "lazy_exports", "check_int", "check_number", "at_least"]


def make_rng(seed=None, rng=None):
    """A `numpy.random.Generator` from `seed` (an int >= 0) or `rng` (a Generator); fresh entropy if neither.

    Every function that draws takes `seed`/`rng` and calls this once, so a run is repeatable from one seed.
    An int given as `rng` is taken as a seed; giving both is ambiguous and an error.
    """
    import numpy as np

    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    value = rng if rng is not None else seed
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    name = "rng" if rng is not None else "seed"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a numpy.random.Generator or an integer >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a numpy.random.Generator or an integer >= 0, got {value}")
    return np.random.default_rng(int(value))


def lazy_exports(package, table):
    """`(__getattr__, __dir__)` for a package whose public names load on first use.

    `table` maps a public name to `"module.path"` (the attribute of that module with the same name) or to
    `("module.path", attr)`, where `attr=None` means the module itself. A loaded name is cached in the
    package's globals, so the import runs once. Keeps `hackgrad --help` and `from hackgrad import Unit` fast.
    """

    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target = table[name]
        module, attr = (target, name) if isinstance(target, str) else target
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__


def check_int(name, value, *, minimum=1, maximum=None):
    """`value` as an int in [minimum, maximum], or a ValueError naming `name` and the accepted range."""
    expected = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    # bool is an int subclass; make_moons(True) is almost surely a mistake, not n=1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return int(value)


def check_number(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """`value` as a finite float within the given bounds, or a ValueError naming `name` and the range.

    `low`/`high` are inclusive unless `low_open`/`high_open`; None leaves that side unbounded.
    """
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    expected = "a finite number" + (" " + " and ".join(parts) if parts else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or below or above:
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def at_least(convert, low, expected):
    """An argparse type: `convert` the text and refuse values below `low`, naming what was expected."""

    import argparse

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not value >= low:  # `not >=` also refuses NaN
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return parse

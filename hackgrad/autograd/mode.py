"""Global switches of the tensor engine: gradient recording (`no_grad`) and anomaly detection."""

import contextlib

_state = {"grad": True, "anomaly": False}


def is_grad_enabled():
    return _state["grad"]


@contextlib.contextmanager
def _switch(key, value):
    previous = _state[key]
    _state[key] = value
    try:
        yield
    finally:
        _state[key] = previous


def no_grad():
    """Context manager: ops inside record no graph (inference, parameter updates)."""
    return _switch("grad", False)


def enable_grad():
    return _switch("grad", True)


def detect_anomaly(enabled=True):
    """Context manager: check every op's output and every gradient for NaN/Inf and name the op.

    Off by default because it costs a pass over every array.
    """
    return _switch("anomaly", enabled)


def is_anomaly_enabled():
    return _state["anomaly"]


def set_grad_enabled(mode):
    """Context manager: record graphs or not, as `mode` says (PyTorch's `set_grad_enabled`)."""
    return _switch("grad", bool(mode))


def inference_mode(mode=True):
    """PyTorch's `inference_mode`: here the same as `no_grad()` (no graph is recorded); with mode=False,
    nothing changes. Works as a context manager and as a decorator."""
    return _switch("grad", False) if mode else _switch("grad", _state["grad"])

"""`Optimizer`: PyTorch's surface (parameter groups, `zero_grad`, `step`, `state_dict`) over small rules.

A subclass writes three things: its defaults (the constructor), `check_group` (what values are valid) and
`update(p, grad, state, group)` (one parameter's step, in place on `p.data`). Everything else lives here:
groups, skipping parameters without a gradient, state per parameter, saving and loading, and the pieces
every rule shares, applied in this order before the rule (optax's chain under PyTorch's surface):

1. `maximize` (a group option): ascend instead of descend;
2. clipping, configured as arguments of any optimizer: `clip_grad_norm=` (the global norm over all its
   parameters, `transforms.clip_by_global_norm`) and `clip_grad_value=` (`transforms.clip_by_value`);
3. weight decay (the group option `weight_decay`): coupled, added to the gradient (`add_weight_decay`, the
   gradient of an L2 penalty), or decoupled when the group says `decoupled_weight_decay` (`decay_weights_`,
   AdamW's shrink of the weights apart from the step).

State is plain data, as in PyTorch: `{"state": {index: {name: ndarray or number}}, "param_groups": [...]}`,
with parameters numbered across groups in order, so it saves without pickle (`flatten_state_dict` gives one
flat dict of arrays for `np.savez`).
"""

import json
import math
import numbers

import numpy as np

from hackgrad.autograd import enable_grad
from hackgrad.autograd.tensor import Tensor
from hackgrad.optim.transforms import add_weight_decay, clip_by_global_norm, clip_by_value, decay_weights_

# keys a group may carry besides its options: schedulers record the lr they started from
_EXTRA_GROUP_KEYS = ("initial_lr",)


class Optimizer:
    """Base of every optimizer: holds `param_groups` (list of dicts) and `state` (parameter -> dict)."""

    def __init__(self, params, defaults, unknown=None):
        name = type(self).__name__
        unknown = dict(unknown or {})
        # the clipping pieces: options of the optimizer as a whole (a global norm spans every group)
        self.clip_grad_norm = unknown.pop("clip_grad_norm", None)
        self.clip_grad_value = unknown.pop("clip_grad_value", None)
        for key in ("clip_grad_norm", "clip_grad_value"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0):
                raise ValueError(f"{name}: {key} must be a number > 0 (or None), got {value!r}")
        if unknown:
            raise TypeError(_unknown_message(name, unknown, defaults))
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Parameters or of dicts (parameter groups), "
                "got a single Tensor; wrap it in a list"
            )
        if isinstance(params, dict):
            params = [params]
        groups = list(params)
        if not groups:
            raise ValueError(
                f"{name}: got an empty parameter list; pass model.parameters() or a list of Parameters"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # --- parameter groups --------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a dict `{"params": [...], option: value, ...}`; options left out take the defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group is a dict with a 'params' key, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' key; it has {sorted(param_group)}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors/Parameters, but params[{i}] is {type(p).__name__}"
                )
            if p.dtype.kind != "f":
                raise TypeError(
                    f"{name}: can only optimize floating-point tensors, params[{i}] has dtype {p.dtype}"
                )
        if not params:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has no parameters")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(
                f"{name}: parameter group {len(self.param_groups)} lists the same parameter twice"
            )
        unknown = [
            k for k in group if k != "params" and k not in self.defaults and k not in _EXTRA_GROUP_KEYS
        ]
        if unknown:
            raise ValueError(_unknown_message(f"{name} parameter group", unknown, self.defaults))
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        shared = [i for i, p in enumerate(params) if id(p) in seen]
        if shared:
            raise ValueError(
                f"{name}: params {shared} of the new group already belong to another parameter group; "
                "a parameter may appear in only one group"
            )
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        self.param_groups.append(group)

    def check_group(self, group):
        """Raise ValueError for an option value this update rule cannot use (subclasses extend)."""
        check_nonnegative(type(self).__name__, group, "lr")

    # --- stepping ----------------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (None), or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                elif p.grad.flags.writeable:
                    p.grad[...] = 0
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure` (optional) recomputes the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = []  # (parameter, gradient, group) of every parameter that has a gradient
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = np.asarray(p.grad)
                if grad.shape != p.shape:
                    raise ValueError(
                        f"{type(self).__name__}: a parameter of shape {p.shape} has a gradient of shape "
                        f"{grad.shape}"
                    )
                work.append((p, -grad if group.get("maximize", False) else grad, group))
        if self.clip_grad_norm is not None or self.clip_grad_value is not None:
            grads = [g for _, g, _ in work]
            if self.clip_grad_norm is not None:
                grads, _ = clip_by_global_norm(grads, self.clip_grad_norm)
            if self.clip_grad_value is not None:
                grads = clip_by_value(grads, self.clip_grad_value)
            work = [(p, g, group) for (p, _, group), g in zip(work, grads)]
        state = self.state
        for p, grad, group in work:
            wd = group.get("weight_decay", 0.0)
            if wd:
                if group.get("decoupled_weight_decay", False):
                    decay_weights_(p.data, group["lr"], wd)
                else:
                    grad = add_weight_decay(grad, p.data, wd)
            if p not in state:
                state[p] = self.init_state(p, group)
            self.update(p, grad, state[p], group)
            p._bump_version()  # p.data changed in place: graphs built before this step are stale now
        return loss

    def init_state(self, p, group):
        """The state a parameter starts with (buffers shaped and typed like `p.data`)."""
        return {}

    def update(self, p, grad, state, group):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define update(p, grad, state, group)")

    # --- saving ------------------------------------------------------------------------------------
    def _indexed_params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{option: value, "params": [index, ...]}]}.

        Arrays are copies, so training on after saving does not change what was saved.
        """
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        groups = []
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = [index[id(p)] for p in group["params"]]
            groups.append(saved)
        state = {}
        for p, s in self.state.items():
            state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by `state_dict` (from this process, npz or JSON).

        Groups must match in number and size. State arrays are copied and cast to each parameter's dtype;
        counters become Python ints. Keys may be strings (JSON turns int keys into strings).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups', got {keys}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        if not isinstance(state_dict["state"], dict):
            raise ValueError(
                f"{name}.load_state_dict: 'state' must be a dict {{index: {{name: value}}}}, "
                f"got {type(state_dict['state']).__name__}"
            )
        for i, saved in enumerate(saved_groups):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise ValueError(
                    f"{name}.load_state_dict: param_groups[{i}] must be a dict with a 'params' list of "
                    "parameter indices"
                )
        indices = [_index(idx, name) for saved in saved_groups for idx in saved["params"]]
        if len(set(indices)) != len(indices):
            raise ValueError(f"{name}.load_state_dict: a parameter index appears twice in param_groups")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} holds {len(saved['params'])} parameters "
                    f"in the saved state and {len(group['params'])} here"
                )
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} of the saved state lacks options {missing} "
                    "(was it saved by a different optimizer?)"
                )
        # saved index -> parameter, group by group, position by position
        by_index, index_of = {}, {}
        for saved, group in zip(saved_groups, self.param_groups):
            for idx, p in zip(saved["params"], group["params"]):
                by_index[int(idx)] = p
                index_of[id(p)] = int(idx)
        new_state = {}
        for idx, s in state_dict["state"].items():
            idx = _index(idx, name)
            if idx not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter {idx}, which no group lists")
            p = by_index[idx]
            where = f"{name}.load_state_dict: state[{idx}]"
            if not isinstance(s, dict):
                raise ValueError(f"{where} must be a dict of buffers and counters, got {type(s).__name__}")
            new_state[p] = {k: _restore_value(v, p, f"{where}[{k!r}]") for k, v in s.items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = {"params": group["params"]}
            for k, v in saved.items():
                if k == "params":
                    continue
                if isinstance(self.defaults.get(k), tuple) and isinstance(v, (list, np.ndarray)):
                    v = tuple(float(x) for x in v)  # JSON stores betas as a list
                elif isinstance(v, np.ndarray) and v.ndim == 0:
                    v = v.item()
                new[k] = v
            self.check_group(new)
            new_groups.append(new)
        for new in new_groups:  # every buffer the update rule reads must be there (else a KeyError mid-run)
            for p in new["params"]:
                if p in new_state:
                    missing = sorted(set(self.init_state(p, new)) - set(new_state[p]))
                    if missing:
                        raise ValueError(
                            f"{name}.load_state_dict: the state of parameter {index_of[id(p)]} lacks {missing}"
                        )
        self.param_groups[:] = new_groups
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _index(idx, name):
    """A saved parameter index (an int, or its text from JSON) as an int >= 0."""
    try:
        value = int(idx)
    except (TypeError, ValueError):
        value = -1
    if isinstance(idx, bool) or value < 0 or str(value) != str(idx).strip():
        raise ValueError(f"{name}.load_state_dict: {idx!r} is not a parameter index (an integer >= 0)")
    return value


def _restore_value(value, p, where):
    """Counters (integers >= 0) stay Python ints; buffers become finite arrays of the parameter's dtype and
    shape (a NaN moment or a negative step count would poison every later update)."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{where} must be numbers, got dtype {arr.dtype}")
    if arr.ndim == 0 and arr.dtype.kind in "biu":
        if arr < 0:
            raise ValueError(f"{where} is a counter and must be >= 0, got {arr.item()}")
        return arr.item()
    if arr.shape != p.shape:
        raise ValueError(f"{where} has shape {arr.shape}, expected the parameter's {p.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{where} holds NaN or Inf; the saved optimizer state is unusable")
    return np.array(arr, dtype=p.dtype, copy=True)


# --- checks every update rule uses -------------------------------------------------------------------
def _unknown_message(owner, unknown, defaults):
    names = ", ".join(repr(k) for k in unknown)
    return f"{owner}: unknown option(s) {names}; valid options are {', '.join(defaults)}"


def check_nonnegative(owner, group, *keys):
    """Each option a finite number >= 0 (an lr of inf or NaN would turn every weight into NaN)."""
    for key in keys:
        value = group[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{owner}: {key} must be a number, got {value!r}")
        if not value >= 0:  # also rejects NaN
            raise ValueError(f"{owner}: {key} must be >= 0, got {value}")
        if value == math.inf:
            raise ValueError(f"{owner}: {key} must be finite, got {value}")


def check_unit_interval(owner, group, key, value=None, label=None):
    """0 <= value < 1 (decay rates such as betas, rho, alpha)."""
    value = group[key] if value is None else value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {label or key} must be a number, got {value!r}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{owner}: {label or key} must be in [0, 1), got {value}")


# --- saving without pickle ---------------------------------------------------------------------------
def flatten_state_dict(state_dict, prefix=""):
    """One flat {name: ndarray} for `np.savez`: arrays under `state/<index>/<name>`, the rest as JSON text."""
    flat = {}
    for idx, s in state_dict["state"].items():
        for k, v in s.items():
            if v is not None:
                flat[f"{prefix}state/{int(idx)}/{k}"] = np.asarray(v)
    # NumPy scalars (an lr read back from an array, say) become plain numbers
    text = json.dumps(state_dict["param_groups"], default=lambda v: np.asarray(v).tolist())
    flat[f"{prefix}param_groups"] = np.array(text)
    return flat


def unflatten_state_dict(flat, prefix=""):
    """Inverse of `flatten_state_dict` (accepts the mapping `np.load` returns)."""
    state = {}
    for key in flat:
        if key.startswith(f"{prefix}state/"):
            _, idx, name = key[len(prefix) :].split("/", 2)
            state.setdefault(int(idx), {})[name] = np.asarray(flat[key])
    groups = json.loads(str(flat[f"{prefix}param_groups"]))
    return {"state": state, "param_groups": groups}

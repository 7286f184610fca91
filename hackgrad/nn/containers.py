"""Containers: `Sequential` (a chain of layers), `ModuleList` and `ModuleDict` (layers kept for a model).

Each child is stored as an attribute named by its position ("0", "1", ...) or key, so `Module`'s attribute
walk finds it and `state_dict` keys come out as PyTorch writes them: `0.weight`, `1.running_mean`, ...
"""

from collections import OrderedDict

from hackgrad.nn.module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _check_module(owner, value, key):
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: item {key!r} must be a Module, got {type(value).__name__}")
    return value


class _Indexed(Module):
    """Children under the names "0", "1", ... in order; shared by Sequential and ModuleList."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def _keys(self):
        return [k for k in self.__dict__ if k.isdigit()]

    def _items(self):
        return [self.__dict__[k] for k in self._keys()]

    def _reset(self, items):
        for k in self._keys():
            del self.__dict__[k]
        for i, m in enumerate(items):
            object.__setattr__(self, str(i), _check_module(type(self).__name__, m, i))

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __getitem__(self, index):
        items = self._items()
        if isinstance(index, slice):
            return type(self)(items[index])
        try:
            return items[index]
        except (IndexError, TypeError):
            raise self._out_of_range(index, len(items)) from None

    def _out_of_range(self, index, n):
        return IndexError(f"{type(self).__name__}: index {index!r} is out of range for {n} modules")

    def __setitem__(self, index, module):
        items = self._items()
        try:
            items[index] = module
        except (IndexError, TypeError):
            raise self._out_of_range(index, len(items)) from None
        self._reset(items)

    def append(self, module):
        object.__setattr__(self, str(len(self)), _check_module(type(self).__name__, module, len(self)))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        items = self._items()
        items.insert(index, module)
        self._reset(items)


class Sequential(_Indexed):
    """Layers applied one after another: `Sequential(Linear(784, 256), ReLU(), Linear(256, 10))`.

    Also takes an OrderedDict of name -> layer, whose names become the state_dict prefixes.
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            Module.__init__(self)
            for name, m in modules[0].items():
                _check_key(self, name)
                object.__setattr__(self, name, _check_module("Sequential", m, name))
        else:
            super().__init__(modules)

    def _keys(self):
        return [k for k, v in self.__dict__.items() if isinstance(v, Module) and not k.startswith("_")]

    def __getitem__(self, index):
        if isinstance(index, slice):  # keeps the layers' names, so a slice's state_dict matches the whole's
            keys = self._keys()[index]
            return Sequential(OrderedDict((k, self.__dict__[k]) for k in keys))
        return super().__getitem__(index)

    def forward(self, x):
        for layer in self._items():
            x = layer(x)
        return x


class ModuleList(_Indexed):
    """A list of layers whose parameters the owner's `parameters()` finds (a plain list works too; this one
    also indexes, reprs and saves like PyTorch's)."""

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList holds layers but has no forward(); iterate over it instead")


def _check_key(owner, key):
    name = type(owner).__name__
    if not isinstance(key, str) or not key or "." in key or key.startswith("_") or key == "training":
        raise KeyError(f"{name}: key {key!r} must be a non-empty string without '.', not starting with '_'")
    if hasattr(type(owner), key):
        raise KeyError(f"{name}: key {key!r} would hide the method or attribute {name}.{key}")


class ModuleDict(Module):
    """A dict of layers by name, in insertion order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _keys(self):
        return [k for k, v in self.__dict__.items() if isinstance(v, Module) and not k.startswith("_")]

    def __getitem__(self, key):
        if key not in self._keys():
            raise KeyError(f"ModuleDict: no module named {key!r}; it has {self._keys()}")
        return self.__dict__[key]

    def __setitem__(self, key, module):
        _check_key(self, key)
        object.__setattr__(self, key, _check_module("ModuleDict", module, key))

    def __delitem__(self, key):
        self[key]  # noqa: B018  (raises the KeyError that names the keys)
        del self.__dict__[key]

    def __contains__(self, key):
        return key in self._keys()

    def __len__(self):
        return len(self._keys())

    def __iter__(self):
        return iter(self._keys())

    def keys(self):
        return self._keys()

    def values(self):
        return [self.__dict__[k] for k in self._keys()]

    def items(self):
        return [(k, self.__dict__[k]) for k in self._keys()]

    def update(self, modules):
        pairs = modules.items() if hasattr(modules, "items") else modules
        for k, m in pairs:
            self[k] = m

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict holds layers but has no forward(); index it instead")

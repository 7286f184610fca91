"""`torch.utils.data` for programs that port by changing imports: `Dataset`, `TensorDataset`, `Subset`,
`random_split`, samplers and a `DataLoader` that collates samples into batches of tensors.

(hackgrad.data.DataLoader is the arrays-first loader of the trainer and estimators: `DataLoader(X, y)`
with per-epoch seeds. This one takes any dataset, PyTorch's way.) Random orders draw from `generator`
(a numpy Generator or an int seed) or, without one, from the default generator that
`hackgrad.manual_seed` resets.
"""

import numbers

import numpy as np

from hackgrad.autograd.creation import get_rng
from hackgrad.autograd.tensor import Tensor

__all__ = [
    "Dataset", "TensorDataset", "Subset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
    "BatchSampler", "DataLoader", "default_collate",
]


class Dataset:
    """A map-style dataset: subclass it with `__getitem__(i)` and `__len__()`."""

    def __getitem__(self, index):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (which must agree in their first dim)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = {len(t) for t in tensors}
        if len(sizes) != 1:
            raise ValueError(f"TensorDataset: tensors differ in their first dim: {[len(t) for t in tensors]}")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-9:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):  # the remainder goes round-robin, as in PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {list(lengths)} do not add up to the dataset's {n}")
    order = get_rng(generator, None, "random_split").permutation(n)
    starts = np.cumsum([0] + list(lengths))
    return [Subset(dataset, order[a:b]) for a, b in zip(starts[:-1], starts[1:])]


class Sampler:
    """An iterable of indices into a dataset."""


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random order every epoch (or `num_samples` draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement = data_source, replacement
        self.num_samples = len(data_source) if num_samples is None else int(num_samples)
        if not replacement and self.num_samples > len(data_source):
            raise ValueError("RandomSampler: num_samples > dataset size needs replacement=True")
        self.rng = get_rng(generator, None, "RandomSampler")

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            return iter(self.rng.integers(0, n, self.num_samples).tolist())
        return iter(self.rng.permutation(n)[: self.num_samples].tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group a sampler's indices into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got {batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def default_collate(samples):
    """A list of samples -> one batch: tensors and arrays stacked on a new first dim, numbers as a tensor
    (int64 for ints, float32 for floats), tuples and dicts collated field by field."""
    first = samples[0]
    if isinstance(first, Tensor):
        from hackgrad.autograd.functional import stack

        return stack(list(samples))
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(samples), dtype=first.dtype if first.dtype.kind != "f" else None)
    if isinstance(first, (bool, np.bool_)):
        return Tensor._make(np.array(samples, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor._make(np.array(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(samples, dtype=np.float32))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        return [default_collate(list(field)) for field in zip(*samples)]
    return list(samples)


class DataLoader:
    """Batches of a dataset: `for xb, yb in DataLoader(ds, batch_size=64, shuffle=True)`.

    `sampler` (an iterable of indices) overrides `shuffle`; `batch_sampler` (an iterable of index lists)
    overrides both and batch_size. Samples are loaded in this process (num_workers is accepted and ignored:
    there are no worker processes) and joined by `collate_fn` (default: `default_collate`).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None, **ignored):
        self.dataset = dataset
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last) if batch_size is not None else None
        self.sampler, self.batch_sampler, self.batch_size = sampler, batch_sampler, batch_size
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.drop_last = drop_last

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: single samples, as they are
            for i in self.sampler:
                yield self.dataset[i]
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

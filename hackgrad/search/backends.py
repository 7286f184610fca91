"""Where search tasks run: in this process, in a pool of local processes, or on a Dask cluster.

Every backend has the same small Executor-like surface, so the search has one code path:
  put(obj)            -> a handle to pass as a task argument (Dask ships big data to the workers once)
  submit(fn, *args)   -> a future
  gather(futures)     -> their results, in the order given
  close()             (also as a context manager)
A task is a pure function of its arguments (data, configuration, seed), and `run_task` pins BLAS/OpenMP
to one thread around it, so a task gives bit-identical results on any backend and any number of workers.
This module imports nothing heavy at load time: a fresh worker process sets the thread limits before
NumPy is first imported.
"""

import os

__all__ = ["SerialBackend", "ProcessBackend", "DaskBackend", "make_backend", "run_task", "limit_threads"]

_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def limit_threads():
    """Pin numerical libraries to one thread in this (worker) process: workers are the parallelism, and
    one BLAS thread per worker also makes floating-point sums come out in one fixed order."""
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return
    threadpool_limits(limits=1)  # for libraries already loaded, which read the variables only once


def run_task(fn, *args):
    """Run `fn(*args)` with one BLAS thread and roomy malloc settings (restoring both afterwards)."""
    with _roomy_malloc():
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover
            return fn(*args)
        with threadpool_limits(limits=1):
            return fn(*args)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h


class _roomy_malloc:
    """Undo, for the length of a task, the malloc setting Dask gives its workers.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 so they hand freed memory back to the
    OS. Setting it also freezes glibc's mmap threshold at 128 KiB, so every temporary array above that
    size becomes a fresh mmap and a run of page faults: measured here, training ran 2.4x slower (10x
    the page faults). During the task both thresholds are raised; afterwards the exact state the
    environment variables chose is restored and freed memory is returned with malloc_trim.
    """

    def __enter__(self):
        self.libc = None
        trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
        if trim is None or not trim.isdigit():
            return self  # glibc's adaptive defaults are in charge: nothing to undo
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc only
        except (OSError, AttributeError):  # pragma: no cover - not glibc
            return self
        self.libc, self.trim = libc, int(trim)
        self.mmap = int(os.environ.get("MALLOC_MMAP_THRESHOLD_", 128 * 1024))
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed value on 64-bit
        return self

    def __exit__(self, *exc):
        if self.libc is not None:
            self.libc.mallopt(_M_TRIM_THRESHOLD, self.trim)
            self.libc.mallopt(_M_MMAP_THRESHOLD, self.mmap)
            self.libc.malloc_trim(0)


class _Done:
    """A finished future (SerialBackend runs a task when it is submitted)."""

    def __init__(self, value=None, error=None):
        self._value, self._error = value, error

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value

    def done(self):
        return True


class SerialBackend:
    """Runs each task in this process, at submit time: no parallelism, easiest to debug."""

    workers = 1
    name = "serial"

    def put(self, obj):
        return obj

    def submit(self, fn, *args):
        try:
            return _Done(run_task(fn, *args))
        except Exception as err:  # re-raised by gather, as a pool would
            return _Done(error=err)

    def gather(self, futures):
        return [f.result() for f in futures]

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "SerialBackend()"


class ProcessBackend:
    """A pool of `workers` local processes (concurrent.futures), each pinned to one BLAS thread.

    `start_method` 'spawn' (default) starts clean interpreters, safe even when the parent runs threads
    (a Dask client, a GUI); 'fork' starts faster on Linux.
    """

    name = "processes"

    def __init__(self, workers=None, start_method="spawn"):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if workers is None:
            workers = default_workers()
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        methods = multiprocessing.get_all_start_methods()
        if start_method not in methods:
            raise ValueError(f"unknown start_method {start_method!r}; valid choices here are {methods}")
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(start_method),
            initializer=limit_threads,
        )

    def put(self, obj):
        return obj  # pickled with each task: small data sets cost less to copy than to coordinate

    def submit(self, fn, *args):
        return self._pool.submit(run_task, fn, *args)

    def gather(self, futures):
        return [f.result() for f in futures]

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"ProcessBackend(workers={self.workers})"


class DaskBackend:
    """Tasks on a Dask cluster: pass a `dask.distributed.Client`, or a scheduler address such as
    'tcp://10.0.0.5:8786' (a Client is then opened here, waiting up to `timeout` to connect, and closed
    by `close`)."""

    name = "dask"

    def __init__(self, client, timeout="20s"):
        try:
            from dask.distributed import Client
        except ImportError as err:
            raise ImportError("a Dask scheduler needs dask[distributed]: pip install 'dask[distributed]'") from err
        if isinstance(client, str):
            try:
                self.client = Client(client, timeout=timeout)
            except OSError as err:
                raise ConnectionError(f"could not reach the Dask scheduler at {client!r}: {err}") from None
            except ValueError as err:
                raise ValueError(
                    f"{client!r} is not a Dask scheduler address ({err}); expected e.g. 'tcp://10.0.0.5:8786'"
                ) from None
            self._owns = True
        elif isinstance(client, Client):
            self.client, self._owns = client, False
        else:
            raise TypeError(f"scheduler must be a dask.distributed.Client or an address string, got {client!r}")

    @property
    def workers(self):
        return len(self.client.scheduler_info().get("workers", {})) or 1

    def put(self, obj):
        # copied to every worker once, instead of once per task
        return self.client.scatter(obj, broadcast=True)

    def submit(self, fn, *args):
        # pure=False: each submission is its own task, even if two happen to have equal arguments
        return self.client.submit(run_task, fn, *args, pure=False)

    def gather(self, futures):
        return self.client.gather(list(futures))

    def close(self):
        if self._owns:
            self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"DaskBackend({self.client!r})"


def default_workers():
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_backend(workers=None, scheduler=None):
    """Dask when `scheduler` (a Client or an address) is given; otherwise `workers` local processes
    (default: one per CPU), or this process alone for workers=1."""
    if scheduler is not None:
        return DaskBackend(scheduler)
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    return SerialBackend() if workers == 1 else ProcessBackend(workers)

"""Shared helpers for the benchmarks: thread limits, alternating timing, peak memory in a child process.

Machines here are noisy, so implementations are run in turn within one process and the figure reported is the
median of per-round ratios. Peak memory is measured in a fresh child process per implementation (the
increase in peak resident memory while the workload runs, above what the imports already took).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

THREADS = 2


def limit_threads(n=THREADS):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))


def torch_or_none(threads=THREADS):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def alternate(runs, rounds):
    """Run each (name, fn) in turn `rounds` times; fn() returns work units done. Returns {name: [rate, ...]}."""
    rates = {name: [] for name, _ in runs}
    for _ in range(rounds):
        for name, fn in runs:
            t0 = time.perf_counter()
            work = fn()
            rates[name].append(work / (time.perf_counter() - t0))
    return rates


def median_ratio(rates, num, den):
    return statistics.median(a / b for a, b in zip(rates[num], rates[den]))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_peak_memory(script, impl):
    """Run `script --memory impl` in a new process; it prints JSON with its memory figures."""
    out = subprocess.run([sys.executable, script, "--memory", impl], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

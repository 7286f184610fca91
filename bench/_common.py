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


def sgd_rounds(model, opt, loss_fn, batches):
    """A round of training: for each (xb, yb) in batches(), loss_fn(model(xb), yb), backward, step.
    Returns the function timing calls, which returns the number of samples it trained on."""

    def run():
        n = 0
        for xb, yb in batches():
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            n += len(xb)
        return n

    return run


def alternate(runs, rounds, clock=time.perf_counter):
    """Run each (name, fn) in turn `rounds` times; fn() returns work units done. Returns {name: [rate, ...]}.

    `clock` is wall time by default; `time.process_time` gives work per CPU-second of this process."""
    rates = {name: [] for name, _ in runs}
    for _ in range(rounds):
        for name, fn in runs:
            t0 = clock()
            work = fn()
            rates[name].append(work / (clock() - t0))
    return rates


def measure(runs, rounds, workload, unit, target=None, reference="torch"):
    """Warm every run up once, time them alternately, and return the JSON-able figures with ratios
    of "hackgrad" against every other run (the median of per-round ratios)."""
    for _, run in runs:
        run()  # warm up caches, allocator and thread pools
    rates = alternate(runs, rounds)
    result = {
        "workload": workload,
        "rounds": rounds,
        "load_average_1min": round(os.getloadavg()[0], 2),  # other processes on the machine skew every figure
        unit: {k: round(sorted(v)[len(v) // 2]) for k, v in rates.items()},
    }
    for name in rates:
        if name != "hackgrad":
            result[f"hackgrad_over_{name}"] = round(median_ratio(rates, "hackgrad", name), 3)
    if reference in rates:
        result["per_round_ratios"] = [round(a / b, 3) for a, b in zip(rates["hackgrad"], rates[reference])]
        if target is not None:
            result[f"target_hackgrad_over_{reference}"] = target
    else:
        result["note"] = f"{reference} is not importable: no ratio against it"
    return result


def median_ratio(rates, num, den):
    return statistics.median(a / b for a, b in zip(rates[num], rates[den]))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory(build, impl):
    """Peak resident memory of building the model and training it (a warm-up round, then a timed one), above
    the resident memory after imports and data (Linux VmHWM, reset through /proc/self/clear_refs so that the
    imports' own peak does not hide it; the ru_maxrss increase elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the high-water mark to the current resident size
        base = _status_kb("VmRSS")
        run = build()
        run()
        run()
        peak = _status_kb("VmHWM")
        method = "VmHWM after clear_refs, minus VmRSS after imports (model + 2 rounds of training)"
    except OSError:
        base = peak_rss_mb() * 1024
        run = build()
        run()
        run()
        peak = peak_rss_mb() * 1024
        method = "ru_maxrss increase over model + 2 rounds of training"
    return {"impl": impl, "peak_increase_mb": round((peak - base) / 1024, 1), "method": method}


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def child_peak_memory(script, impl):
    """Run `script --memory impl` in a new process; it prints JSON with its memory figures."""
    out = subprocess.run([sys.executable, script, "--memory", impl], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_at_equal_time(result, have_torch):
    """Add to a learning benchmark's JSON the differences hackgrad - torch in validation loss and the speed
    ratios, and whether hackgrad's loss is at most torch's (the goal of the equal-time benchmarks)."""
    if not have_torch:
        result["note"] = "torch is not importable: no comparison"
        return result
    h, t = result["hackgrad"], result["torch"]
    result["hackgrad_minus_torch_val_loss"] = round(h["val_loss_nats_per_char"] - t["val_loss_nats_per_char"], 4)
    result["hackgrad_over_torch_tokens_per_s"] = round(h["tokens_per_s"] / t["tokens_per_s"], 3)
    result["hackgrad_over_torch_tokens_per_cpu_s"] = round(h["tokens_per_cpu_s"] / t["tokens_per_cpu_s"], 3)
    result["goal"] = "hackgrad val loss <= torch val loss at equal training time"
    result["goal_met"] = bool(h["val_loss_nats_per_char"] <= t["val_loss_nats_per_char"])
    return result

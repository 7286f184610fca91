"""`hackgrad doctor RUN_DIR`: run the debugging checks of `hackgrad.train.diagnostics` on a `hackgrad train` run.

    hackgrad doctor runs/diabetes                 # the saved model, its loss and optimizer, on its data
    hackgrad doctor runs/mnist --fresh            # the same set-up from freshly initialised weights
    hackgrad doctor runs/moons --checks initial_loss,gradients
    hackgrad doctor --data moons --optimizer sgd --lr 30   # a set-up given as `hackgrad train` flags

A run that diverged before its first checkpoint leaves nothing to read: give its `hackgrad train` flags
instead, and the checks look at that set-up from its initial weights. The run folder's checkpoint holds the settings the run was made with; the data, model, loss and optimizer are
rebuilt from them, exactly as `--resume` does, so the checks look at what was trained. The report is printed
and written to `doctor.json` in the run folder; the exit status is 1 when a check fails.
"""

import sys

from hackgrad.train.diagnostics import CHECKS


def add_arguments(parser):
    from hackgrad.train import command

    parser.add_argument(
        "run_dir", metavar="RUN_DIR", nargs="?", help="a folder written by `hackgrad train` (or give its flags)"
    )
    parser.add_argument(
        "--checks",
        default=",".join(CHECKS),
        help=f"comma-separated subset of {','.join(CHECKS)} (default: all)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="check freshly initialised weights instead of the trained ones"
    )
    parser.add_argument("--samples", type=int, default=2048, help="training samples the checks use (default 2048)")
    command.add_arguments(parser)  # or a set-up, as `hackgrad train` flags


def run(args):
    from hackgrad.train.checkpoint import CheckpointError

    try:
        return _run(args)
    except (CheckpointError, FileNotFoundError, ValueError, ImportError) as err:
        print(f"hackgrad doctor: error: {err}", file=sys.stderr)
        return 2


def _run(args):
    import json
    from pathlib import Path

    from hackgrad.train import command
    from hackgrad.train.checkpoint import CHECKPOINT_NAME, atomic_write, load_checkpoint
    from hackgrad.train.diagnostics import DiagnosticReport, diagnose

    checks = [c.strip() for c in args.checks.split(",") if c.strip()]
    unknown = [c for c in checks if c not in CHECKS]
    if unknown or not checks:
        raise ValueError(f"--checks: unknown {unknown or 'nothing given'}; expected some of {', '.join(CHECKS)}")
    if args.samples < 1:
        raise ValueError(f"--samples must be a positive integer, got {args.samples}")
    ckpt = None
    if args.run_dir is not None:
        if args.data is not None or args.csv is not None:
            raise ValueError("give a RUN_DIR or a set-up (--data/--csv and flags), not both")
        ckpt = load_checkpoint(args.run_dir)  # a folder or the checkpoint file itself
        if not isinstance(ckpt.config, dict) or "settings" not in ckpt.config:
            raise ValueError(f"{ckpt.path} was not written by `hackgrad train` (no settings inside)")
        s = ckpt.config["settings"]
    else:

        def refuse(message):
            raise ValueError(message)

        s = command._settings(_setup_flags(args), refuse)
        args.fresh = True
    if s.get("data") == "shakespeare":
        raise ValueError("doctor checks classifiers and regressors; a language model (--data shakespeare) is not one")
    splits, task, _ = command._load_data(s)
    X, y = splits["train"]
    n_outputs = y.shape[1] if task == "regression" else int(max(t.max() for _, t in splits.values()) + 1)
    fresh = command._build(s, X.shape[1], n_outputs, task)  # the run's seed gives the run's initial weights
    model = fresh
    if not args.fresh and ckpt is not None:
        model = command._build(s, X.shape[1], n_outputs, task)
        model.load_state_dict(ckpt.model_state)
    loss_fn, loss_name = command._loss(s, task)
    n = min(args.samples, len(X))
    print(
        f"doctor: {'fresh' if args.fresh else 'trained'} {s['model']} on {s['data'] or s['csv']} "
        f"({n} training samples), loss {loss_name}, optimizer {s['optimizer']} lr {s['lr']:g}"
    )
    # the checks train copies with the run's optimizer but without its weight decay: a regularised model is
    # not meant to memorise a tiny batch, and the recipe is to switch regularisation off for that test
    unregularised = dict(s, weight_decay=0.0)
    kwargs = dict(optimizer_factory=lambda params: command._optimizer(unregularised, params), seed=s["seed"])
    # "initial loss" is about initialisation by definition, so it always looks at the fresh weights
    first = [c for c in checks if c == "initial_loss"]
    rest = [c for c in checks if c != "initial_loss"]
    found = []
    if first:
        found += diagnose(fresh, loss_fn, X[:n], y[:n], checks=first, **kwargs).checks
    if rest:
        found += diagnose(model, loss_fn, X[:n], y[:n], checks=rest, **kwargs).checks
    report = DiagnosticReport(found)
    print(report)
    if ckpt is not None:
        folder = ckpt.path.parent if ckpt.path.name == CHECKPOINT_NAME else Path(args.run_dir)
        with atomic_write(folder / "doctor.json") as f:
            f.write((json.dumps(report.to_dict(), indent=2, default=str) + "\n").encode("utf-8"))
    return 1 if any(c.status == "fail" for c in report.checks) else 0


def _setup_flags(args):
    """The `hackgrad train` flags among doctor's arguments (doctor's own left out), as `_settings` expects."""
    import argparse

    own = ("run_dir", "checks", "fresh", "samples")
    return argparse.Namespace(**{k: v for k, v in vars(args).items() if k not in own})

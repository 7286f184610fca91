"""`hackgrad train`: train a model on a data set from the command line, with checkpoints, resume and plots.

    hackgrad train --data mnist --model mlp --epochs 3 --out runs/mnist
    hackgrad train --resume runs/mnist --epochs 5          # carry on to 5 epochs
    hackgrad train --data moons --hidden 16,16 --activation tanh --optimizer momentum --lr 0.1
    hackgrad train --csv data.csv --target label --model svm

The run folder gets `checkpoint.npz` (the whole experiment: config, weights, optimizer, schedule, RNG
states, history), `results.json` (final metrics) and PNG plots. Only `argparse` is imported at module
level, so `hackgrad --help` stays fast; NumPy and the library load inside `run`.
"""

import argparse
import sys

from hackgrad.train.flags import RESUMABLE, add_arguments, check_settings  # noqa: F401  (this command's API)


# --- resolving the settings ---------------------------------------------------------------------------
def _settings(args, parser_error):
    """The recipe's settings from the flags; a missing or contradictory flag is a usage error."""
    from hackgrad.train.recipe import resolve_settings

    try:
        return resolve_settings(vars(args))
    except ValueError as err:
        parser_error(str(err))


def _run_options(args):
    return {
        "overwrite": bool(getattr(args, "overwrite", None)),
        "out": args.out,
        "plots": True if args.plots is None else args.plots,
        "verbose": args.verbose,
        "checkpoint_every": args.checkpoint_every or 1,
    }


# --- the command ---------------------------------------------------------------------------------------
def run(args, parser_error=None):
    """Train (or resume) as the flags say; print progress and final metrics; return an exit status."""

    def error(message):
        if parser_error is not None:
            parser_error(message)
        print(f"hackgrad train: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    from hackgrad.train.checkpoint import CheckpointError
    from hackgrad.train.trainer import TrainingDivergedError

    try:
        return _run(args, error)
    except (CheckpointError, TrainingDivergedError, FileNotFoundError, ValueError, ImportError) as err:
        print(f"hackgrad train: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a full disk or a vanished folder while saving: files written before are complete
        print(f"hackgrad train: error: could not save: {err} (files saved before this are intact)", file=sys.stderr)
        return 1


def _run(args, error):
    import os
    import time
    from pathlib import Path

    from hackgrad.io import check_writable_dir
    from hackgrad.train import recipe
    from hackgrad.train.callbacks import EarlyStopping
    from hackgrad.train.checkpoint import CHECKPOINT_NAME, load_checkpoint
    from hackgrad.train.trainer import Trainer

    options = _run_options(args)
    if args.resume is not None:
        # a run folder, or the checkpoint file in it: either way the run (and its later saves) live in the folder
        resume_dir = Path(args.resume) if Path(args.resume).is_dir() else Path(args.resume).parent
        ckpt = load_checkpoint(Path(args.resume) / CHECKPOINT_NAME if Path(args.resume).is_dir() else args.resume)
        if not isinstance(ckpt.config, dict) or not isinstance(ckpt.config.get("settings"), dict):
            error(
                f"{ckpt.path} was not written by `hackgrad train` (no settings inside); resume it with fit()"
            )
        s = check_settings(ckpt.config["settings"], f"{ckpt.path}")
        clashes = []
        for key, value in vars(args).items():
            if value is None or key in RESUMABLE or key.startswith("_") or key == "command":
                continue
            if s.get(key) != value:
                clashes.append(f"--{key.replace('_', '-')} {value} (the run used {s.get(key)})")
        if clashes:
            error(
                f"cannot change these settings when resuming {args.resume}: {'; '.join(clashes)}. "
                "Only --epochs, --out, --checkpoint-every, --no-plots and --quiet may differ"
            )
        if args.epochs is not None:
            s["epochs"] = args.epochs
        out = Path(options["out"] or resume_dir)
    else:
        ckpt = None
        s = _settings(args, error)
        out = Path(options["out"] or os.path.join("runs", s["data"] or Path(s["csv"]).stem))
        if (out / CHECKPOINT_NAME).exists() and not options["overwrite"]:
            error(
                f"{out} already holds a run ({CHECKPOINT_NAME}); continue it with --resume {out}, replace it "
                "with --overwrite, or choose another --out"
            )
    check_writable_dir(out, "--out")  # before any work: a bad folder is found now, not after training
    verbose = options["verbose"]
    if verbose is None:
        verbose = 2 if sys.stdout.isatty() else 1
    say = print if verbose else (lambda *a, **k: None)

    t_start = time.perf_counter()
    prep = recipe.prepare_data(s)
    splits, task = prep.splits, prep.task
    X_tr = splits["train"][0]
    n_outputs = prep.n_outputs()
    recipe.check_memory(s, X_tr.shape[1], n_outputs)
    model = recipe.build_model(recipe.model_spec(s, X_tr.shape[1], n_outputs), seed=s["seed"])
    loss_name = s["loss"] or ("mse" if task == "regression" else "cross_entropy")
    loss_fn = recipe.make_loss(loss_name, task, label_smoothing=s["label_smoothing"])
    optimizer = recipe.make_optimizer(s["optimizer"], model, lr=s["lr"], weight_decay=s["weight_decay"],
                                      momentum=s["momentum"], grad_clip=s["grad_clip"])
    if ckpt is not None:  # first: a rebuilt schedule starts from the groups' saved initial_lr
        optimizer.load_state_dict(ckpt.optimizer_state)
    steps_per_epoch = -(-len(X_tr) // s["batch_size"])
    scheduler, interval = recipe.make_schedule(
        s["schedule"], optimizer, epochs=s["epochs"], steps_per_epoch=steps_per_epoch, step_size=s["step_size"],
        gamma=s["gamma"], warmup_epochs=s["warmup_epochs"], epochs_done=ckpt.epoch if ckpt else 0,
        steps_done=ckpt.step if ckpt else 0,
    )
    callbacks = [EarlyStopping(patience=s["early_stopping"])] if s["early_stopping"] else []
    config = {"settings": s, "task": task, "command": "hackgrad train"}
    trainer = Trainer(model, loss_fn, optimizer, scheduler=scheduler, scheduler_interval=interval,
                      callbacks=callbacks, seed=s["seed"], checkpoint_dir=out,
                      checkpoint_every=options["checkpoint_every"], config=config, verbose=verbose)
    if ckpt is not None:
        # a closed-form schedule was rebuilt from the settings at the saved step; only a plateau is restored
        trainer.load_checkpoint(ckpt, schedules=not recipe.closed_form(scheduler))
        say(f"resumed {ckpt.path} after epoch {trainer.epoch}; training to epoch {s['epochs']}")
    say(
        f"data {s['data'] or s['csv']}: {len(X_tr)} train, {len(splits['val'][0])} validation, "
        f"{len(splits['test'][0])} test samples, {X_tr.shape[1]} features, "
        + (f"{n_outputs} classes" if task == "classification" else f"{n_outputs} targets")
    )
    say(
        f"model {s['model']} {_describe(model)} ({model.num_parameters():,} parameters); loss {loss_name}; "
        f"optimizer {s['optimizer']} lr {s['lr']:g}; schedule {s['schedule']}; batch {s['batch_size']}; "
        f"seed {s['seed']}"
    )
    trainer.fit(
        _train_data(s, splits["train"]), epochs=s["epochs"], batch_size=s["batch_size"], val_data=splits["val"]
    )
    train_time = time.perf_counter() - t_start

    test = trainer.evaluate(splits["test"], prefix="test_")
    if task == "regression":
        test = _regression_report(trainer.model, splits["test"], prep.y_scaler)
    results = {
        "epochs": trainer.epoch,
        "steps": trainer.step,
        "train_seconds": round(train_time, 2),
        **{k: v for k, v in trainer.history.last().items() if k not in ("epoch", "time")},
        **test,
    }
    _write_json(out / "results.json", results)
    plots = []
    if options["plots"]:
        from hackgrad.train.plots import plot_run

        try:
            plots = plot_run(trainer.model, trainer.loss_fn, trainer.history, splits, task, out, prep.y_scaler)
        except ImportError as err:
            say(f"no plots: {err}")
    say(f"wrote {out / CHECKPOINT_NAME}, {out / 'results.json'}" + "".join(f", {p}" for p in plots))
    # the result comes last, so `hackgrad train ... | tail -1` is the number a script wants
    if task == "classification":
        print(
            f"test accuracy {100 * test['test_accuracy']:.2f}% (loss {test['test_loss']:.4f}) on "
            f"{len(splits['test'][0])} samples after {_epochs(trainer.epoch)}, {train_time:.1f}s"
        )
    else:
        print(
            f"test R2 {test['test_r2']:.4f}, MSE {test['test_mse']:.4g}, MAE {test['test_mae']:.4g} "
            f"on {len(splits['test'][0])} samples after {_epochs(trainer.epoch)}, {train_time:.1f}s"
        )
    return 0


def _regression_report(model, test_split, y_scale):
    """R2, MSE and MAE of the test predictions in the targets' own units (the model learns scaled targets)."""
    from hackgrad.train.metrics import mean_absolute_error, mean_squared_error, r2_score
    from hackgrad.train.trainer import predict

    X, y = test_split
    y_true = y_scale.inverse_transform(y)
    y_pred = y_scale.inverse_transform(predict(model, X).reshape(y.shape))
    return {
        "test_r2": r2_score(y_true, y_pred),
        "test_mse": mean_squared_error(y_true, y_pred),
        "test_mae": mean_absolute_error(y_true, y_pred),
    }


def _epochs(n):
    return f"{n} epoch" + "s" * (n != 1)


def _train_data(s, train):
    """The training pairs (X, y) as they are, or (--shift) a DataLoader that moves every digit at random.

    The loader draws the same batch order from the seed as the trainer's own would, and the shifts of
    epoch k from (seed, k), so a resumed run sees the very images an uninterrupted one would have seen.
    """
    if not s.get("shift"):
        return train
    from hackgrad.data import DataLoader, random_shift

    X, y = train
    k, background = s["shift"], float(X.min())  # the standardised value of a black pixel

    def shift(xb, rng):
        images = xb.reshape(len(xb), 1, 28, 28)  # MLP inputs arrive flat: (N, 784) -> (N, 1, 28, 28)
        return random_shift(images, k, rng=rng, fill=background).reshape(xb.shape)

    return DataLoader(X, y, batch_size=s["batch_size"], shuffle=True, seed=s["seed"], transform=shift)


def _describe(model):
    """784-256-128-10 for an MLP; conv16@5x5-conv32@5x5-128-10 for a CNN."""
    parts = []
    for m in model.modules():
        if hasattr(m, "out_channels"):
            parts.append(f"conv{m.out_channels}@{m.kernel_size[0]}x{m.kernel_size[1]}")
        elif hasattr(m, "out_features"):
            if not parts:
                parts.append(str(m.in_features))
            parts.append(str(m.out_features))
    return "-".join(parts)


def _write_json(path, obj):
    import json

    from hackgrad.io import atomic_write

    with atomic_write(path) as f:
        f.write((json.dumps(obj, indent=2) + "\n").encode("utf-8"))


def main(argv=None):
    """`python -m hackgrad.train.command ...`: the same as `hackgrad train ...`."""
    parser = argparse.ArgumentParser(prog="hackgrad train", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args, parser.error)


if __name__ == "__main__":
    sys.exit(main())

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

from hackgrad.train.recipe import (
    ACTIVATIONS,
    DATASETS,
    LOSSES,
    MODELS,
    OPTIMIZERS,
    SCHEDULES,
    STANDARDIZE,
    TASKS,
)
from hackgrad.util import at_least

# flags that may change when a run is resumed; every other flag must match the checkpoint's
RESUMABLE = ("epochs", "out", "resume", "plots", "verbose", "checkpoint_every", "overwrite")


def _hidden(text):
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()] if text.strip() else []
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 256,128, got {text!r}"
        ) from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return text.strip()


_positive_int = at_least(int, 1, "a positive integer")
_nonneg_int = at_least(int, 0, "an integer >= 0")
_nonneg_float = at_least(float, 0, "a number >= 0")


def _fraction(text):
    value = _nonneg_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction strictly between 0 and 1, got {text}")
    return value


def add_arguments(parser):
    """The flags of `hackgrad train`. Flags left out take the data set's defaults (see PRESETS)."""
    parser.usage = (
        "%(prog)s (--data NAME | --csv PATH [--target COLUMN] | --resume DIR) [--model ...] "
        "[--epochs N] [--out DIR] [options]"
    )
    data = parser.add_argument_group("data")
    src = data.add_mutually_exclusive_group()
    src.add_argument("--data", choices=DATASETS, help="a built-in data set")
    src.add_argument("--csv", metavar="PATH", help="a CSV file (use with --target)")
    data.add_argument("--target", help="the CSV's target column: a header name or an index (default: last)")
    data.add_argument(
        "--task", choices=TASKS, help="classification or regression (default: from the targets)"
    )
    data.add_argument(
        "--n-samples", type=_positive_int, help="samples to generate for toy data (default 1000)"
    )
    data.add_argument("--noise", type=_nonneg_float, help="noise of toy data (default: the generator's)")
    data.add_argument("--val-fraction", type=_fraction, help="held out for validation (default 0.2)")
    data.add_argument("--test-fraction", type=_fraction, help="held out for the final test (default 0.2)")
    data.add_argument(
        "--shift",
        type=_nonneg_int,
        metavar="PIXELS",
        help="augment MNIST: move each training digit by up to this many pixels, anew each epoch "
        "(default 0; 2 for the CNNs)",
    )
    data.add_argument(
        "--standardize",
        choices=STANDARDIZE,
        help="input scaling from training statistics: one mean/std for all features (global), per "
        "feature, or none (default: global for images, feature otherwise)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=MODELS,
        help="mlp (default), linear/softmax (one layer), svm (one layer, multiclass hinge loss), "
        "cnn or lenet5 (convolutional nets for MNIST, hackgrad/models/cnn.py)",
    )
    model.add_argument("--hidden", type=_hidden, metavar="SIZES", help="hidden layer sizes, e.g. 256,128")
    model.add_argument("--activation", choices=ACTIVATIONS, help="hidden nonlinearity (default relu)")
    model.add_argument("--dropout", type=_nonneg_float, help="dropout after each hidden layer (default 0)")
    model.add_argument(
        "--batchnorm", action="store_const", const=True, help="batch norm before each activation"
    )

    train = parser.add_argument_group("training")
    train.add_argument(
        "--loss",
        choices=LOSSES,
        help="default: cross_entropy (multiclass_svm for --model svm, mse for regression)",
    )
    train.add_argument(
        "--label-smoothing", type=_nonneg_float, help="for cross_entropy (default 0; 0.1 for mnist)"
    )
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="default adam")
    train.add_argument("--lr", type=_nonneg_float, help="learning rate (default depends on the optimizer)")
    train.add_argument(
        "--momentum", type=_nonneg_float, help="for momentum/nesterov/rmsprop (default 0.9 / 0)"
    )
    train.add_argument("--weight-decay", type=_nonneg_float, help="L2 pull towards zero (default 0)")
    train.add_argument("--schedule", choices=SCHEDULES, help="lr schedule (default cosine; warmup for mnist)")
    train.add_argument(
        "--warmup-epochs", type=_nonneg_float, help="linear warm-up length for --schedule warmup"
    )
    train.add_argument("--step-size", type=_positive_int, help="epochs between drops for --schedule step")
    train.add_argument("--gamma", type=_nonneg_float, help="factor of step/exponential/plateau schedules")
    train.add_argument("--grad-clip", type=_nonneg_float, help="clip the gradient norm to this value")
    train.add_argument("--epochs", type=_nonneg_int, help="total epochs (default 20; 3 for mnist)")
    train.add_argument("--batch-size", type=_positive_int, help="default 32 (128 for mnist)")
    train.add_argument(
        "--early-stopping",
        type=_positive_int,
        metavar="PATIENCE",
        help="stop when val_loss has not improved for this many epochs; keep the best weights",
    )
    train.add_argument(
        "--seed", type=_nonneg_int, help="seeds the data split, initial weights and batch order (default 0)"
    )

    run_ = parser.add_argument_group("output")
    run_.add_argument(
        "--out", metavar="DIR", help="run folder for the checkpoint, results and plots (default runs/<data>)"
    )
    run_.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run saved in DIR, or in DIR/checkpoint.npz named as a file (a larger --epochs trains on)",
    )
    run_.add_argument(
        "--overwrite",
        action="store_const",
        const=True,
        help="start afresh in an --out folder that already holds a run (its checkpoint is replaced)",
    )
    run_.add_argument("--checkpoint-every", type=_positive_int, help="epochs between checkpoints (default 1)")
    run_.add_argument(
        "--no-plots", dest="plots", action="store_const", const=False, help="skip the PNG plots"
    )
    run_.add_argument("--quiet", dest="verbose", action="store_const", const=0, help="print only the results")
    return parser


# --- resolving the settings ---------------------------------------------------------------------------
def _settings(args, parser_error):
    """The recipe's settings from the flags; a missing or contradictory flag is a usage error."""
    from hackgrad.train.recipe import resolve_settings

    try:
        return resolve_settings(vars(args))
    except ValueError as err:
        parser_error(str(err))


def check_settings(settings, where):
    """A loaded run's settings through the command line's own checks (types, ranges, choices), so an edited
    checkpoint cannot ask for what the flags would refuse. Returns a checked copy with values converted."""
    if not isinstance(settings, dict):
        raise ValueError(f"{where}: the saved settings are not a dict")
    parser = add_arguments(argparse.ArgumentParser(prog="hackgrad train", add_help=False))
    checked = dict(settings)
    for action in parser._actions:
        key = action.dest
        if key in RESUMABLE or key == "help":
            continue
        if key not in settings:
            raise ValueError(f"{where}: the saved settings lack {key!r}; this is not a run `hackgrad train` saved")
        value = settings[key]
        if value is None:
            continue
        if isinstance(action, argparse._StoreConstAction):
            if value not in (action.const, False):
                raise ValueError(f"{where}: saved setting {key}={value!r}; expected true or false")
            continue
        if action.choices is not None and value not in action.choices:
            raise ValueError(
                f"{where}: saved setting {key}={value!r} is not one of {', '.join(map(str, action.choices))}"
            )
        if action.type is not None:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ValueError(f"{where}: saved setting {key}={value!r} is not a value the flag takes")
            try:
                checked[key] = action.type(str(value))
            except (argparse.ArgumentTypeError, ValueError) as err:
                raise ValueError(f"{where}: saved setting {key}={value!r}: {err}") from None
    for key in ("epochs", "lr", "batch_size"):
        if not isinstance(checked.get(key), (int, float)) or isinstance(checked.get(key), bool):
            raise ValueError(f"{where}: saved setting {key}={checked.get(key)!r} is not a number")
    return checked


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

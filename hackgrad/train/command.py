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

from hackgrad.train import lm_command
from hackgrad.util import at_least

DATASETS = (
    "mnist", "digits", "iris", "wine", "breast_cancer", "diabetes",
    "moons", "spiral", "circles", "xor", "blobs", "plane", "shakespeare",
)  # fmt: skip
TOY = ("moons", "spiral", "circles", "xor", "blobs", "plane")
MODELS = ("mlp", "linear", "softmax", "svm", "lstm", "gru", "rnn", "gpt")  # the last four: --data shakespeare
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
LOSSES = ("cross_entropy", "multiclass_svm", "crammer_singer", "multi_margin", "mse", "l1", "huber")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "adadelta")
SCHEDULES = ("none", "step", "cosine", "exponential", "plateau", "warmup")
STANDARDIZE = ("auto", "none", "global", "feature")
TASKS = ("auto", "classification", "regression")

# learning rates that work for each optimizer on the small data sets
DEFAULT_LR = {
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adam": 3e-3,
    "adamw": 3e-3,
    "rmsprop": 1e-3,
    "adagrad": 0.05,
    "adadelta": 1.0,
}

# per data set defaults for flags left out. MNIST: a 784-256-128-10 ReLU MLP, Adam at 3e-3 with half an epoch
# of warm-up then cosine decay per step, batches of 128, inputs standardised, and label smoothing 0.1 --
# measured at 98.26-98.41% test accuracy after 3 epochs over seeds 0-2. (Adam at 1e-3 with a cosine
# decay and no smoothing stays near 97.8% in the same net under PyTorch; smoothing and the warmed-up
# higher lr are what clear 98%.)
PRESETS = {
    "mnist": {
        "hidden": "256,128",
        "optimizer": "adam",
        "lr": 3e-3,
        "schedule": "warmup",
        "batch_size": 128,
        "label_smoothing": 0.1,
        "epochs": 3,
        "warmup_epochs": 0.5,
        "standardize": "global",
    },
    "digits": {"hidden": "128,64", "epochs": 20, "standardize": "global"},
    # diabetes: 442 noisy, nearly linear samples. Standardised targets are what matter (unscaled, the default
    # net ended at test R2 -3.6); a small net that keeps its best-validation weights reaches 0.49-0.52 over
    # seeds 0-2, with or without the small L2 pull (kept as the guide's "tiny change to the cost function").
    "diabetes": {"hidden": "32", "lr": 1e-2, "weight_decay": 1e-2, "epochs": 60, "early_stopping": 15},
}
GENERIC = {
    "hidden": "64,64",
    "optimizer": "adam",
    "schedule": "cosine",
    "batch_size": 32,
    "label_smoothing": 0.0,
    "epochs": 20,
    "warmup_epochs": None,
    "standardize": "feature",
}

# flags that may change when a run is resumed; every other flag must match the checkpoint's
RESUMABLE = ("epochs", "minutes", "out", "resume", "plots", "verbose", "checkpoint_every")


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
        "--standardize",
        choices=STANDARDIZE,
        help="input scaling from training statistics: one mean/std for all features (global), per "
        "feature, or none (default: global for images, feature otherwise)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=MODELS,
        help="mlp (default), linear/softmax (one layer), svm (one layer, multiclass hinge loss); "
        "lstm, gru, rnn (character-level language models for --data shakespeare)",
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
        "--resume", metavar="DIR", help="continue the run saved in DIR (a larger --epochs trains on)"
    )
    run_.add_argument("--checkpoint-every", type=_positive_int, help="epochs between checkpoints (default 1)")
    run_.add_argument(
        "--no-plots", dest="plots", action="store_const", const=False, help="skip the PNG plots"
    )
    run_.add_argument("--quiet", dest="verbose", action="store_const", const=0, help="print only the results")
    lm_command.add_train_arguments(parser)
    return parser


# --- resolving the settings ---------------------------------------------------------------------------
def _settings(args, parser_error):
    """A complete, JSON-able dict of settings: the flags given, then the data set's defaults."""
    given = {
        k: v for k, v in vars(args).items() if v is not None and not k.startswith("_") and k != "command"
    }
    if given.get("target") is not None and given.get("csv") is None:
        parser_error("--target goes with --csv")
    if "data" not in given and "csv" not in given:
        parser_error(
            "say what to train on: --data {" + ",".join(DATASETS) + "} or --csv PATH --target COLUMN "
            "(or --resume DIR)"
        )
    if given.get("data") == "shakespeare":
        return lm_command.lm_settings(given, parser_error)
    lm_command.check_not_lm(given, parser_error)
    name = given.get("data", "csv")
    s = dict(GENERIC)
    s.update(
        {
            "data": given.get("data"),
            "csv": given.get("csv"),
            "target": given.get("target"),
            "task": "auto",
            "n_samples": 1000,
            "noise": None,
            "val_fraction": 0.2,
            "test_fraction": 0.2,
            "model": "mlp",
            "activation": "relu",
            "dropout": 0.0,
            "batchnorm": False,
            "loss": None,
            "momentum": None,
            "weight_decay": 0.0,
            "step_size": None,
            "gamma": None,
            "grad_clip": None,
            "early_stopping": None,
            "seed": 0,
            "lr": None,
        }
    )
    s.update(PRESETS.get(name, {}))
    for key in ("out", "plots", "verbose", "checkpoint_every", "resume"):
        given.pop(key, None)
    s.update(given)
    if "optimizer" in given and given["optimizer"] != PRESETS.get(name, {}).get("optimizer") and "lr" not in given:
        s["lr"] = DEFAULT_LR[s["optimizer"]]
    if s["lr"] is None:
        s["lr"] = DEFAULT_LR[s["optimizer"]]
    if s["model"] != "mlp" and "lr" not in given:
        s["lr"] *= 10  # one linear layer is a convex problem: it takes (and needs) larger steps
    if s["model"] == "svm" and s["loss"] is None:
        s["loss"] = "multiclass_svm"
    return s


def _run_options(args):
    return {
        "out": args.out,
        "plots": True if args.plots is None else args.plots,
        "verbose": args.verbose,
        "checkpoint_every": args.checkpoint_every or 1,
    }


# --- data -------------------------------------------------------------------------------------------
def _load_data(s):
    """({"train": (X, y), "val": (X, y), "test": (X, y)}, task, target scale), from the settings (deterministic).

    Regression targets are standardised with the training split's mean and std (the scale is returned as
    `(mean, std)`, `None` for classification): a net's outputs start near 0 with unit spread, so unscaled
    targets in the hundreds (diabetes) would spend the whole run on the output bias.
    """
    import numpy as np

    from hackgrad import data as D

    seed = s["seed"]
    if s["data"] == "mnist":
        m = D.load_mnist()
        splits = {"train": tuple(m.train), "val": tuple(m.validation), "test": tuple(m.test)}
    else:
        if s["csv"] is not None:
            target = s["target"]
            if target is None:
                target = -1
            elif target.lstrip("-").isdigit():
                target = int(target)
            X, y = D.load_csv(s["csv"], target=target)
            if y is None:
                raise ValueError(f"{s['csv']}: no target column; pass --target")
        elif s["data"] in TOY:
            make = getattr(D, f"make_{s['data']}")
            kwargs = {"seed": seed}
            if s["noise"] is not None:
                kwargs["noise"] = s["noise"]
            X, y = make(s["n_samples"], **kwargs)
        else:
            X, y = getattr(D, f"load_{s['data']}")()
        task = _task(s, y)
        stratify = task == "classification"
        X_rest, X_test, y_rest, y_test = D.train_test_split(
            X, y, test_size=s["test_fraction"], stratify=stratify, seed=seed
        )
        X_tr, X_val, y_tr, y_val = D.train_test_split(
            X_rest, y_rest, test_size=s["val_fraction"], stratify=stratify, seed=seed + 1
        )
        splits = {"train": (X_tr, y_tr), "val": (X_val, y_val), "test": (X_test, y_test)}
    task = _task(s, splits["train"][1])
    mode = s["standardize"]
    if mode == "auto":
        mode = "global" if s["data"] in ("mnist", "digits") else "feature"
    X_tr = np.asarray(splits["train"][0], dtype=np.float64)
    if mode == "global":
        mean, std = X_tr.mean(), X_tr.std()
    elif mode == "feature":
        mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    else:
        mean, std = 0.0, 1.0
    std = np.where(np.asarray(std) > 1e-8, std, 1.0)  # constant features stay as they are
    y_scale = None
    if task == "regression":
        y_tr = np.asarray(splits["train"][1], dtype=np.float64).reshape(len(X_tr), -1)
        y_std = y_tr.std(axis=0)
        y_scale = (y_tr.mean(axis=0), np.where(y_std > 1e-12, y_std, 1.0))
    out = {}
    for key, (X, y) in splits.items():
        X = ((np.asarray(X, dtype=np.float64) - mean) / std).astype(np.float32)
        y = np.asarray(y)
        if task == "regression":
            y = ((y.astype(np.float64).reshape(len(y), -1) - y_scale[0]) / y_scale[1]).astype(np.float32)
        else:
            y = y.astype(np.int64)
        out[key] = (X, y)
    return out, task, y_scale


def _task(s, y):
    import numpy as np

    if s["task"] != "auto":
        return s["task"]
    y = np.asarray(y)
    return "classification" if y.dtype.kind in "iub" else "regression"


# --- model, loss, optimizer, schedule -------------------------------------------------------------------
def _build(s, n_features, n_outputs, task):
    from hackgrad.train.model_spec import build_model, mlp_spec

    if s["model"] == "mlp":
        hidden = [int(h) for h in s["hidden"].split(",") if h.strip()]
        spec = mlp_spec(
            n_features,
            hidden,
            n_outputs,
            activation=s["activation"],
            dropout=s["dropout"],
            batchnorm=s["batchnorm"],
        )
    else:
        spec = {"type": "linear", "in_features": n_features, "out_features": n_outputs}
    return build_model(spec, seed=s["seed"])


def _loss(s, task):
    from functools import partial

    from hackgrad.nn import functional as F

    name = s["loss"] or ("mse" if task == "regression" else "cross_entropy")
    regression = name in ("mse", "l1", "huber")
    if regression != (task == "regression"):
        raise ValueError(
            f"--loss {name} does not fit a {task} task; use "
            + ("mse, l1 or huber" if task == "regression" else "cross_entropy or a multiclass SVM loss")
        )
    if name == "cross_entropy":
        if s["label_smoothing"]:
            return partial(F.cross_entropy, label_smoothing=s["label_smoothing"]), name
        return F.cross_entropy, name
    fn = {
        "multiclass_svm": F.weston_watkins_loss,
        "crammer_singer": F.crammer_singer_loss,
        "multi_margin": F.multi_margin_loss,
        "mse": F.mse_loss,
        "l1": F.l1_loss,
        "huber": F.huber_loss,
    }[name]
    return fn, name


def _optimizer(s, params):
    from hackgrad import optim

    name, lr, wd = s["optimizer"], s["lr"], s["weight_decay"]
    momentum = s["momentum"]
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum or 0.0, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return optim.SGD(
            params,
            lr=lr,
            momentum=0.9 if momentum is None else momentum,
            weight_decay=wd,
            nesterov=name == "nesterov",
        )
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=momentum or 0.0, weight_decay=wd)
    cls = {"adam": optim.Adam, "adamw": optim.AdamW, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta}[
        name
    ]
    return cls(params, lr=lr, weight_decay=wd)


def _schedule(s, optimizer, epochs, steps_per_epoch):
    """(scheduler or None, interval): cosine and warm-up run per step over the run, the others per epoch."""
    from hackgrad.optim import lr_scheduler as L

    name = s["schedule"]
    total = max(epochs * steps_per_epoch, 1)
    if name == "none":
        return None, "epoch"
    if name == "step":
        return L.StepLR(
            optimizer, step_size=s["step_size"] or max(1, epochs // 3), gamma=s["gamma"] or 0.1
        ), "epoch"
    if name == "exponential":
        return L.ExponentialLR(optimizer, gamma=s["gamma"] or 0.9), "epoch"
    if name == "plateau":
        return L.ReduceLROnPlateau(optimizer, factor=s["gamma"] or 0.1, patience=2), "epoch"
    if name == "cosine":
        return L.CosineAnnealingLR(optimizer, T_max=total), "step"
    warm = _warmup_steps(s, epochs, steps_per_epoch)
    return L.warmup(optimizer, warm, after=L.CosineAnnealingLR(optimizer, T_max=max(total - warm, 1))), "step"


def _warmup_steps(s, epochs, steps_per_epoch):
    warm_epochs = s["warmup_epochs"] if s["warmup_epochs"] is not None else min(0.5, epochs / 4)
    return max(1, min(round(warm_epochs * steps_per_epoch), max(epochs * steps_per_epoch - 1, 1)))


def _retarget(scheduler, s, epochs, steps_per_epoch):
    """After a resume with a new --epochs, stretch the per-step cosine to end at the new last step.

    The schedules are closed-form in the step count, so only the horizon changes; the steps taken so far
    keep the lrs they had.
    """
    from hackgrad.optim import lr_scheduler as L

    total = max(epochs * steps_per_epoch, 1)
    if isinstance(scheduler, L.SequentialLR):
        cosine, horizon = scheduler._schedulers[-1], max(total - scheduler._milestones[0], 1)
    elif isinstance(scheduler, L.CosineAnnealingLR):
        cosine, horizon = scheduler, total
    else:
        return
    if cosine.T_max != horizon:
        cosine.T_max = horizon
        # the next step's lr under the new horizon (the restored optimizer holds the old plan's)
        for group, lr in zip(scheduler.optimizer.param_groups, scheduler.get_lr()):
            group["lr"] = lr


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


def _run(args, error):
    import os
    import time
    from pathlib import Path

    from hackgrad.train.callbacks import EarlyStopping
    from hackgrad.train.checkpoint import CHECKPOINT_NAME, load_checkpoint
    from hackgrad.train.trainer import Trainer

    options = _run_options(args)
    if args.resume is not None:
        ckpt = load_checkpoint(
            Path(args.resume) / CHECKPOINT_NAME if Path(args.resume).is_dir() else args.resume
        )
        if not isinstance(ckpt.config, dict) or "settings" not in ckpt.config:
            error(
                f"{ckpt.path} was not written by `hackgrad train` (no settings inside); resume it with fit()"
            )
        s = dict(ckpt.config["settings"])
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
        out = Path(options["out"] or args.resume)
    else:
        ckpt = None
        s = _settings(args, error)
        out = Path(options["out"] or os.path.join("runs", s["data"] or Path(s["csv"]).stem))
    if s.get("data") == "shakespeare":
        return lm_command.train_language_model(s, args, options, ckpt, out, error)
    verbose = options["verbose"]
    if verbose is None:
        verbose = 2 if sys.stdout.isatty() else 1
    say = print if verbose else (lambda *a, **k: None)

    t_start = time.perf_counter()
    splits, task, y_scale = _load_data(s)
    X_tr, y_tr = splits["train"]
    n_outputs = y_tr.shape[1] if task == "regression" else int(max(y.max() for _, y in splits.values()) + 1)
    model = _build(s, X_tr.shape[1], n_outputs, task)
    loss_fn, loss_name = _loss(s, task)
    optimizer = _optimizer(s, model.parameters())
    steps_per_epoch = -(-len(X_tr) // s["batch_size"])
    scheduler, interval = _schedule(s, optimizer, s["epochs"], steps_per_epoch)
    callbacks = [EarlyStopping(patience=s["early_stopping"])] if s["early_stopping"] else []
    config = {"settings": s, "task": task, "command": "hackgrad train"}
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        scheduler=scheduler,
        scheduler_interval=interval,
        callbacks=callbacks,
        seed=s["seed"],
        checkpoint_dir=out,
        checkpoint_every=options["checkpoint_every"],
        grad_clip=s["grad_clip"],
        config=config,
        verbose=verbose,
    )
    if ckpt is not None:
        trainer.load_checkpoint(ckpt)
        if scheduler is not None:
            _retarget(scheduler, s, s["epochs"], steps_per_epoch)
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
    trainer.fit(splits["train"], epochs=s["epochs"], batch_size=s["batch_size"], val_data=splits["val"])
    train_time = time.perf_counter() - t_start

    test = trainer.evaluate(splits["test"], prefix="test_")
    if task == "regression":
        test = _regression_report(trainer.model, splits["test"], y_scale)
    results = {
        "epochs": trainer.epoch,
        "steps": trainer.step,
        "train_seconds": round(train_time, 2),
        **{k: v for k, v in trainer.history.last().items() if k not in ("epoch", "time")},
        **test,
    }
    _write_json(out / "results.json", results)
    plots = _plots(trainer, splits, task, out, say, y_scale) if options["plots"] else []
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
    mean, std = y_scale
    y_true = y.astype("float64") * std + mean
    y_pred = predict(model, X).astype("float64").reshape(y.shape) * std + mean
    return {
        "test_r2": r2_score(y_true, y_pred),
        "test_mse": mean_squared_error(y_true, y_pred),
        "test_mae": mean_absolute_error(y_true, y_pred),
    }


def _epochs(n):
    return f"{n} epoch" + "s" * (n != 1)


def _describe(model):
    layers = [m for m in model if hasattr(m, "in_features")]
    return "-".join([str(layers[0].in_features)] + [str(m.out_features) for m in layers]) if layers else ""


def _write_json(path, obj):
    import json

    from hackgrad.io import atomic_write

    with atomic_write(path) as f:
        f.write((json.dumps(obj, indent=2) + "\n").encode("utf-8"))


def _plots(trainer, splits, task, out, say, y_scale=None):
    from hackgrad.train import plots
    from hackgrad.train.metrics import predict_labels
    from hackgrad.train.trainer import predict

    X_test, y_test = splits["test"]
    written = []
    try:
        written.append(plots.plot_history(trainer.history, out / "history.png"))
        if task == "classification":
            pred = predict_labels(predict(trainer.model, X_test), y_test)
            written.append(
                plots.plot_confusion_matrix(
                    y_test, pred, out / "confusion_matrix.png", title="confusion matrix (test)"
                )
            )
        if task == "regression":
            mean, std = y_scale
            y_true = y_test.astype("float64") * std + mean
            y_pred = predict(trainer.model, X_test).astype("float64").reshape(y_test.shape) * std + mean
            written.append(plots.plot_predicted_vs_true(y_true, y_pred, out / "predicted_vs_true.png"))
        if X_test.shape[1] == 2 and task == "classification":
            written.append(
                plots.plot_decision_regions(trainer.model, *splits["train"], out / "decision_regions.png")
            )
        written.append(
            plots.plot_activation_histograms(trainer.model, splits["val"][0], out / "activations.png")
        )
        written.append(
            plots.plot_gradient_histograms(
                trainer.model, trainer.loss_fn, *splits["val"], out / "gradients.png"
            )
        )
    except ImportError as err:
        say(f"no plots: {err}")
    return written


def main(argv=None):
    """`python -m hackgrad.train.command ...`: the same as `hackgrad train ...`."""
    parser = argparse.ArgumentParser(prog="hackgrad train", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args, parser.error)


if __name__ == "__main__":
    sys.exit(main())

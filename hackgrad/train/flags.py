"""The flags of `hackgrad train` (also read by `hackgrad doctor`), and the check that a saved run's settings
are what these flags would accept. Only `argparse` and the recipe's names load here, so `--help` stays fast.
"""

import argparse

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
RESUMABLE = ("epochs", "minutes", "out", "resume", "plots", "verbose", "checkpoint_every", "overwrite")


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
    from hackgrad.train import lm_command

    lm_command.add_train_arguments(parser)
    return parser


# settings that runs saved before the flag existed do not hold, with the value that reproduces those runs
ADDED_LATER = {  # the language-model flags are unused by other runs
    "shift": 0, "seq_len": None, "layers": None, "embed_dim": None, "eval_every": None, "heads": None,
}


def check_settings(settings, where):
    """A loaded run's settings through the command line's own checks (types, ranges, choices), so an edited
    checkpoint cannot ask for what the flags would refuse. Returns a checked copy with values converted."""
    if not isinstance(settings, dict):
        raise ValueError(f"{where}: the saved settings are not a dict")
    parser = add_arguments(argparse.ArgumentParser(prog="hackgrad train", add_help=False))
    checked = dict(settings)
    for key, old in ADDED_LATER.items():
        checked.setdefault(key, old)
    for action in parser._actions:
        key = action.dest
        if key in RESUMABLE or key == "help":
            continue
        if key not in checked and checked.get("data") == "shakespeare":
            checked[key] = None  # a language-model run keeps only the flags it reads (lm_command.LM_FLAGS)
        if key not in checked:
            raise ValueError(f"{where}: the saved settings lack {key!r}; this is not a run `hackgrad train` saved")
        value = checked[key]
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
        if key == "epochs" and checked.get("data") == "shakespeare" and checked.get(key) is None:
            continue  # a language model may train for --minutes alone
        if not isinstance(checked.get(key), (int, float)) or isinstance(checked.get(key), bool):
            raise ValueError(f"{where}: saved setting {key}={checked.get(key)!r} is not a number")
    return checked

"""`hackgrad summary MODEL`: print a model's layers, output shapes, parameters and multiply-adds.

    hackgrad summary cnn                    # a model of hackgrad.models, by name
    hackgrad summary vgg11
    hackgrad summary runs/mnist             # the model a `hackgrad train` run saved
    hackgrad summary cnn --input-shape 1,32,32

Only `argparse` is imported at module level, so `hackgrad --help` stays fast.
"""

import argparse
import sys

# the models `hackgrad summary` knows by name, and the shape of one input sample of each
INPUT_SHAPES = {"lenet5": (1, 28, 28), "cnn": (1, 28, 28), "alexnet": (3, 224, 224), "vgg11": (3, 224, 224)}


def _shape(text):
    try:
        shape = tuple(int(s) for s in text.split(","))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"expected the positive sizes of one sample, comma-separated like 3,224,224; got {text!r}"
        )
    return shape


def add_arguments(parser):
    parser.add_argument(
        "model",
        metavar="MODEL",
        help=f"a model name ({', '.join(INPUT_SHAPES)}) or a run folder / checkpoint written by `hackgrad train`",
    )
    parser.add_argument(
        "--input-shape",
        type=_shape,
        metavar="SHAPE",
        help="the shape of one sample without the batch axis, e.g. 3,224,224 (default: the model's own)",
    )
    parser.add_argument("--num-classes", type=int, help="output classes of a named model (default: its own)")
    return parser


def _from_checkpoint(path):
    from hackgrad.train.checkpoint import load_checkpoint

    ckpt = load_checkpoint(path)
    model = ckpt.build_model()
    spec = ckpt.model_spec
    if spec.get("type") in INPUT_SHAPES:
        return model, INPUT_SHAPES[spec["type"]]
    if spec.get("type") == "mlp":
        return model, (spec["sizes"][0],)
    first = next((m for m in model.modules() if hasattr(m, "in_features")), None)
    return model, ((first.in_features,) if first is not None else None)


def _usage_error(message):
    print(f"hackgrad summary: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def run(args):
    from pathlib import Path

    error = _usage_error

    from hackgrad.models import build_model
    from hackgrad.nn import summary
    from hackgrad.train.checkpoint import CheckpointError

    if args.model in INPUT_SHAPES:
        spec = {"type": args.model}
        if args.num_classes is not None:
            spec["num_classes"] = args.num_classes
        model, shape = build_model(spec), INPUT_SHAPES[args.model]
    elif Path(args.model).exists():
        if args.num_classes is not None:
            error("--num-classes applies to a named model; a saved run keeps its own")
        try:
            model, shape = _from_checkpoint(args.model)
        except CheckpointError as err:
            print(f"hackgrad summary: error: {err}", file=sys.stderr)
            return 1
    else:
        error(f"{args.model!r} is neither a model name ({', '.join(INPUT_SHAPES)}) nor an existing run folder")
    shape = args.input_shape or shape
    if shape is None:
        error("cannot tell this model's input shape; pass --input-shape")
    try:
        print(summary(model, shape))
    except ValueError as err:
        print(f"hackgrad summary: error: {err}", file=sys.stderr)
        return 1
    return 0

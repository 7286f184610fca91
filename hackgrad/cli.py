"""The `hackgrad` command: one subcommand per job, each implemented where its concept lives."""

import argparse
import importlib
import sys

from hackgrad.util import at_least  # noqa: F401  (re-exported: subcommands once imported it from here)

# subcommand -> (module defining add_arguments(parser) and run(args), help). Modules import heavy
# dependencies inside run(), so `hackgrad --help` stays fast.
SUBCOMMANDS = {
    "tour": ("hackgrad.circuit.tour", "The guide's chapters 1-2, run and drawn (what `make demo` shows)"),
    "train": ("hackgrad.train.command", "Train a model on a dataset; checkpoint, resume, plots"),
    "doctor": ("hackgrad.train.doctor", "Run the debugging checks on a training run (diagnose what went wrong)"),
    "summary": ("hackgrad.train.summary_command", "A model's layers: output shapes, parameters, multiply-adds"),
    "search": ("hackgrad.search.command", "Random hyperparameter search with k-fold cross-validation"),
    "playground": ("hackgrad.playground.command", "A 2-D classification playground in the browser"),
    "circuit": ("hackgrad.playground.circuit_command", "An interactive circuit: tug on its output, see the gradients"),
    "word2vec": ("hackgrad.train.word2vec_command", "Word vectors on Shakespeare: neighbours and a t-SNE picture"),
    "tsne": ("hackgrad.train.tsne_command", "A t-SNE picture of the digits or MNIST, coloured by class"),
}


def build_parser():
    parser = argparse.ArgumentParser(prog="hackgrad", description="Neural networks as real-valued circuits.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return importlib.import_module(args._module).run(args) or 0


if __name__ == "__main__":
    sys.exit(main())

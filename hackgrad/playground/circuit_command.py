"""`hackgrad circuit`: the guide's real-valued circuits in the browser; tug on the output, watch the gradients."""

from hackgrad.playground.command import add_arguments  # the same options: --port, --host, --no-browser

__all__ = ["add_arguments", "run"]


def run(args):
    from hackgrad.playground.command import run as serve

    return serve(args, page="circuit", name="circuit")

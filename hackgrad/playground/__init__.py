"""The 2-D classification playground: train a small network in the browser and watch its decision regions.

`session` holds the data, model and optimizer with no HTTP in sight (so it can be tested and scripted),
`server` serves the page and a few JSON endpoints around one session, `command` is `hackgrad playground`.
Nothing heavy is imported here: `hackgrad --help` must stay fast, so `Session` loads on first use.
"""

from hackgrad.util import lazy_exports

__all__ = ["Session", "PlaygroundError", "ConfigError", "make_server"]

_LAZY = {
    "Session": "hackgrad.playground.session",
    "PlaygroundError": "hackgrad.playground.session",
    "ConfigError": "hackgrad.playground.session",
    "make_server": "hackgrad.playground.server",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

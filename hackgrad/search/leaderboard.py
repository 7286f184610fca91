"""The leaderboard: every configuration's latest cross-validated score, ranked, printed as rounds finish.

Ranking is by mean validation accuracy, ties broken by mean validation log loss (a model that is right
with more confidence ranks higher) and then by configuration id, so the order is fully deterministic.
"""

import json
import math
import sys

from hackgrad.search.space import describe

__all__ = ["Leaderboard", "rank_key"]


def rank_key(row):
    """Sort key: higher score first, then lower log loss, then lower id."""
    loss = row.get("log_loss")
    return (-row["score"], math.inf if loss is None or not math.isfinite(loss) else loss, row["id"])


class Leaderboard:
    """Holds one row per configuration (its latest, largest-budget evaluation) and prints the standings.

    `quiet=True` records without printing; `stream` (default stdout) is where tables go; `top` rows shown.
    """

    def __init__(self, quiet=False, stream=None, top=10):
        self.quiet = bool(quiet)
        self.stream = stream
        self.top = top
        self.rows = {}  # id -> row
        self.history = []  # every row ever recorded, in order

    def record(self, config_id, config, *, rung, epochs, folds, score, std, log_loss, seconds, error=None):
        row = {
            "id": int(config_id),
            "rung": int(rung),
            "epochs": int(epochs),
            "folds": int(folds),
            "score": float(score),
            "std": float(std),
            "log_loss": None if log_loss is None else float(log_loss),
            "seconds": float(seconds),
            "error": error,
            "config": dict(config),
        }
        self.rows[row["id"]] = row
        self.history.append(row)
        return row

    def ranked(self, rung=None):
        """Rows best first; only those evaluated at `rung` if given."""
        rows = [r for r in self.rows.values() if rung is None or r["rung"] == rung]
        return sorted(rows, key=rank_key)

    def format(self, rung=None, top=None):
        top = self.top if top is None else top
        rows = self.ranked(rung)
        lines = [f"{'rank':>4} {'id':>4} {'accuracy':>14} {'logloss':>8} {'folds':>5} {'epochs':>6} {'sec':>6}  config"]
        for i, r in enumerate(rows[:top] if top else rows, 1):
            loss = (
                "-"
                if r["log_loss"] is None
                else ("inf" if not math.isfinite(r["log_loss"]) else f"{r['log_loss']:.4f}")
            )
            note = f"  [{r['error'][:40]}]" if r["error"] else ""
            lines.append(
                f"{i:>4} {r['id']:>4} {r['score']:>8.4f}±{r['std']:.3f} {loss:>8} {r['folds']:>5} "
                f"{r['epochs']:>6} {r['seconds']:>6.1f}  {describe(r['config'])}{note}"
            )
        if top and len(rows) > top:
            lines.append(f"     ... {len(rows) - top} more")
        return "\n".join(lines)

    def show(self, title, rung=None):
        """Print `title` and the standings (nothing when quiet)."""
        if self.quiet:
            return
        out = self.stream if self.stream is not None else sys.stdout
        print(title, file=out)
        print(self.format(rung), file=out, flush=True)

    def say(self, line):
        if not self.quiet:
            print(line, file=self.stream if self.stream is not None else sys.stdout, flush=True)

    def to_list(self):
        """The ranked rows as JSON-able dicts."""
        out = []
        for r in self.ranked():
            loss = r["log_loss"]
            out.append(
                dict(
                    r,
                    log_loss=loss if loss is not None and math.isfinite(loss) else None,
                    config={k: list(v) if isinstance(v, tuple) else v for k, v in r["config"].items()},
                )
            )
        return out

    def to_json(self):
        return json.dumps(self.to_list(), indent=1)

"""Character-level language models from the command line: `hackgrad train --data shakespeare` and
`hackgrad sample`.

    hackgrad train --data shakespeare --model lstm --minutes 5 --out runs/shakespeare
    hackgrad train --resume runs/shakespeare --minutes 5             # five more minutes
    hackgrad sample runs/shakespeare --prompt "ROMEO:" --length 500 --temperature 0.8 --seed 0
    hackgrad train --data shakespeare --model gpt --minutes 5 --out runs/gpt     # + attention.png
    hackgrad sample runs/gpt --prompt "ROMEO:" --top-k 10            # GPT runs: lm_gpt.py

Training goes through the same `Trainer` as every other run (checkpoints, resume, history, plots). For a
language model an "epoch" of the trainer is `--eval-every` windows of truncated BPTT: after each, the
validation loss is measured on the first `VAL_CHARS` characters of the validation text and a checkpoint is
written; at the end, on the whole validation text. `--epochs` counts passes over the training text and
`--minutes` is a wall-clock budget for this invocation (whichever ends first). The hidden state carried from
window to window starts afresh at each of the trainer's epochs, and a resumed run starts with the next
epoch's windows, so resuming from an epoch's checkpoint computes bit for bit what an uninterrupted run does
(after a run that `--minutes` ended within an epoch, the rest of that epoch's windows are skipped).
"""

import argparse
import math
import sys

from hackgrad.util import at_least

LM_MODELS = ("lstm", "gru", "rnn", "gpt")  # gpt: see hackgrad.train.lm_gpt
VAL_CHARS = 100_000  # validation characters read after every --eval-every windows (all of them at the end)
# the defaults of a Shakespeare run: PyTorch-style char-rnn settings that bench/char_rnn.py also uses
LM_DEFAULTS = {
    "model": "lstm",
    "hidden": "256",
    "layers": 1,
    "embed_dim": 64,
    "dropout": 0.0,
    "optimizer": "adam",
    "lr": 2e-3,
    "weight_decay": 0.0,
    "grad_clip": 1.0,
    "batch_size": 64,
    "seq_len": 100,
    "eval_every": 100,
    "epochs": None,
    "minutes": None,
    "seed": 0,
}
# the flags of `hackgrad train` that a language-model run reads; any other one given is an error
LM_FLAGS = set(LM_DEFAULTS) | {"data", "heads"}

_positive_int = at_least(int, 1, "a positive integer")


def add_train_arguments(parser):
    """The flags `hackgrad train` gains for language models."""
    g = parser.add_argument_group("language model (--data shakespeare)")
    g.add_argument("--minutes", type=at_least(float, 0, "a number of minutes >= 0"), help="wall-clock training budget")
    g.add_argument("--seq-len", type=_positive_int, help="characters per window of truncated BPTT (default 100)")
    g.add_argument("--layers", type=_positive_int, help="stacked recurrent layers (default 1)")
    g.add_argument("--embed-dim", type=_positive_int, help="character embedding size (default 64)")
    g.add_argument("--heads", type=_positive_int, help="attention heads of --model gpt (default 4)")
    g.add_argument(
        "--eval-every", type=_positive_int, help="windows between validation checks and checkpoints (default 100)"
    )


def lm_settings(given, parser_error):
    """The complete settings of a language-model run: the flags given over `LM_DEFAULTS`."""
    given = {k: v for k, v in given.items() if k not in ("out", "plots", "verbose", "checkpoint_every", "resume")}
    extra = sorted(k for k in given if k not in LM_FLAGS)
    if extra:
        parser_error(
            "these flags do not apply to --data shakespeare: " + ", ".join("--" + k.replace("_", "-") for k in extra)
        )
    s = dict(LM_DEFAULTS)
    s.update(given)
    if s["model"] not in LM_MODELS:
        parser_error(f"--data shakespeare trains a language model: --model {{{','.join(LM_MODELS)}}}")
    if s["model"] == "gpt":
        from hackgrad.train.lm_gpt import gpt_settings

        return _epochs_or_budget(gpt_settings(s, given, parser_error))
    if given.get("heads") is not None:
        parser_error("--heads applies to --model gpt only")
    try:
        s["hidden_size"] = int(s["hidden"])
    except ValueError:
        parser_error(f"--hidden for a recurrent model is one size (all layers share it), got {s['hidden']!r}")
    return _epochs_or_budget(s)


def _epochs_or_budget(s):
    if s["epochs"] is None and s["minutes"] is None:
        s["epochs"] = 1
    return s


def check_not_lm(given, parser_error):
    """Refuse the language-model-only flags and models on other data sets."""
    if given.get("model") in LM_MODELS:
        parser_error(f"--model {given['model']} is a character-level language model: use it with --data shakespeare")
    for key in ("minutes", "seq_len", "layers", "embed_dim", "eval_every", "heads"):
        if given.get(key) is not None:
            parser_error(f"--{key.replace('_', '-')} applies to --data shakespeare only")


def train_language_model(s, args, options, ckpt, out, error):
    """`hackgrad train` for `--data shakespeare`: build, (resume,) train, measure, save; print the result."""
    import time

    from hackgrad import optim
    from hackgrad.data import load_shakespeare
    from hackgrad.models.char_rnn import CharRNN, TextWindows, evaluate_lm, lm_loss
    from hackgrad.train.callbacks import LambdaCallback, ProgressBar
    from hackgrad.train.checkpoint import CHECKPOINT_NAME
    from hackgrad.train.trainer import Trainer

    verbose = options["verbose"]
    if verbose is None:
        verbose = 2 if sys.stdout.isatty() else 1
    say = print if verbose else (lambda *a, **k: None)
    minutes = getattr(args, "minutes", None) if ckpt is not None else None
    minutes = minutes if minutes is not None else s["minutes"]

    t_start = time.perf_counter()
    text = load_shakespeare()
    vocab = text.vocab
    if ckpt is not None and ckpt.config.get("vocab") != vocab.chars:
        error(f"{ckpt.path} was trained on a different character vocabulary than the installed plays")
    train_ids, val_ids = vocab.encode(text.train), vocab.encode(text.val)
    gpt = s["model"] == "gpt"
    if gpt:  # the same loop below; the model, its AdamW, batch layout and evaluation from lm_gpt
        from hackgrad.models.gpt import lm_loss as gpt_loss
        from hackgrad.train import lm_gpt

        model, optimizer = lm_gpt.build(s, len(vocab))
        loss_fn, evaluate, spec = gpt_loss, lm_gpt.evaluate, model.config_dict()
        describe, opt_name = lm_gpt.describe(model), "adamw"
    else:
        model = CharRNN(
            len(vocab),
            cell=s["model"],
            embed_dim=s["embed_dim"],
            hidden_size=s["hidden_size"],
            num_layers=s["layers"],
            dropout=s["dropout"],
            seed=s["seed"],
        )
        optimizer = optim.Adam(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
        loss_fn, evaluate, spec, describe, opt_name = lm_loss, evaluate_lm, model.config(), repr(model), "adam"
    windows = TextWindows(train_ids, s["batch_size"], s["seq_len"], windows_per_epoch=s["eval_every"])
    if s["epochs"] is not None:
        windows.total_windows = s["epochs"] * windows.windows_per_pass
        epochs = -(-windows.total_windows // s["eval_every"])
    else:
        epochs = None
    val_probe = val_ids[:VAL_CHARS]

    def validate(trainer, epoch, logs):
        logs["val_loss"] = evaluate(model, val_probe)
        logs["val_bits_per_char"] = logs["val_loss"] / math.log(2)
        say(
            f"step {trainer.step:6d}  loss {logs['loss']:.4f}  val_loss {logs['val_loss']:.4f} nats/char "
            f"({logs['val_bits_per_char']:.3f} bits/char, first {len(val_probe):,} characters)  "
            f"{time.perf_counter() - t_start:.0f}s"
        )

    def start_clock(trainer):
        windows.deadline = time.perf_counter() + 60 * minutes

    def end_when_out_of_time(trainer, epoch, logs):
        # the loader stopped this epoch at the deadline; make it the last, so the trainer saves and stops
        if time.perf_counter() >= windows.deadline:
            trainer.epochs = trainer.epoch + 1

    # the lines `validate` prints replace the trainer's per-epoch lines (an epoch here is a few windows)
    callbacks = [LambdaCallback(on_epoch_end=validate), ProgressBar(live=verbose > 1, epoch_lines=False)]
    if minutes is not None:
        callbacks.append(LambdaCallback(on_train_begin=start_clock, on_epoch_end=end_when_out_of_time))
    config = {"settings": s, "task": "language_model", "vocab": vocab.chars, "command": "hackgrad train"}
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        metrics=[],
        callbacks=callbacks,
        seed=s["seed"],
        checkpoint_dir=out,
        checkpoint_every=1,
        grad_clip=s["grad_clip"],
        config=config,
        model_spec=spec,
        verbose=verbose,
    )
    if ckpt is not None:
        trainer.load_checkpoint(ckpt)
        say(f"resumed {ckpt.path} after {trainer.step} steps")
    if epochs is None:  # a time budget alone: as many epochs as the minutes allow
        epochs = trainer.epoch + 10**9
    say(
        f"data shakespeare: {len(train_ids):,} train, {len(val_ids):,} validation characters, "
        f"vocabulary {len(vocab)}; {windows.windows_per_pass} windows of {s['batch_size']}x{s['seq_len']} per pass"
    )
    say(
        f"model {describe} ({model.num_parameters():,} parameters); {opt_name} lr {s['lr']:g}; "
        f"clip {s['grad_clip']}; " + (f"budget {minutes:g} min" if minutes is not None else f"{s['epochs']} pass(es)")
    )
    if trainer.epoch < epochs:
        trainer.fit(lm_gpt.BatchFirst(windows) if gpt else windows, epochs=epochs)
    train_time = time.perf_counter() - t_start
    val_loss = evaluate(model, val_ids)
    chars = sum(windows.window(k)[1].size for k in range(trainer.step))  # a pass's last window is shorter
    results = {
        "steps": trainer.step,
        "train_characters": chars,
        "passes": round(chars / max(len(train_ids) - 1, 1), 4),
        "train_seconds": round(train_time, 2),
        "train_loss": trainer.history.last().get("loss"),
        "val_loss": val_loss,
        "val_bits_per_char": val_loss / math.log(2),
        "val_characters": len(val_ids),
    }
    from hackgrad.train.command import _write_json

    _write_json(out / "results.json", results)
    written = []
    if options["plots"]:
        try:
            from hackgrad.train import plots

            title = "GPT on Shakespeare" if gpt else "char-rnn on Shakespeare"
            written.append(plots.plot_history(trainer.history, out / "history.png", title=title))
            if gpt:
                line = lm_gpt.sample_line(text.val, min(lm_gpt.ATTENTION_CHARS, s["seq_len"]))
                written.append(lm_gpt.plot_attention_maps(model, vocab, line, out / lm_gpt.ATTENTION_PNG))
        except (ImportError, ValueError) as err:
            say(f"no plots: {err}")
    say(f"wrote {out / CHECKPOINT_NAME}, {out / 'results.json'}" + "".join(f", {p}" for p in written))
    print(
        f"validation loss {val_loss:.4f} nats/char ({val_loss / math.log(2):.4f} bits/char) on "
        f"{len(val_ids):,} characters after {trainer.step} steps ({results['passes']:.2f} passes), {train_time:.1f}s"
    )
    return 0


# --- hackgrad sample -------------------------------------------------------------------------------------
def add_arguments(parser):
    """The flags of `hackgrad sample`."""
    parser.add_argument("run", metavar="RUN_DIR", help="a run folder (or checkpoint file) of a language model")
    parser.add_argument("--prompt", default="\n", help="the text to start from (default: a new line)")
    parser.add_argument("--length", type=at_least(int, 0, "an integer >= 0"), default=500, help="characters to add")
    parser.add_argument(
        "--temperature", type=float, default=0.8, help="> 0; below 1 is safer, above 1 is wilder (default 0.8)"
    )
    parser.add_argument(
        "--top-k", type=at_least(int, 1, "an integer >= 1"), help="GPT runs: draw only from the k likeliest characters"
    )
    parser.add_argument("--seed", type=at_least(int, 0, "an integer >= 0"), default=0, help="seeds the draws")
    return parser


def run(args):
    """Print `--prompt` and `--length` characters the run's model writes after it."""
    if not args.temperature > 0 or not math.isfinite(args.temperature):
        return _fail(f"--temperature must be a number > 0, got {args.temperature}")
    from hackgrad.data.text import CharVocab
    from hackgrad.models.char_rnn import CharRNN, sample
    from hackgrad.train.checkpoint import CheckpointError, load_checkpoint

    try:
        ckpt = load_checkpoint(args.run)
    except (CheckpointError, FileNotFoundError) as err:
        return _fail(str(err))
    spec = ckpt.model_spec
    if (
        not isinstance(spec, dict)
        or spec.get("type") not in ("char_rnn", "gpt")
        or not (ckpt.config or {}).get("vocab")
    ):
        kind = spec.get("type") if isinstance(spec, dict) else "a model without a stored config"
        return _fail(
            f"{ckpt.path} holds {kind!r}, not a character-level language model; sample from a run of "
            "`hackgrad train --data shakespeare`"
        )
    vocab = CharVocab(ckpt.config["vocab"])
    unknown = sorted({c for c in args.prompt if c not in vocab})
    if unknown:
        return _fail(f"the prompt has characters the model never saw: {unknown!r}; it knows {vocab.chars!r}")
    if spec["type"] == "gpt":
        from hackgrad.train.lm_gpt import sample_text

        note = lambda line: print(f"hackgrad sample: note: {line}", file=sys.stderr)  # noqa: E731
        options = {"temperature": args.temperature, "top_k": args.top_k, "seed": args.seed, "note": note}
        print(sample_text(spec, ckpt.model_state, vocab, args.prompt, args.length, **options))
        return 0
    if args.top_k is not None:
        return _fail("--top-k applies to GPT runs; a recurrent run samples from the whole distribution")
    model = CharRNN.from_config(spec)
    model.load_state_dict(ckpt.model_state)
    print(sample(model, vocab, args.prompt, args.length, temperature=args.temperature, seed=args.seed))
    return 0


def _fail(message):
    print(f"hackgrad sample: error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hackgrad sample", description="Text written by a trained char-rnn")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

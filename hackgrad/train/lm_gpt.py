"""The GPT side of the Shakespeare commands: `hackgrad train --data shakespeare --model gpt` and `hackgrad sample`
of a GPT run, plus the attention-map picture written to its run folder.

`lm_command` owns the commands and the training loop (the same `Trainer` and run folder as the LSTM); this module
only supplies what differs for a GPT: its settings, the model and its AdamW (`GPT.configure_optimizers`), batches
laid out (batch, time) instead of the recurrent nets' (time, batch), its evaluation, sampling and the picture.
"""

import numpy as np

GPT_DEFAULTS = {  # what `--model gpt` uses for the flags not given (the bench's configuration)
    "seq_len": 128,
    "layers": 4,
    "heads": 4,
    "embed_dim": 128,
    "lr": 1e-3,
    "weight_decay": 0.1,
    "batch_size": 32,
    "optimizer": "adamw",
}
ATTENTION_PNG = "attention.png"
ATTENTION_CHARS = 48  # the longest sample line drawn (one row and column per character)


def gpt_settings(s, given, parser_error):
    """Complete the settings `s` of a `--model gpt` run: GPT defaults for every size flag not `given`."""
    if given.get("hidden") is not None:
        parser_error("--hidden does not apply to --model gpt: its sizes are --layers, --heads and --embed-dim")
    if given.get("optimizer") not in (None, "adamw"):
        parser_error(f"--model gpt trains with AdamW (GPT.configure_optimizers), got --optimizer {given['optimizer']}")
    for key, value in GPT_DEFAULTS.items():
        if given.get(key) is None:
            s[key] = value
    s["hidden"] = None
    if s["embed_dim"] % s["heads"]:
        parser_error(
            f"--embed-dim ({s['embed_dim']}) must be a multiple of --heads ({s['heads']}): "
            "every head gets embed_dim // heads channels"
        )
    return s


def build(s, vocab_size):
    """The GPT of settings `s` and its optimizer: AdamW decaying the matrices only."""
    from hackgrad.models.gpt import GPT, GPTConfig

    config = GPTConfig(
        vocab_size=vocab_size,
        block_size=s["seq_len"],
        n_layer=s["layers"],
        n_head=s["heads"],
        n_embd=s["embed_dim"],
        dropout=s["dropout"],
    )
    model = GPT(config, seed=s["seed"])
    return model, model.configure_optimizers(weight_decay=s["weight_decay"], learning_rate=s["lr"])


def describe(model):
    c = model.config
    return f"GPT(n_layer={c.n_layer}, n_head={c.n_head}, n_embd={c.n_embd}, block_size={c.block_size})"


class BatchFirst:
    """`TextWindows` as a GPT reads them: each window (T, B) transposed to (B, T); epochs and deadline untouched."""

    def __init__(self, windows):
        self.windows = windows

    def set_epoch(self, epoch):
        self.windows.set_epoch(epoch)

    def __len__(self):
        return len(self.windows)

    def __iter__(self):
        for x, y in self.windows:
            yield np.ascontiguousarray(x.T), np.ascontiguousarray(y.T)  # (B, T) each


def evaluate(model, ids):
    """Nats per character over `ids`, every character after the first predicted once."""
    from hackgrad.models.gpt import evaluate_gpt

    return evaluate_gpt(model, ids)


def sample_text(spec, state, vocab, prompt, length, *, temperature, top_k, seed, note):
    """`prompt` and `length` characters the GPT of a run writes after it. A prompt longer than the context is
    cropped from the left (the model reads only its last block_size characters); `note` gets a line saying so."""
    from hackgrad.models.gpt import GPT

    model = GPT.from_config(spec)
    model.load_state_dict(state)
    ids = vocab.encode(prompt)  # names an unknown character and its position
    block = model.config.block_size
    if len(ids) > block:
        note(
            f"the prompt has {len(ids)} characters, more than the model's context of {block}: "
            f"it reads only the last {block}"
        )
        ids = ids[-block:]
    out = model.generate(ids, length, temperature=temperature, top_k=top_k, seed=seed)
    return prompt + vocab.decode(out[0, len(ids) :])


def sample_line(text, max_chars=ATTENTION_CHARS):
    """The first line of `text` with 20 to `max_chars` characters (else its first `max_chars` characters)."""
    for line in text.splitlines():
        if 20 <= len(line) <= max_chars:
            return line
    return text[:max_chars]


def plot_attention_maps(model, vocab, line, path):
    """A grid of pictures, one per layer (rows) and head (columns): how much each character of `line` (rows)
    attends to each earlier one (columns). Saved as a PNG at `path`; returns the path."""
    from hackgrad.train.plots import _figure, _save

    ids = vocab.encode(line)
    if not 2 <= len(ids) <= model.config.block_size:
        raise ValueError(
            f"plot_attention_maps: the line must have 2 to block_size={model.config.block_size} characters, "
            f"got {len(ids)}"
        )
    maps = model.attention_maps(ids)  # n_layer x (n_head, T, T)
    L, H = len(maps), maps[0].shape[0]
    fig, axes = _figure(L * H, width=4.2, height=4.2, cols=H, top=0.8)
    labels = [repr(c)[1:-1] for c in line]
    for layer, weights in enumerate(maps):
        for head in range(H):
            ax = axes[layer * H + head]
            ax.imshow(weights[head], cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=9)
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(labels, fontsize=5)
            ax.set_yticks(range(len(labels)))
            ax.set_yticklabels(labels, fontsize=5)
    fig.suptitle(f"attention over {line!r} (row: the character reading; column: the one read)", fontsize=10)
    return _save(fig, path)

"""Chapter 4, recurrent nets: a vanilla RNN, an LSTM and a GRU of the same hidden size learn to write
Shakespeare, each for the same wall-clock budget; then, how much gradient reaches each earlier time step.

1. Validation loss (nats per character, on the first 50,000 validation characters) against training time,
   the three cells on one plot (ch4_rnn_lstm_gru.png).
2. The vanishing-gradient picture (ch4_gradient_reach.png): for a window of 100 characters, the loss at the
   LAST position only, backpropagated to the input of every earlier step; the mean norm of that gradient
   k steps back, relative to the gradient at the last step. A vanilla RNN multiplies by W_hh and tanh' at
   every step back, so its gradient fades geometrically; the LSTM's cell state and the GRU's interpolation
   give it a path that a forget gate near 1 leaves almost untouched.
Run: python examples/ch4_01_rnn_lstm_gru.py [--seconds 60] [--out DIR]
"""

import argparse
import math
import time
from pathlib import Path

import numpy as np

from hackgrad import optim
from hackgrad.data import load_shakespeare
from hackgrad.models.char_rnn import CharRNN, TextWindows, evaluate_lm, lm_loss
from hackgrad.nn import functional as F
from hackgrad.train import LambdaCallback, Trainer

CELLS = ("rnn", "lstm", "gru")
HIDDEN, EMBED, BATCH, SEQ, LR = 128, 32, 32, 64, 3e-3


def train(cell, train_ids, val_ids, vocab_size, seconds, eval_every):
    """(model, [(seconds, steps, val_loss), ...]) after `seconds` of training, validated every few windows."""
    model = CharRNN(vocab_size, cell=cell, embed_dim=EMBED, hidden_size=HIDDEN, seed=0)
    windows = TextWindows(train_ids, BATCH, SEQ, windows_per_epoch=eval_every)
    curve, t0 = [(0.0, 0, evaluate_lm(model, val_ids))], time.perf_counter()
    spent = [0.0]  # training time only: the validation passes are not charged to the budget

    def validate(trainer, epoch, logs):
        spent[0] += time.perf_counter() - t0_epoch[0]
        curve.append((spent[0], trainer.step, evaluate_lm(model, val_ids)))
        if spent[0] >= seconds:
            trainer.epochs = trainer.epoch + 1

    t0_epoch = [t0]

    def start(trainer, epoch):
        t0_epoch[0] = time.perf_counter()
        windows.deadline = t0_epoch[0] + seconds - spent[0]

    trainer = Trainer(
        model,
        lm_loss,
        optim.Adam(model.parameters(), lr=LR),
        metrics=[],
        grad_clip=1.0,
        verbose=0,
        callbacks=[LambdaCallback(on_epoch_begin=start, on_epoch_end=validate)],
    )
    trainer.fit(windows, epochs=10**9)
    return model, curve


def gradient_reach(model, ids, seq=100, batch=32):
    """Mean norm of d(loss at the last step) / d(input of step T-1-k), k = 0 .. seq-1, over `batch` windows."""
    starts = np.linspace(0, len(ids) - seq - 2, batch).astype(int)
    x_ids = np.stack([ids[s : s + seq] for s in starts], axis=1)  # (T, B)
    target = ids[starts + seq]  # the character after each window
    model.eval()  # no dropout here anyway; fresh zero state
    x = model.embed(x_ids)  # (T, B, E)
    x.retain_grad()
    out, _ = model.rnn(x)  # (T, B, H)
    loss = F.cross_entropy(model.head(out[seq - 1]), target)
    loss.backward()
    norms = np.linalg.norm(x.grad, axis=2).mean(axis=1)  # (T,)
    model.train()
    return norms[::-1] / norms[-1]  # k steps back, relative to the last step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="training time of each cell")
    ap.add_argument("--out", default=".", help="folder for the two pictures")
    args = ap.parse_args()
    text = load_shakespeare()
    V = len(text.vocab)
    train_ids, val_ids = text.encode(text.train), text.encode(text.val[:50_000])
    eval_every = 10 if args.seconds < 30 else 25
    curves, reach = {}, {}
    print(f"each cell: hidden {HIDDEN}, embedding {EMBED}, batch {BATCH} x {SEQ}, Adam {LR:g}, {args.seconds:g} s")
    for cell in CELLS:
        model, curves[cell] = train(cell, train_ids, val_ids, V, args.seconds, eval_every)
        reach[cell] = gradient_reach(model, val_ids)
        spent, steps, val = curves[cell][-1]
        print(
            f"{cell:5s} {model.num_parameters():7,d} parameters  {steps:5d} steps in {spent:5.1f} s  "
            f"val {val:.3f} nats/char ({val / math.log(2):.3f} bits/char)"
        )
    print("gradient reaching k steps back (relative to k = 0):")
    for k in (1, 5, 10, 20, 40, 80):
        print(f"  k = {k:2d}: " + "  ".join(f"{cell} {reach[cell][k]:.2e}" for cell in CELLS))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no pictures")
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for cell in CELLS:
        t, _, v = zip(*curves[cell])
        ax.plot(t, v, "-o", markersize=3, label=cell)
    ax.set(xlabel="training time (s)", ylabel="validation loss (nats/char)", title="same hidden size, same time")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ch4_rnn_lstm_gru.png", dpi=120)
    fig, ax = plt.subplots(figsize=(6, 4))
    for cell in CELLS:
        ax.semilogy(np.arange(len(reach[cell])), reach[cell], label=cell)
    ax.set(xlabel="steps back (k)", ylabel="|dL_T / dx_(T-k)|, relative", title="how far back the gradient reaches")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ch4_gradient_reach.png", dpi=120)
    print(f"wrote {out / 'ch4_rnn_lstm_gru.png'}, {out / 'ch4_gradient_reach.png'}")


if __name__ == "__main__":
    main()

"""Chapter 4, bidirectional recurrent nets: when the future matters. Restore the capital letters of
lower-cased Shakespeare, one label per character (upper or not), with a one-directional LSTM and a
bidirectional one.

Whether "romeo" is "Romeo" or "ROMEO" is decided by what comes AFTER it: a speaker's name is written in
capitals and followed by a colon at the end of its line. A left-to-right LSTM has to commit at "r" before it
has seen the colon; a bidirectional one reads the window from both ends, so every position knows its
future too. Both have the same output width (128 = one direction of 128, or two of 64; the bidirectional
net has fewer parameters), train on the same windows for the same number of steps, and are scored on the
letters of the first 100,000 characters of the validation text, in windows of 100.
Run: python examples/ch4_02_bidirectional.py [--steps 300]
"""

import argparse

import numpy as np

from hackgrad import nn, optim
from hackgrad.autograd import no_grad
from hackgrad.data import load_shakespeare
from hackgrad.data.text import CharVocab
from hackgrad.nn import functional as F
from hackgrad.train import Trainer

SEQ, BATCH, EMBED, WIDTH, LR = 100, 32, 32, 128, 3e-3


class Capitalizer(nn.Module):
    """ids (B, T) of lower-case text -> scores (B, T, 2): is each character a capital?"""

    def __init__(self, vocab_size, *, bidirectional, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        hidden = WIDTH // 2 if bidirectional else WIDTH  # the same output width either way
        self.embed = nn.Embedding(vocab_size, EMBED, rng=rng)
        self.lstm = nn.LSTM(EMBED, hidden, bidirectional=bidirectional, rng=rng)
        self.head = nn.Linear(WIDTH, 2, rng=rng)

    def forward(self, ids):
        ids = np.asarray(getattr(ids, "data", ids))
        out, _ = self.lstm(self.embed(ids.T))  # (T, B, WIDTH)
        return self.head(out).transpose(0, 1)  # (B, T, 2)


def tagging_loss(scores, labels):
    B, T, _ = scores.shape
    return F.cross_entropy(scores.reshape(B * T, 2), labels.reshape(B * T))


def windows(ids, labels, starts):
    return np.stack([ids[s : s + SEQ] for s in starts]), np.stack([labels[s : s + SEQ] for s in starts])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="training steps of each net")
    args = ap.parse_args()
    text = load_shakespeare()
    lower = CharVocab(text.text.lower())
    train, val = text.train, text.val[:100_000]
    x_train, y_train = lower.encode(train.lower()), np.array([c.isupper() for c in train], dtype=np.int64)
    x_val, y_val = lower.encode(val.lower()), np.array([c.isupper() for c in val], dtype=np.int64)
    letters = np.array([c.isalpha() for c in val])
    # the letters of the speakers' names ("ROMEO:" lines): all capitals, but only the colon says so
    in_name = np.zeros(len(val), dtype=bool)
    pos = 0
    for line in val.split("\n"):
        if line.endswith(":") and line.isupper():
            in_name[pos : pos + len(line)] = True
        pos += len(line) + 1
    in_name &= letters
    starts = np.random.default_rng(0).integers(0, len(x_train) - SEQ, args.steps * BATCH)
    X, Y = windows(x_train, y_train, starts)
    val_starts = np.arange(0, len(x_val) - SEQ + 1, SEQ)
    Xv, Yv = windows(x_val, y_val, val_starts)
    on_letters = np.concatenate([letters[s : s + SEQ] for s in val_starts])
    on_names = np.concatenate([in_name[s : s + SEQ] for s in val_starts])
    print(
        f"{letters.sum():,} validation letters, {y_val[letters].mean():.1%} of them capitals; "
        f"all lower case scores {1 - y_val[letters].mean():.2%}"
    )
    for name, bi in (("one-directional", False), ("bidirectional", True)):
        model = Capitalizer(len(lower), bidirectional=bi)
        opt = optim.Adam(model.parameters(), lr=LR)
        Trainer(model, tagging_loss, opt, metrics=[], grad_clip=1.0, verbose=0).fit((X, Y), epochs=1, batch_size=BATCH)
        model.eval()
        with no_grad():
            pred = np.concatenate([model(Xv[i : i + 256]).data.argmax(-1) for i in range(0, len(Xv), 256)])
        right = pred.ravel() == Yv.ravel()
        caps = Yv.ravel().astype(bool) & on_letters
        print(
            f"{name:16s} LSTM ({model.num_parameters():,} parameters): letters {right[on_letters].mean():.2%} "
            f"right, capitals found {right[caps].mean():.2%}, names' letters {right[on_names].mean():.2%}"
        )


if __name__ == "__main__":
    main()

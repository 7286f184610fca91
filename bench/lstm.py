"""Character-level LSTM workload: embedding 65 -> 128, one LSTM layer of hidden size 128, linear 128 -> 65,
softmax cross-entropy over every position, Adam lr 2e-3; sequences of 64 characters, batch 32, float32.

Prints JSON: tokens/s (seq * batch per step) for hackgrad and PyTorch 2.13 CPU (torch.nn.LSTM), measured
alternately in one process over several rounds with the same number of threads each (2 by default); the
median of the per-round ratios hackgrad/PyTorch; peak memory of each in a child process (increase of peak
resident memory over one round, after imports, model building and a warm-up step). Tokens are random ids:
the speed of these layers does not depend on the text.
Run: .venv/bin/python bench/lstm.py [--rounds 7] [--steps 5] [--threads 2]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import _common  # noqa: E402

VOCAB, EMBED, HIDDEN, SEQ, BATCH, LR, TARGET = 65, 128, 128, 64, 32, 2e-3, 0.6


def make_data(steps, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, (steps, SEQ + 1, BATCH))  # inputs are [:-1], next-character targets [1:]


def hackgrad_run(data):
    import hackgrad
    import hackgrad.nn.functional as F
    from hackgrad import nn, optim

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED, seed=0)
            self.lstm = nn.LSTM(EMBED, HIDDEN, seed=1)
            self.head = nn.Linear(HIDDEN, VOCAB, seed=2)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))  # (seq, batch, hidden)
            return self.head(out)

    model = CharLSTM()
    opt = optim.Adam(model.parameters(), lr=LR)

    def run():
        for chunk in data:
            logits = model(chunk[:-1])
            loss = F.cross_entropy(logits.reshape(SEQ * BATCH, VOCAB), hackgrad.tensor(chunk[1:].reshape(-1)))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(data) * SEQ * BATCH

    return run


def torch_run(data, torch):
    torch.manual_seed(0)
    nn = torch.nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, HIDDEN)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))
            return self.head(out)

    model = CharLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    chunks = [torch.from_numpy(c) for c in data]

    def run():
        for chunk in chunks:
            logits = model(chunk[:-1])
            loss = nn.functional.cross_entropy(logits.reshape(SEQ * BATCH, VOCAB), chunk[1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(chunks) * SEQ * BATCH

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=5, help="training steps per timed round")
    ap.add_argument("--threads", type=int, default=_common.THREADS)
    ap.add_argument("--memory", choices=["hackgrad", "torch"])
    args = ap.parse_args()
    _common.limit_threads(args.threads)
    data = make_data(args.steps)
    if args.memory:
        if args.memory == "torch":
            torch = _common.torch_or_none(args.threads)
            return print(json.dumps(_common.peak_memory(lambda: torch_run(data, torch), "torch")))
        import hackgrad.nn  # noqa: F401  (imports are not part of the figure)
        import hackgrad.optim  # noqa: F401

        return print(json.dumps(_common.peak_memory(lambda: hackgrad_run(data), "hackgrad")))
    torch = _common.torch_or_none(args.threads)
    runs = [("hackgrad", hackgrad_run(data))]
    if torch is not None:
        runs.append(("torch", torch_run(data, torch)))
    workload = (f"char LSTM: embedding {VOCAB}->{EMBED}, LSTM hidden {HIDDEN}, linear {HIDDEN}->{VOCAB}, "
                f"seq {SEQ}, batch {BATCH}, Adam, float32, {args.threads} threads")
    result = _common.measure(runs, args.rounds, workload, "tokens_per_s", TARGET)
    result["memory"] = {impl: child_memory(impl, args) for impl, _ in runs}
    print(json.dumps(result, indent=2))


def child_memory(impl, args):
    import subprocess

    cmd = [sys.executable, __file__, "--memory", impl, "--steps", str(args.steps)]
    cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

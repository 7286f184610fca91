"""Quality at equal wall-clock: a character-level LSTM on Shakespeare, trained by hackgrad and by PyTorch
for the same number of seconds each, one after the other in this process (in alternating slices, so that both
meet the same swings of a shared machine's load), then both measured on the same
whole validation text (478,516 characters) by the same code (`hackgrad.models.char_rnn.evaluate_lm`).

Model and training, identical on both sides: Embedding(76, 64) -> LSTM(64, 256), one layer -> Linear(256,
76); batches of 64 streams x windows of 100 characters from `TextWindows` (the same windows in the same
order), the hidden state carried from window to window (truncated BPTT), Adam lr 2e-3, gradient norm clipped
at 1, float32, the same number of BLAS threads, and the same initial weights (PyTorch's model starts from a
copy of hackgrad's, whose initialisation is PyTorch's own), so what differs is the speed of each library.
hackgrad trains through `Trainer.fit` (what `hackgrad train
--data shakespeare` runs); PyTorch through the usual hand-written loop around `torch.nn.LSTM`.

Prints JSON: each side's validation loss (nats and bits per character), steps, tokens/s (wall-clock, and per
CPU-second the process got, which a busy machine disturbs less), and whether
hackgrad's loss is at most PyTorch's. The machine is shared: the load average is printed with the figures.
Run: .venv/bin/python bench/char_rnn.py [--seconds 300] [--slices 10] [--threads 1] [--first torch]
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import _common  # noqa: E402

EMBED, HIDDEN, BATCH, SEQ, LR, CLIP = 64, 256, 64, 100, 2e-3, 1.0


class Stream:
    """A `Trainer` loader over `TextWindows` that carries on where the last slice stopped (window after
    window, as the torch loop reads them) until `deadline`."""

    def __init__(self, windows):
        self.windows, self.next, self.deadline = windows, 0, None

    def __len__(self):
        return self.windows.windows_per_pass

    def __iter__(self):
        while self.next == 0 or time.perf_counter() < self.deadline:
            yield self.windows.window(self.next)
            self.next += 1


class HackgradRun:
    def __init__(self, train_ids, vocab_size, seed):
        from hackgrad import optim
        from hackgrad.models.char_rnn import CharRNN, TextWindows, lm_loss
        from hackgrad.train.trainer import Trainer

        self.model = CharRNN(vocab_size, cell="lstm", embed_dim=EMBED, hidden_size=HIDDEN, seed=seed)
        self.stream = Stream(TextWindows(train_ids, BATCH, SEQ))
        opt = optim.Adam(self.model.parameters(), lr=LR)
        self.trainer = Trainer(self.model, lm_loss, opt, metrics=[], grad_clip=CLIP, seed=seed, verbose=0)

    def train(self, seconds):
        """Train for `seconds` more (one epoch of the trainer; the carried state restarts with it)."""
        self.stream.deadline = time.perf_counter() + seconds
        self.trainer.fit(self.stream, epochs=self.trainer.epoch + 1)
        return self.stream.next


class TorchLM:
    """A torch char-LSTM with the carried state and the calls `evaluate_lm` makes (eval, train, reset_state,
    model(ids) -> logits as a hackgrad Tensor), so both libraries are measured by the same code."""

    def __init__(self, torch, vocab_size, initial):
        nn = torch.nn
        self.torch = torch
        self.embed, self.lstm = nn.Embedding(vocab_size, EMBED), nn.LSTM(EMBED, HIDDEN)
        self.head = nn.Linear(HIDDEN, vocab_size)
        self.modules = nn.ModuleList([self.embed, self.lstm, self.head])
        # hackgrad's parameter names are PyTorch's (embed.weight, rnn.weight_ih_l0, head.bias, ...)
        for name, p in self.modules.named_parameters():
            module, attr = {"0": "embed", "1": "rnn", "2": "head"}[name[0]], name.split(".", 1)[1]
            with torch.no_grad():
                p.copy_(torch.from_numpy(initial[f"{module}.{attr}"]))
        self.training, self.state = True, None

    def parameters(self):
        return self.modules.parameters()

    def train(self, mode=True):
        self.modules.train(mode)
        self.training, self.state = mode, None
        return self

    def eval(self):
        return self.train(False)

    def reset_state(self):
        self.state = None

    def logits(self, ids):
        state = self.state if self.state is not None and self.state[0].shape[1] == ids.shape[1] else None
        out, state = self.lstm(self.embed(ids), state)
        self.state = tuple(s.detach() for s in state)
        return self.head(out)

    def __call__(self, ids):
        from hackgrad import tensor

        with self.torch.no_grad():
            return tensor(self.logits(self.torch.from_numpy(ids)).numpy())


class TorchRun:
    def __init__(self, torch, train_ids, vocab_size, seed):
        from hackgrad.models.char_rnn import CharRNN, TextWindows

        initial = CharRNN(vocab_size, cell="lstm", embed_dim=EMBED, hidden_size=HIDDEN, seed=seed).state_dict()
        self.torch, self.vocab_size = torch, vocab_size
        self.model = TorchLM(torch, vocab_size, initial)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.windows, self.next = TextWindows(train_ids, BATCH, SEQ), 0

    def train(self, seconds):
        torch, lm = self.torch, self.model
        lm.train()  # as the trainer does at each epoch: the carried state restarts
        deadline = time.perf_counter() + seconds
        while self.next == 0 or time.perf_counter() < deadline:
            x, y = (torch.from_numpy(a) for a in self.windows.window(self.next))
            logits = lm.logits(x)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, self.vocab_size), y.reshape(-1))
            self.opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), CLIP)
            self.opt.step()
            self.next += 1
        return self.next


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="training budget of each library")
    ap.add_argument("--threads", type=int, default=1, help="BLAS / torch threads of both (default 1)")
    ap.add_argument("--first", choices=("hackgrad", "torch"), default="hackgrad", help="which trains first")
    ap.add_argument("--slices", type=int, default=10, help="alternating turns the budget is cut into")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    _common.limit_threads(args.threads)
    from hackgrad.data import load_shakespeare
    from hackgrad.models.char_rnn import evaluate_lm

    text = load_shakespeare()
    V = len(text.vocab)
    train_ids, val_ids = text.encode(text.train), text.encode(text.val)
    torch = _common.torch_or_none(args.threads)
    order = ["hackgrad", "torch"] if args.first == "hackgrad" else ["torch", "hackgrad"]
    if torch is None:
        order = ["hackgrad"]
    result = {
        "workload": f"char LSTM on Shakespeare: embedding {V}->{EMBED}, LSTM {HIDDEN}, linear {HIDDEN}->{V}, "
        f"batch {BATCH} x {SEQ} characters, carried state, Adam {LR:g}, clip {CLIP:g}, float32, "
        f"{args.threads} thread(s), {args.seconds:g} s of training each in {args.slices} alternating slices, "
        f"{args.first} first",
        "val_characters": len(val_ids),
    }
    runs = {"hackgrad": HackgradRun(train_ids, V, args.seed)}
    if torch is not None:
        runs["torch"] = TorchRun(torch, train_ids, V, args.seed)
    # alternate slices, so that both libraries meet the same swings in the machine's load
    spent = {name: [0.0, 0.0] for name in order}  # wall, CPU seconds
    steps, loads = {}, []
    for k in range(1, args.slices + 1):
        for name in order:
            loads.append(os.getloadavg()[0])
            t0, cpu0 = time.perf_counter(), time.process_time()
            # a slice ends after the step that crosses its deadline: the next slice gets that much less
            steps[name] = runs[name].train(args.seconds * k / args.slices - spent[name][0])
            spent[name][0] += time.perf_counter() - t0
            spent[name][1] += time.process_time() - cpu0  # what the process got of the CPU
    result["load_average_1min"] = [round(min(loads), 2), round(max(loads), 2)]
    for name in order:
        val = evaluate_lm(runs[name].model, val_ids)
        took, cpu = spent[name]
        result[name] = {
            "val_loss_nats_per_char": round(val, 4),
            "val_bits_per_char": round(val / math.log(2), 4),
            "steps": steps[name],
            "train_seconds": round(took, 1),
            "tokens_per_s": round(steps[name] * BATCH * SEQ / took),
            "train_cpu_seconds": round(cpu, 1),
            "tokens_per_cpu_s": round(steps[name] * BATCH * SEQ / cpu),
        }
    _common.compare_at_equal_time(result, torch is not None)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

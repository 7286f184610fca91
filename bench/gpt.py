"""Quality at equal wall-clock: a small character GPT on Shakespeare, trained by hackgrad and by PyTorch for the
same number of seconds each, one after the other in this process, then both measured on the whole validation
text (the last 10%) by the same code.

Model and training, identical on both sides: `hackgrad.models.gpt.GPT` with 4 layers, 4 heads, 128 wide, context
128, no dropout; batches of 32 windows drawn at random from the training text by one seeded generator (the same
windows in the same order on both sides), AdamW lr 1e-3, betas (0.9, 0.95), weight decay 0.1 on the matrices only,
gradient norm clipped at 1, float32, the same number of threads, the same initial weights (PyTorch's copy starts
from hackgrad's). hackgrad trains through `hackgrad.train.step.train_step`; PyTorch through the usual loop.

Validation: the text cut into consecutive blocks of 128 characters, every character predicted once from the
characters before it in its block; nats (and bits) per character.

Prints JSON. The machine is shared: the load average is printed with the figures.
Run: .venv/bin/python bench/gpt.py [--seconds 300] [--threads 1] [--first torch]
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

LAYERS, HEADS, WIDTH, CONTEXT, BATCH, LR, DECAY, CLIP = 4, 4, 128, 128, 32, 1e-3, 0.1, 1.0


def batches(train_ids, seed):
    """An endless stream of (x, y) windows (BATCH, CONTEXT), drawn uniformly from the text."""
    import numpy as np

    rng = np.random.default_rng(seed)
    offsets = np.arange(CONTEXT)
    while True:
        starts = rng.integers(0, len(train_ids) - CONTEXT - 1, size=BATCH)
        rows = starts[:, None] + offsets[None, :]  # (BATCH, CONTEXT)
        yield train_ids[rows], train_ids[rows + 1]


def train_hackgrad(train_ids, config, seconds, seed):
    from hackgrad.models.gpt import GPT, lm_loss
    from hackgrad.train.step import model_dtype, train_step

    model = GPT(config, seed=seed)
    opt = model.configure_optimizers(weight_decay=DECAY, learning_rate=LR)
    dtype = model_dtype(model)
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    for x, y in batches(train_ids, seed):
        train_step(model, lm_loss, opt, x, y, dtype=dtype, grad_clip=CLIP)
        steps += 1
        if time.perf_counter() - t0 > seconds:
            break
    return model, steps, time.perf_counter() - t0, time.process_time() - c0


def torch_gpt(torch, model):
    """The same network in PyTorch, starting from a copy of hackgrad `model`'s weights."""
    nn, F = torch.nn, torch.nn.functional
    cfg = model.config
    C, H = cfg.n_embd, cfg.n_head

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.c_attn, self.a_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.c_fc, self.m_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

        def forward(self, x):
            B, T, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
            x = x + self.a_proj(y)
            return x + self.m_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    class TorchGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(cfg.vocab_size, C), nn.Embedding(cfg.block_size, C)
            self.h = nn.ModuleList([Block() for _ in range(cfg.n_layer)])
            self.ln_f = nn.LayerNorm(C)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
            for block in self.h:
                x = block(x)
            return self.ln_f(x) @ self.wte.weight.T  # tied output layer

    net = TorchGPT()
    names = {"a_proj": "attn.c_proj", "m_proj": "mlp.c_proj", "c_attn": "attn.c_attn", "c_fc": "mlp.c_fc"}
    ours = dict(model.named_parameters())
    with torch.no_grad():
        for name, p in net.named_parameters():
            for short, long in names.items():
                name = name.replace(f".{short}.", f".{long}.")
            p.copy_(torch.from_numpy(ours[name].data))
    return net


def train_torch(torch, train_ids, config, seconds, seed):
    from hackgrad.models.gpt import GPT

    net = torch_gpt(torch, GPT(config, seed=seed))
    decay = [p for n, p in net.named_parameters() if p.dim() >= 2 and not n.startswith(("wte", "wpe"))]
    rest = [p for n, p in net.named_parameters() if not (p.dim() >= 2 and not n.startswith(("wte", "wpe")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": DECAY}, {"params": rest, "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.95), eps=1e-8)
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    for x, y in batches(train_ids, seed):
        logits = net(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, config.vocab_size), torch.from_numpy(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
        opt.step()
        steps += 1
        if time.perf_counter() - t0 > seconds:
            break
    return net, steps, time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="training budget of each library")
    ap.add_argument("--threads", type=int, default=1, help="BLAS / torch threads of both (default 1)")
    ap.add_argument("--first", choices=("hackgrad", "torch"), default="hackgrad", help="which trains first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val-chars", type=int, default=None, help="score only this many validation characters")
    args = ap.parse_args()
    _common.limit_threads(args.threads)
    from hackgrad.data import load_shakespeare
    from hackgrad.models.gpt import GPTConfig, evaluate_gpt

    text = load_shakespeare()
    train_ids, val_ids = text.encode(text.train), text.encode(text.val)
    if args.val_chars:
        val_ids = val_ids[: args.val_chars]
    config = GPTConfig(vocab_size=len(text.vocab), block_size=CONTEXT, n_layer=LAYERS, n_head=HEADS, n_embd=WIDTH)
    torch = _common.torch_or_none(args.threads)
    order = ["hackgrad", "torch"] if args.first == "hackgrad" else ["torch", "hackgrad"]
    if torch is None:
        order = ["hackgrad"]
    result = {
        "workload": f"char GPT on Shakespeare: {LAYERS} layers, {HEADS} heads, width {WIDTH}, context {CONTEXT}, "
        f"batch {BATCH}, AdamW {LR:g} (decay {DECAY:g} on matrices), clip {CLIP:g}, float32, "
        f"{args.threads} thread(s), {args.seconds:g} s of training each, {args.first} first",
        "val_characters": len(val_ids),
    }
    for name in order:
        load = os.getloadavg()[0]
        if name == "hackgrad":
            model, steps, took, cpu = train_hackgrad(train_ids, config, args.seconds, args.seed)
            val = evaluate_gpt(model, val_ids)
        else:
            net, steps, took, cpu = train_torch(torch, train_ids, config, args.seconds, args.seed)
            val = evaluate_gpt(_TorchScorer(torch, net), val_ids, block_size=CONTEXT)
        result[name] = {
            "val_loss_nats_per_char": round(val, 4),
            "val_bits_per_char": round(val / math.log(2), 4),
            "steps": steps,
            "train_seconds": round(took, 1),
            "tokens_per_s": round(steps * BATCH * CONTEXT / took),
            "train_cpu_seconds": round(cpu, 1),  # the machine is shared: what this side actually got
            "tokens_per_cpu_s": round(steps * BATCH * CONTEXT / cpu),
            "load_average_1min_at_start": round(load, 2),
        }
        print(json.dumps({name: result[name]}), file=sys.stderr, flush=True)  # each side as soon as it is known
    _common.compare_at_equal_time(result, torch is not None)
    print(json.dumps(result, indent=2))


class _TorchScorer:
    """What `evaluate_gpt` calls on a model (eval, train, model(idx) -> (logits, None)), for the torch net."""

    def __init__(self, torch, net):
        self.torch, self.net, self.training = torch, net, True

    def train(self, mode=True):
        self.net.train(mode)
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def __call__(self, idx):
        from hackgrad import tensor

        with self.torch.no_grad():
            return tensor(self.net(self.torch.from_numpy(idx)).numpy()), None


if __name__ == "__main__":
    main()

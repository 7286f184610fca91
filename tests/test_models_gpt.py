"""hackgrad.models.gpt: a golden run of a tiny GPT, causality, the two ways of writing attention, weight tying and
decay groups, the same numbers as the same network in PyTorch, sampling."""

import numpy as np
import pytest

from hackgrad.models.gpt import GPT, GPTConfig, attention_weights

TINY = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def _batch(seed=0, B=4, T=8, V=11):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, size=(B, T)), rng.integers(0, V, size=(B, T))


def test_initial_loss_is_chance_and_a_golden_run_learns_a_pattern():
    model = GPT(TINY, seed=0)
    idx, tgt = _batch()
    _, loss = model(idx, tgt)
    # GPT-2's small init makes every next token about equally likely at the start: loss ~ log(vocab)
    assert abs(float(loss.data) - np.log(11)) < 0.05
    # a sequence with a fixed successor rule: token t is followed by (t + 3) % 11
    start = np.arange(16) % 11
    seq = (start[:, None] + 3 * np.arange(9)[None, :]) % 11  # (16, 9)
    x, y = seq[:, :-1], seq[:, 1:]

    def run(seed):
        m = GPT(TINY, seed=seed)
        opt = m.configure_optimizers(weight_decay=0.1, learning_rate=1e-2)
        losses = []
        for _ in range(40):
            _, loss = m(x, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.data))
        return losses

    a, b = run(0), run(0)
    assert a == b  # the same seed gives the same run, bit for bit
    assert a[-1] < 0.1 * a[0]
    assert run(1) != a


def test_no_position_sees_the_future():
    model = GPT(TINY, seed=0)
    idx, _ = _batch(B=2)
    logits, _ = model(idx)
    changed = idx.copy()
    changed[:, 5] = (changed[:, 5] + 1) % 11
    logits2, _ = model(changed)
    np.testing.assert_array_equal(logits.data[:, :5], logits2.data[:, :5])
    assert not np.allclose(logits.data[:, 5:], logits2.data[:, 5:])


def test_is_causal_attention_equals_the_masked_fill_form():
    from hackgrad.nn import functional as F

    model = GPT(TINY, seed=0).double()
    attn = model.h[0].attn
    x = model.wte(_batch(B=3)[0])  # (B, T, C)
    q, k, v = attn._heads(x)
    fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    written = attention_weights(q, k) @ v
    np.testing.assert_allclose(fused.data, written.data, rtol=1e-12, atol=1e-12)
    w = attention_weights(q, k).data
    assert np.allclose(w.sum(-1), 1) and np.all(np.triu(w[0, 0], k=1) == 0)


def test_attention_maps_are_causal_distributions():
    model = GPT(TINY, seed=0)
    maps = model.attention_maps(np.arange(8) % 11)
    assert len(maps) == 2 and maps[0].shape == (2, 8, 8)
    for m in maps:
        np.testing.assert_allclose(m.sum(-1), 1, rtol=1e-5)
        assert np.all(np.triu(m, k=1) == 0)
    assert model.h[0].attn.weights_ is None  # nothing left behind


def test_weights_are_tied_counted_once_and_decay_only_the_matrices():
    model = GPT(TINY, seed=0)
    assert model.lm_head.weight is model.wte.weight
    C, V, L, T = 16, 11, 2, 8
    per_block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
    expected = V * C + T * C + L * per_block + 2 * C
    assert model.num_parameters() == expected
    opt = model.configure_optimizers(weight_decay=0.1)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert len(decay["params"]) == 4 * L  # c_attn, attn.c_proj, c_fc, mlp.c_proj per block
    assert all(p.ndim == 2 for p in decay["params"])
    assert any(p is model.wte.weight for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_residual_projections_start_smaller():
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=8, n_head=4, n_embd=64), seed=0)
    std = model.h[0].attn.c_proj.weight.data.std()
    assert abs(std - 0.02 / np.sqrt(16)) < 0.001
    assert abs(model.h[0].mlp.c_fc.weight.data.std() - 0.02) < 0.001


def test_matches_the_same_network_in_pytorch():
    torch = pytest.importorskip("torch")
    tnn, tF = torch.nn, torch.nn.functional
    model = GPT(TINY, seed=0).double()
    C, H = TINY.n_embd, TINY.n_head

    class TBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = tnn.LayerNorm(C), tnn.LayerNorm(C)
            self.c_attn, self.a_proj = tnn.Linear(C, 3 * C), tnn.Linear(C, C)
            self.c_fc, self.m_proj = tnn.Linear(C, 4 * C), tnn.Linear(4 * C, C)

        def forward(self, x):
            B, T, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
            y = tF.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
            x = x + self.a_proj(y)
            return x + self.m_proj(tF.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    wte = tnn.Embedding(TINY.vocab_size, C).double()
    wpe = tnn.Embedding(TINY.block_size, C).double()
    blocks = [TBlock().double() for _ in range(TINY.n_layer)]
    ln_f = tnn.LayerNorm(C).double()

    def put(t, p):
        with torch.no_grad():
            t.copy_(torch.from_numpy(np.array(p.data)))

    put(wte.weight, model.wte.weight)
    put(wpe.weight, model.wpe.weight)
    put(ln_f.weight, model.ln_f.weight)
    put(ln_f.bias, model.ln_f.bias)
    pairs = []
    for tb, hb in zip(blocks, model.h):
        for tm, hm in [(tb.ln_1, hb.ln_1), (tb.ln_2, hb.ln_2), (tb.c_attn, hb.attn.c_attn),
                       (tb.a_proj, hb.attn.c_proj), (tb.c_fc, hb.mlp.c_fc), (tb.m_proj, hb.mlp.c_proj)]:
            put(tm.weight, hm.weight)
            put(tm.bias, hm.bias)
            pairs.append((tm.weight, hm.weight))
    idx, tgt = _batch()
    x = wte(torch.from_numpy(idx)) + wpe(torch.arange(8))
    for b in blocks:
        x = b(x)
    logits_t = ln_f(x) @ wte.weight.T
    loss_t = tF.cross_entropy(logits_t.reshape(-1, TINY.vocab_size), torch.from_numpy(tgt).reshape(-1))
    loss_t.backward()
    logits, loss = model(idx, tgt)
    loss.backward()
    np.testing.assert_allclose(logits.data, logits_t.detach().numpy(), rtol=1e-9, atol=1e-10)
    assert abs(float(loss.data) - loss_t.item()) < 1e-10
    # the tied matrix gets the gradient of both its uses
    np.testing.assert_allclose(model.wte.weight.grad, wte.weight.grad.numpy(), rtol=1e-7, atol=1e-10)
    for tw, hw in pairs:
        np.testing.assert_allclose(hw.grad, tw.grad.numpy(), rtol=1e-7, atol=1e-10)


def test_generate_crops_the_context_and_is_seeded():
    model = GPT(TINY, seed=0)
    prompt = np.arange(20) % 11  # longer than block_size = 8
    a = model.generate(prompt, 5, temperature=0.8, top_k=3, seed=0)
    b = model.generate(prompt, 5, temperature=0.8, top_k=3, seed=0)
    assert a.shape == (1, 25) and np.array_equal(a, b)
    np.testing.assert_array_equal(a[0, :20], prompt)
    greedy = model.generate(prompt, 3, top_k=1, seed=5)
    assert np.array_equal(greedy, model.generate(prompt, 3, top_k=1, seed=6))  # top_k=1 is argmax


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda m: m(np.zeros((2, 9), int)), ["9 tokens", "block_size=8"]),
        (lambda m: m(np.zeros((2, 3))), ["integer token ids", "float64"]),
        (lambda m: m(np.zeros((2, 3), int), np.zeros((2, 4), int)), ["(2, 3)", "(2, 4)"]),
        (lambda m: m.generate([1, 2], 3, temperature=0), ["temperature", "> 0"]),
        (lambda m: m.generate([1, 2], 3, top_k=0), ["top_k"]),
        (lambda m: GPT(GPTConfig(n_embd=30, n_head=4)), ["multiple of n_head"]),
        (lambda m: GPT(GPTConfig(dropout=1.0)), ["dropout", "[0, 1)"]),
    ],
)
def test_bad_input_is_named(call, words):
    with pytest.raises(ValueError) as info:
        call(GPT(TINY, seed=0))
    for w in words:
        assert w in str(info.value)


def test_evaluate_gpt_scores_every_token_once():
    model = GPT(TINY, seed=0)
    ids = np.arange(30) % 11  # 3 whole blocks of 8 and a tail of 5 predictions
    got = model_loss = None
    from hackgrad.models.gpt import evaluate_gpt

    got = evaluate_gpt(model, ids, batch_size=2)
    total, count = 0.0, 0
    for a in range(0, 29, 8):
        x, y = ids[a : a + 8][: len(ids[a + 1 : a + 9])], ids[a + 1 : a + 9]
        logits, _ = model(x[None])
        z = logits.data[0].astype(np.float64)
        logp = z - z.max(1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(1, keepdims=True))
        total -= logp[np.arange(len(y)), y].sum()
        count += len(y)
    assert count == 29
    model_loss = total / count
    assert abs(got - model_loss) < 1e-6

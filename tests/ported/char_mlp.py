"""A character-level MLP language model (Bengio et al. 2003), in the style of the makemore lectures:
hand-made parameters, F.cross_entropy over view(-1, C), a hand-written SGD step."""
# ruff: noqa: B007, I001  (kept as the PyTorch examples write it)
import hackgrad as torch
import hackgrad.nn.functional as F

WORDS = ("emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila ella "
         "avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley zoey nora lily "
         "eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet aurora savannah "
         "audrey brooklyn bella claire skylar lucy paisley everly anna caroline nova genesis emilia kennedy").split()


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def main(steps=300):
    chars = sorted(list(set("".join(WORDS))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    vocab_size = len(stoi)
    block_size = 3
    X, Y = build_dataset(WORDS, stoi, block_size)

    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((vocab_size, 10), generator=g)
    W1 = torch.randn((block_size * 10, 64), generator=g) * (5 / 3) / (block_size * 10) ** 0.5
    b1 = torch.randn(64, generator=g) * 0.01
    W2 = torch.randn((64, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True

    losses = []
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (32,), generator=g)
        emb = C[X[ix]]  # (32, block_size, 10)
        h = torch.tanh(emb.view(-1, block_size * 10) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits.view(-1, vocab_size), Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < steps // 2 else 0.05
        with torch.no_grad():
            for p in parameters:
                p.add_(p.grad, alpha=-lr)
        losses.append(loss.item())

    with torch.no_grad():
        emb = C[X]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        full_loss = F.cross_entropy(h @ W2 + b2, Y).item()
    return losses, {"train_loss": full_loss}

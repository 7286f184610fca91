"""word2vec: the tensor-engine loss (gradcheck), the NumPy path against it, training, queries, files, bad input."""

import numpy as np
import pytest

from hackgrad.autograd import Tensor, gradcheck
from hackgrad.io import ContainerError
from hackgrad.models.word2vec import (
    Word2Vec,
    cbow_gradients,
    cbow_loss,
    scatter_add,
    sgns_gradients,
    sgns_loss,
)


def _weights(V=7, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return (Tensor(rng.normal(0, 0.5, (V, d)), requires_grad=True, dtype=np.float64),
            Tensor(rng.normal(0, 0.5, (V, d)), requires_grad=True, dtype=np.float64))


def _dense(shape, rows, values):
    out = np.zeros(shape)
    np.add.at(out, rows, values)
    return out


def test_sgns_loss_gradcheck_float64():
    W_in, W_out = _weights()
    centers, contexts, negatives = np.array([0, 1, 1, 5]), np.array([2, 3, 0, 5]), np.array([4, 4, 6])
    assert gradcheck(lambda a, b: sgns_loss(a, b, centers, contexts, negatives, neg_weight=0.7), W_in, W_out)


def test_cbow_loss_gradcheck_float64():
    W_in, W_out = _weights()
    contexts = np.array([[1, 2, 3, 0], [4, 4, 6, 2]])
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 0]], dtype=float)
    assert gradcheck(lambda a, b: cbow_loss(a, b, contexts, mask, np.array([5, 0]), np.array([6, 2]), 0.5),
                     W_in, W_out)


@pytest.mark.parametrize("seed", range(5))
def test_sgns_numpy_gradients_equal_autograd(seed):
    rng = np.random.default_rng(seed)
    V, d, B, M = 30, 8, 50, 6
    W_in, W_out = _weights(V, d, seed)
    centers, contexts, negatives = rng.integers(0, V, B), rng.integers(0, V, B), rng.integers(0, V, M)
    loss = sgns_loss(W_in, W_out, centers, contexts, negatives, neg_weight=5 / M)
    loss.backward()
    fast, (r_in, g_in), (r_out, g_out) = sgns_gradients(W_in.data, W_out.data, centers, contexts, negatives, 5 / M)
    assert fast == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(_dense((V, d), r_in, g_in), W_in.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_dense((V, d), r_out, g_out), W_out.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_cbow_numpy_gradients_equal_autograd(seed):
    rng = np.random.default_rng(seed)
    V, d, B, C, M = 30, 8, 40, 6, 5
    W_in, W_out = _weights(V, d, seed)
    contexts = rng.integers(0, V, (B, C))
    mask = (rng.random((B, C)) < 0.7).astype(float)
    mask[:, 0] = 1.0  # every row has a context word
    centers, negatives = rng.integers(0, V, B), rng.integers(0, V, M)
    loss = cbow_loss(W_in, W_out, contexts, mask, centers, negatives, 1.0)
    loss.backward()
    fast, (r_in, g_in), (r_out, g_out) = cbow_gradients(W_in.data, W_out.data, contexts, mask, centers, negatives, 1.0)
    assert fast == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(_dense((V, d), r_in, g_in), W_in.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_dense((V, d), r_out, g_out), W_out.grad, rtol=1e-10, atol=1e-12)


def test_scatter_add_is_add_at():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(20, 3))
    rows, values = rng.integers(0, 20, 100), rng.normal(size=(100, 3))
    expected = W.copy()
    np.add.at(expected, rows, values)
    scatter_add(W, rows, values)
    np.testing.assert_allclose(W, expected, rtol=1e-12)


def _topic_corpus(n=400, seed=0):
    """Sentences drawn from one of two disjoint topics: words of a topic should end up near each other."""
    rng = np.random.default_rng(seed)
    topics = [["sun", "moon", "star", "sky", "cloud", "rain"], ["king", "queen", "crown", "throne", "lord", "duke"]]
    return [list(rng.choice(topics[k % 2], size=8)) for k in range(n)]


def test_skipgram_learns_topics_and_is_deterministic():
    corpus = _topic_corpus()
    settings = dict(vector_size=16, window=3, min_count=1, sample=0, epochs=5, dtype="float64", compute_loss=True)
    a = Word2Vec(seed=3, **settings).fit(corpus)
    b = Word2Vec(seed=3, **settings).fit(corpus)
    c = Word2Vec(seed=4, **settings).fit(corpus)
    np.testing.assert_array_equal(a.wv_, b.wv_)
    assert not np.allclose(a.wv_, c.wv_)
    assert a.loss_curve_[-1] < a.loss_curve_[0]
    near = [w for w, _ in a.most_similar("king", topn=5)]
    assert set(near) == {"queen", "crown", "throne", "lord", "duke"}
    assert a.similarity("sun", "moon") > a.similarity("sun", "queen")
    # golden: the first epoch's mean loss per pair, float64, fixed seed
    assert a.loss_curve_[0] == pytest.approx(GOLDEN_SG_LOSS, rel=1e-6)


GOLDEN_SG_LOSS = 2.5029113107922085  # recorded from this implementation; guards against silent changes


def test_cbow_learns_topics():
    corpus = _topic_corpus()
    m = Word2Vec(vector_size=16, window=3, min_count=1, sample=0, epochs=10, sg=0, seed=0, alpha=0.05,
                 compute_loss=True).fit(corpus)
    near = {w for w, _ in m.most_similar("rain", topn=5)}
    assert near == {"sun", "moon", "star", "sky", "cloud"}
    assert m.loss_curve_[-1] < m.loss_curve_[0]


def test_vocabulary_and_subsampling_follow_word2vec():
    corpus = [["a"] * 50 + ["b"] * 10 + ["c"] * 2]
    m = Word2Vec(min_count=3, sample=0.01).build_vocab(corpus)
    assert m.index_to_key_ == ["a", "b"]
    np.testing.assert_array_equal(m.counts_, [50, 10])
    t = 0.01 * 60
    np.testing.assert_allclose(m._keep_probability(), [(np.sqrt(50 / t) + 1) * t / 50, (np.sqrt(10 / t) + 1) * t / 10])
    noise = m._noise_cdf()
    assert noise[0] == pytest.approx(50**0.75 / (50**0.75 + 10**0.75))


def test_skipgram_pairs_respect_windows_and_sentences():
    m = Word2Vec(window=2)
    reach = np.array([2, 1, 2, 2, 1])
    sent = np.array([0, 0, 0, 1, 1])
    centers, contexts = m._skipgram_pairs(None, reach, sent)
    pairs = set(zip(centers.tolist(), contexts.tolist()))
    assert pairs == {(0, 1), (0, 2), (1, 0), (1, 2), (2, 1), (2, 0), (3, 4), (4, 3)}
    assert list(centers) == sorted(centers)  # visited in corpus order


def test_queries_analogy_and_unknown_word():
    m = Word2Vec(vector_size=16, window=3, min_count=1, sample=0, epochs=2, seed=0).fit(_topic_corpus(100))
    assert len(m.analogy("sun", "moon", "king", topn=3)) == 3
    assert all(w not in ("sun", "moon", "king") for w, _ in m.analogy("sun", "moon", "king", topn=5))
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary"):
        m.most_similar("zebra")
    with pytest.raises(KeyError, match="'zebra'"):
        m.similarity("king", "zebra")


def test_evaluations_on_small_files(tmp_path):
    m = Word2Vec(vector_size=16, window=3, min_count=1, sample=0, epochs=3, seed=0).fit(_topic_corpus(200))
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# a comment\nSun\tmoon\t9\nsun\tking\t1\nking\tqueen\t8.5\nsun\tzebra\t5\nstar\tduke\t2\n")
    result = m.evaluate_word_pairs(pairs)
    assert result["n_pairs"] == 4 and result["oov_ratio"] == pytest.approx(1 / 5)
    import scipy.stats

    model = [m.similarity(a, b) for a, b in [("sun", "moon"), ("sun", "king"), ("king", "queen"), ("star", "duke")]]
    assert result["spearman"] == pytest.approx(scipy.stats.spearmanr([9, 1, 8.5, 2], model)[0])
    assert result["spearman"] > 0.5  # within-topic pairs are the similar ones
    questions = tmp_path / "q.txt"
    questions.write_text(": topics\nsun moon king queen\nsun zebra king queen\n: other\nking queen sun moon\n")
    acc = m.evaluate_analogies(questions)
    assert acc["total"] == 2 and acc["sections"]["topics"]["total"] == 1
    assert 0.0 <= acc["accuracy"] <= 1.0


def test_evaluations_agree_with_gensim():
    gensim = pytest.importorskip("gensim")
    from gensim.test.utils import datapath

    corpus = _topic_corpus(300)
    corpus += [["man", "king", "woman", "queen", "boy", "girl", "he", "she"]] * 50
    g = gensim.models.Word2Vec(corpus, vector_size=16, window=3, min_count=1, epochs=3, seed=1, workers=1)
    m = Word2Vec(vector_size=16, min_count=1).build_vocab(corpus)
    m.wv_ = np.array([g.wv[w] for w in m.index_to_key_])
    m.loss_curve_, m.n_words_, m._normed = [], 0, None
    ours = m.evaluate_word_pairs(datapath("wordsim353.tsv"))
    theirs = g.wv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert ours["spearman"] == pytest.approx(theirs[1][0], abs=1e-6)
    assert ours["oov_ratio"] * 100 == pytest.approx(theirs[2])
    acc = m.evaluate_analogies(datapath("questions-words.txt"))
    g_acc, g_sections = g.wv.evaluate_word_analogies(datapath("questions-words.txt"))
    total = g_sections[-1]
    assert acc["total"] == len(total["correct"]) + len(total["incorrect"])
    assert acc["accuracy"] == pytest.approx(g_acc)


def test_save_load_roundtrip_and_damage(tmp_path):
    m = Word2Vec(vector_size=8, window=2, min_count=1, sample=0, epochs=1, seed=0).fit(_topic_corpus(50))
    path = tmp_path / "w2v.npz"
    m.save(path)
    back = Word2Vec.load(path)
    np.testing.assert_array_equal(back.wv_, m.wv_)
    assert back.index_to_key_ == m.index_to_key_ and back.most_similar("king", 3) == m.most_similar("king", 3)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ContainerError, match="SHA-256|damaged"):
        Word2Vec.load(path)


@pytest.mark.parametrize("corpus", [[], [[]], [[], []]])
def test_empty_corpus_is_a_clear_error(corpus):
    with pytest.raises(ValueError, match="corpus is empty"):
        Word2Vec().fit(corpus)


def test_bad_input_errors():
    with pytest.raises(TypeError, match="got a string"):
        Word2Vec().fit("to be or not to be")
    with pytest.raises(TypeError, match="sentence 1 must be a list of str tokens"):
        Word2Vec(min_count=1).fit([["a"], "b c"])
    with pytest.raises(ValueError, match="min_count=10 leaves no vocabulary.*occurs 2 time"):
        Word2Vec(min_count=10).fit([["a", "b", "a"]])
    with pytest.raises(ValueError, match="vector_size must be an integer >= 1"):
        Word2Vec(vector_size=0).fit([["a"]])
    with pytest.raises(ValueError, match="sg must be 1"):
        Word2Vec(sg=2).fit([["a"]])
    with pytest.raises(RuntimeError, match="not fitted"):
        Word2Vec().most_similar("a")

"""`hackgrad word2vec` and `hackgrad tsne` end to end on small inputs: files written, readable, sensible."""

import json

import numpy as np
import pytest

from hackgrad.cli import main
from hackgrad.io import read_container
from hackgrad.models.word2vec import Word2Vec


def test_word2vec_command(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["word2vec", "--limit", "300", "--epochs", "1", "--min-count", "3", "--plot-words", "30",
                 "--words", "love,good,zzzz", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "zzzz: not in the vocabulary" in out
    model = Word2Vec.load(tmp_path / "word2vec.npz")
    assert "love" in model and model.wv_.shape == (len(model.index_to_key_), 100)
    neighbours = json.loads((tmp_path / "neighbours.json").read_text())
    assert set(neighbours) == {"love", "good"} and len(neighbours["love"]) == 8
    assert (tmp_path / "words_tsne.png").read_bytes()[:4] == b"\x89PNG"


def test_tsne_command(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["tsne", "--data", "digits", "--n", "150", "--perplexity", "10", "--max-iter", "250",
                 "--out", str(tmp_path)]) == 0
    meta, arrays = read_container(tmp_path / "embedding.npz", "tsne-embedding")
    assert arrays["embedding"].shape == (150, 2) and np.isfinite(arrays["embedding"]).all()
    assert meta["n_samples"] == 150 and meta["kl_divergence"] > 0
    assert (tmp_path / "tsne_digits.png").read_bytes()[:4] == b"\x89PNG"


def test_tsne_command_refuses_too_many_samples(tmp_path):
    with pytest.raises(SystemExit, match="exceeds the 1797 samples"):
        main(["tsne", "--data", "digits", "--n", "5000", "--out", str(tmp_path)])

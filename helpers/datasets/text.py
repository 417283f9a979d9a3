"""An offline text corpus (the Python reference manual that CPython ships), and character and word vocabularies."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor


def load_python_docs() -> dict[str, str]:
    """The Python reference manual's topics (`pydoc_data.topics`: 79 sections, ~465,000 characters on 3.11)."""
    from pydoc_data.topics import topics

    return {name: topics[name] for name in sorted(topics)}


def python_docs_text(val_fraction: float = 0.1) -> tuple[str, str]:
    """The manual as one text, split into (train, validation) by whole sections: the last sections validate."""
    sections = list(load_python_docs().values())
    n_val = max(1, round(len(sections) * val_fraction))
    return "".join(sections[:-n_val]), "".join(sections[-n_val:])


class CharVocab:
    """A character vocabulary: encode text to integer ids and decode ids back to text."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> Tensor:
        """Ids of the characters of `text`; a character outside the vocabulary is a clear error."""
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"characters not in the vocabulary: {missing[:10]}")
        return torch.tensor([self.index[c] for c in text], dtype=torch.long)

    def decode(self, ids: Tensor | Sequence[int]) -> str:
        """The text that the ids stand for."""
        return "".join(self.chars[int(i)] for i in ids)


WORD_PATTERN = re.compile(r"[a-z_]+|\d+|[^\sa-z_\d]")


def words(text: str) -> list[str]:
    """Lower-cased word tokens: runs of letters and underscores, runs of digits, and every other visible character."""
    return WORD_PATTERN.findall(text.lower())


class WordVocab:
    """A word vocabulary: the words seen at least `min_count` times; every other word becomes UNK (id 0)."""

    UNK = "<unk>"

    def __init__(self, tokens: Iterable[str], min_count: int = 1) -> None:
        counts = Counter(tokens)
        self.words = [self.UNK] + sorted(w for w, c in counts.items() if c >= min_count and w != self.UNK)
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, text: str | Sequence[str]) -> Tensor:
        """Ids of the words of `text` (a string is split with `words` first); unknown words get id 0."""
        tokens = words(text) if isinstance(text, str) else text
        return torch.tensor([self.index.get(w, 0) for w in tokens], dtype=torch.long)

    def decode(self, ids: Tensor | Sequence[int]) -> str:
        """The words that the ids stand for, separated by spaces."""
        return " ".join(self.words[int(i)] for i in ids)

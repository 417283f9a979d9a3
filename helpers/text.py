"""An offline text corpus (the Python reference manual that CPython ships) and a character vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

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

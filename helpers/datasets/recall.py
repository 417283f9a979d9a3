"""A synthetic long-range task for 07_transformer: name the first symbol of a sequence, seen `distance` tokens ago.

Each input is one of `num_symbols` symbols (upper-case letters), then `distance` filler tokens drawn at random
from a separate alphabet (lower-case letters), then the query token `?`. The answer is the first symbol, a class
in 0..num_symbols-1: the information the query needs sits `distance + 1` positions before it. With
`positional=True` the filler is drawn from the symbols' own alphabet, so only its place, first, tells the symbol
apart: a model must find it by position, not by what it is. Each split and
distance has its own generator seeded from SPLIT_SEED, so the data never depend on a run's seed and every
distance has its own fresh examples.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import torch
from torch import Tensor

from ..params import ParameterError
from . import SPLIT_SEED

QUERY = "?"
SPLITS = ("train", "val", "test")


@dataclass
class RecallData:
    """Inputs X[split][distance] (N, distance + 2) of token ids and answers y[split][distance] (N,) of symbols."""

    X: dict[str, dict[int, Tensor]]
    y: dict[str, dict[int, Tensor]]
    tokens: str  # the vocabulary: token id i is the character tokens[i]
    num_symbols: int

    def decode(self, ids: Tensor) -> str:
        """The characters of a sequence of token ids."""
        return "".join(self.tokens[i] for i in ids.tolist())

    def __repr__(self) -> str:
        distances = sorted(self.X["train"])
        sizes = ", ".join(f"{s}={len(self.X[s][distances[0]])}" for s in SPLITS)
        return f"RecallData({sizes} per distance, distances {distances}, {self.num_symbols} symbols, " \
               f"vocabulary {len(self.tokens)})"


def make_recall(num: int, distance: int, num_symbols: int, num_filler: int,
                generator: torch.Generator, positional: bool = False) -> tuple[Tensor, Tensor]:
    """`num` sequences (symbol, `distance` filler tokens, query) as ids, and their first symbols (the answers);
    positional=True draws the filler from the symbols."""
    y = torch.randint(0, num_symbols, (num,), generator=generator)
    filler = (0 if positional else num_symbols) + torch.randint(0, num_symbols if positional else num_filler,
                                                                (num, distance), generator=generator)
    query = torch.full((num, 1), num_symbols + num_filler)
    return torch.cat([y[:, None], filler, query], dim=1), y


def load_recall(distances: list[int], num_train: int = 4000, num_val: int = 500, num_test: int = 500,
                num_symbols: int = 8, num_filler: int = 8, positional: bool = False) -> RecallData:
    """The recall task at each distance: train, validation and test sequences of fixed, seed-independent content."""
    sizes = {"train": num_train, "val": num_val, "test": num_test}
    for name, value in dict(num_train=num_train, num_val=num_val, num_test=num_test, num_symbols=num_symbols,
                            num_filler=num_filler).items():
        if not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name}={value!r} must be a positive integer.")
    if num_symbols > 26 or num_filler > 26:
        raise ParameterError("num_symbols and num_filler are letters: at most 26 of each.")
    if not distances or any(not isinstance(d, int) or d < 1 for d in distances):
        raise ParameterError(f"distances={distances!r} must be a non-empty list of positive integers.")
    X: dict[str, dict[int, Tensor]] = {s: {} for s in SPLITS}
    y: dict[str, dict[int, Tensor]] = {s: {} for s in SPLITS}
    for i, split in enumerate(SPLITS):
        for distance in distances:
            generator = torch.Generator().manual_seed(SPLIT_SEED * 1_000_003 + 10_000 * i + distance)
            X[split][distance], y[split][distance] = make_recall(sizes[split], distance, num_symbols, num_filler,
                                                                 generator, positional)
    tokens = string.ascii_uppercase[:num_symbols] + string.ascii_lowercase[:num_filler] + QUERY
    return RecallData(X, y, tokens, num_symbols)

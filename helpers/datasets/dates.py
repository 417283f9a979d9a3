"""Dates as people write them ("3/15/62", "Wed 11 Jan 1984") and their ISO 8601 form, for sequence-to-sequence.

Everything is generated offline with Python's `datetime` and a seeded `random.Random`. Conventions:
- two-digit years: 00-49 mean 2000-2049 and 50-99 mean 1950-1999 (`CENTURY_PIVOT`); only dates in that
  window are ever written with two digits, so every input has exactly one answer;
- the separator fixes the order of numeric dates: "/" is month/day/year (US), "." and "-" are day.month.year,
  and a four-digit year first ("2029/09/11", "20290911") is year, month, day.
The calendar days of 1900-2099 are split once (seed `SPLIT_SEED`) into train, validation and test days, so the
test set holds dates the model never saw in any format, and the split never depends on the training seed.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass

import torch
from torch import Tensor

from ..params import ParameterError
from . import SPLIT_SEED

CENTURY_PIVOT = 50  # yy < 50 -> 20yy, yy >= 50 -> 19yy
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FORMATS = (  # fields: m/mm month, d/dd day, yy/yyyy year, B/b month name, A/a weekday, o ordinal day
    "{m}/{d}/{yy}", "{mm}/{dd}/{yyyy}", "{m}/{d}/{yyyy}", "{dd}.{mm}.{yyyy}", "{d}.{m}.{yy}", "{dd}-{mm}-{yyyy}",
    "{yyyy}/{mm}/{dd}", "{yyyy}{mm}{dd}", "{B} {d}, {yyyy}", "{b} {d}, {yyyy}", "{d} {B} {yyyy}",
    "{a} {d} {b} {yyyy}", "{A}, {B} {d}, {yyyy}", "{b} {d} '{yy}", "{d}-{b}-{yy}", "{A} {d} {B} {yyyy}",
    "the {o} of {B} {yyyy}", "{a}, {b} {o}, {yyyy}", "{B} {yyyy}, {o}", "{dd} {b} {yy}",
)
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
CHARS = sorted(set(string.ascii_letters + string.digits + " ,./-'"))


def two_digit_year(yy: int) -> int:
    """The four-digit year that a two-digit year stands for under the course's century rule."""
    if not 0 <= yy <= 99:
        raise ValueError(f"two-digit year {yy} is not in 0..99")
    return 2000 + yy if yy < CENTURY_PIVOT else 1900 + yy


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_date(date: dt.date, fmt: str, case: str = "as is") -> str:
    """Write `date` in one of FORMATS; `case` is "as is", "lower" or "upper" (month and weekday names)."""
    if "{yy}" in fmt and two_digit_year(date.year % 100) != date.year:
        raise ValueError(f"{date} cannot be written with a two-digit year under the century rule")
    text = fmt.format(m=date.month, mm=f"{date.month:02d}", d=date.day, dd=f"{date.day:02d}",
                      yy=f"{date.year % 100:02d}", yyyy=f"{date.year:04d}", B=MONTHS[date.month - 1],
                      b=MONTHS[date.month - 1][:3], A=WEEKDAYS[date.weekday()], a=WEEKDAYS[date.weekday()][:3],
                      o=_ordinal(date.day))
    return {"as is": text, "lower": text.lower(), "upper": text.upper()}[case]


def split_days(num_val_days: int = 5000, num_test_days: int = 5000) -> dict[str, list[dt.date]]:
    """Every day of 1900-2099, shuffled once with SPLIT_SEED and cut into train, validation and test days."""
    days = [FIRST_DAY + dt.timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    random.Random(SPLIT_SEED).shuffle(days)
    if num_val_days + num_test_days >= len(days):
        raise ParameterError(f"num_val_days + num_test_days must be below {len(days)} days.")
    val, test = days[:num_val_days], days[num_val_days:num_val_days + num_test_days]
    return {"train": days[num_val_days + num_test_days:], "val": val, "test": test}


def make_pairs(days: list[dt.date], n: int, seed: int) -> list[tuple[str, str]]:
    """`n` (written date, ISO date) pairs drawn from `days`."""
    rng = random.Random(seed)
    four_digit = [f for f in FORMATS if "{yy}" not in f]
    pairs = []
    for _ in range(n):
        date = rng.choice(days)
        in_window = two_digit_year(date.year % 100) == date.year
        fmt = rng.choice(FORMATS if in_window else four_digit)
        text = format_date(date, fmt, rng.choice(["as is", "as is", "lower", "upper"]))
        pairs.append((text, date.isoformat()))
    return pairs


class SeqVocab:
    """Characters to ids and back, with <pad> = 0, <bos> = 1, <eos> = 2 in front of CHARS."""

    def __init__(self, chars: list[str] = CHARS) -> None:
        self.tokens = [PAD, BOS, EOS, *chars]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad_id, self.bos_id, self.eos_id = 0, 1, 2

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, length: int, bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of `text` (optionally framed by <bos>/<eos>), padded with <pad> to `length`."""
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"characters not in the vocabulary: {missing}")
        ids = [self.bos_id] * bos + [self.index[c] for c in text] + [self.eos_id] * eos
        if len(ids) > length:
            raise ValueError(f"{text!r} needs {len(ids)} positions, more than length={length}")
        return ids + [self.pad_id] * (length - len(ids))

    def decode(self, ids: Tensor | list[int]) -> str:
        """The text of `ids`, skipping <pad>/<bos> and stopping at the first <eos>."""
        out = []
        for i in (ids.tolist() if isinstance(ids, Tensor) else ids):
            if i == self.eos_id:
                break
            if i > self.eos_id:
                out.append(self.tokens[i])
        return "".join(out)

    def encode_batch(self, texts: list[str], bos: bool = False, eos: bool = False) -> Tensor:
        """A (N, T) long tensor of padded ids, T the longest text (plus <bos>/<eos>)."""
        length = max(len(t) for t in texts) + bos + eos
        return torch.tensor([self.encode(t, length, bos, eos) for t in texts], dtype=torch.long)


@dataclass
class DateData:
    """Texts and padded id tensors (X: written date, Y: <bos> ISO <eos>) of each part of the split."""

    texts: dict[str, list[tuple[str, str]]]
    X: dict[str, Tensor]
    Y: dict[str, Tensor]
    vocab: SeqVocab

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.texts.items())
        return f"DateData({sizes}, X {tuple(self.X['train'].shape[1:])}, Y {tuple(self.Y['train'].shape[1:])}, " \
               f"vocabulary {len(self.vocab)})"


def load_dates(num_train: int = 20000, num_val: int = 1000, num_test: int = 2000) -> DateData:
    """The dates task: pairs from disjoint train/validation/test days, encoded with one SeqVocab."""
    for name, value in dict(num_train=num_train, num_val=num_val, num_test=num_test).items():
        if not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name}={value!r} must be a positive integer.")
    days = split_days()
    sizes = {"train": num_train, "val": num_val, "test": num_test}
    texts = {part: make_pairs(days[part], n, SPLIT_SEED + i + 1)
             for i, (part, n) in enumerate(sizes.items())}
    vocab = SeqVocab()
    X = {part: vocab.encode_batch([s for s, _ in pairs]) for part, pairs in texts.items()}
    Y = {part: vocab.encode_batch([t for _, t in pairs], bos=True, eos=True) for part, pairs in texts.items()}
    return DateData(texts, X, Y, vocab)


def trim_padding(X: Tensor, pad_id: int = 0) -> Tensor:
    """Drop the trailing columns of a padded (N, T) batch that are padding in every row."""
    keep = int((X != pad_id).sum(dim=1).max().item()) if X.numel() else 0
    return X[:, :max(keep, 1)]

"""Sequence data for the recurrent-network notebooks (02_rnn, 03_lstm, 04_gru): sunspots, the adding problem and
character-level text, so that the three compare architectures on the same data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..params import ParameterError
from . import SPLIT_SEED
from .text import CharVocab, python_docs_text

ADDING_BASELINE_MSE = 1 / 6  # variance of the sum of two U(0, 1) numbers: the MSE of always predicting 1


@dataclass
class SeriesSplit:
    """Windows of a normalised series: inputs (N, window, 1) and next values (N, 1), split by time into training,
    validation (the years after training) and test years (the last ones)."""

    X_train: Tensor
    y_train: Tensor
    X_val: Tensor
    y_val: Tensor
    years_val: np.ndarray  # the year of each validation target
    mean: float  # of the training years: z = (x - mean) / std
    std: float
    X_test: Tensor
    y_test: Tensor
    years_test: np.ndarray  # the year of each test target
    series_train: Tensor  # the normalised training years, (num_train_years,): what a classical model is fitted on

    def denormalise(self, z: Tensor) -> Tensor:
        """Values back in the series' own units."""
        return z * self.std + self.mean


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers 1700-2008 (309 values), bundled with statsmodels: (years, values)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("statsmodels")  # read the bundled CSV without importing statsmodels (slow)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("The sunspot series ships with statsmodels: pip install statsmodels")
    table = np.loadtxt(Path(spec.origin).parent / "datasets" / "sunspots" / "sunspots.csv", delimiter=",",
                       skiprows=1, dtype=np.float32)
    return table[:, 0].astype(int), table[:, 1]


def make_windows(series: Tensor, window: int) -> tuple[Tensor, Tensor]:
    """Every run of `window` consecutive values (N, window, 1) and the value that follows it (N, 1)."""
    if not 1 <= window < len(series):
        raise ParameterError(f"window={window} must be at least 1 and shorter than the series ({len(series)}).")
    X = series.unfold(0, window, 1)[:-1]  # (N, window)
    return X.unsqueeze(-1), series[window:].unsqueeze(-1)


def sunspot_windows(window: int = 20, num_val_years: int = 60, num_test_years: int = 60) -> SeriesSplit:
    """Sunspot windows split by the year of their target: the last `num_test_years` test, the `num_val_years`
    before them validate, the rest train; mean and std come from the training years only. No seed is involved."""
    years, values = load_sunspots()
    if num_val_years < 1 or num_test_years < 0 or len(values) - window - num_val_years - num_test_years < 10:
        raise ParameterError(f"num_val_years={num_val_years}, num_test_years={num_test_years}: at least one "
                             f"validation year, and at least 10 training windows of {window} years left.")
    num_train_values = len(values) - num_val_years - num_test_years
    mean, std = float(values[:num_train_values].mean()), float(values[:num_train_values].std())
    z = torch.from_numpy((values - mean) / std)
    X, y = make_windows(z, window)  # window i predicts the value of year window + i
    n_train, n_val = len(y) - num_val_years - num_test_years, num_val_years
    val, test = slice(n_train, n_train + n_val), slice(n_train + n_val, len(y))
    target_years = years[window:]
    return SeriesSplit(X[:n_train], y[:n_train], X[val], y[val], target_years[val], mean, std,
                       X[test], y[test], target_years[test], z[:num_train_values])


def adding_problem(n: int, T: int, seed: int) -> tuple[Tensor, Tensor]:
    """The adding problem: (n, T, 2) inputs [value, marker] and (n, 1) targets, the sum of the 2 marked values.

    One marker falls in the first half, one in the second, so the model must remember over ~T/2 steps.
    Always predicting the mean (1.0) gives an MSE of 1/6 ≈ 0.167 (ADDING_BASELINE_MSE).
    """
    if not isinstance(T, int) or T < 2:
        raise ParameterError(f"T={T!r}: the sequence length must be an integer of at least 2 (two marked values).")
    if n < 1:
        raise ParameterError(f"n={n}: ask for at least one sequence.")
    gen = torch.Generator().manual_seed(seed)
    values = torch.rand(n, T, generator=gen)
    first = torch.randint(0, (T + 1) // 2, (n,), generator=gen)
    second = torch.randint((T + 1) // 2, T, (n,), generator=gen)
    markers = torch.zeros(n, T)
    markers[torch.arange(n), first] = 1.0
    markers[torch.arange(n), second] = 1.0
    return torch.stack([values, markers], dim=-1), (values * markers).sum(dim=1, keepdim=True)


ADDING_SEEDS = {"train": SPLIT_SEED, "val": 20_000, "test": 10_000}  # fixed: every run trains and scores alike


def adding_splits(T: int, num_train: int = 10_000, num_val: int = 1000,
                  num_test: int = 1000) -> dict[str, tuple[Tensor, Tensor]]:
    """Training, validation and test sets of the adding problem at length T, from fixed seeds (not a run's seed);
    the test set is the one `fit_adding` scores on."""
    sizes = {"train": num_train, "val": num_val, "test": num_test}
    return {part: adding_problem(n, T, seed=ADDING_SEEDS[part]) for part, n in sizes.items()}


@dataclass
class CharData:
    """A character-level language-modelling set: (N, seq_len) input ids and the ids one step later."""

    vocab: CharVocab
    X_train: Tensor
    y_train: Tensor
    X_val: Tensor
    y_val: Tensor


# copied from notebooks/02_rnn.ipynb, section 3 (tests/test_recurrent.py checks the copy is the same)
def char_sequences(ids: torch.Tensor, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut ids into non-overlapping (N, seq_len) inputs and targets shifted by one character."""
    if seq_len < 1 or len(ids) < seq_len + 1:
        raise ParameterError(f"seq_len={seq_len} must be at least 1 and shorter than the text ({len(ids)} ids).")
    n = (len(ids) - 1) // seq_len                # whole sequences that fit, keeping one id for the last target
    X = ids[:n * seq_len].view(n, seq_len)       # (N, seq_len)
    y = ids[1:n * seq_len + 1].view(n, seq_len)  # (N, seq_len): the same text one character later
    return X, y


def load_char_data(seq_len: int = 64, max_chars: int | None = None) -> CharData:
    """The Python reference manual as character sequences, with a fixed train/validation split by section."""
    train_text, val_text = python_docs_text()
    if max_chars is not None:
        train_text = train_text[:max_chars]
    vocab = CharVocab(train_text + val_text)
    return CharData(vocab, *char_sequences(vocab.encode(train_text), seq_len),
                    *char_sequences(vocab.encode(val_text), seq_len))

"""Tests of helpers.datasets.dates: the written-dates-to-ISO dataset, its vocabulary and its padding helpers."""

import datetime as dt
import random

import pytest
import torch

from helpers import ParameterError
from helpers.datasets.dates import (
    CENTURY_PIVOT,
    FORMATS,
    SeqVocab,
    format_date,
    load_dates,
    make_pairs,
    split_days,
    trim_padding,
    two_digit_year,
)


def test_century_rule():
    assert two_digit_year(62) == 1962
    assert two_digit_year(29) == 2029
    assert two_digit_year(CENTURY_PIVOT) == 1900 + CENTURY_PIVOT
    with pytest.raises(ValueError):
        two_digit_year(100)


def test_formats_examples_from_the_issue():
    assert format_date(dt.date(1962, 3, 15), "{m}/{d}/{yy}") == "3/15/62"
    assert format_date(dt.date(1984, 1, 11), "{a} {d} {b} {yyyy}") == "Wed 11 Jan 1984"
    assert format_date(dt.date(2029, 9, 11), "{B} {d}, {yyyy}", "lower") == "september 11, 2029"
    assert format_date(dt.date(2001, 3, 22), "the {o} of {B} {yyyy}", "upper") == "THE 22ND OF MARCH 2001"
    assert format_date(dt.date(2011, 12, 13), "{a}, {b} {o}, {yyyy}") == "Tue, Dec 13th, 2011"


def test_two_digit_year_outside_window_is_refused():
    with pytest.raises(ValueError, match="two-digit"):
        format_date(dt.date(1930, 1, 1), "{m}/{d}/{yy}")


def test_every_format_is_unambiguous_on_a_sample():
    """No written date may stand for two different calendar days."""
    seen: dict[str, dt.date] = {}
    rng = random.Random(1)
    days = [dt.date(1950, 1, 1) + dt.timedelta(rng.randrange(36500)) for _ in range(800)]
    for day in days:
        for fmt in FORMATS:
            for case in ("as is", "lower", "upper"):
                text = format_date(day, fmt, case)
                assert seen.setdefault(text, day) == day, (text, day, seen[text])


def test_split_is_disjoint_and_fixed():
    a, b = split_days(), split_days()
    assert a == b
    assert not set(a["train"]) & set(a["test"]) and not set(a["val"]) & set(a["test"])
    assert len(a["train"]) + len(a["val"]) + len(a["test"]) == (dt.date(2099, 12, 31) - dt.date(1900, 1, 1)).days + 1


def test_pairs_are_correct_and_seeded():
    days = split_days()["test"]
    pairs = make_pairs(days, 200, seed=5)
    assert pairs == make_pairs(days, 200, seed=5)
    for text, iso in pairs:
        assert dt.date.fromisoformat(iso) in set(days)
        assert len(iso) == 10 and iso[4] == iso[7] == "-"
        assert text


def test_vocab_round_trip_and_padding():
    vocab = SeqVocab()
    ids = vocab.encode("Wed 11 Jan 1984", 20, bos=True, eos=True)
    assert len(ids) == 20 and ids[0] == vocab.bos_id and ids[-1] == vocab.pad_id
    assert vocab.decode(ids) == "Wed 11 Jan 1984"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("é", 5)
    with pytest.raises(ValueError, match="positions"):
        vocab.encode("too long", 3)


def test_load_dates_shapes_and_held_out_days():
    data = load_dates(num_train=300, num_val=50, num_test=80)
    assert data.X["train"].shape[0] == 300 and data.Y["test"].shape == (80, 12)
    assert data.vocab.decode(data.Y["val"][0]) == data.texts["val"][0][1]
    train_days = {iso for _, iso in data.texts["train"]}
    assert not train_days & {iso for _, iso in data.texts["test"]}
    # the first examples do not depend on how many are asked for
    assert load_dates(num_train=100, num_val=50, num_test=80).texts["train"] == data.texts["train"][:100]


def test_load_dates_bad_sizes():
    with pytest.raises(ParameterError, match="num_train"):
        load_dates(num_train=0)


def test_trim_padding():
    X = torch.tensor([[5, 6, 0, 0], [7, 0, 0, 0]])
    assert trim_padding(X).tolist() == [[5, 6], [7, 0]]

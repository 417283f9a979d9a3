"""Tests of helpers.datasets.recall, the long-range recall task of 07_transformer."""

import pytest
import torch

from helpers import ParameterError
from helpers.datasets.recall import QUERY, load_recall, make_recall


def test_sequences_hold_the_symbol_then_filler_then_the_query():
    X, y = make_recall(50, 7, num_symbols=4, num_filler=5, generator=torch.Generator().manual_seed(0))
    assert X.shape == (50, 9) and y.shape == (50,) and X.dtype == y.dtype == torch.long
    assert torch.equal(X[:, 0], y)                                  # the answer is the first token
    assert ((X[:, 1:-1] >= 4) & (X[:, 1:-1] < 9)).all()             # filler: its own alphabet, never a symbol
    assert (X[:, -1] == 9).all()                                    # the query token closes every sequence
    assert set(y.tolist()) == set(range(4))


def test_positional_variant_draws_filler_from_the_symbols():
    X, y = make_recall(400, 12, num_symbols=4, num_filler=5, generator=torch.Generator().manual_seed(0),
                       positional=True)
    assert X.shape == (400, 14) and torch.equal(X[:, 0], y) and (X[:, -1] == 9).all()
    assert set(X[:, 1:-1].unique().tolist()) == set(range(4))      # filler: only symbols, every one of them
    data = load_recall([6], num_train=20, num_val=5, num_test=5, positional=True)
    assert data.decode(data.X["test"][6][0])[:-1].isupper()


def test_load_recall_has_every_split_and_distance_and_decodes():
    data = load_recall([3, 10], num_train=20, num_val=5, num_test=6)
    for split, n in (("train", 20), ("val", 5), ("test", 6)):
        for distance in (3, 10):
            assert data.X[split][distance].shape == (n, distance + 2)
            assert torch.equal(data.X[split][distance][:, 0], data.y[split][distance])
    text = data.decode(data.X["test"][3][0])
    assert len(text) == 5 and text[0].isupper() and text[1:-1].islower() and text[-1] == QUERY
    assert data.tokens[data.y["test"][3][0]] == text[0]
    assert "distances [3, 10]" in repr(data) and "vocabulary 17" in repr(data)


def test_data_never_depend_on_the_global_seed_and_splits_differ():
    torch.manual_seed(1)
    a = load_recall([8], num_train=30, num_val=30, num_test=30)
    torch.manual_seed(2)
    b = load_recall([8], num_train=30, num_val=30, num_test=30)
    for split in ("train", "val", "test"):
        assert torch.equal(a.X[split][8], b.X[split][8])
    assert not torch.equal(a.X["train"][8], a.X["test"][8])
    c = load_recall([8, 9], num_test=30)
    assert not torch.equal(c.y["test"][8], c.y["test"][9])          # each distance has its own examples


def test_symbols_are_balanced_enough_that_chance_is_one_in_num_symbols():
    y = load_recall([4], num_train=4000).y["train"][4]
    shares = torch.bincount(y, minlength=8).float() / len(y)
    assert (shares - 1 / 8).abs().max() < 0.03


@pytest.mark.parametrize("kwargs, match", [
    (dict(distances=[]), "distances"), (dict(distances=[0]), "distances"), (dict(distances=[2.5]), "distances"),
    (dict(distances=[4], num_train=0), "num_train"), (dict(distances=[4], num_symbols=27), "letters"),
])
def test_bad_arguments_say_which(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        load_recall(**kwargs)

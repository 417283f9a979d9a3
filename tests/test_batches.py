"""Tests of helpers.batches: the tensor loader."""

import pytest
import torch

from helpers import (
    TensorLoader,
)


def test_tensor_loader_batches_every_example_once():
    X, y = torch.arange(10.0)[:, None], torch.arange(10)
    loader = TensorLoader(X, y, batch_size=4, shuffle=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert all(torch.equal(b[0][:, 0].long(), b[1]) for b in batches)  # rows stay paired


def test_tensor_loader_drop_last_transform_and_order():
    X = torch.arange(10.0)[:, None]
    loader = TensorLoader(X, batch_size=4, drop_last=True, transform=lambda t: -t)
    batches = [b[0] for b in loader]
    assert len(loader) == 2 and torch.equal(torch.cat(batches)[:, 0], -torch.arange(8.0))


def test_tensor_loader_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorLoader(torch.zeros(3), torch.zeros(4))

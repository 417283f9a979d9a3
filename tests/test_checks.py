"""Tests of helpers.checks: a from-scratch layer against its PyTorch reference."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import compare_with_reference


def test_identical_functions_agree_and_report_tiny_differences():
    report = compare_with_reference(lambda x: torch.clamp(x, min=0), F.relu, torch.randn(4, 5))
    assert report == {"max_output_diff": 0.0, "max_grad_diff": 0.0}


def test_wrong_output_is_reported_with_index_and_tolerance():
    with pytest.raises(AssertionError, match=r"output 0: max \|ours - reference\| = .* at index .* atol=1e-05"):
        compare_with_reference(lambda x: x * 1.01, lambda x: x, torch.randn(3, 3))


def test_wrong_shape_is_reported():
    with pytest.raises(AssertionError, match=r"output 0: shape \(3,\) \(ours\) != \(1, 3\)"):
        compare_with_reference(lambda x: x, lambda x: x[None], torch.randn(3))


def test_right_forward_with_wrong_gradient_is_caught():
    def bad_double(x):
        return (2 * x).detach() + 0 * x  # right values, zero gradient

    with pytest.raises(AssertionError, match="gradient of input 0"):
        compare_with_reference(bad_double, lambda x: 2 * x, torch.randn(5))


def test_parameter_gradients_are_compared():
    torch.manual_seed(0)
    ref = nn.Linear(3, 2)
    W = ref.weight.detach().clone().requires_grad_()
    b = ref.bias.detach().clone().requires_grad_()
    report = compare_with_reference(lambda x: x @ W.T + b, ref, torch.randn(4, 3),
                                    param_pairs=[("weight", W, ref.weight), ("bias", b, ref.bias)])
    assert report["max_grad_diff"] < 1e-6
    W_frozen = W.detach().clone().requires_grad_()
    with pytest.raises(AssertionError, match="gradient of weight"):  # right output, but W gets a zero gradient
        compare_with_reference(lambda x: x @ W_frozen.detach().T + b + 0 * W_frozen.sum(), ref, torch.randn(4, 3),
                               param_pairs=[("weight", W_frozen, ref.weight)])


def test_tuple_outputs_are_compared_element_by_element():
    rnn = nn.RNN(3, 4, batch_first=True)
    with pytest.raises(AssertionError, match="ours returns 1 tensors, the reference 2"):
        compare_with_reference(lambda x: rnn(x)[0], rnn, torch.randn(2, 5, 3))

"""Notebook 01's measurements of what deeper layers see (its lab), run outside the notebook on cases with known
answers; the receptive-field formula comes from the lesson."""

import pytest
import torch
from notebook_code import notebook_namespace
from torch import nn


@pytest.fixture(scope="module")
def defined() -> dict:
    """input_gradients, mass_area, class_share and receptive_field_formula, executed with only torch in scope."""
    names = ["input_gradients", "mass_area", "class_share", "receptive_field_formula"]
    scope = notebook_namespace(["01_cnn.ipynb", "labs/01_cnn_lab.ipynb"], {"torch": torch, "nn": nn})
    return {n: scope[n] for n in names}


def test_mass_area_counts_the_fewest_pixels_that_hold_the_mass(defined):
    mass_area = defined["mass_area"]
    G = torch.zeros(4, 64)
    G[0, 5] = 3.0                                         # all on one pixel
    G[1, :9] = 1.0                                        # spread evenly over 9 pixels: 90% needs all 9
    G[2, :4] = torch.tensor([4.0, 3.0, 2.0, 1.0])         # 40% + 30% + 20% = 90%: three pixels
    # row 3 stays zero: a unit with no gradient (ReLU off) is left out
    assert mass_area(G).tolist() == [1, 9, 3]
    assert mass_area(G[2:3], mass=0.5).tolist() == [2]


def test_input_gradients_give_each_image_each_units_own_gradient(defined):
    """Summing a unit over the batch and differentiating once gives every image's own gradient (evaluation mode),
    in the layout (C, N, H * W), for the central unit of each channel."""
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 2, 3, padding=1), nn.ReLU()).eval()
    X = torch.rand(5, 1, 8, 8)
    G = defined["input_gradients"](block, X)
    assert G.shape == (2, 5, 64)
    for c in range(2):
        for n in range(5):
            x = X[n:n + 1].clone().requires_grad_(True)
            block(x)[0, c, 2, 2].backward()                   # the central unit of the 4x4 map
            assert torch.allclose(G[c, n], x.grad.abs().flatten(), atol=1e-6)


def test_a_first_layer_unit_reaches_its_3x3_window_and_a_second_block_unit_further(defined):
    """With positive weights and positive images nothing is switched off, so the gradient covers the receptive
    field: 9 pixels for a 3x3 convolution, 8x8 after pooling and a second one (section 5's formula)."""
    conv1, conv2 = nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 3, padding=1)
    for conv in (conv1, conv2):
        nn.init.constant_(conv.weight, 1.0)
        nn.init.zeros_(conv.bias)
    X = torch.rand(3, 1, 8, 8) + 0.1
    first = defined["input_gradients"](nn.Sequential(conv1, nn.ReLU()), X)
    second = defined["input_gradients"](nn.Sequential(conv1, nn.ReLU(), nn.AvgPool2d(2), conv2, nn.ReLU()), X)
    assert ((first > 0).sum(-1) == 9).all()
    rf = defined["receptive_field_formula"]([(3, 1), (2, 2), (3, 1)])[-1]
    assert rf == 8 and ((second > 0).sum(-1) > 9).all() and ((second > 0).sum(-1) <= rf * rf).all()
    assert (defined["mass_area"](second.flatten(0, 1)) > defined["mass_area"](first.flatten(0, 1)).max()).all()


def test_class_share_is_one_for_a_label_code_and_near_zero_for_noise(defined):
    torch.manual_seed(0)
    y = torch.arange(10).repeat(50)
    F = torch.stack([y.float(), torch.randn(len(y))], dim=1)   # (N, 2): the label itself, then noise
    share = defined["class_share"](F, y)
    assert share[0] == pytest.approx(1.0) and share[1] < 0.1

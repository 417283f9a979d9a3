"""Unit tests of helpers.generative: mosaics, the Frechet distance and the classifier-based sample scores."""

import ast
import inspect

import numpy as np
import pytest
import scipy.linalg
import torch
from notebook_code import helper_tree, notebook_definitions

from helpers import generative
from helpers.generative import classes_present, confident_share, frechet_distance, image_mosaic, plot_mosaic


def test_mosaic_places_images_and_gaps():
    images = torch.arange(3.0)[:, None, None].expand(3, 2, 2)         # three constant 2x2 images: 0, 1, 2
    canvas = image_mosaic(images[:, None], ncols=2)                    # (N, 1, H, W) is accepted too
    assert canvas.shape == (2 * 3 - 1, 2 * 3 - 1)
    assert torch.equal(canvas[:2, 3:], torch.ones(2, 2)) and torch.equal(canvas[3:, :2], torch.full((2, 2), 2.0))
    assert torch.isnan(canvas[2]).all() and torch.isnan(canvas[3:, 3:]).all()


def test_mosaic_rejects_flat_rows():
    with pytest.raises(ValueError, match="reshape"):
        image_mosaic(torch.zeros(4, 64))


def test_plot_mosaic_returns_one_axes():
    fig = plot_mosaic(torch.rand(12, 8, 8), ncols=5, title="t", row_labels=["a", "b", "c"])
    assert len(fig.axes) == 1


def test_frechet_distance_closed_form_for_diagonal_gaussians():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(20000, 3, generator=gen, dtype=torch.float64) * torch.tensor([1.0, 2.0, 0.5]) + 1.0
    b = torch.randn(20000, 3, generator=gen, dtype=torch.float64) * torch.tensor([2.0, 2.0, 1.0])
    expected = 3 * 1.0 + (1 - 2) ** 2 + 0 + (0.5 - 1) ** 2               # |mu diff|^2 + sum (sd_a - sd_b)^2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.05)


def test_frechet_distance_matches_scipy_sqrtm_and_is_zero_on_itself():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    b = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) + 0.3
    ca, cb = np.cov(a.T), np.cov(b.T)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * scipy.linalg.sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_rejects_mismatched_features():
    with pytest.raises(ValueError, match="same F"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))


def test_confident_share_and_classes_present():
    probs = torch.tensor([[0.95, 0.05, 0.0], [0.5, 0.5, 0.0], [0.0, 0.02, 0.98], [0.91, 0.09, 0.0]])
    assert confident_share(probs) == pytest.approx(0.75)
    assert confident_share(probs, threshold=0.96) == pytest.approx(0.25)
    assert classes_present(probs) == 2                                   # classes 0 and 2; class 1 never wins
    assert classes_present(probs, min_count=2) == 1
    assert classes_present(probs, threshold=0.9) == 2                    # rows 0, 2 and 3 are confident
    assert classes_present(probs, min_count=2, threshold=0.9) == 1       # class 0 twice, class 2 once


def test_digit_judge_learns_and_scores():
    import torch

    from helpers import load_image_dataset, set_seed
    from helpers.generative import fit_digit_judge
    data = load_image_dataset("digits")
    set_seed(0)
    classifier, judge = fit_digit_judge(data.X_train.flatten(1), data.y_train, num_epochs=3)
    probs, features = judge(data.X_test.flatten(1))
    assert probs.shape == (len(data.X_test), 10) and features.shape == (len(data.X_test), 64)
    assert torch.allclose(probs.sum(1), torch.ones(len(probs)), atol=1e-5)
    assert (probs.argmax(1) == data.y_test).float().mean() > 0.5     # chance is 0.1


# ---- 06_gan teaches the judge on the page; helpers.generative keeps the copy that 05 imports ----------------------

def gan_notebook_definition(name: str) -> ast.AST:
    """The top-level function `name` as 06_gan's code cells define it (the last definition wins)."""
    found = notebook_definitions("06_gan.ipynb")
    assert name in found, f"06_gan no longer defines {name}: update this test or the notebook"
    return found[name]


def test_fit_digit_judge_equals_the_notebook_cell():
    """Compared as syntax trees: comments and line breaks may differ, code and docstrings may not."""
    assert ast.dump(helper_tree(generative.fit_digit_judge)) == ast.dump(gan_notebook_definition("fit_digit_judge")), \
        "helpers.generative.fit_digit_judge differs from 06_gan's cell: copy the notebook's version into the helper"


def test_a_changed_judge_copy_is_caught():
    source = inspect.getsource(generative.fit_digit_judge)
    changed = ast.parse(source.replace("nn.Linear(256, 64)", "nn.Linear(256, 32)", 1)).body[0]
    assert source.count("nn.Linear(256, 64)") == 1
    assert ast.dump(changed) != ast.dump(gan_notebook_definition("fit_digit_judge"))

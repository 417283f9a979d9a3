"""Shared code of the generative notebooks (autoencoder, GAN): image mosaics, the digit judge and its scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from .batches import TensorLoader
from .training import predict, train


def image_mosaic(images: Tensor, ncols: int = 10, gap: int = 1) -> Tensor:
    """Tile images (N, H, W) or (N, 1, H, W) into one (rows*(H+gap)-gap, cols*(W+gap)-gap) image; gaps are NaN."""
    imgs = images.detach().cpu().float()
    if imgs.ndim == 4 and imgs.shape[1] == 1:
        imgs = imgs[:, 0]
    if imgs.ndim != 3 or len(imgs) == 0:
        raise ValueError(f"image_mosaic needs a non-empty stack of gray images (N, H, W) or (N, 1, H, W), "
                         f"got shape {tuple(images.shape)}; reshape flattened rows first.")
    if ncols < 1 or gap < 0:
        raise ValueError(f"ncols={ncols} must be at least 1 and gap={gap} at least 0.")
    n, h, w = imgs.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    canvas = torch.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), float("nan"))
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = img
    return canvas


def plot_mosaic(images: Tensor, ncols: int = 10, title: str = "", size: float = 0.6, cmap: str = "gray",
                symmetric: bool = False, row_labels: list[str] | None = None) -> Figure:
    """Many small images as one picture (one Axes, so fast to draw), with optional labels left of each row."""
    canvas = image_mosaic(images, ncols)
    n = len(images)
    nrows = -(-n // min(ncols, n))
    left = 0.9 if row_labels else 0.0
    fig = Figure(figsize=(size * min(ncols, n) + left, size * nrows + (0.35 if title else 0.1)),
                 layout="constrained")
    ax = fig.subplots()
    lim = float(np.nanmax(np.abs(canvas.numpy()))) if symmetric else None
    ax.imshow(canvas.numpy(), cmap=cmap, vmin=-lim if symmetric else 0.0, vmax=lim if symmetric else 1.0,
              interpolation="nearest")
    ax.set(xticks=[], title=title)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if row_labels:
        h = (canvas.shape[0] + 1) / nrows
        ax.set_yticks([h * (i + 0.5) - 1 for i in range(len(row_labels))], labels=row_labels, fontsize=8)
        ax.tick_params(length=0)
    else:
        ax.set_yticks([])
    return fig


def frechet_distance(features_a: Tensor | np.ndarray, features_b: Tensor | np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, F): the FID formula.

    d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), computed in float64.
    """
    a = torch.as_tensor(np.asarray(features_a), dtype=torch.float64)
    b = torch.as_tensor(np.asarray(features_b), dtype=torch.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"frechet_distance needs two (N, F) feature matrices with the same F, "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}.")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("frechet_distance needs at least 2 rows in each feature set to estimate a covariance.")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T).reshape(a.shape[1], -1), torch.cov(b.T).reshape(b.shape[1], -1)
    # Tr((S_a S_b)^(1/2)) = sum of sqrt(eigenvalues of S_a^(1/2) S_b S_a^(1/2)), a symmetric PSD matrix
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    middle = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0)
    dist = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * middle.sqrt().sum()
    return max(float(dist), 0.0)


def confident_share(probs: Tensor, threshold: float = 0.9) -> float:
    """Share of rows of class probabilities (N, C) whose largest probability exceeds `threshold`."""
    return (probs.max(dim=1).values > threshold).float().mean().item()


def classes_present(probs: Tensor, min_count: int = 1, threshold: float = 0.0) -> int:
    """How many classes win (arg-max with probability > threshold) at least `min_count` rows of probs (N, C)."""
    top, winner = probs.max(dim=1)
    counts = torch.bincount(winner[top > threshold], minlength=probs.shape[1])
    return int((counts >= min_count).sum())


# copied from notebooks/06_gan.ipynb, section 4 "The judge" (tests/test_generative.py checks the copy is the same)
def fit_digit_judge(X_train: Tensor, y_train: Tensor, num_epochs: int, device: torch.device | str = "cpu",
                    ) -> tuple[nn.Module, Callable[[Tensor], tuple[Tensor, Tensor]]]:
    """Train the judge's digit classifier on images (N, D) in [0, 1]; return it and judge(X) -> (probs, features)."""
    features = nn.Sequential(nn.Linear(X_train.shape[1], 256), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(256, 64), nn.ReLU())                   # (B, D) -> (B, 64)
    classifier = nn.Sequential(features, nn.Linear(64, 10))                    # (B, D) -> (B, 64) -> (B, 10)
    train(classifier, TensorLoader(X_train, y_train, batch_size=64, shuffle=True), num_epochs, lr=1e-3,
          device=device, desc="digit classifier")

    def judge(X: Tensor) -> tuple[Tensor, Tensor]:
        """Class probabilities (N, 10) and features (N, 64) of images X (N, D) with values in [0, 1]."""
        return F.softmax(predict(classifier, X), dim=1), predict(features, X)

    return classifier, judge

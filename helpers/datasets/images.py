"""Offline datasets as tensors with a fixed train/validation/test split, the optional MNIST download, and
shifted or noisy copies of test images that are the same on every run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..download import download, read_idx
from ..params import ParameterError
from . import SPLIT_SEED

IMAGE_DATASETS = ("digits", "mnist")
SAMPLE_PHOTOS = ("china.jpg", "flower.jpg")  # bundled with scikit-learn

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MNIST_FILES = {  # name: (file, sha256)
    "train_images": ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}


@dataclass
class Split:
    """Inputs and labels for training, validation and test, plus the class names."""

    X_train: Tensor
    y_train: Tensor
    X_val: Tensor
    y_val: Tensor
    X_test: Tensor
    y_test: Tensor
    classes: list[str]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part}={len(getattr(self, 'y_' + part))}" for part in ("train", "val", "test"))
        return f"Split({sizes}, X shape per example {tuple(self.X_train.shape[1:])}, {len(self.classes)} classes)"


def holdout(idx: np.ndarray, labels: np.ndarray, fraction: float,
            seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Split indices `idx` into (kept, held out), stratified by `labels[idx]`, the same for every call."""
    from sklearn.model_selection import train_test_split

    kept, held = train_test_split(idx, test_size=fraction, stratify=labels[idx], random_state=seed)
    return np.sort(kept), np.sort(held)


def stratified_split(labels: np.ndarray, val_fraction: float,
                     test_fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of a fixed, stratified train/validation/test split (fractions of the whole set)."""
    rest, test = holdout(np.arange(len(labels)), labels, test_fraction)
    train, val = holdout(rest, labels, val_fraction / (1 - test_fraction))
    return train, val, test


def _make_split(X: np.ndarray, y: np.ndarray, parts: tuple[np.ndarray, ...], classes: list[str]) -> Split:
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    tensors = [t for idx in parts for t in (Xt[idx], yt[idx])]
    return Split(*tensors, classes=classes)


def load_digits(val_fraction: float = 0.2, test_fraction: float = 0.2) -> Split:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images) as (N, 1, 8, 8) floats in [0, 1]."""
    from sklearn.datasets import load_digits as sk_digits

    digits = sk_digits()
    X = digits.images[:, None].astype(np.float32) / 16.0  # (N, 1, 8, 8), pixel values 0..16 -> 0..1
    parts = stratified_split(digits.target, val_fraction, test_fraction)
    return _make_split(X, digits.target, parts, [str(c) for c in range(10)])


def load_mnist(folder: str | Path | None = None, val_size: int = 5000, mirrors: tuple[str, ...] = MNIST_MIRRORS,
               files: dict[str, tuple[str, str]] = MNIST_FILES) -> Split:
    """MNIST (60,000 + 10,000 images of 28x28) as (N, 1, 28, 28) floats in [0, 1]; downloaded once, then cached."""
    arrays = {name: read_idx(download([m + fname for m in mirrors], fname, sha, folder))
              for name, (fname, sha) in files.items()}
    for part in ("train", "test"):
        n_img, n_lab = len(arrays[f"{part}_images"]), len(arrays[f"{part}_labels"])
        if n_img != n_lab:
            raise ParameterError(f"MNIST {part}: {n_img} images but {n_lab} labels; delete the cached files.")
    X = np.concatenate([arrays["train_images"], arrays["test_images"]])[:, None].astype(np.float32) / 255.0
    y = np.concatenate([arrays["train_labels"], arrays["test_labels"]]).astype(np.int64)
    n_train = len(arrays["train_labels"])
    train, val = holdout(np.arange(n_train), y, val_size / n_train)
    test = np.arange(n_train, len(y))
    return _make_split(X, y, (train, val, test), [str(c) for c in range(10)])


def load_image_dataset(name: str, folder: str | Path | None = None) -> Split:
    """The image-classification dataset called `name`: "digits" (bundled) or "mnist" (downloaded once)."""
    if name == "digits":
        return load_digits()
    if name == "mnist":
        return load_mnist(folder)
    raise ParameterError(f"Unknown dataset {name!r}: use one of {', '.join(IMAGE_DATASETS)} "
                         "('digits' ships with scikit-learn; 'mnist' is downloaded once, about 11 MB).")


def load_sample_photo(name: str = "china.jpg", gray: bool = True) -> Tensor:
    """One of scikit-learn's bundled photos ("china.jpg", "flower.jpg"): (H, W) gray or (3, H, W), in [0, 1]."""
    from sklearn.datasets import load_sample_image

    if name not in SAMPLE_PHOTOS:
        raise ParameterError(f"No bundled photo called {name!r}; use one of {', '.join(SAMPLE_PHOTOS)}.")
    image = load_sample_image(name).astype(np.float32) / 255.0  # (H, W, 3)
    photo = torch.from_numpy(image).permute(2, 0, 1)  # (3, H, W)
    return photo.mean(dim=0) if gray else photo


def shift_images(X: Tensor, dy: int, dx: int) -> Tensor:
    """Images X (N, C, H, W) moved dy pixels down and dx pixels right (negative: up, left); new pixels are 0."""
    H, W = X.shape[-2:]
    if abs(dy) >= H or abs(dx) >= W:
        raise ParameterError(f"shift ({dy}, {dx}) moves {H}x{W} images out of the frame; use |dy| < {H}, |dx| < {W}.")
    out = torch.zeros_like(X)
    out[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        X[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


def perturb_images(X: Tensor, max_shift: int = 1, noise_std: float = 0.2, seed: int = SPLIT_SEED) -> Tensor:
    """A harder copy of images X (N, C, H, W) in [0, 1]: each shifted by its own random offset in
    [-max_shift, max_shift] along each axis, plus Gaussian noise of std `noise_std`, clipped to [0, 1].

    The offsets and the noise come from a generator seeded with `seed`, not from the global seed:
    every run, whatever its `seed`, is tested on the same images.
    """
    if max_shift < 0 or noise_std < 0:
        raise ParameterError(f"max_shift={max_shift} and noise_std={noise_std} must be non-negative.")
    if len(X) == 0:
        return X.clone()
    gen = torch.Generator().manual_seed(seed)
    offsets = torch.randint(-max_shift, max_shift + 1, (len(X), 2), generator=gen)  # (N, 2): dy, dx per image
    shifted = torch.cat([shift_images(X[i:i + 1], int(dy), int(dx)) for i, (dy, dx) in enumerate(offsets)])
    noise = noise_std * torch.randn(X.shape, generator=gen, dtype=X.dtype)
    return (shifted + noise).clamp(0.0, 1.0)

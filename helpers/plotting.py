"""Plots the notebooks share. Each function takes data, returns a matplotlib Figure and writes no file.

Figures are made with `matplotlib.figure.Figure`, not pyplot, so a notebook shows each one exactly once:
when a cell ends on it (or calls `display(fig)`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from torch import Tensor


def _numpy(x: Tensor | np.ndarray | Sequence[float]) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def plot_history(history: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """Learning curves: one panel per quantity (loss, accuracy, ...), train and validation side by side."""
    names = sorted({k.split("_", 1)[1] for k in history if k.startswith(("train_", "val_"))},
                   key=lambda n: (n != "loss", n))
    fig = Figure(figsize=(4.5 * len(names), 3.2), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    epochs = history.get("epoch", range(1, 1 + len(next(iter(history.values())))))
    by_step = "step" in history and any(e != int(e) for e in epochs)  # a step budget: rows are not whole epochs
    x, xlabel = (history["step"], "step") if by_step else (epochs, "epoch")
    for ax, name in zip(axes, names, strict=True):
        for split, style in (("train", "-"), ("val", "--")):
            if f"{split}_{name}" in history:
                ax.plot(x, history[f"{split}_{name}"], style, marker=".", label=split)
        ax.set(xlabel=xlabel, ylabel=name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_image_grid(images: Tensor | np.ndarray, titles: Sequence[str] | None = None, ncols: int = 10,
                    cmap: str = "gray", symmetric: bool = False, title: str = "", size: float = 1.1) -> Figure:
    """A grid of images, (N, H, W) or (N, 1, H, W) or (N, 3, H, W), optionally titled one by one."""
    imgs = _numpy(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0] if imgs.shape[1] == 1 else imgs.transpose(0, 2, 3, 1)
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    aspect = imgs.shape[1] / imgs.shape[2]  # height / width of one image
    height = size * nrows * aspect + (0.3 if title else 0) + (0.25 * nrows if titles is not None else 0)
    fig = Figure(figsize=(size * ncols, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        lim = np.abs(imgs[i]).max() if symmetric else None
        ax.imshow(imgs[i], cmap=cmap, vmin=-lim if symmetric else None, vmax=lim)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_filters(weight: Tensor, title: str = "learned filters") -> Figure:
    """Convolution kernels (out, in, kH, kW), first input channel, in a red (positive) / blue (negative) map."""
    return plot_image_grid(weight[:, 0], ncols=min(16, len(weight)), cmap="RdBu_r", symmetric=True, title=title)


def plot_feature_maps(maps: Tensor, title: str = "", ncols: int = 8) -> Figure:
    """Channels of one feature map (C, H, W) side by side."""
    return plot_image_grid(maps, titles=[f"ch {i}" for i in range(len(maps))], ncols=ncols,
                           cmap="viridis", title=title)


def plot_confusion_matrix(y_true: Tensor | np.ndarray, y_pred: Tensor | np.ndarray,
                          classes: Sequence[str]) -> Figure:
    """Counts of (true class, predicted class) pairs; off-diagonal cells are the mistakes."""
    k = len(classes)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (_numpy(y_true), _numpy(y_pred)), 1)
    fig = Figure(figsize=(0.45 * k + 1.8, 0.45 * k + 1.4), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(counts, cmap="Blues")
    for (i, j), c in np.ndenumerate(counts):
        if c:
            ax.text(j, i, str(c), ha="center", va="center", fontsize=8,
                    color="white" if c > counts.max() / 2 else "black")
    ax.set(xticks=range(k), yticks=range(k), xticklabels=classes, yticklabels=classes,
           xlabel="predicted", ylabel="true", title="confusion matrix")
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


Series = Sequence[float] | tuple[Sequence[float], Sequence[float]] | tuple[Sequence[float], Sequence[float], tuple]
_HLINE_STYLES = (":", "--", "-.", (0, (1, 3)))


def plot_lines(x: Sequence[float] | None, series: Mapping[str, Series], xlabel: str, ylabel: str,
               title: str = "", logx: bool = False, logy: bool = False,
               hlines: Mapping[str, float] | None = None) -> Figure:
    """Named curves: each value is y over the shared `x`, or its own `(x, y)`, or `(x, y, (low, high))` with a
    band (e.g. min and max over seeds); optional labelled horizontal reference lines, each in its own style."""
    fig = Figure(figsize=(5.5, 3.5), layout="constrained")
    ax = fig.subplots()
    for name, value in series.items():
        if isinstance(value, tuple):
            xs, ys, *band = value
        elif x is None:
            raise ValueError(f"series {name!r} has no x: pass x, or give the series as (x, y).")
        else:
            xs, ys, band = x, value, []
        line, = ax.plot(_numpy(xs), _numpy(ys), marker=".", label=name)
        if band:
            low, high = band[0]
            ax.fill_between(_numpy(xs), _numpy(low), _numpy(high), color=line.get_color(), alpha=0.2, linewidth=0)
    for (name, y), style in zip((hlines or {}).items(), _HLINE_STYLES * 4, strict=False):
        ax.axhline(y, color="gray", linestyle=style, label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    for use, axis in ((logx, ax.xaxis), (logy, ax.yaxis)):
        if use:
            getattr(ax, f"set_{axis.axis_name}scale")("log")
            axis.set_minor_formatter(NullFormatter())  # label decades only: minor labels overlap
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return fig

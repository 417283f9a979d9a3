"""Seeding, device choice, batching and the one training loop that every notebook uses."""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.std import tqdm

from .checks import ParameterError

Batch = Sequence[Tensor]
StepFn = Callable[[Batch], dict[str, float]]
DEVICES = ("auto", "cpu", "cuda", "mps")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_device(name: str = "auto") -> torch.device:
    """Turn "auto", "cpu", "cuda" or "mps" into a torch.device, or say why that device is not there."""
    if name not in DEVICES:
        raise ParameterError(f"device={name!r} is not a device name; use one of {', '.join(DEVICES)}.")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            "device='cuda' was asked for, but PyTorch sees no CUDA GPU here "
            f"(torch {torch.__version__}, built with CUDA {torch.version.cuda}). "
            "Use device='auto' or device='cpu', or install a CUDA build of torch on a machine with a GPU."
        )
    if name == "mps" and not torch.backends.mps.is_available():
        raise ParameterError("device='mps' was asked for, but no Apple-silicon GPU is available here; "
                             "use device='auto' or device='cpu'.")
    return torch.device(name)


class TensorLoader:
    """Mini-batches of in-memory tensors: a lighter, faster DataLoader for small datasets."""

    def __init__(self, *tensors: Tensor, batch_size: int = 64, shuffle: bool = False,
                 transform: Callable[[Tensor], Tensor] | None = None, drop_last: bool = False) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError("TensorLoader needs one or more tensors with the same first dimension.")
        self.tensors, self.batch_size, self.shuffle = tensors, batch_size, shuffle
        self.transform, self.drop_last = transform, drop_last

    def __len__(self) -> int:
        n = len(self.tensors[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        n = len(self.tensors[0])
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            batch = [t[idx] for t in self.tensors]
            if self.transform is not None:
                batch[0] = self.transform(batch[0])
            yield tuple(batch)


def to_device(batch: Batch, device: torch.device | str) -> tuple[Tensor, ...]:
    """Move every tensor of a batch to `device`."""
    return tuple(t.to(device) for t in batch)


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    """Share of rows whose arg-max over the last dimension equals the integer label."""
    return (y_hat.argmax(dim=-1) == y).float().mean().item()


def _is_classification(y_hat: Tensor, y: Tensor) -> bool:
    return not y.is_floating_point() and y_hat.shape[:-1] == y.shape


def optimizer_step(optimizer: torch.optim.Optimizer, loss: Tensor, max_grad_norm: float | None = None) -> None:
    """Back-propagate `loss` and update: zero the gradients, backward, optionally clip their norm, step."""
    optimizer.zero_grad()
    loss.backward()
    if max_grad_norm is not None:
        nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_grad_norm)
    optimizer.step()


def supervised_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: Callable,
                    max_grad_norm: float | None = None) -> StepFn:
    """The default step: forward, loss, then `optimizer_step` (backward, optional clipping, update)."""
    def step(batch: Batch) -> dict[str, float]:
        X, y = batch[0], batch[1]
        y_hat = model(X)
        loss = loss_fn(y_hat, y)
        optimizer_step(optimizer, loss, max_grad_norm)
        out = {"loss": loss.item()}
        if _is_classification(y_hat, y):
            out["accuracy"] = accuracy(y_hat.detach(), y)
        return out
    return step


@torch.no_grad()
def evaluate(model: nn.Module, loader: TensorLoader, loss_fn: Callable = F.cross_entropy,
             device: torch.device | str = "cpu") -> dict[str, float]:
    """Mean loss (and accuracy, for integer labels) of `model` over `loader`, in eval mode."""
    was_training = model.training
    model.eval()
    totals: dict[str, float] = defaultdict(float)
    count = 0
    for batch in loader:
        X, y = to_device(batch, device)[:2]
        y_hat = model(X)
        totals["loss"] += loss_fn(y_hat, y).item() * len(X)
        if _is_classification(y_hat, y):
            totals["accuracy"] += accuracy(y_hat, y) * len(X)
        count += len(X)
    model.train(was_training)
    return {k: v / count for k, v in totals.items()}


@torch.no_grad()
def predict(model: nn.Module, X: Tensor, batch_size: int = 256, device: torch.device | str = "cpu") -> Tensor:
    """Model outputs for every row of X, computed in eval mode in batches, returned on the CPU."""
    was_training = model.training
    model.eval()
    outs = [model(xb.to(device)).cpu() for (xb,) in TensorLoader(X, batch_size=batch_size)]
    model.train(was_training)
    return torch.cat(outs)


def train(model: nn.Module, train_loader: TensorLoader, num_epochs: int, *, lr: float = 1e-3,
          loss_fn: Callable = F.cross_entropy, optimizer: torch.optim.Optimizer | None = None,
          step_fn: StepFn | None = None, val_loader: TensorLoader | None = None,
          eval_fn: Callable[[nn.Module], dict[str, float]] | None = None,
          scheduler: torch.optim.lr_scheduler.LRScheduler | None = None, max_grad_norm: float | None = None,
          device: torch.device | str = "cpu", desc: str = "train", progress: bool = True) -> dict[str, list[float]]:
    """Train for `num_epochs`; return the history: one list per metric, one value per epoch.

    Each batch goes to `step_fn` (default: `supervised_step` with Adam at `lr`), which returns named
    numbers; their per-epoch means become `train_<name>`. `val_loader` adds `val_loss`/`val_accuracy`,
    `eval_fn(model)` adds any other per-epoch metric, and `scheduler` steps once per batch.
    """
    if num_epochs < 1:
        raise ParameterError(f"num_epochs={num_epochs} must be at least 1.")
    model.to(device)
    if step_fn is None:
        optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
        step_fn = supervised_step(model, optimizer, loss_fn, max_grad_norm)
    history: dict[str, list[float]] = defaultdict(list)
    start = time.perf_counter()
    bar = tqdm(total=num_epochs * len(train_loader), desc=desc, unit="batch", file=sys.stdout,
               disable=not progress, mininterval=1.0)
    for epoch in range(1, num_epochs + 1):
        model.train()
        sums: dict[str, float] = defaultdict(float)
        seen = 0
        for batch in train_loader:
            batch = to_device(batch, device)
            for key, value in step_fn(batch).items():
                sums[key] += value * len(batch[0])
            seen += len(batch[0])
            if scheduler is not None:
                scheduler.step()
            bar.update(1)
        history["epoch"].append(epoch)
        for key, value in sums.items():
            history[f"train_{key}"].append(value / seen)
        if val_loader is not None:
            for key, value in evaluate(model, val_loader, loss_fn, device).items():
                history[f"val_{key}"].append(value)
        if eval_fn is not None:
            for key, value in eval_fn(model).items():
                history[key].append(value)
        history["time_s"].append(time.perf_counter() - start)
        bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.items() if k not in ("epoch", "time_s")},
                        refresh=False)
    bar.close()
    return dict(history)

"""The one training loop that every notebook uses, its default step, and evaluation."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.std import tqdm

from .batches import Batch, TensorLoader, to_device
from .params import ParameterError

StepFn = Callable[[Batch], dict[str, float]]


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (the CPU for a model with neither)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


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
def evaluate(model: nn.Module, loader: TensorLoader, loss_fn: Callable = F.cross_entropy) -> dict[str, float]:
    """Mean loss (and accuracy, for integer labels) of `model` over `loader`, in eval mode, on the model's device."""
    was_training = model.training
    model.eval()
    device = model_device(model)
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
def predict(model: nn.Module, X: Tensor, batch_size: int = 256) -> Tensor:
    """Model outputs for every row of X, computed in eval mode in batches on the model's device, returned on the CPU."""
    was_training = model.training
    model.eval()
    device = model_device(model)
    outs = [model(xb.to(device)).cpu() for (xb,) in TensorLoader(X, batch_size=batch_size)]
    model.train(was_training)
    return torch.cat(outs)


def _check_budget(num_epochs: int | None, num_steps: int | None, eval_every: int | None) -> None:
    if (num_epochs is None) == (num_steps is None):
        raise ParameterError("train needs exactly one budget: num_epochs (passes over the data) or num_steps.")
    for name, value in (("num_epochs", num_epochs), ("num_steps", num_steps), ("eval_every", eval_every)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ParameterError(f"{name}={value!r} must be a whole number of at least 1.")
    if eval_every is not None and num_steps is None:
        raise ParameterError("eval_every goes with num_steps; with num_epochs the history has one row per epoch.")


def train(model: nn.Module, train_loader: TensorLoader, num_epochs: int | None = None, *,
          num_steps: int | None = None, eval_every: int | None = None, lr: float | None = None,
          loss_fn: Callable = F.cross_entropy, optimizer: torch.optim.Optimizer | None = None,
          step_fn: StepFn | None = None, val_loader: TensorLoader | None = None,
          eval_fn: Callable[[nn.Module], dict[str, float]] | None = None,
          scheduler: torch.optim.lr_scheduler.LRScheduler | None = None, max_grad_norm: float | None = None,
          max_seconds: float | None = None, device: torch.device | str | None = None, desc: str = "train",
          progress: bool = True) -> dict[str, list[float]]:
    """Train for `num_epochs` passes over `train_loader`, or for exactly `num_steps` steps; return the history.

    The history has one list per metric and one row per record: after every epoch, or with `num_steps` after
    every `eval_every` steps (default: one pass over the loader) and after the last. `step` and `epoch` (steps
    over batches per pass) say when; `train_<name>` averages what `step_fn` returned since the last record.
    Each batch goes to `step_fn` (default: `supervised_step` with Adam at `lr`, 1e-3 unless given);
    `val_loader` adds `val_loss`/`val_accuracy`, `eval_fn(model)` any other metric, `scheduler` steps per batch.
    `max_seconds` stops early once that much training time (steps only, evaluation excluded) has passed:
    an equal wall-clock budget. `time_s` is that training time. The model trains where it is, or on `device`.
    """
    _check_budget(num_epochs, num_steps, eval_every)
    if max_seconds is not None and not max_seconds > 0:
        raise ParameterError(f"max_seconds={max_seconds!r} must be a positive number of seconds.")
    if len(train_loader) < 1:
        raise ParameterError("train_loader yields no batches: the training set is smaller than one batch.")
    if step_fn is not None and (lr is not None or optimizer is not None or max_grad_norm is not None):
        raise ParameterError("lr, optimizer and max_grad_norm configure the default step; with step_fn, "
                             "set them inside your step function instead.")
    if device is not None:
        model.to(device)
    device = model_device(model)
    if step_fn is None:
        optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=1e-3 if lr is None else lr)
        step_fn = supervised_step(model, optimizer, loss_fn, max_grad_norm)
    per_epoch = len(train_loader)
    total = num_steps if num_steps is not None else num_epochs * per_epoch
    every = eval_every or per_epoch
    history: dict[str, list[float]] = defaultdict(list)
    sums: dict[str, float] = defaultdict(float)
    seen, step, elapsed = 0, 0, 0.0
    bar = tqdm(total=total, desc=desc, unit="batch", file=sys.stdout, disable=not progress, mininterval=1.0)
    model.train()
    while step < total:
        for batch in train_loader:
            tick = time.perf_counter()
            batch = to_device(batch, device)
            for key, value in step_fn(batch).items():  # .item() in the step waits for the device to finish
                sums[key] += value * len(batch[0])
            if scheduler is not None:
                scheduler.step()
            elapsed += time.perf_counter() - tick
            seen += len(batch[0])
            step += 1
            bar.update(1)
            if max_seconds is not None and elapsed >= max_seconds:
                total = bar.total = step
            if step % every == 0 or step == total:
                _record(history, model, step, per_epoch, sums, seen, val_loader, loss_fn, eval_fn)
                history["time_s"].append(elapsed)
                bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.items()
                                 if k not in ("step", "epoch", "time_s")}, refresh=False)
                sums, seen = defaultdict(float), 0
            if step == total:
                break
    bar.close()
    return dict(history)


def _record(history: dict[str, list[float]], model: nn.Module, step: int, per_epoch: int,
            sums: dict[str, float], seen: int, val_loader: TensorLoader | None, loss_fn: Callable,
            eval_fn: Callable[[nn.Module], dict[str, float]] | None) -> None:
    """Append one row to the history: when, the training metrics since the last row, and evaluation."""
    history["step"].append(step)
    history["epoch"].append(step // per_epoch if step % per_epoch == 0 else step / per_epoch)
    for key, value in sums.items():
        history[f"train_{key}"].append(value / seen)
    if val_loader is not None:
        for key, value in evaluate(model, val_loader, loss_fn).items():
            history[f"val_{key}"].append(value)
    if eval_fn is not None:
        for key, value in eval_fn(model).items():
            history[key].append(value)
    model.train()

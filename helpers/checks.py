"""Checks: a from-scratch layer against its PyTorch reference (outputs and gradients)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor


def _tensors(out: Any) -> list[Tensor]:
    """Flatten a tensor, or a (nested) tuple or list of tensors, into a list of tensors."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, list | tuple):
        return [t for item in out for t in _tensors(item)]
    raise TypeError(f"expected a tensor or a tuple of tensors, got {type(out).__name__}")


def _assert_close(name: str, ours: Tensor | None, ref: Tensor | None, atol: float, rtol: float) -> float:
    """Assert two tensors agree within tolerance; return the largest absolute difference."""
    if ours is None or ref is None:
        if ours is None and ref is None:
            return 0.0
        missing = "ours" if ours is None else "the reference"
        raise AssertionError(f"{name}: {missing} has no gradient while the other has one.")
    if ours.shape != ref.shape:
        raise AssertionError(f"{name}: shape {tuple(ours.shape)} (ours) != {tuple(ref.shape)} (reference).")
    diff = (ours.detach().double() - ref.detach().double()).abs()
    worst = diff.max().item() if diff.numel() else 0.0
    if not torch.allclose(ours.detach().double(), ref.detach().double(), atol=atol, rtol=rtol):
        idx = tuple(int(i) for i in torch.unravel_index(diff.argmax(), diff.shape))
        raise AssertionError(
            f"{name}: max |ours - reference| = {worst:.3g} at index {idx} "
            f"(ours {ours.detach().flatten()[diff.argmax()].item():.6g}, "
            f"reference {ref.detach().flatten()[diff.argmax()].item():.6g}); tolerance atol={atol:g}, rtol={rtol:g}."
        )
    return worst


def compare_with_reference(ours: Callable[..., Any], reference: Callable[..., Any], *inputs: Tensor,
                           param_pairs: Iterable[tuple[str, Tensor, Tensor]] = (), atol: float = 1e-5,
                           rtol: float = 1e-4, seed: int = 0) -> dict[str, float]:
    """Run `ours` and `reference` on copies of `inputs`; assert outputs and gradients agree.

    Gradients are compared for every floating-point input and for each (name, our_param, ref_param)
    in `param_pairs`, after back-propagating the same random upstream gradient through both outputs.
    Returns the largest absolute differences seen, for display.
    """
    ins_a = [x.detach().clone().requires_grad_(x.is_floating_point()) for x in inputs]
    ins_b = [x.detach().clone().requires_grad_(x.is_floating_point()) for x in inputs]
    param_pairs = list(param_pairs)
    for _, p_a, p_b in param_pairs:
        p_a.grad, p_b.grad = None, None
    outs_a, outs_b = _tensors(ours(*ins_a)), _tensors(reference(*ins_b))
    if len(outs_a) != len(outs_b):
        raise AssertionError(f"ours returns {len(outs_a)} tensors, the reference {len(outs_b)}.")
    report = {"max_output_diff": 0.0, "max_grad_diff": 0.0}
    for i, (a, b) in enumerate(zip(outs_a, outs_b, strict=True)):
        report["max_output_diff"] = max(report["max_output_diff"], _assert_close(f"output {i}", a, b, atol, rtol))
    gen = torch.Generator().manual_seed(seed)
    upstream = [torch.randn(b.shape, generator=gen, dtype=b.dtype).to(b.device) for b in outs_b]
    loss_a = sum((a * g).sum() for a, g in zip(outs_a, upstream, strict=True) if a.requires_grad)
    loss_b = sum((b * g).sum() for b, g in zip(outs_b, upstream, strict=True) if b.requires_grad)
    if isinstance(loss_a, Tensor) and isinstance(loss_b, Tensor):
        loss_a.backward()
        loss_b.backward()
    grads = [(f"gradient of input {i}", a.grad, b.grad) for i, (a, b) in enumerate(zip(ins_a, ins_b, strict=True))
             if a.is_floating_point()]
    grads += [(f"gradient of {name}", p_a.grad, p_b.grad) for name, p_a, p_b in param_pairs]
    for name, g_a, g_b in grads:
        report["max_grad_diff"] = max(report["max_grad_diff"], _assert_close(name, g_a, g_b, atol, rtol))
    return report

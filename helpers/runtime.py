"""Seeding, device choice, parameter counts and step timing: the set-up every notebook shares."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from .params import ParameterError

DEVICES = ("auto", "cpu", "cuda", "mps")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_device(name: str = "auto") -> torch.device:
    """Turn "auto", "cpu", "cuda" or "mps" into a torch.device (CPU: one thread, see below), or say why not."""
    if name not in DEVICES:
        raise ParameterError(f"device={name!r} is not a device name; use one of {', '.join(DEVICES)}.")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    if name == "cpu":
        use_cpu_threads()
    if name == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            "device='cuda' was asked for, but PyTorch sees no CUDA GPU here "
            f"(torch {torch.__version__}, built with CUDA {torch.version.cuda}). "
            "Use device='auto' or device='cpu', or install a CUDA build of torch on a machine with a GPU."
        )
    if name == "cuda":
        use_full_precision_on_cuda()
    if name == "mps" and not torch.backends.mps.is_available():
        raise ParameterError("device='mps' was asked for, but no Apple-silicon GPU is available here; "
                             "use device='auto' or device='cpu'.")
    return torch.device(name)


def use_full_precision_on_cuda() -> None:
    """Compute float32 in float32 on CUDA (the notebooks' 1e-5 checks against torch fail with TF32)."""
    # cuDNN's recurrent and convolution kernels use TF32 by default on recent GPUs: about 1e-3 relative error.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False


def use_cpu_threads() -> int:
    """Train on one CPU thread unless $OMP_NUM_THREADS says otherwise; return the number of threads in use.

    The course's models are small: with torch's default of one thread per core, a second busy process (a
    browser, another notebook) made them several times slower on a laptop, while one thread costs a little
    on an idle machine (benchmarks/thread_steps.py measures both). Set $OMP_NUM_THREADS before starting
    Jupyter to choose another number; the runner sets it for its kernels.
    """
    given = os.environ.get("OMP_NUM_THREADS", "").strip()
    threads = int(given) if given.isdigit() and int(given) > 0 else 1
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def seconds_per_step(step_fn: Callable[[tuple[Tensor, ...]], object], batch: tuple[Tensor, ...],
                     num_steps: int = 20, warmup: int = 3) -> float:
    """Median wall time of one call of `step_fn(batch)` (a training step), after `warmup` calls."""
    times = []
    for i in range(warmup + num_steps):
        if batch[0].is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        step_fn(batch)
        if batch[0].is_cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return float(np.median(times))

"""How much time `helpers.train` adds to a bare PyTorch loop, per epoch (the issue's budget: within 5%).

    python benchmarks/train_overhead.py            # 01_cnn's model on the 8x8 digits, 7 repeats, one thread
    python benchmarks/train_overhead.py --repeats 11 --threads 2

Both loops train the same model from the same weights on the same batches (forward, cross-entropy, backward,
Adam step); the shared loop adds its bookkeeping (per-step metrics, accuracy, history, progress bar off).
Repeats alternate the two loops, so drift in the machine's speed hits both; the ratio of medians is printed.
Run it on an otherwise idle machine and say so when you quote it.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from helpers import TensorLoader, set_seed, train
from helpers.datasets.images import load_digits


def make_model() -> nn.Module:
    """The CNN of 01_cnn at its default width (two 3x3 convolutions with pooling, then a linear layer)."""
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 2 * 2, 10))


def bare_epoch(model: nn.Module, loader: TensorLoader, optimizer: torch.optim.Optimizer) -> None:
    """One epoch of the plainest loop: forward, loss, zero_grad, backward, step."""
    model.train()
    for X, y in loader:
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=5, help="epochs per timed run")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_digits()
    set_seed(0)
    start_model = make_model()
    bare_times, shared_times = [], []
    for _ in range(args.repeats):
        for kind in ("bare", "shared"):
            model = copy.deepcopy(start_model)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            loader = TensorLoader(data.X_train, data.y_train, batch_size=64, shuffle=True)
            torch.manual_seed(1)
            tick = time.perf_counter()
            if kind == "bare":
                for _ in range(args.epochs):
                    bare_epoch(model, loader, optimizer)
                bare_times.append((time.perf_counter() - tick) / args.epochs)
            else:
                train(model, loader, args.epochs, optimizer=optimizer, progress=False)
                shared_times.append((time.perf_counter() - tick) / args.epochs)
    bare, shared = statistics.median(bare_times), statistics.median(shared_times)
    print(f"bare PyTorch loop: {1000 * bare:.1f} ms per epoch (median of {args.repeats})")
    print(f"helpers.train:     {1000 * shared:.1f} ms per epoch (median of {args.repeats})")
    print(f"ratio: {shared / bare:.3f} (budget: 1.05), {args.threads} thread(s), {len(data.X_train)} images per epoch")


if __name__ == "__main__":
    main()

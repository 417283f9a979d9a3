"""nn.GRU against nn.LSTM: time per step over a grid of widths and batch sizes, for training and for inference.

    python benchmarks/rnn_step_grid.py                      # about ten seconds on an idle core
    python benchmarks/rnn_step_grid.py --device cuda --threads 4 --hiddens 32 128 512 1024
    python benchmarks/rnn_step_grid.py --device cuda --rounds 3 --json benchmarks/results/rnn_step_grid_cuda.json

The grid of notebook 04 (section 5), standalone, with more sizes or rounds when you want them. A training step
is forward + backward + Adam step of one recurrent layer on a batch of `--seq-len` steps; an inference step is
the forward pass under torch.no_grad(). Each time is the median (helpers.seconds_per_step) of as many calls as
fit in `--point-seconds` (2 to 20), after one warm-up call; the GRU and the LSTM of one grid point are timed one
after the other, in alternating order over `--rounds` rounds (the minimum is kept), so that a change of load on
a shared machine hits both. Prints the times and the GRU/LSTM ratio (below 1: the GRU is faster); `--json` also
writes them with the machine they came from (notebook 04 shows the committed GPU grid,
benchmarks/results/rnn_step_grid_cuda.json, beside its own). Run it with nothing else on the machine and say so
when you quote it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import date
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import get_device, seconds_per_step  # noqa: E402
from helpers.recurrent import recurrent_layer  # noqa: E402


def step_seconds(cell: str, num_hiddens: int, batch_size: int, training: bool, seq_len: int = 16,
                 input_size: int = 32, point_seconds: float = 0.05, device: torch.device | str = "cpu") -> float:
    """Median seconds of one training (forward, backward, Adam) or inference step of a one-layer nn.GRU/nn.LSTM.

    One warm-up call, then as many timed calls as fit in about `point_seconds` (at least 2, at most 20).
    """
    layer = recurrent_layer(cell, input_size, num_hiddens).to(device)
    X = torch.randn(batch_size, seq_len, input_size, device=device)  # (B, T, D)
    if training:
        optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3)

        def step(batch: tuple[torch.Tensor, ...]) -> None:
            optimizer.zero_grad()
            layer(batch[0])[0].square().mean().backward()
            optimizer.step()
    else:
        @torch.no_grad()
        def step(batch: tuple[torch.Tensor, ...]) -> None:
            layer(batch[0])
    first = seconds_per_step(step, (X,), num_steps=1, warmup=0)  # the warm-up call, timed to size the rest
    return seconds_per_step(step, (X,), num_steps=min(20, max(2, round(point_seconds / first))), warmup=0)


def main() -> None:
    """Time the grid and print one row per (mode, width, batch size)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hiddens", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 128])
    parser.add_argument("--seq-len", type=int, default=16)
    parser.add_argument("--point-seconds", type=float, default=0.05, help="timed seconds per model and point")
    parser.add_argument("--rounds", type=int, default=1, help="alternating GRU/LSTM rounds; the minimum is kept")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, help="also write the times and the machine to this JSON file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = get_device(args.device)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} thread(s), seq_len {args.seq_len}")
    print(f"{'mode':<9} {'H':>5} {'B':>5} {'GRU ms':>9} {'LSTM ms':>9} {'GRU/LSTM':>9}")
    rows = []
    for training in (True, False):
        for H in args.hiddens:
            for B in args.batch_sizes:
                best = {"gru": float("inf"), "lstm": float("inf")}
                for r in range(args.rounds):
                    for cell in ("gru", "lstm") if r % 2 == 0 else ("lstm", "gru"):
                        best[cell] = min(best[cell], step_seconds(cell, H, B, training, args.seq_len,
                                                                  point_seconds=args.point_seconds, device=device))
                print(f"{'training' if training else 'inference':<9} {H:>5} {B:>5} {1000 * best['gru']:>9.3f} "
                      f"{1000 * best['lstm']:>9.3f} {best['gru'] / best['lstm']:>9.2f}", flush=True)
                rows.append({"mode": "training" if training else "inference", "H": H, "B": B,
                             "gru_ms": 1000 * best["gru"], "lstm_ms": 1000 * best["lstm"]})
    if args.json:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
        machine = {"device": str(device), "name": name, "torch": torch.__version__, "threads": torch.get_num_threads(),
                   "date": date.today().isoformat()}
        settings = {k: getattr(args, k) for k in ("hiddens", "batch_sizes", "seq_len", "point_seconds", "rounds")}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine, "settings": settings, "rows": rows}, indent=1) + "\n")
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()

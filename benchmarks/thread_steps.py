"""Training-step time of the course's model shapes with one CPU thread and with every core, idle and busy.

    python benchmarks/thread_steps.py           # about two minutes on 2 cores

A quick stand-in for benchmarks/threads.py (which runs whole notebooks and takes an hour on a busy machine):
one model per family, at the size its notebook trains, timed for a fixed number of steps in a fresh process
with torch.set_num_threads(t). "Busy" starts one process that burns a core for the whole measurement (what a
browser or a second notebook does on a laptop). Prints a table and writes runs/bench-thread-steps.json.
Run it with nothing else on the machine and say so when you quote it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

MODELS = {  # name -> (notebook, code that defines `model` and `batch` = (x, y) and `loss_fn`)
    "cnn": ("01_cnn", "model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), "
            "nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 10))\n"
            "batch = (torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,)))\nloss_fn = F.cross_entropy"),
    "lstm_lm": ("03_lstm", "class M(nn.Module):\n"
                "    def __init__(self):\n        super().__init__(); self.e = nn.Embedding(80, 32); "
                "self.r = nn.LSTM(32, 128, batch_first=True); self.o = nn.Linear(128, 80)\n"
                "    def forward(self, x):\n        return self.o(self.r(self.e(x))[0]).transpose(1, 2)\n"
                "model = M()\nbatch = (torch.randint(0, 80, (32, 64)), torch.randint(0, 80, (32, 64)))\n"
                "loss_fn = F.cross_entropy"),
    "mlp_autoencoder": ("05_autoencoder", "model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), "
                        "nn.ReLU(), nn.Linear(128, 8), nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), "
                        "nn.Linear(256, 64))\nx = torch.rand(64, 64)\nbatch = (x, x)\nloss_fn = F.mse_loss"),
    "transformer": ("07_transformer", "t = nn.Transformer(64, 4, 1, 1, 128, 0.0, batch_first=True, norm_first=True)\n"
                    "class M(nn.Module):\n    def __init__(self):\n        super().__init__(); self.t = t; "
                    "self.e = nn.Embedding(40, 64); self.o = nn.Linear(64, 40)\n"
                    "    def forward(self, x):\n"
                    "        return self.o(self.t(self.e(x), self.e(x[:, :12]))).transpose(1, 2)\n"
                    "model = M()\nbatch = (torch.randint(0, 40, (128, 30)), torch.randint(0, 40, (128, 12)))\n"
                    "loss_fn = F.cross_entropy"),
    "gpt": ("09_gpt", "layer = nn.TransformerEncoderLayer(64, 4, 256, 0.0, 'gelu', batch_first=True, norm_first=True)\n"
            "class M(nn.Module):\n    def __init__(self):\n        super().__init__(); "
            "self.b = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False); self.e = nn.Embedding(512, 64); "
            "self.o = nn.Linear(64, 512)\n    def forward(self, x):\n"
            "        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])\n"
            "        return self.o(self.b(self.e(x), mask=mask, is_causal=True)).transpose(1, 2)\n"
            "model = M()\nbatch = (torch.randint(0, 512, (4, 256)), torch.randint(0, 512, (4, 256)))\n"
            "loss_fn = F.cross_entropy"),
}

CHILD = """
import sys, time, torch, torch.nn.functional as F
from torch import nn
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
{setup}
opt = torch.optim.Adam(model.parameters(), 1e-3)
def step():
    opt.zero_grad(); loss_fn(model(batch[0]), batch[1]).backward(); opt.step()
for _ in range(5):
    step()
n, start = 0, time.perf_counter()
while time.perf_counter() - start < float(sys.argv[2]):
    step(); n += 1
print((time.perf_counter() - start) / n)
"""


def seconds_per_step(setup: str, threads: int, busy: bool, seconds: float) -> float:
    """Mean seconds per training step of the model `setup` defines, in a fresh process."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        out = subprocess.run([sys.executable, "-c", CHILD.format(setup=setup), str(threads), str(seconds)],
                             capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": ""})
        return float(out.stdout.strip())
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()


def main() -> None:
    """Command-line entry point."""
    cores = os.cpu_count() or 1
    settings = [(1, False), (cores, False), (1, True), (cores, True)]
    print(f"load average before: {os.getloadavg()}", flush=True)
    print(f"{'model (notebook)':28s}" + "".join(f"{f'{t} thr ' + ('busy' if b else 'idle'):>14s}" for t, b in settings)
          + "   (ms per training step)")
    results = []
    for name, (notebook, setup) in MODELS.items():
        times = [seconds_per_step(setup, t, b, seconds=4.0) for t, b in settings]
        results.append({"model": name, "notebook": notebook,
                        "ms_per_step": {f"{t}_{'busy' if b else 'idle'}": round(s * 1e3, 3)
                                        for (t, b), s in zip(settings, times, strict=True)}})
        print(f"{f'{name} ({notebook})':28s}" + "".join(f"{s * 1e3:14.2f}" for s in times), flush=True)
    out = Path(__file__).resolve().parents[1] / "runs" / "bench-thread-steps.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cores": cores, "when": time.strftime("%Y-%m-%d %H:%M"), "results": results},
                              indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

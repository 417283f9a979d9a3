"""A checked cache of pretrained weights (notebook 08): written atomically, keyed by the config, verified on load.

The config check says what the weights were made for; the checksum says they are the weights that were saved:
`torch.load` reads a file whose tensor bytes were damaged or edited without complaint, so a bad copy would
otherwise be fine-tuned silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .download import DataError, data_dir

CACHE_FORMAT = 1


class CheckpointError(DataError):
    """A cached checkpoint is unreadable, corrupt, or was made for another configuration."""


def _digest(state_dict: dict[str, Tensor]) -> str:
    """sha256 over the names, shapes, dtypes and bytes of every tensor: detects any change of the weights."""
    h = hashlib.sha256()
    for name in sorted(state_dict):
        t = state_dict[name].detach().cpu().contiguous()
        h.update(f"{name}{tuple(t.shape)}{t.dtype}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def checkpoint_path(config: dict[str, Any], name: str = "pretrained", folder: str | Path | None = None) -> Path:
    """Cache file for `config` under data_dir(): its name holds a hash of the config, so each config has its own."""
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    return data_dir(folder) / "checkpoints" / f"{name}-{key}.pt"


def save_checkpoint(path: Path, model: nn.Module, config: dict[str, Any], history: dict[str, list[float]]) -> None:
    """Write the model's state_dict with its config, history and checksum, atomically (never a half-written file)."""
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {"format": CACHE_FORMAT, "config": config, "history": history, "state_dict": state,
               "sha256": _digest(state)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_checkpoint(path: Path, model: nn.Module, config: dict[str, Any]) -> dict[str, list[float]]:
    """Load weights saved for exactly `config` into `model` and return their history; else raise CheckpointError."""
    fix = f"delete {path} or re-run with force_pretrain=True"
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged file: report them all the same way
        raise CheckpointError(f"{path} is not a readable checkpoint ({type(err).__name__}: {err}); {fix}.") from err
    if not isinstance(payload, dict) or payload.get("format") != CACHE_FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint in this course's format {CACHE_FORMAT}; {fix}.")
    if payload.get("config") != config:
        raise CheckpointError(f"{path} was made for another configuration ({payload.get('config')}, "
                              f"wanted {config}); {fix}.")
    state = payload.get("state_dict")
    if not isinstance(state, dict) or _digest(state) != payload.get("sha256"):
        raise CheckpointError(f"{path} fails its checksum: the weights are corrupt; {fix}.")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if found != expected:
        diff = sorted(set(found.items()) ^ set(expected.items()))[:4]
        raise CheckpointError(f"{path} does not fit this model (differing names/shapes, e.g. {diff}); {fix}.")
    model.load_state_dict(state)
    return payload["history"]


def shown(path: Path, folder: str | Path | None = None) -> str:
    """`path` as printed in a notebook: relative to the data folder, so no machine's absolute path is shown."""
    root = data_dir(folder)
    return f"{path.relative_to(root)} in the data folder" if path.is_relative_to(root) else str(path)


def pretrained(model: nn.Module, config: dict[str, Any], pretrain: Callable[[], dict[str, list[float]]],
               force: bool = False, name: str = "pretrained", folder: str | Path | None = None,
               ) -> tuple[dict[str, list[float]], str]:
    """Load `model`'s pretrained weights from the cache, or run `pretrain()` and cache them; say which happened.

    Returns (history, status): status is "loaded", "pretrained", or "rebuilt" (the cached file was bad).
    """
    path = checkpoint_path(config, name, folder)
    status = "pretrained"
    if path.exists() and not force:
        try:
            history = load_checkpoint(path, model, config)
            print(f"Loaded the pretrained weights from {shown(path, folder)}.")
            return history, "loaded"
        except CheckpointError as err:
            print(f"Cached checkpoint rejected, pretraining again: {err}")
            status = "rebuilt"
    history = pretrain()
    save_checkpoint(path, model, config, history)
    print(f"Saved the pretrained weights to {shown(path, folder)}.")
    return history, status

"""Shared code of the course, laid out by job.

- What notebooks use to teach, imported from here: the training loop and batches (`training`, `batches`),
  seeding and devices (`runtime`), checks against torch and of parameters (`checks`), plots (`plotting`),
  recorded metrics and claims (`metrics`), and per-family helpers (`recurrent`, `generative`, `pretraining`).
- The datasets, one module per family: `helpers.datasets` (images, text, sequences, dates, topics), and the
  one checked download function (`download`).
- Course tooling for maintainers and instructors: `course` (presets and bars, the runner, the claims
  report, the teaching kit), run as `python -m course.run` and `python -m course.kit`.

Importing it has no side effects: no seeds set, no files written, no plotting style changed.
"""

from __future__ import annotations

import importlib
from typing import Any

# imported now, not lazily: the function `download` shares its module's name, which a lazy import would shadow
from .download import DataError as DataError
from .download import DownloadError as DownloadError
from .download import data_dir as data_dir
from .download import download as download
from .download import read_idx as read_idx

_EXPORTS = {  # public name -> the module that defines it; imported on first use, so that the course tooling
    "batches": ["RandomBatches", "TensorLoader"],  # (course) starts without loading torch
    "checks": ["compare_with_reference"],
    "datasets.images": ["IMAGE_DATASETS", "Split", "load_digits", "load_image_dataset", "load_mnist",
                        "load_sample_photo"],
    "findings": ["lab_findings", "lesson_facts"],
    "params": ["ParameterError", "check_params", "require"],
    "claims": ["claim", "read_claims", "show_claims"],
    "metrics": ["read_metrics", "record_metrics"],
    "plotting": ["plot_confusion_matrix", "plot_feature_maps", "plot_filters", "plot_history",
                 "plot_image_grid", "plot_lines"],
    "runtime": ["DEVICES", "count_params", "get_device", "seconds_per_step", "set_seed", "use_cpu_threads"],
    "training": ["accuracy", "evaluate", "model_device", "optimizer_step", "predict", "supervised_step", "train"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted([*_MODULE_OF, "DataError", "DownloadError", "data_dir", "download", "read_idx"])


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used (`from helpers import train`)."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Shared code of the course, laid out by job.

- What notebooks use to teach, imported from here: the training loop and batches (`training`, `batches`),
  seeding and devices (`runtime`), checks against torch and of parameters (`checks`), plots (`plotting`),
  recorded metrics and claims (`metrics`), and per-family helpers (`recurrent`, `generative`, `pretraining`).
- The datasets, one module per family: `helpers.datasets` (images, text, sequences, dates, topics), and the
  one checked download function (`download`).
- Course tooling for maintainers and instructors: `helpers.course` (presets and bars, the runner, the claims
  report, the teaching kit), run as `python -m helpers.run` and `python -m helpers.kit`.

Importing it has no side effects: no seeds set, no files written, no plotting style changed.
"""

from .batches import RandomBatches, TensorLoader
from .checks import ParameterError, check_params, compare_with_reference, require
from .datasets.images import IMAGE_DATASETS, Split, load_digits, load_image_dataset, load_mnist, load_sample_photo
from .download import DataError, DownloadError, data_dir, download, read_idx
from .metrics import claim, read_claims, read_metrics, record_metrics, show_claims
from .plotting import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
    plot_heatmap,
    plot_history,
    plot_image_grid,
    plot_lines,
)
from .runtime import DEVICES, count_params, get_device, seconds_per_step, set_seed
from .training import accuracy, evaluate, model_device, optimizer_step, predict, supervised_step, train

__all__ = [
    "DEVICES", "IMAGE_DATASETS", "DataError", "DownloadError", "ParameterError", "RandomBatches", "Split",
    "TensorLoader", "accuracy", "check_params", "claim", "compare_with_reference", "count_params", "data_dir",
    "download", "evaluate", "get_device", "load_digits", "load_image_dataset", "load_mnist", "load_sample_photo",
    "model_device", "optimizer_step", "plot_confusion_matrix", "plot_feature_maps", "plot_filters", "plot_heatmap",
    "plot_history", "plot_image_grid", "plot_lines", "predict", "read_claims", "read_idx", "read_metrics",
    "record_metrics", "require", "seconds_per_step", "set_seed", "show_claims", "supervised_step", "train",
]

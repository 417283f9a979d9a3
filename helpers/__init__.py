"""What the notebooks import, laid out by job (no side effects at import: no seeds set, no files written, no
plotting style changed).

- The training loop and batches (`training`, `batches`), seeding and devices (`runtime`), checks against torch
  (`checks`) and of parameters (`params`), plots (`plotting`), recorded metrics and claims (`metrics`, `claims`),
  what a lesson says of itself and its lab (`findings`), and per-family helpers (`recurrent`, `generative`, and
  `checkpoints`: 08's checked cache of pretrained weights).
- The datasets, one module per family: `helpers.datasets` (images, text, sequences, dates, recall, topics), and the
  one checked download function (`download`).

The course's tooling (runner, claims report, teaching kit) is the separate package `course`.
"""

from __future__ import annotations

from .batches import RandomBatches, TensorLoader
from .checks import compare_with_reference
from .claims import claim, show_claims
from .datasets.images import IMAGE_DATASETS, load_image_dataset, load_sample_photo
from .findings import lab_findings, lesson_facts
from .metrics import record_metrics
from .params import ParameterError, check_params, require
from .plotting import plot_confusion_matrix, plot_feature_maps, plot_filters, plot_history, plot_image_grid, plot_lines
from .runtime import DEVICES, count_params, get_device, seconds_per_step, set_seed
from .training import evaluate, model_device, optimizer_step, predict, supervised_step, train

__all__ = ["DEVICES", "IMAGE_DATASETS", "ParameterError", "RandomBatches", "TensorLoader", "check_params", "claim",
           "compare_with_reference", "count_params", "evaluate", "get_device", "lab_findings",
           "lesson_facts", "load_image_dataset", "load_sample_photo", "model_device", "optimizer_step",
           "plot_confusion_matrix", "plot_feature_maps", "plot_filters", "plot_history", "plot_image_grid",
           "plot_lines", "predict", "record_metrics", "require", "seconds_per_step", "set_seed",
           "show_claims", "supervised_step", "train"]

"""Shared code of the course: data, training, plotting, checks and recorded metrics.

Importing it has no side effects: no seeds set, no files written, no plotting style changed.
"""

from .checks import ParameterError, check_params, compare_with_reference, require
from .data import IMAGE_DATASETS, Split, load_digits, load_image_dataset, load_mnist, load_sample_photo
from .download import DataError, DownloadError, data_dir, download, read_idx
from .metrics import read_metrics, record_metrics
from .plotting import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
    plot_heatmap,
    plot_history,
    plot_image_grid,
    plot_lines,
)
from .training import (
    DEVICES,
    TensorLoader,
    accuracy,
    evaluate,
    get_device,
    optimizer_step,
    predict,
    set_seed,
    supervised_step,
    to_device,
    train,
)

__all__ = [
    "DEVICES", "IMAGE_DATASETS", "DataError", "DownloadError", "ParameterError", "Split", "TensorLoader",
    "accuracy", "check_params", "compare_with_reference", "data_dir", "download", "evaluate", "get_device",
    "load_digits", "load_image_dataset", "load_mnist", "load_sample_photo", "optimizer_step", "plot_confusion_matrix",
    "plot_feature_maps", "plot_filters", "plot_heatmap", "plot_history", "plot_image_grid", "plot_lines",
    "predict", "read_idx", "read_metrics", "record_metrics", "require", "set_seed", "supervised_step",
    "to_device", "train",
]

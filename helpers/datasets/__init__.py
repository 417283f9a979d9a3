"""The course's datasets, one module per family, all offline: images (8x8 digits, MNIST when downloaded, photos),
text (the Python manual), sequences (sunspots, the adding problem, characters), dates, a recall task and topics."""

SPLIT_SEED = 0  # seeds every train/validation/test split: splits never depend on a run's seed, so all runs test alike

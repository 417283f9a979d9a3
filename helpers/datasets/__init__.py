"""The course's datasets, one module per family, all offline: images (8x8 digits, MNIST when downloaded, photos),
text (the Python manual), sequences (sunspots, the adding problem, characters), dates and topics."""

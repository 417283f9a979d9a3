"""The article's claims about the architectures, and the notebook claims that test each one.

A row's verdict in CLAIMS.md comes from its tests (notebook, claim name): it holds in a seed when all of them
held. `scope: "machine"` marks a claim about speed on this hardware; `pending` says why a row has no test yet.
"""

from __future__ import annotations

from typing import Any

ARTICLE_CLAIMS: list[dict[str, Any]] = [
    {"id": 1, "statement": "CNNs learn hierarchical patterns: deeper feature maps respond to larger, composite parts",
     "tests": [], "pending": "01_cnn shows receptive fields growing with depth (checked by gradients) and the "
                              "feature maps, but no measured claim about what deeper maps respond to"},
    {"id": 2, "statement": "Pooling reduces the computational cost", "tests": [("01_cnn", "pooling_reduces_compute")],
     "pending": "", "note": "multiply-adds of the two CNNs, by construction; 01's pooling_step_faster times it"},
    {"id": 3, "statement": "Pooling helps control overfitting", "tests": [("01_cnn", "pooling_small_data_gain")],
     "pending": "", "note": "test accuracy with 100 training images, with and without pooling; pooling does make "
                            "the CNN more robust to shifted digits (01 · pooling_shift_robust), a different "
                            "property"},
    {"id": 4, "statement": "Vanishing gradients limit simple RNNs on long-range dependencies",
     "tests": [("02_rnn", "rnn_adding_long_unsolved_within_budget"), ("03_lstm", "rnn_adding_unsolved"),
               ("04_gru", "rnn_adding_unsolved")], "pending": "",
     "note": "tanh RNN, adding problem at each notebook's T and step budget; 02's IRNN (ReLU, identity start) "
             "solves the same task (02 · irnn_adding_long_solved), so the limit is the tanh RNN's, within the "
             "budget"},
    {"id": 5, "statement": "LSTM gating captures long-range dependencies",
     "tests": [("03_lstm", "lstm_adding_solved"), ("04_gru", "gated_adding_solved")], "pending": "",
     "note": "adding problem at the notebook's T and step budget"},
    {"id": 6, "statement": "GRUs have fewer parameters (than LSTMs)", "tests": [("04_gru", "gru_fewer_params")],
     "pending": ""},
    {"id": 7, "statement": "GRUs train faster (than LSTMs)", "tests": [("04_gru", "gru_step_faster")],
     "pending": "", "scope": "machine",
     "note": "time per training step on the machine of the run; on a CPU nn.LSTM has a fused oneDNN kernel, "
             "nn.GRU does not"},
    {"id": 8, "statement": "GRUs perform comparably to LSTMs", "tests": [("04_gru", "gru_comparable_to_lstm")],
     "pending": "", "note": "character model at equal training time and matched parameters"},
    {"id": 9, "statement": "Autoencoders reduce dimensionality", "tests": [],
     "pending": "05_autoencoder converts to claims in the issue on notebooks 05-06"},
    {"id": 10, "statement": "Autoencoders denoise", "tests": [],
     "pending": "05_autoencoder converts to claims in the issue on notebooks 05-06"},
    {"id": 11, "statement": "Autoencoders model data generatively", "tests": [],
     "pending": "random codes and a variational autoencoder are scored in the issue on notebooks 05-06"},
    {"id": 12, "statement": "A GAN generator turns noise into realistic samples, improving as the discriminator "
                            "improves", "tests": [],
     "pending": "06_gan converts to claims, with a calibrated judge, in the issue on notebooks 05-06"},
    {"id": 13, "statement": "The generator is built from deconvolution (transposed convolution) or upsampling layers",
     "tests": [], "pending": "a transposed-convolution generator is added in the issue on notebooks 05-06"},
    {"id": 14, "statement": "Self-attention captures long-range dependencies, better than recurrence", "tests": [],
     "pending": "accuracy against distance is measured in the issue on notebooks 07-08"},
    {"id": 15, "statement": "Self-attention captures local and global context", "tests": [],
     "pending": "07_transformer converts to claims in the issue on notebooks 07-08"},
    {"id": 16, "statement": "Pretraining on unlabelled data, then fine-tuning, helps tasks with small labelled sets",
     "tests": [("08_pretraining_finetuning", "pretrained_beats_fair_control_smallest"),
               ("08_pretraining_finetuning", "pretrained_beats_bow_smallest")], "pending": "",
     "note": "32 labels over 4 topics, against a from-scratch control with its own validated recipe and against "
             "bag of words with logistic regression; with more labels bag of words catches up (08 · "
             "bow_beats_pretrained_largest)"},
]

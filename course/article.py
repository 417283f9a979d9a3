"""The article's claims about the architectures, the notebook claims that test each one, and each row's verdict.

A row's verdict in CLAIMS.md comes from its tests (notebook, claim name) by the report's rule (CONTRIBUTING.md,
"Claims"): it holds when every finding among them holds, does not hold when one does not, has no verdict word
while one has no interval, and is inconclusive otherwise; its "k of n seeds" counts the seeds where all held.
`scope: "machine"` marks a claim about speed on this hardware ("on this CPU"); `pending` says why a row has no
test yet.
"""

from __future__ import annotations

from typing import Any

from helpers.findings import judge, verdict_words

ARTICLE_CLAIMS: list[dict[str, Any]] = [
    {"id": 1, "statement": "CNNs learn hierarchical patterns: deeper feature maps respond to larger, composite parts",
     "tests": [("01_cnn_lab", "receptive_field_grows_with_depth"),
               ("01_cnn_lab", "deeper_features_more_linearly_separable"),
               ("01_cnn_lab", "hierarchy_learned_not_random")],
     "pending": "", "note": "the area of the input that holds 90% of a unit's input gradient, block 1 against block 2 "
                            "(close to true by construction: a block-1 unit sees only its 3x3 window), and a linear "
                            "probe (logistic regression) on each block's pooled channels, block 2 also cut to block "
                            "1's size; a probe shows what is linearly decodable, not what the network uses"},
    {"id": 2, "statement": "Pooling reduces the computational cost",
     "tests": [("01_cnn_lab", "pooling_reduces_compute")],
     "pending": "", "note": "multiply-adds of the two CNNs, by construction; 01's pooling_step_faster times it"},
    {"id": 3, "statement": "Pooling helps control overfitting", "tests": [("01_cnn_lab", "pooling_small_data_gain")],
     "pending": "", "note": "test accuracy with 100 training images, with and without pooling; pooling does make "
                            "the CNN more robust to shifted digits (01 lab · pooling_shift_robust), a different "
                            "property"},
    {"id": 4, "statement": "Vanishing gradients limit simple RNNs on long-range dependencies",
     "tests": [("02_rnn_lab", "rnn_adding_long_slower_than_gated"),
               ("02_rnn_lab", "rnn_adding_fails_where_gated_solve"),
               ("03_lstm_lab", "rnn_adding_unsolved"), ("04_gru_lab", "rnn_adding_unsolved")], "pending": "",
     "note": "tanh RNN, adding problem at T = 30: not solved within the 1,000 steps in which the LSTM and GRU "
             "solve it (03, 04), and slower than them with 5 times the steps (02); at T = 80, with 5,000 steps "
             "for every model, not solved where every LSTM and GRU run solves it (02); whether the gated runs "
             "needed at most a fifth of those steps is 02 lab · gated_adding_long_within_fifth_of_budget; whether it "
             "solves T = 30 within 5,000 steps is 02 lab · rnn_adding_long_unsolved_within_budget, and the IRNN "
             "(ReLU, identity start) solves T = 30 (02 lab · irnn_adding_long_solved)"},
    {"id": 5, "statement": "LSTM gating captures long-range dependencies",
     "tests": [("03_lstm_lab", "lstm_adding_solved"), ("04_gru_lab", "gated_adding_solved")], "pending": "",
     "note": "adding problem at the notebook's T and step budget"},
    {"id": 6, "statement": "GRUs have fewer parameters (than LSTMs)", "tests": [("04_gru", "gru_fewer_params")],
     "pending": ""},
    {"id": 7, "statement": "GRUs train faster (than LSTMs)",
     "tests": [("04_gru_lab", "gru_step_faster"), ("04_gru_lab", "gru_fewer_steps_to_target")],
     "pending": "", "scope": "machine",
     "note": "time per training step on the machine of the run; on a CPU nn.LSTM has a fused oneDNN kernel, "
             "nn.GRU does not"},
    {"id": 8, "statement": "GRUs perform comparably to LSTMs", "tests": [("04_gru_lab", "gru_comparable_to_lstm")],
     "pending": "", "note": "character model at equal training time and matched parameters"},
    {"id": 9, "statement": "Autoencoders reduce dimensionality",
     "tests": [("05_autoencoder_lab", "ae_beats_pca_small_codes")], "pending": "",
     "note": "test reconstruction error against PCA with as many components, at codes of 2 and 8 numbers; at 16 the "
             "margin is small (05 lab · ae_beats_pca_every_code_size), and PCA is exact at 64"},
    {"id": 10, "statement": "Autoencoders denoise", "tests": [("05_autoencoder_lab", "denoising_beats_pca_projection")],
     "pending": "", "note": "a denoising autoencoder against projecting the noisy image onto as many principal "
                            "components; both far below the noisy input (05 lab · denoising_beats_noisy_input)"},
    {"id": 11, "statement": "Autoencoders model data generatively",
     "tests": [("05_autoencoder_lab", "generated_digits_far_from_noise")], "pending": "",
     "note": "samples of a plain autoencoder (random codes from a Gaussian fitted to its codes) and of a VAE, scored "
             "by the digit judge's Frechet distance against real digits and noise; which of the two is closer is "
             "05 lab · vae_samples_closer_than_ae_random_codes"},
    {"id": 12, "statement": "A GAN generator turns noise into realistic samples, improving as the discriminator "
                            "improves",
     "tests": [("06_gan", "fd_falls_during_training"), ("06_gan_lab", "gan_closer_than_heavy_noise"),
               ("06_gan_lab", "discriminator_auroc_tracks_generator")], "pending": "",
     "note": "Frechet distance of the judge's features, over training and against a ladder of noisy real digits; the "
             "discriminator measured too: its checkpoints' AUROC on held-out real digits against one fixed set of "
             "generated ones, rank-correlated (Spearman) with the generator's quality over the checkpoints"},
    {"id": 13, "statement": "The generator is built from deconvolution (transposed convolution) or upsampling layers",
     "tests": [("05_autoencoder", "conv_transpose_equals_torch")], "pending": "",
     "note": "a definition, illustrated rather than tested: 05 builds transposed convolution from scratch (checked "
             "against nn.ConvTranspose2d) and 06 trains a DCGAN generator built from it; how the DCGAN compares "
             "with the MLP generator is a separate finding (06 lab · dcgan_beats_mlp_gan_at_equal_epochs)"},
    {"id": 14, "statement": "Self-attention captures long-range dependencies, better than recurrence",
     "tests": [("07_transformer_lab", "attention_recalls_farther_than_lstm"),
               ("07_transformer_lab", "positional_recall_attention_beats_lstm_short_budget"),
               ("07_transformer_lab", "positional_recall_attention_beats_lstm_long_budget"),
               ("07_transformer_lab", "positional_recall_attention_beats_bag")], "pending": "",
     "note": "recall of a symbol across 8 to 128 filler tokens, 150 steps per model at matched size, each model's "
             "learning rate chosen on validation from a grid of two decades; where position alone marks the symbol "
             "(filler drawn from the symbols), the Transformer against the LSTM at a short and a longer budget, each "
             "its own claim, and against an order-blind bag of embeddings; attention on top of an LSTM also reads "
             "at 128 (07 lab · lstm_attention_recall_flat_with_distance), so the gain is attention's, not the "
             "Transformer's; its price: 07 lab · attention_time_grows_faster, attention_memory_grows_quadratically"},
    {"id": 15, "statement": "Self-attention captures local and global context",
     "tests": [("07_transformer_lab", "query_attends_to_far_symbol"), ("07_transformer", "encoder_has_local_head")],
     "pending": "", "note": "global: the recall query's attention on the far symbol; local: a date-encoder head "
                            "whose attention stays near the query position"},
    {"id": 16, "statement": "Pretraining on unlabelled data, then fine-tuning, helps tasks with small labelled sets",
     "tests": [("08_pretraining_finetuning_lab", "pretrained_beats_fair_control_smallest"),
               ("08_pretraining_finetuning_lab", "pretrained_beats_bow_smallest")], "pending": "",
     "note": "32 labels over 4 topics, against a from-scratch control with its own validated recipe and against "
             "bag of words with logistic regression; with more labels bag of words catches up (08 · "
             "bow_beats_pretrained_largest)"},
]


def _joint_held(claims: list[dict[str, Any]]) -> tuple[int, int]:
    """In how many seeds every one of several claims held, of how many (from their per-seed outcomes)."""
    of = min(c["of"] for c in claims)
    per_seed = [{s["seed"]: s["held"] for s in c.get("per_seed") or []} for c in claims]
    if not all(per_seed):
        return min(c["held"] for c in claims), of
    seeds = set.intersection(*(set(p) for p in per_seed))
    return sum(all(p[seed] for p in per_seed) for seed in seeds), of


def judge_row(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """An article row judged by the rule over its tests: it holds when every finding holds, does not hold when one
    does not, has no word while one has no interval, and is inconclusive otherwise; k counts the seeds where all
    held (a row of checks only passes there)."""
    judged = [judge(c) for c in claims]
    if len(judged) == 1:
        return judged[0]
    held, of = _joint_held(claims)
    words = [j["word"] for j in judged if j["kind"] == "finding"]
    word = ("does not hold" if "does not hold" in words else None if None in words
            else "holds" if all(w == "holds" for w in words) else "inconclusive")
    return {"kind": "finding" if words else "check", "held": held, "of": of, "n": 0, "mean": None,
            "low": None, "high": None, "word": word, "hint": ""}


def article_rows(notebooks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim of the article: the course claims that test it, and its verdict by the rule."""
    rows = []
    for entry in ARTICLE_CLAIMS:
        tests = [(nb, name, notebooks.get(nb, {}).get("claims", {}).get(name)) for nb, name in entry["tests"]]
        found = [(nb, name, c) for nb, name, c in tests if c is not None]
        if not found:
            rows.append({**entry, "verdict": f"not measured yet: {entry['pending']}", "found": []})
            continue
        judged = judge_row([c for _, _, c in found])
        rows.append({**entry, "verdict": verdict_words(judged, entry.get("scope", "general")), "found": found})
    return rows

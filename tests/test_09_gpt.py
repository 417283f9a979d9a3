"""Notebook 09's from-scratch parts (BPE, attention, sampling, the step-size schedule: the lesson; training in
turns: the lab), run outside the notebooks on more cases than the notebooks check."""

import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from notebook_code import notebook_namespace
from torch import nn


@pytest.fixture(scope="module")
def nb() -> dict:
    """Every top-level function, class and upper-case constant of the lesson's and the lab's code cells, executed
    with only the standard library, NumPy and torch in scope (no notebook state)."""
    scope = dict(math=math, re=re, time=time, Counter=Counter, defaultdict=defaultdict, pairwise=pairwise,
                 Callable=Callable, dataclass=dataclass, torch=torch, F=F, nn=nn, np=np)
    return notebook_namespace(["09_gpt.ipynb", "labs/09_gpt_lab.ipynb"], scope, constants=True)


def test_pieces_add_up_and_bpe_round_trips_any_text(nb):
    rng = random.Random(0)
    alphabet = "ab c\n\t_(),.:'\"0123456789éü—🙂"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80))) for _ in range(50)]
    merges = nb["learn_bpe"](" ".join(texts) * 3, 40)
    tokenizer = nb["BPETokenizer"](merges)
    assert len(tokenizer) == 256 + len(merges)
    for text in texts:
        assert "".join(nb["pieces"](text)) == text
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_learn_bpe_merges_the_most_frequent_pair_first(nb):
    merges = nb["learn_bpe"]("aaab aaab aaab xy", 2)
    first = next(iter(merges))
    assert first == (ord("a"), ord("a")) and merges[first] == 256
    tokenizer = nb["BPETokenizer"](merges)
    assert len(tokenizer.encode("aaab")) < len("aaab")


@pytest.mark.parametrize(("T", "S"), [(1, 1), (1, 7), (3, 3), (2, 9), (5, 6)])
def test_causal_attention_with_a_cache_equals_the_full_pass(nb, T, S):
    torch.manual_seed(T * 10 + S)
    q, k, v = torch.randn(3, 2, 3, S, 4).unbind(0)             # (B=2, heads=3, S, d_k=4)
    full = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # every query of S positions
    ours = nb["causal_attention"](q[..., S - T:, :], k, v)   # only the last T queries, all S keys
    torch.testing.assert_close(ours, full[..., S - T:, :])
    torch.testing.assert_close(nb["attend"](q[..., S - T:, :], k, v, fused=True), full[..., S - T:, :])


def test_sample_next_keeps_only_the_allowed_tokens(nb):
    logits = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
    gen = torch.Generator().manual_seed(0)
    assert nb["sample_next"](logits, temperature=0) == 0
    assert {nb["sample_next"](logits, 1.0, top_k=3, generator=gen) for _ in range(300)} == {0, 1, 2}
    probs = logits.softmax(0)                                  # 0.55, 0.20, 0.12, 0.07, 0.03 (rounded)
    assert probs[0] < 0.6 < probs[:2].sum()
    assert {nb["sample_next"](logits, 1.0, top_p=0.6, generator=gen) for _ in range(300)} == {0, 1}
    sharp = [nb["sample_next"](logits, 0.1, generator=gen) for _ in range(200)]
    assert sharp.count(0) > 190                                # a low temperature is nearly greedy


def test_repeated_share(nb):
    share = nb["repeated_share"]
    assert share([]) == 0 and share([1, 2, 3, 4, 5]) == 0
    assert share([7] * 10, n=4) == 6 / 7


def test_lr_schedule_warms_up_then_decays_to_a_tenth(nb):
    lr_at = nb["lr_at"]
    values = [lr_at(f, 2.0) for f in np.linspace(0, 1, 201)]
    peak = int(np.argmax(values))
    assert values[0] == 0 and math.isclose(max(values), 2.0) and math.isclose(values[-1], 0.2)
    assert all(a <= b for a, b in pairwise(values[:peak + 1]))   # rises during warm-up
    assert all(a >= b for a, b in pairwise(values[peak:]))       # then only falls
    assert math.isclose(lr_at(0.55, 1.0), 0.55)                  # half-way through the decay: the mid-point
    assert math.isclose(lr_at(3.0, 1.0), 0.1)                    # past the budget: stays at the floor


def test_gpt_shapes_tying_and_cache(nb):
    config = nb["GPTConfig"](vocab_size=11, seq_len=9, d_model=8, num_heads=2, num_layers=2)
    torch.manual_seed(0)
    model = nb["GPT"](config).eval()
    X = torch.randint(0, 11, (2, 9))
    assert model(X).shape == (2, 9, 11)
    assert model.head.weight is model.tok.weight
    caches = model.new_cache()
    with torch.no_grad():
        step_by_step = torch.cat([model(X[:, :3], caches)] + [model(X[:, t:t + 1], caches) for t in range(3, 9)], 1)
        torch.testing.assert_close(step_by_step, model(X), atol=1e-5, rtol=1e-5)
        with pytest.raises(ValueError, match="positions"):
            model(X[:, :1], caches)                            # the cache is full: no 10th position


def test_train_in_turns_gives_each_model_its_seconds_in_short_turns(nb):
    from helpers import RandomBatches, TensorLoader, supervised_step, train
    from helpers.recurrent import lm_loss

    nb.update(train=train, lm_loss=lm_loss, device=torch.device("cpu"), supervised_step=supervised_step)
    torch.manual_seed(0)
    X = torch.randint(0, 7, (64, 5))
    runs = {}
    for name, width in (("small", 4), ("large", 32)):
        model = nn.Sequential(nn.Embedding(7, width), nn.Linear(width, 7))
        runs[name] = dict(model=model, step_fn=nb["clock_step"](model, 1e-2, 0.3), val=TensorLoader(X, X),
                          batches=RandomBatches(X, X, batch_size=8, num_batches=5, seed=0))
    histories = nb["train_in_turns"](runs, 0.3, turn_steps=5)
    for h in histories.values():
        assert 0.3 <= h["time_s"][-1] < 0.6 and len(h["val_loss"]) == len(h["step"]) == len(h["time_s"])
        assert all(b - a <= 5 for a, b in pairwise([0, *h["step"]]))    # turns of at most 5 steps

"""helpers.datasets.topics and the word vocabulary: the labelled topic passages, passage pairs and topic contrast."""

import pytest
import torch

from helpers import ParameterError
from helpers.datasets.text import WordVocab, words
from helpers.datasets.topics import TOPICS, load_topic_passages, passage_pairs, sample_labelled, topic_contrast


@pytest.fixture(scope="module")
def passages():
    return load_topic_passages(seq_len=64)


def test_words_split_letters_digits_and_symbols():
    assert words('The "for" x.__add__(42);') == ["the", '"', "for", '"', "x", ".", "__add__", "(", "42", ")", ";"]


def test_word_vocab_maps_rare_and_unseen_words_to_unk():
    vocab = WordVocab(words("a b b c c c"), min_count=2)
    assert vocab.words == ["<unk>", "b", "c"] and len(vocab) == 3
    assert vocab.encode("c a zebra b").tolist() == [2, 0, 0, 1]
    assert vocab.encode(["b", "c"]).tolist() == [1, 2]
    assert vocab.decode(vocab.encode("b c a")) == "b c <unk>"


def test_passages_have_a_fixed_balanced_split(passages):
    assert passages.X_pool.shape[1] == passages.X_test.shape[1] == 64
    assert passages.classes == list(TOPICS)
    assert passages.y_test.bincount().tolist() == [30] * len(TOPICS)
    assert (passages.y_pool.bincount() >= 90).all(), "every topic can give 90 labelled passages"
    assert 0 < (passages.pretrain_ids == 0).float().mean() < 0.05, "few words are <unk>"
    again = load_topic_passages(seq_len=64)
    assert torch.equal(again.X_test, passages.X_test) and torch.equal(again.X_pool, passages.X_pool)


def test_test_passages_come_from_the_held_out_text_only(passages):
    seen = {tuple(w.tolist()) for w in passages.pretrain_ids.unfold(0, 64, 1)}
    held = {tuple(w.tolist()) for w in passages.val_ids.unfold(0, 64, 1)}
    for x in passages.X_test:
        assert tuple(x.tolist()) in held and tuple(x.tolist()) not in seen
    assert tuple(passages.X_pool[0].tolist()) in seen


def test_sample_labelled_is_balanced_and_seeded(passages):
    idx = sample_labelled(passages.y_pool, 4, torch.Generator().manual_seed(0))
    assert passages.y_pool[idx].bincount().tolist() == [4] * len(TOPICS)
    assert torch.equal(idx, sample_labelled(passages.y_pool, 4, torch.Generator().manual_seed(0)))
    with pytest.raises(ParameterError, match="per_class"):
        sample_labelled(passages.y_pool, 10**6, torch.Generator())


def test_bad_passage_settings_are_refused():
    with pytest.raises(ParameterError, match="seq_len"):
        load_topic_passages(seq_len=4)
    with pytest.raises(ParameterError, match="held-out passages"):
        load_topic_passages(seq_len=64, test_per_class=1000)


def test_passage_pairs_are_neighbouring_windows_with_their_starts():
    ids = torch.arange(20)
    pairs, starts = passage_pairs(ids, 4, 3)
    assert pairs.shape == (5, 8) and starts.tolist() == [0, 3, 6, 9, 12]
    assert all(torch.equal(p, ids[s:s + 8]) for p, s in zip(pairs, starts, strict=True))


def test_topic_contrast_is_high_for_clustered_vectors_and_zero_for_identical_ones():
    y = torch.tensor([0, 0, 1, 1])
    clustered = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert topic_contrast(clustered, y) == 1.0
    assert topic_contrast(torch.ones(4, 2) / 2**0.5, y) == pytest.approx(0.0, abs=1e-6)

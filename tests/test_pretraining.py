"""helpers.pretraining and the word vocabulary: the labelled topic passages and the checked weight cache."""

import zipfile

import pytest
import torch
from torch import nn

from helpers import ParameterError
from helpers.datasets.text import WordVocab, words
from helpers.datasets.topics import TOPICS, load_topic_passages, sample_labelled
from helpers.pretraining import (
    CheckpointError,
    checkpoint_path,
    load_checkpoint,
    passage_pairs,
    pretrained,
    save_checkpoint,
    topic_contrast,
)

CONFIG = {"num_hiddens": 4, "seed": 0, "vocab": "abc"}


def small_model(width: int = 4) -> nn.Module:
    return nn.Sequential(nn.Embedding(3, width), nn.Linear(width, 3))


def fake_pretrain(model: nn.Module, calls: list):
    def run():
        calls.append(1)
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(0.5)
        return {"train_loss": [1.0, 0.5]}
    return run


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


def test_checkpoint_path_depends_on_the_config(tmp_path):
    assert checkpoint_path(CONFIG, folder=tmp_path) == checkpoint_path(dict(CONFIG), folder=tmp_path)
    assert checkpoint_path(CONFIG, folder=tmp_path) != checkpoint_path({**CONFIG, "seed": 1}, folder=tmp_path)
    assert checkpoint_path(CONFIG, folder=tmp_path).parent.parent == tmp_path


def test_cache_pretrains_once_then_loads_the_same_weights(tmp_path, capsys):
    calls: list = []
    model = small_model()
    history, status = pretrained(model, CONFIG, fake_pretrain(model, calls), folder=tmp_path)
    assert status == "pretrained" and calls == [1]
    fresh = small_model()
    history2, status2 = pretrained(fresh, CONFIG, fake_pretrain(fresh, calls), folder=tmp_path)
    assert status2 == "loaded" and calls == [1] and history2 == history
    printed = capsys.readouterr().out
    assert "checkpoints/pretrained-" in printed and "in the data folder" in printed
    assert str(tmp_path) not in printed, "a notebook's output shows no machine's absolute path"
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True))
    _, status3 = pretrained(small_model(), CONFIG, fake_pretrain(small_model(), calls), folder=tmp_path, force=True)
    assert status3 == "pretrained" and calls == [1, 1]


def test_cache_reads_back_with_weights_only(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, small_model(), CONFIG, {"loss": [1.0]})
    payload = torch.load(path, weights_only=True)
    assert set(payload["state_dict"]) == set(small_model().state_dict()) and payload["config"] == CONFIG


def flip_a_weight_byte_on_disk(path) -> None:
    """Flip one byte of a tensor's stored bytes in place, leaving the zip structure as it is."""
    with zipfile.ZipFile(path) as z:
        record = next(i for i in z.infolist() if "/data/" in i.filename and i.file_size > 0)
    assert record.compress_type == zipfile.ZIP_STORED
    data = bytearray(path.read_bytes())
    with path.open("rb") as f:
        f.seek(record.header_offset + 26)
        name_len, extra_len = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
    data[record.header_offset + 30 + name_len + extra_len] ^= 0xFF
    path.write_bytes(bytes(data))


def test_torch_load_misses_a_damaged_weight_that_the_checksum_catches(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, small_model(), CONFIG, {"loss": [1.0]})
    before = torch.load(path, weights_only=True)["state_dict"]
    flip_a_weight_byte_on_disk(path)
    after = torch.load(path, weights_only=True)["state_dict"]  # no error from torch: why the checksum exists
    assert any(not torch.equal(before[k], after[k]) for k in before)
    with pytest.raises(CheckpointError, match="checksum"):
        load_checkpoint(path, small_model(), CONFIG)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_config", "other_shapes", "flipped_weight"])
def test_a_bad_checkpoint_is_refused_with_a_clear_error(tmp_path, damage):
    path = tmp_path / "c.pt"
    save_checkpoint(path, small_model(), CONFIG, {"loss": [1.0]})
    target, config = small_model(), CONFIG
    if damage == "garbage":
        path.write_bytes(b"not a checkpoint")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "other_config":
        config = {**CONFIG, "num_hiddens": 8}
    elif damage == "other_shapes":
        save_checkpoint(path, small_model(width=8), CONFIG, {"loss": [1.0]})
    elif damage == "flipped_weight":
        payload = torch.load(path, weights_only=True)
        payload["state_dict"]["1.bias"][0] += 1.0
        torch.save(payload, path)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(CheckpointError, match="force_pretrain"):
        load_checkpoint(path, target, config)
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items()), "model left untouched"


def test_a_corrupt_cached_checkpoint_is_rebuilt_saying_so(tmp_path, capsys):
    calls: list = []
    model = small_model()
    pretrained(model, CONFIG, fake_pretrain(model, calls), folder=tmp_path)
    checkpoint_path(CONFIG, folder=tmp_path).write_bytes(b"\x00" * 64)
    fresh = small_model()
    _, status = pretrained(fresh, CONFIG, fake_pretrain(fresh, calls), folder=tmp_path)
    assert status == "rebuilt" and calls == [1, 1]
    assert "rejected" in capsys.readouterr().out
    _, status = pretrained(small_model(), CONFIG, fake_pretrain(small_model(), calls), folder=tmp_path)
    assert status == "loaded", "the rebuilt checkpoint replaced the corrupt one"


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

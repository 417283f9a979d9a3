"""helpers.checkpoints: 08's checked cache of pretrained weights."""

import zipfile

import pytest
import torch
from torch import nn

from helpers.checkpoints import CheckpointError, checkpoint_path, load_checkpoint, pretrained, save_checkpoint

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

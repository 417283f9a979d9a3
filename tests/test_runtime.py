"""Tests of helpers.runtime: seeding and devices."""

import pytest
import torch

from helpers import (
    ParameterError,
    get_device,
    set_seed,
)


def test_set_seed_repeats_random_numbers():
    set_seed(3)
    a = (torch.rand(3), torch.randn(2))
    set_seed(3)
    b = (torch.rand(3), torch.randn(2))
    assert all(torch.equal(x, z) for x, z in zip(a, b, strict=True))
    set_seed(4)
    assert not torch.equal(torch.rand(3), a[0])


def test_get_device_auto_and_cpu():
    assert get_device("cpu") == torch.device("cpu")
    assert get_device("auto").type in {"cpu", "cuda", "mps"}


def test_cpu_device_uses_one_thread_unless_omp_num_threads_says_otherwise(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        torch.set_num_threads(2)
        get_device("cpu")
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        get_device("cpu")
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
        get_device("cpu")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_cuda_device_computes_float32_in_float32(monkeypatch):
    """On CUDA, get_device turns TF32 off (cuDNN uses it by default; 1e-5 checks against torch failed on an H200)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
        assert get_device("auto") == torch.device("cuda")
        assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before


def test_get_device_unknown_name_is_a_clear_error():
    with pytest.raises(ParameterError, match="'tpu' is not a device name; use one of auto, cpu, cuda, mps"):
        get_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_get_device_cuda_without_gpu_says_what_to_do():
    with pytest.raises(ParameterError, match="device='cuda'.*no CUDA GPU.*device='auto' or device='cpu'"):
        get_device("cuda")

"""Tests of helpers.training: seeding, devices, batching, the training loop and its hooks."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import (
    ParameterError,
    TensorLoader,
    evaluate,
    get_device,
    optimizer_step,
    predict,
    set_seed,
    supervised_step,
    train,
)


def blobs(n: int = 200, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two well-separated Gaussian blobs in 2-D with labels 0 and 1."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    X = torch.randn(n, 2, generator=gen) + torch.stack([y * 6.0 - 3.0, torch.zeros(n)], dim=1)
    return X, y


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


def test_tensor_loader_batches_every_example_once():
    X, y = torch.arange(10.0)[:, None], torch.arange(10)
    loader = TensorLoader(X, y, batch_size=4, shuffle=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert all(torch.equal(b[0][:, 0].long(), b[1]) for b in batches)  # rows stay paired


def test_tensor_loader_drop_last_transform_and_order():
    X = torch.arange(10.0)[:, None]
    loader = TensorLoader(X, batch_size=4, drop_last=True, transform=lambda t: -t)
    batches = [b[0] for b in loader]
    assert len(loader) == 2 and torch.equal(torch.cat(batches)[:, 0], -torch.arange(8.0))


def test_tensor_loader_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorLoader(torch.zeros(3), torch.zeros(4))


def test_train_learns_and_records_history():
    set_seed(0)
    X, y = blobs()
    model = nn.Linear(2, 2)
    history = train(model, TensorLoader(X, y, batch_size=32, shuffle=True), 5, lr=0.1,
                    val_loader=TensorLoader(X, y, batch_size=100), progress=False)
    assert set(history) == {"step", "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "time_s"}
    assert history["epoch"] == [1, 2, 3, 4, 5] and history["step"] == [7, 14, 21, 28, 35]
    assert history["val_accuracy"][-1] > 0.95
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_train_is_reproducible_with_the_same_seed():
    def run() -> list[float]:
        set_seed(1)
        X, y = blobs()
        return train(nn.Linear(2, 2), TensorLoader(X, y, batch_size=16, shuffle=True), 2, progress=False)["train_loss"]

    assert run() == run()


def test_train_rejects_zero_epochs():
    with pytest.raises(ParameterError, match="num_epochs=0 must be a whole number of at least 1"):
        train(nn.Linear(2, 2), TensorLoader(*blobs()), 0)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one budget"),
    ({"num_epochs": 2, "num_steps": 5}, "exactly one budget"),
    ({"num_steps": 2.5}, "num_steps=2.5"),
    ({"num_epochs": 2, "eval_every": 3}, "eval_every goes with num_steps"),
    ({"num_steps": 3, "max_seconds": 0}, "max_seconds=0"),
    ({"num_steps": 3, "step_fn": lambda b: {}, "lr": 0.1}, "with step_fn"),
])
def test_train_refuses_a_bad_budget_or_ignored_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        train(nn.Linear(2, 2), TensorLoader(*blobs()), **kwargs)


@pytest.mark.parametrize("num_steps, eval_every, records", [(250, 100, [100, 200, 250]), (50, 100, [50]),
                                                            (17, None, [7, 14, 17])])
def test_train_takes_exactly_the_steps_asked_for(num_steps, eval_every, records):
    calls = []
    X, y = blobs()  # 200 rows in batches of 32: 7 batches per pass

    def step(batch):
        calls.append(1)
        return {"loss": 1.0}

    history = train(nn.Linear(2, 2), TensorLoader(X, y, batch_size=32), num_steps=num_steps, eval_every=eval_every,
                    step_fn=step, progress=False)
    assert len(calls) == num_steps and history["step"] == records
    assert history["epoch"][-1] == pytest.approx(num_steps / 7)


def test_max_seconds_stops_on_training_time_not_evaluation_time():
    import time

    def slow_eval(model):
        time.sleep(0.05)
        return {"score": 1.0}

    history = train(nn.Linear(2, 2), TensorLoader(*blobs(), batch_size=8), num_steps=10**6, eval_every=5,
                    max_seconds=0.05, eval_fn=slow_eval, progress=False)
    assert history["time_s"][-1] >= 0.05 and history["step"][-1] < 10**6
    assert history["time_s"][-1] < 0.05 + 0.5  # overshoots by at most a step, whatever evaluation costs


def test_step_fn_hook_and_eval_fn_feed_the_history():
    calls = []

    def step(batch):
        calls.append(len(batch[0]))
        return {"d_loss": 1.0, "g_loss": 2.0}

    X, y = blobs(40)
    history = train(nn.Linear(2, 2), TensorLoader(X, y, batch_size=10), 3, step_fn=step,
                    eval_fn=lambda m: {"score": 0.5}, progress=False)
    assert calls == [10] * 12
    assert history["train_d_loss"] == [1.0] * 3 and history["train_g_loss"] == [2.0] * 3
    assert history["score"] == [0.5] * 3


def test_supervised_step_clips_the_gradient():
    model = nn.Linear(4, 1, bias=False)
    nn.init.zeros_(model.weight)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    step = supervised_step(model, optimizer, F.mse_loss, max_grad_norm=0.1)
    step((torch.ones(8, 4) * 100, torch.ones(8, 1) * 1e4))
    assert model.weight.norm().item() == pytest.approx(0.1, rel=1e-4)  # one SGD step of a clipped gradient


def test_evaluate_and_predict_restore_training_mode():
    X, y = blobs(50)
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.train()
    result = evaluate(model, TensorLoader(X, y, batch_size=7))
    assert set(result) == {"loss", "accuracy"} and 0 <= result["accuracy"] <= 1
    out = predict(model, X, batch_size=8)
    assert out.shape == (50, 2) and model.training
    assert torch.equal(out, predict(model, X, batch_size=50))  # eval mode: dropout off, so batching is invisible


def test_evaluate_and_predict_run_where_the_model_is():
    from helpers import model_device

    model = nn.Linear(2, 2).to(torch.float64)
    assert model_device(model) == torch.device("cpu") and model_device(nn.ReLU()) == torch.device("cpu")
    X, y = blobs(10)
    assert predict(model, X.double()).dtype == torch.float64
    assert set(evaluate(model, TensorLoader(X.double(), y, batch_size=5))) == {"loss", "accuracy"}


def test_evaluate_regression_reports_loss_only():
    X = torch.randn(20, 3)
    result = evaluate(nn.Linear(3, 1), TensorLoader(X, X[:, :1], batch_size=6), loss_fn=F.mse_loss)
    assert set(result) == {"loss"}


def test_optimizer_step_updates_and_clips_only_when_asked():
    w = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=1.0)
    optimizer_step(optimizer, (w * torch.tensor([30.0, 40.0, 0.0])).sum())
    assert torch.equal(w.detach(), torch.tensor([-30.0, -40.0, 0.0]))  # plain step: gradient norm 50
    optimizer_step(optimizer, (w * torch.tensor([30.0, 40.0, 0.0])).sum(), max_grad_norm=5.0)
    assert torch.allclose(w.detach(), torch.tensor([-33.0, -44.0, 0.0]))  # clipped to norm 5; old grads zeroed


def test_plot_lines_takes_an_x_per_series_and_a_band():
    from helpers import plot_lines

    fig = plot_lines(None, {"a": ([1, 2, 3], [3.0, 2.0, 1.0]), "b": ([1, 10, 100], [1.0, 0.5, 0.1], ([0.8, 0.4, 0.05],
                                                                                                 [1.2, 0.6, 0.2]))},
                     xlabel="step", ylabel="loss", logx=True, logy=True, hlines={"base": 2.0, "other": 1.5})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b", "base", "other"]
    assert ax.lines[2].get_linestyle() != ax.lines[3].get_linestyle()  # reference lines are told apart
    assert len(ax.collections) == 1 and ax.get_xscale() == "log"
    assert plot_lines([0, 1], {"c": [1.0, 2.0]}, "x", "y").axes[0].lines[0].get_xdata().tolist() == [0, 1]
    with pytest.raises(ValueError, match="series 'd' has no x"):
        plot_lines(None, {"d": [1.0, 2.0]}, "x", "y")


def test_plot_history_uses_steps_for_a_step_budget():
    from helpers import plot_history

    epoch_fig = plot_history({"epoch": [1, 2], "step": [7, 14], "train_loss": [1.0, 0.5]})
    step_fig = plot_history({"epoch": [0.5, 1.0, 1.5], "step": [10, 20, 30], "train_loss": [1.0, 0.7, 0.5]})
    assert epoch_fig.axes[0].get_xlabel() == "epoch" and step_fig.axes[0].get_xlabel() == "step"

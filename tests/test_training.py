"""Tests of helpers.training: the training loop, its budgets and hooks, evaluation and prediction."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import (
    ParameterError,
    TensorLoader,
    evaluate,
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

"""Tests of helpers.datasets.sequences and helpers.recurrent: sunspots, the adding problem, characters, fit helpers."""

import pytest
import torch

from helpers import ParameterError, RandomBatches, count_params, seconds_per_step
from helpers.datasets.sequences import (
    ADDING_BASELINE_MSE,
    adding_problem,
    adding_splits,
    char_sequences,
    load_char_data,
    load_sunspots,
    make_windows,
    sunspot_windows,
)
from helpers.recurrent import (
    CELL_TYPES,
    CharLM,
    LastStepRegressor,
    fit_adding,
    fit_char_lm,
    lm_loss,
    recurrent_layer,
    sample_text,
    state_gradient_norms,
)


@pytest.fixture
def one_thread():
    """Train on one CPU thread, as the notebooks do: small sequential models run faster that way."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_sunspots_are_the_yearly_series():
    years, values = load_sunspots()
    assert len(years) == len(values) == 309 and years[0] == 1700 and years[-1] == 2008
    assert values.min() >= 0 and values[0] == 5.0


def test_make_windows_pairs_each_window_with_the_next_value():
    X, y = make_windows(torch.arange(10.0), 3)
    assert X.shape == (7, 3, 1) and y.shape == (7, 1)
    assert X[0, :, 0].tolist() == [0, 1, 2] and y[0].item() == 3 and y[-1].item() == 9
    with pytest.raises(ParameterError, match="window"):
        make_windows(torch.arange(5.0), 5)


def test_sunspot_windows_split_by_time_into_train_validation_and_test_years():
    s = sunspot_windows(window=20, num_val_years=60, num_test_years=60)
    assert s.X_train.shape == (309 - 20 - 120, 20, 1) and s.X_val.shape == s.X_test.shape == (60, 20, 1)
    assert list(s.years_val[[0, -1]]) == [1889, 1948] and list(s.years_test[[0, -1]]) == [1949, 2008]
    years, values = load_sunspots()
    assert torch.allclose(s.denormalise(s.y_test[:, 0]), torch.from_numpy(values[-60:]), atol=1e-3)
    assert torch.allclose(s.denormalise(s.y_val[:, 0]), torch.from_numpy(values[-120:-60]), atol=1e-3)
    assert torch.equal(s.X_val[1:, -1], s.y_val[:-1]) and torch.equal(s.X_test[0, -1], s.y_val[-1])  # contiguous
    assert len(s.series_train) == 309 - 120 and torch.equal(s.series_train[20:], s.y_train[:, 0])
    assert abs(s.series_train.mean().item()) < 1e-5 and abs(s.series_train.std(unbiased=False).item() - 1) < 1e-4
    with pytest.raises(ParameterError, match="num_val_years"):
        sunspot_windows(window=20, num_val_years=150, num_test_years=150)


def test_adding_splits_are_fixed_and_disjoint_draws():
    a, b = adding_splits(7, num_train=50, num_val=20, num_test=30), adding_splits(7, num_train=50, num_val=20,
                                                                                  num_test=30)
    assert [len(a[k][0]) for k in ("train", "val", "test")] == [50, 20, 30]
    assert all(torch.equal(a[k][0], b[k][0]) for k in a)  # no run's seed involved
    assert not torch.equal(a["val"][0][:20], a["test"][0][:20]) and not torch.equal(a["train"][0][:20], a["val"][0])
    assert torch.equal(a["test"][0], adding_problem(30, 7, seed=10_000)[0])  # fit_adding's test set


def test_adding_problem_targets_are_the_sum_of_the_two_marked_values():
    X, y = adding_problem(50, 12, seed=3)
    assert X.shape == (50, 12, 2) and y.shape == (50, 1)
    markers = X[..., 1]
    assert torch.all(markers.sum(1) == 2)
    assert torch.all(markers[:, :6].sum(1) == 1)  # one marker in each half
    assert torch.allclose(y[:, 0], (X[..., 0] * markers).sum(1))
    assert torch.equal(adding_problem(5, 12, seed=3)[0], adding_problem(5, 12, seed=3)[0])
    _, y_big = adding_problem(20_000, 10, seed=0)
    assert abs(((y_big - 1.0) ** 2).mean().item() - ADDING_BASELINE_MSE) < 0.01


@pytest.mark.parametrize("T", [0, 1, -5, 2.5])
def test_adding_problem_rejects_bad_lengths(T):
    with pytest.raises(ParameterError, match="T="):
        adding_problem(4, T, seed=0)


def test_char_sequences_shift_targets_by_one():
    X, y = char_sequences(torch.arange(11), 5)
    assert X.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]] and y.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    with pytest.raises(ParameterError, match="seq_len"):
        char_sequences(torch.arange(5), 5)


def test_char_data_and_lm_loss():
    data = load_char_data(seq_len=32, max_chars=5000)
    assert data.X_train.shape[1] == 32 and torch.equal(data.X_train[:, 1:], data.y_train[:, :-1])
    assert len(data.X_val) > 100
    V = len(data.vocab)
    uniform = lm_loss(torch.zeros(2, 32, V), data.y_train[:2])
    assert abs(uniform.item() - torch.log(torch.tensor(float(V))).item()) < 1e-5


@pytest.mark.parametrize("cell", CELL_TYPES)
def test_recurrent_layer_builds_each_cell(cell):
    layer = recurrent_layer(cell, 3, 8, forget_bias=1.0)
    out, _ = layer(torch.randn(2, 5, 3))
    assert out.shape == (2, 5, 8)
    if cell == "lstm":
        forget = layer.bias_ih_l0[8:16] + layer.bias_hh_l0[8:16]
        assert torch.allclose(forget, torch.ones(8))


def test_recurrent_layer_rejects_unknown_cells():
    with pytest.raises(ParameterError, match="Unknown cell type 'transformer'"):
        recurrent_layer("transformer", 3, 8)


def test_models_shapes_and_parameter_count():
    reg = LastStepRegressor(recurrent_layer("gru", 2, 4), num_hiddens=4)
    assert reg(torch.randn(3, 7, 2)).shape == (3, 1)
    assert count_params(recurrent_layer("lstm", 2, 4)) == 4 * (4 * 2 + 4 * 4 + 2 * 4)
    lm = CharLM(recurrent_layer("rnn", 6, 8), vocab_size=11, num_hiddens=8, embed_dim=6)
    assert lm(torch.randint(0, 11, (2, 9))).shape == (2, 9, 11)


def test_random_batches_length_and_shapes():
    loader = RandomBatches(torch.arange(10), torch.arange(10) * 2, batch_size=4, num_batches=3, seed=0)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert all(len(x) == 4 and torch.equal(y, 2 * x) for x, y in batches)


def test_state_gradient_norms_and_seconds_per_step():
    h0 = torch.ones(2, 3, requires_grad=True)
    h1 = 0.5 * h0
    norms = state_gradient_norms(h1.sum(), [h0, h1])
    assert torch.allclose(norms, torch.tensor([0.5 * 3 ** 0.5, 3 ** 0.5]))
    assert seconds_per_step(lambda batch: batch[0] * 2, (torch.ones(3),), num_steps=3) >= 0


def test_fit_adding_learns_a_short_sequence(one_thread):
    torch.manual_seed(0)
    model = LastStepRegressor(recurrent_layer("lstm", 2, 16, forget_bias=1.0), num_hiddens=16)
    history = fit_adding(model, T=4, num_steps=200, lr=1e-2, seed=0, progress=False)
    assert len(history["test_mse"]) == 2
    assert history["test_mse"][-1] < 0.05


def test_fit_char_lm_and_sampling(one_thread):
    torch.manual_seed(0)
    data = load_char_data(seq_len=16, max_chars=3000)
    lm = CharLM(recurrent_layer("rnn", 8, 16), len(data.vocab), num_hiddens=16, embed_dim=8)
    history = fit_char_lm(lm, data, seconds=0.2, progress=False)
    assert history["val_loss"][-1] < torch.log(torch.tensor(float(len(data.vocab)))).item()
    text = sample_text(lm, data.vocab, "def ", num_chars=10, temperature=0.5)
    assert text.startswith("def ") and len(text) == 14
    with pytest.raises(ParameterError, match="temperature"):
        sample_text(lm, data.vocab, "def ", temperature=0.0)

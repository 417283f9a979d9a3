"""Sequence data for the recurrent-network notebooks: sunspots, the adding problem, character-model batches.

The three notebooks (02_rnn, 03_lstm, 04_gru) load their problems from here, so that they compare
architectures on the same data, trained by the same loop (`helpers.train`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checks import ParameterError
from .text import CharVocab, python_docs_text
from .training import TensorLoader, evaluate, supervised_step, train

CELL_TYPES = ("rnn", "lstm", "gru")
ADDING_BASELINE_MSE = 1 / 6  # variance of the sum of two U(0, 1) numbers: the MSE of always predicting 1


@dataclass
class SeriesSplit:
    """Windows of a normalised series: inputs (N, window, 1) and next values (N, 1), split by time."""

    X_train: Tensor
    y_train: Tensor
    X_val: Tensor
    y_val: Tensor
    years_val: np.ndarray  # the year of each validation target
    mean: float  # of the training years: z = (x - mean) / std
    std: float

    def denormalise(self, z: Tensor) -> Tensor:
        """Values back in the series' own units."""
        return z * self.std + self.mean


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers 1700-2008 (309 values), bundled with statsmodels: (years, values)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("statsmodels")  # read the bundled CSV without importing statsmodels (slow)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("The sunspot series ships with statsmodels: pip install statsmodels")
    table = np.loadtxt(Path(spec.origin).parent / "datasets" / "sunspots" / "sunspots.csv", delimiter=",",
                       skiprows=1, dtype=np.float32)
    return table[:, 0].astype(int), table[:, 1]


def make_windows(series: Tensor, window: int) -> tuple[Tensor, Tensor]:
    """Every run of `window` consecutive values (N, window, 1) and the value that follows it (N, 1)."""
    if not 1 <= window < len(series):
        raise ParameterError(f"window={window} must be at least 1 and shorter than the series ({len(series)}).")
    X = series.unfold(0, window, 1)[:-1]  # (N, window)
    return X.unsqueeze(-1), series[window:].unsqueeze(-1)


def sunspot_windows(window: int = 20, num_val_years: int = 60) -> SeriesSplit:
    """Sunspot windows; the last `num_val_years` targets validate; mean and std come from training years only."""
    years, values = load_sunspots()
    if not 1 <= num_val_years <= len(values) - window - 10:
        raise ParameterError(f"num_val_years={num_val_years} leaves too few training windows; use fewer.")
    n_train_values = len(values) - num_val_years
    mean, std = float(values[:n_train_values].mean()), float(values[:n_train_values].std())
    X, y = make_windows(torch.from_numpy((values - mean) / std), window)
    n_val = num_val_years
    return SeriesSplit(X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:], years[-n_val:], mean, std)


def adding_problem(n: int, T: int, seed: int) -> tuple[Tensor, Tensor]:
    """The adding problem: (n, T, 2) inputs [value, marker] and (n, 1) targets, the sum of the 2 marked values.

    One marker falls in the first half, one in the second, so the model must remember over ~T/2 steps.
    Always predicting the mean (1.0) gives an MSE of 1/6 ≈ 0.167 (ADDING_BASELINE_MSE).
    """
    if not isinstance(T, int) or T < 2:
        raise ParameterError(f"T={T!r}: the sequence length must be an integer of at least 2 (two marked values).")
    if n < 1:
        raise ParameterError(f"n={n}: ask for at least one sequence.")
    gen = torch.Generator().manual_seed(seed)
    values = torch.rand(n, T, generator=gen)
    first = torch.randint(0, (T + 1) // 2, (n,), generator=gen)
    second = torch.randint((T + 1) // 2, T, (n,), generator=gen)
    markers = torch.zeros(n, T)
    markers[torch.arange(n), first] = 1.0
    markers[torch.arange(n), second] = 1.0
    return torch.stack([values, markers], dim=-1), (values * markers).sum(dim=1, keepdim=True)


@dataclass
class CharData:
    """A character-level language-modelling set: (N, seq_len) input ids and the ids one step later."""

    vocab: CharVocab
    X_train: Tensor
    y_train: Tensor
    X_val: Tensor
    y_val: Tensor


def char_sequences(ids: Tensor, seq_len: int) -> tuple[Tensor, Tensor]:
    """Cut ids into non-overlapping (N, seq_len) inputs and targets shifted by one character."""
    if seq_len < 1 or len(ids) < seq_len + 1:
        raise ParameterError(f"seq_len={seq_len} must be at least 1 and shorter than the text ({len(ids)} ids).")
    n = (len(ids) - 1) // seq_len
    X = ids[:n * seq_len].view(n, seq_len)
    y = ids[1:n * seq_len + 1].view(n, seq_len)
    return X, y


def load_char_data(seq_len: int = 64, max_chars: int | None = None) -> CharData:
    """The Python reference manual as character sequences, with a fixed train/validation split by section."""
    train_text, val_text = python_docs_text()
    if max_chars is not None:
        train_text = train_text[:max_chars]
    vocab = CharVocab(train_text + val_text)
    return CharData(vocab, *char_sequences(vocab.encode(train_text), seq_len),
                    *char_sequences(vocab.encode(val_text), seq_len))


def lm_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy in nats per character: logits (B, T, V) against ids (B, T)."""
    return F.cross_entropy(y_hat.flatten(0, 1), y.flatten())


class RandomBatches:
    """`num_batches` mini-batches drawn at random (with replacement between batches): a short 'epoch'."""

    def __init__(self, *tensors: Tensor, batch_size: int, num_batches: int, seed: int = 0) -> None:
        self.tensors, self.batch_size, self.num_batches = tensors, batch_size, num_batches
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        for _ in range(self.num_batches):
            idx = torch.randint(0, len(self.tensors[0]), (self.batch_size,), generator=self.generator)
            yield tuple(t[idx] for t in self.tensors)


def recurrent_layer(cell: str, input_size: int, num_hiddens: int, forget_bias: float = 0.0) -> nn.Module:
    """A batch-first torch.nn recurrent layer: "rnn" (tanh), "lstm" or "gru"; LSTM forget-gate bias settable."""
    if cell not in CELL_TYPES:
        raise ParameterError(f"Unknown cell type {cell!r}: use one of {', '.join(CELL_TYPES)}.")
    layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](input_size, num_hiddens, batch_first=True)
    if cell == "lstm":
        with torch.no_grad():  # gate order i, f, g, o; the two biases add up, so set one and zero the other
            layer.bias_ih_l0[num_hiddens:2 * num_hiddens] = forget_bias
            layer.bias_hh_l0[num_hiddens:2 * num_hiddens] = 0.0
    return layer


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def seconds_per_step(step_fn: Callable[[tuple[Tensor, ...]], object], batch: tuple[Tensor, ...],
                     num_steps: int = 20, warmup: int = 3) -> float:
    """Median wall time of one call of `step_fn(batch)` (a training step), after `warmup` calls."""
    times = []
    for i in range(warmup + num_steps):
        if batch[0].is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        step_fn(batch)
        if batch[0].is_cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def state_gradient_norms(loss: Tensor, states: list[Tensor]) -> Tensor:
    """Mean over the batch of ||dL/dh_t|| for each state h_t (B, H) in `states`: a (T,) tensor."""
    grads = torch.autograd.grad(loss, states, allow_unused=True)
    return torch.stack([torch.zeros(()) if g is None else g.detach().norm(dim=-1).mean().cpu() for g in grads])


@torch.no_grad()
def sample_text(model: nn.Module, vocab: CharVocab, prompt: str, num_chars: int = 200, temperature: float = 1.0,
                context: int = 64, seed: int = 0) -> str:
    """Continue `prompt` one sampled character at a time; `model` maps ids (1, T) to logits (1, T, V)."""
    if temperature <= 0:
        raise ParameterError(f"temperature={temperature} must be positive (small: cautious, large: adventurous).")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    ids = vocab.encode(prompt).tolist()
    for _ in range(num_chars):
        logits = model(torch.tensor([ids[-context:]], device=device))[0, -1].cpu()  # (V,)
        probs = torch.softmax(logits / temperature, dim=-1)
        ids.append(int(torch.multinomial(probs, 1, generator=gen)))
    model.train(was_training)
    return vocab.decode(ids)


class LastStepRegressor(nn.Module):
    """A recurrent layer read out at its last step by a linear layer: (B, T, D) -> (B, num_outputs)."""

    def __init__(self, layer: nn.Module, num_hiddens: int, num_outputs: int = 1) -> None:
        super().__init__()
        self.layer, self.head = layer, nn.Linear(num_hiddens, num_outputs)

    def forward(self, X: Tensor) -> Tensor:
        return self.head(self.layer(X)[0][:, -1])  # layer -> (outputs (B, T, H), state); keep h_T


class CharLM(nn.Module):
    """Embedding, a recurrent layer (input size embed_dim), and a linear layer: ids (B, T) -> logits (B, T, V)."""

    def __init__(self, layer: nn.Module, vocab_size: int, num_hiddens: int, embed_dim: int) -> None:
        super().__init__()
        self.embed, self.layer = nn.Embedding(vocab_size, embed_dim), layer
        self.head = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X: Tensor) -> Tensor:
        return self.head(self.layer(self.embed(X))[0])


def adam_step(model: nn.Module, loss_fn: Callable, lr: float, max_grad_norm: float = 1.0) -> Callable:
    """The training step every recurrent experiment uses: Adam at `lr`, gradient norm clipped to `max_grad_norm`."""
    return supervised_step(model, torch.optim.Adam(model.parameters(), lr=lr), loss_fn, max_grad_norm)


def fit_adding(model: nn.Module, T: int, num_steps: int = 1000, lr: float = 1e-2, batch_size: int = 32,
               seed: int = 0, device: torch.device | str = "cpu", progress: bool = True) -> dict[str, list[float]]:
    """Train `model` on the adding problem of length T with `helpers.train`; `test_mse` every 100 steps."""
    X, y = adding_problem(10_000, T, seed)
    test = TensorLoader(*adding_problem(1000, T, seed=10_000), batch_size=1000)  # the same for every seed
    loader = RandomBatches(X, y, batch_size=batch_size, num_batches=min(100, num_steps), seed=seed)
    return train(model, loader, max(1, num_steps // len(loader)), step_fn=adam_step(model, F.mse_loss, lr),
                 eval_fn=lambda m: {"test_mse": evaluate(m, test, F.mse_loss, device)["loss"]},
                 device=device, desc=f"adding T={T}", progress=progress)


def fit_char_lm(model: nn.Module, data: CharData, seconds: float, lr: float = 1e-2, batch_size: int = 32,
                seed: int = 0, device: torch.device | str = "cpu", progress: bool = True) -> dict[str, list[float]]:
    """Train a character model for about `seconds` (steps = seconds / measured time per step); `val_loss` in nats."""
    model.to(device)
    probe = copy.deepcopy(model)  # time steps on a copy, so the timing does not train the model
    batch = (data.X_train[:batch_size].to(device), data.y_train[:batch_size].to(device))
    sec = seconds_per_step(adam_step(probe, lm_loss, lr), batch, num_steps=5, warmup=2)
    loader = RandomBatches(data.X_train, data.y_train, batch_size=batch_size, num_batches=20, seed=seed)
    val = TensorLoader(data.X_val[:256], data.y_val[:256], batch_size=256)
    history = train(model, loader, max(1, round(seconds / (sec * len(loader)))), step_fn=adam_step(model, lm_loss, lr),
                    val_loader=val, loss_fn=lm_loss, device=device, desc="char LM", progress=progress)
    history["seconds_per_step"] = [sec] * len(history["epoch"])
    return history

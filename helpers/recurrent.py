"""Recurrent models and training recipes shared by 02_rnn, 03_lstm and 04_gru.

02 teaches CharLM and sample_text on the page; the copies here are for 03 and 04, and a test keeps them equal.

Layers from torch.nn, a last-step regressor (adding problem), a character model, its loss and sampling loop,
and the two training protocols: a fixed number of steps (adding problem) and an equal wall-clock budget.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .batches import RandomBatches, TensorLoader
from .datasets.sequences import CharData, adding_problem
from .datasets.text import CharVocab
from .params import ParameterError
from .training import evaluate, supervised_step, train

CELL_TYPES = ("rnn", "lstm", "gru")


def lm_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy in nats per character: logits (B, T, V) against ids (B, T)."""
    return F.cross_entropy(y_hat.flatten(0, 1), y.flatten())


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


def state_gradient_norms(loss: Tensor, states: list[Tensor]) -> Tensor:
    """Mean over the batch of ||dL/dh_t|| for each state h_t (B, H) in `states`: a (T,) tensor."""
    grads = torch.autograd.grad(loss, states, allow_unused=True)
    return torch.stack([torch.zeros(()) if g is None else g.detach().norm(dim=-1).mean().cpu() for g in grads])


# copied from notebooks/02_rnn.ipynb, section 3 (tests/test_recurrent.py checks the copy is the same)
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
        X = torch.tensor([ids[-context:]], device=device)           # (1, T): the last `context` characters
        logits = model(X)[0, -1].cpu()                               # (V,): scores for the next character
        probs = torch.softmax(logits / temperature, dim=-1)          # temperature < 1 sharpens, > 1 flattens
        ids.append(int(torch.multinomial(probs, 1, generator=gen)))  # draw one id and feed it back
    model.train(was_training)
    return vocab.decode(ids)


class LastStepRegressor(nn.Module):
    """A recurrent layer read out at its last step by a linear layer: (B, T, D) -> (B, num_outputs)."""

    def __init__(self, layer: nn.Module, num_hiddens: int, num_outputs: int = 1) -> None:
        super().__init__()
        self.layer, self.head = layer, nn.Linear(num_hiddens, num_outputs)

    def forward(self, X: Tensor) -> Tensor:
        return self.head(self.layer(X)[0][:, -1])  # layer -> (outputs (B, T, H), state); keep h_T


# copied from notebooks/02_rnn.ipynb, section 3 (tests/test_recurrent.py checks the copy is the same)
class CharLM(nn.Module):
    """Embedding, a recurrent layer (input size embed_dim), and a linear layer: ids (B, T) -> logits (B, T, V)."""

    def __init__(self, layer: nn.Module, vocab_size: int, num_hiddens: int, embed_dim: int) -> None:
        super().__init__()
        self.embed, self.layer = nn.Embedding(vocab_size, embed_dim), layer
        self.head = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        E = self.embed(X)                  # (B, T, embed_dim): one learned vector per character
        states, _ = self.layer(E)          # (B, T, H): every state, h_0 = 0
        return self.head(states)           # (B, T, V): scores for the next character at every step


def adam_step(model: nn.Module, loss_fn: Callable, lr: float, max_grad_norm: float = 1.0) -> Callable:
    """The training step every recurrent experiment uses: Adam at `lr`, gradient norm clipped to `max_grad_norm`."""
    return supervised_step(model, torch.optim.Adam(model.parameters(), lr=lr), loss_fn, max_grad_norm)


def fit_adding(model: nn.Module, T: int, num_steps: int = 1000, lr: float = 1e-2, batch_size: int = 32,
               seed: int = 0, eval_every: int = 100, device: torch.device | str | None = None,
               progress: bool = True) -> dict[str, list[float]]:
    """Train `model` for exactly `num_steps` steps on the adding problem of length T; `test_mse` every `eval_every`."""
    X, y = adding_problem(10_000, T, seed)
    test = TensorLoader(*adding_problem(1000, T, seed=10_000), batch_size=1000)  # the same for every seed
    loader = RandomBatches(X, y, batch_size=batch_size, num_batches=eval_every, seed=seed)
    return train(model, loader, num_steps=num_steps, eval_every=min(eval_every, num_steps),
                 step_fn=adam_step(model, F.mse_loss, lr),
                 eval_fn=lambda m: {"test_mse": evaluate(m, test, F.mse_loss)["loss"]},
                 device=device, desc=f"adding T={T}", progress=progress)


def fit_char_lm(model: nn.Module, data: CharData, seconds: float, lr: float = 1e-2, batch_size: int = 32,
                seed: int = 0, eval_every: int = 20, device: torch.device | str | None = None,
                progress: bool = True) -> dict[str, list[float]]:
    """Train a character model for `seconds` of training time (evaluation excluded); `val_loss` in nats per char."""
    loader = RandomBatches(data.X_train, data.y_train, batch_size=batch_size, num_batches=eval_every, seed=seed)
    val = TensorLoader(data.X_val[:256], data.y_val[:256], batch_size=256)
    return train(model, loader, num_steps=10**9, eval_every=eval_every, max_seconds=seconds,
                 step_fn=adam_step(model, lm_loss, lr), val_loader=val, loss_fn=lm_loss, desc="char LM",
                 device=device, progress=progress)

"""Notebook 05's from-scratch layers (lesson and lab), run outside the notebooks on more settings than they check."""

import itertools
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK, LAB = NOTEBOOKS / "05_autoencoder.ipynb", NOTEBOOKS / "labs" / "05_autoencoder_lab.ipynb"


def code_cells() -> list:
    """The code cells of the lesson, then of its lab (the transposed convolution is taught in the lesson, the VAE
    and the convolutional autoencoder are built in the lab)."""
    return [c for path in (NOTEBOOK, LAB) for c in nbformat.read(str(path), as_version=4).cells
            if c.cell_type == "code"]


def definitions(*names: str) -> dict:
    """Execute the notebook cells that define the given functions, with only torch in scope; return the names."""
    scope = {"torch": torch, "F": F, "nn": nn}
    cells = code_cells()
    for name in names:
        cell = next(c for c in cells if f"def {name}(" in c.source)
        head = cell.source.split("\n\n\n")[0]  # the definition, without the demo that follows it
        exec(compile(head, f"05_autoencoder:{name}", "exec"), scope)
    return {name: scope[name] for name in names}


@pytest.fixture(scope="module")
def scratch() -> dict:
    return definitions("conv_transpose2d", "conv_transpose2d_as_conv", "kl_to_standard_normal")


SETTINGS = [(k, s, p, op) for k, s, p, op in itertools.product((1, 2, 3, 4), (1, 2, 3), (0, 1, 2), (0, 1, 2))
            if p < k and op < s]


@pytest.mark.parametrize(("k", "s", "p", "op"), SETTINGS)
def test_conv_transpose_matches_torch(scratch, k, s, p, op):
    torch.manual_seed(0)
    layer = nn.ConvTranspose2d(2, 3, k, stride=s, padding=p, output_padding=op).double()
    X = torch.randn(2, 2, 4, 3, dtype=torch.float64, requires_grad=True)
    expected = layer(X)
    for name in ("conv_transpose2d", "conv_transpose2d_as_conv"):
        Y = scratch[name](X, layer.weight, layer.bias, stride=s, padding=p, output_padding=op)
        assert Y.shape == expected.shape, name
        torch.testing.assert_close(Y, expected)
        G = torch.randn_like(Y)
        ours = torch.autograd.grad(Y, (X, layer.weight, layer.bias), G, retain_graph=True)
        theirs = torch.autograd.grad(expected, (X, layer.weight, layer.bias), G, retain_graph=True)
        for a, b in zip(ours, theirs, strict=True):
            torch.testing.assert_close(a, b)


def test_conv_transpose_is_the_gradient_of_a_convolution(scratch):
    torch.manual_seed(1)
    X = torch.randn(1, 3, 9, 9, dtype=torch.float64, requires_grad=True)
    W = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    Y = F.conv2d(X, W, stride=2, padding=1)                                     # (1, 4, 5, 5)
    G = torch.randn_like(Y)
    grad_X, = torch.autograd.grad(Y, X, G)
    torch.testing.assert_close(scratch["conv_transpose2d"](G, W, stride=2, padding=1), grad_X)


def test_kl_to_standard_normal_matches_torch_distributions(scratch):
    torch.manual_seed(2)
    mu, logvar = torch.randn(7, 5, dtype=torch.float64), 3 * torch.randn(7, 5, dtype=torch.float64)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros_like(mu), 1.0)).sum(-1)
    torch.testing.assert_close(scratch["kl_to_standard_normal"](mu, logvar), expected)
    assert scratch["kl_to_standard_normal"](torch.zeros(2, 3), torch.zeros(2, 3)).abs().max() == 0


def test_conv_autoencoder_and_vae_take_mnist_images():
    """The lab's models are written for any image size divisible by 4: with `dataset="mnist"` (28 x 28) they
    build, map shapes as their comments say, and a few Adam steps lower their loss on a fixed batch."""
    scope = {"torch": torch, "F": F, "nn": nn}
    cells = code_cells()
    for marker in ("def mlp_encoder(", "def reparameterise(", "def kl_to_standard_normal(",
                   "class ConvAutoencoder(", "class VariationalAutoencoder("):
        cell = next(c for c in cells if marker in c.source)
        head = cell.source if marker == "def mlp_encoder(" else cell.source.split("\n\n\n")[0]  # MLP cell: both
        exec(compile(head, f"05_autoencoder:{marker}", "exec"), scope)
    vae_head = next(c for c in cells if "class VariationalAutoencoder(" in c.source)
    exec(compile(vae_head.source.split("\n\n\nvae_demo")[0], "05_autoencoder:vae_loss", "exec"), scope)
    torch.manual_seed(0)
    coarse = torch.rand(16, 1, 7, 7) ** 3                                           # sparse bright blobs
    X = F.interpolate(coarse, size=(28, 28), mode="bilinear").flatten(1)          # (B, D) for MNIST
    conv_ae = scope["ConvAutoencoder"]((1, 28, 28), 8, 4)
    vae = scope["VariationalAutoencoder"](28 * 28, 8, 32)
    assert conv_ae.encoder(X).shape == (16, 8) and conv_ae(X).shape == X.shape
    X_hat, mu, logvar = vae(X)
    assert X_hat.shape == X.shape and mu.shape == logvar.shape == (16, 8)
    for model, loss_fn in ((conv_ae, lambda out: F.mse_loss(out, X)), (vae, lambda out: scope["vae_loss"](out, X))):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for _ in range(30):
            loss = loss_fn(model(X))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert losses[-1] < 0.9 * losses[0], (type(model).__name__, losses[0], losses[-1])
    with pytest.raises(AssertionError, match="divisible by 4"):
        scope["ConvAutoencoder"]((1, 30, 30), 8, 4)

"""Notebook 05's from-scratch layers (lesson and lab), run outside the notebooks on more settings than they check."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from notebook_code import notebook_namespace
from torch import nn
from torch.distributions import Normal, kl_divergence


def definitions(*names: str) -> dict:
    """The lesson's and the lab's functions and classes (the transposed convolution is taught in the lesson, the VAE
    and the convolutional autoencoder are built in the lab), run with only torch in scope; those named."""
    scope = notebook_namespace(["05_autoencoder.ipynb", "labs/05_autoencoder_lab.ipynb"],
                               {"torch": torch, "F": F, "nn": nn})
    return {name: scope[name] for name in names} if names else scope


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
    scope = definitions()
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

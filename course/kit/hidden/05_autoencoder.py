"""Hidden checks of 05_autoencoder's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821  (each function runs in the student's kernel and uses its names: torch, the answers)

FORBIDDEN = ("sklearn.decomposition.PCA", "torch.nn.ConvTranspose2d", "torch.nn.functional.conv_transpose2d")


def _without(names, call):
    """call() with the kernel's own names (the lesson imports `PCA` from scikit-learn) replaced by a stand-in that
    raises: FORBIDDEN patches modules, not the names a notebook imported from them."""
    kernel = globals()
    saved = {name: kernel[name] for name in names if name in kernel}

    def refuse(*args, **kwargs):
        raise RuntimeError("scikit-learn's PCA may not be used in this exercise")

    kernel.update({name: refuse for name in saved})
    try:
        return call()
    finally:
        kernel.update(saved)


def exercise_1():
    """PCA by SVD on other data and other code sizes, without scikit-learn's PCA."""
    torch.manual_seed(20261208)
    X_fit = torch.randn(40, 6) @ torch.randn(6, 9) + torch.randn(9)
    X = torch.randn(5, 6) @ torch.randn(6, 9)
    return _without(["PCA", "pca_reconstruct"], lambda: [pca_reconstruct_svd(X_fit, X, k) for k in (1, 4)])


def exercise_2():
    """Masking on random values, at two other rates: the share zeroed (a million pixels), kept values unchanged."""
    torch.manual_seed(20261208)
    X = torch.rand(1000, 1000) + 0.5
    results = []
    for p in (0.7, 0.1):
        masked = mask_pixels(X, p)
        results += [tuple(masked.shape) == tuple(X.shape), abs((masked == 0).float().mean().item() - p) < 0.005,
                    bool(((masked == 0) | (masked == X)).all())]
    return results + [bool(torch.equal(mask_pixels(X[:3], 0.0), X[:3]))]


def exercise_3():
    """The explained share on correlated random data of another width, for three code sizes."""
    torch.manual_seed(20261208)
    X = torch.randn(300, 7) @ torch.randn(7, 7)
    return _without(["PCA", "pca_reconstruct"], lambda: [float(explained_share(X, k)) for k in (1, 3, 6)]) + [
        float(explained_2)]


def exercise_4():
    """Output sizes for settings and sizes no layer can build; the predicted triple must double 4 x 4."""
    sizes = [conv_transpose_out_size(H, k, s, p, op)
             for H, k, s, p, op in [(10**7, 3, 2, 1, 1), (6, 7, 4, 3, 2), (9, 1, 1, 0, 0), (2, 5, 3, 1, 0)]]
    k, s, p = doubling
    return sizes + [(4 - 1) * s - 2 * p + k == 8 and 0 <= p < k and s >= 1]


def exercise_5():
    return pca_error_changes


def exercise_6():
    return float(mse_factor)

"""Hidden checks of 01_cnn's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821  (each function runs in the student's kernel: torch, nn, F and the answers are its globals)

FORBIDDEN = ("torch.nn.Conv2d", "torch.nn.LazyConv2d", "torch.nn.functional.conv2d", "torch.nn.AvgPool2d",
             "torch.nn.functional.avg_pool2d", "torch.nn.AdaptiveAvgPool2d",
             "torch.nn.functional.adaptive_avg_pool2d")  # dotted names replaced by a stand-in that raises


def exercise_1():
    """What the kernel does, not its numbers: an edge lower down at other grey levels, the reverse edge, a flat
    region of a random level and a vertical edge (any valid horizontal-edge kernel gives the same answers)."""
    torch.manual_seed(20261208)
    K = torch.as_tensor(K_horizontal, dtype=torch.float32)
    is_3x3 = tuple(K.shape) == (3, 3)
    K = K.reshape(1, 1, 3, 3)
    step = torch.full((1, 1, 9, 7), 0.2)
    step[..., 5:, :] = 0.9                                           # dark above row 5, bright from it down
    up, down = conv2d(step, K), conv2d(step.flip(-2), K)
    flat = conv2d(torch.full((2, 1, 6, 8), 5 * torch.rand(1).item()), K)
    vertical = conv2d(step.transpose(-1, -2), K)
    return [is_3x3, bool(up.max() > 0), bool(up.min() > -1e-5), bool(down.min() < 0), bool(down.max() < 1e-5),
            bool(flat.abs().max() < 1e-5), bool(vertical.abs().max() < 1e-5)]


def exercise_2():
    """A formula, not count_params(nn.Conv2d(...)): a size far too large to build, and small ones."""
    return [int(num_conv_params(10**6, 2 * 10**6, 7)), int(num_conv_params(5, 3, 1)), int(num_conv_params(2, 9, 4))]


def exercise_3():
    """Other batch, channel, image and window sizes than the visible check's (2, 3, 8, 8) with k = 2."""
    torch.manual_seed(20261209)
    X1, X2 = torch.randn(3, 2, 9, 9), torch.randn(1, 5, 12, 12)
    return [avg_pool_by_conv(X1, 3).detach(), avg_pool_by_conv(X2, 4).detach(), avg_pool_by_conv(X2, 2).detach()]


def exercise_4():
    """The augmented MLP on test digits moved by every offset of -1, 0 or 1 pixels (the visible check tries one): its
    mean accuracy is above 0.6 of its best (the MLP without augmentation, or trained on one offset: about 0.4)."""
    def moved_accuracy(dy: int, dx: int) -> float:
        return evaluate(mlp, TensorLoader(shift_images(data.X_test, dy, dx), data.y_test, batch_size=512))["accuracy"]

    moved = [moved_accuracy(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return [isinstance(mlp, nn.Module), abs(shift1_augmented_mlp - moved_accuracy(0, 1)) < 1e-6,
            sum(moved) / len(moved) > 0.6 * max(moved)]


def exercise_5():
    """The predicted output sides at strides 2 and 3."""
    return [int(side) for side in predicted_sizes]


def exercise_6():
    """The predicted receptive field after a third convolution."""
    return int(predicted_rf)


def exercise_7():
    """The indices of the layers whose parameter count depends on the image size."""
    return sorted(int(i) for i in layers_that_grow)

"""Hidden checks of 02_rnn's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821  (each function runs in the student's kernel: torch, nn and the answers are its globals)

FORBIDDEN = ("torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad.clip_grad_norm_",
             "torch.nn.utils.clip_grads_with_norm_", "torch.nn.utils.get_total_norm")  # stand-ins raise in the calls


def exercise_1():
    """A formula, not a count of nn.RNN(...)'s parameters: a size far too large to build, and small ones."""
    return [int(rnn_layer_params(10**6, 3 * 10**6)), int(rnn_layer_params(7, 2)), int(rnn_layer_params(1, 9))]


def exercise_2():
    """Other shapes, three tensors and another max_norm than the visible check; a joint norm just under it stays."""
    torch.manual_seed(20261208)
    grads = [3 * torch.randn(2, 7), torch.randn(4), torch.randn(3, 3, 2)]
    total = float(torch.sqrt(sum(g.pow(2).sum() for g in grads)))
    under = [g * (0.9 * 2.5 / total) for g in grads]                  # joint norm 2.25, under max_norm = 2.5
    return [[g.detach() for g in clip_by_norm([g.clone() for g in grads], 2.5)],
            [g.detach() for g in clip_by_norm([g.clone() for g in under], 2.5)]]


def exercise_3():
    """The formula at a million steps (no loop finishes, float32 would drift), a negative a, a > 1, and factor_50."""
    return [float(gradient_factor(1 - 1e-6, 10**6)), float(gradient_factor(-0.5, 3)), float(gradient_factor(1.2, 7)),
            float(factor_50)]


def exercise_4():
    """The layer at two other sizes than the visible check's 16; the trained model's MSE against half the baseline."""
    found = []
    for num_hiddens in (24, 5):
        layer = orthogonal_rnn(num_hiddens)
        W = layer.weight_hh_l0.detach()
        found.append([isinstance(layer, nn.RNN), layer.input_size, layer.hidden_size, bool(layer.batch_first),
                      bool(torch.allclose(W @ W.T, torch.eye(num_hiddens), atol=1e-5))])
    return [found, bool(ortho_mse < ADDING_BASELINE_MSE / 2)]


def exercise_5():
    """The predicted shapes of nn.RNN's two outputs."""
    return [[int(d) for d in shape] for shape in predicted_shapes]


def exercise_6():
    """The predicted cosine and norm factor of a clipped gradient."""
    return [float(value) for value in clip_effect]


def exercise_7():
    """The predicted number of states a truncated gradient reaches."""
    return int(states_reached)

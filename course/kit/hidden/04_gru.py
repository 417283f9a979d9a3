"""Hidden checks of 04_gru's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821 (the checks run in the student's kernel and use its globals: torch, the answers, ScratchGRU)

FORBIDDEN = ("torch.nn.GRU", "torch.nn.GRUCell", "torch.gru", "torch.gru_cell")  # stand-ins raise during the calls


def exercise_1():
    """A formula, not count_params(nn.GRU(...)): sizes far too large to build, and small ones."""
    return [gru_layer_params(10**6, 2 * 10**6, 3), gru_layer_params(7, 5, 1), gru_layer_params(1, 9, 4)]


def exercise_2():
    """The reset gate before the matrix, on fresh random inputs and other sizes, the gate partly closed."""
    torch.manual_seed(20261208)
    x, h = torch.randn(3, 4), torch.randn(3, 5)
    first = gru_cell_original(x, h, torch.randn(15, 4), torch.randn(15, 5), torch.randn(15), torch.randn(15))
    x, h = torch.randn(1, 2), torch.randn(1, 6)
    second = gru_cell_original(x, h, torch.randn(18, 2), torch.randn(18, 6), torch.randn(18), torch.randn(18) - 1)
    return [first, second]


def exercise_3():
    """Each one-gate GRU on other sizes: its outputs, and which rows get zero gradients."""
    results = []
    for keep, fixed in (("update", slice(0, 6)), ("reset", slice(6, 12))):
        torch.manual_seed(20261209)
        layer = ablate_gru(torch.nn.modules.rnn.GRU(3, 6, batch_first=True), keep)  # the class, not nn.GRU
        outputs, h_n = layer(torch.randn(2, 5, 3))
        (outputs.sum() + h_n.pow(2).sum()).backward()
        grads = layer.weight_hh_l0.grad
        results += [outputs, h_n, bool(grads[fixed].abs().max() == 0), bool(grads[12:].abs().max() > 0),
                    bool(layer.bias_ih_l0.grad[fixed].abs().max() == 0)]
    return results


def exercise_4():
    """The bidirectional GRU built from the two ScratchGRUs, with their weights set here: outputs and gradients."""
    torch.manual_seed(20261210)
    bi = BiScratchGRU(6, 3)
    with torch.no_grad():
        for direction in (bi.forward_gru, bi.backward_gru):
            for p in (direction.W_x, direction.W_h, direction.b_x, direction.b_h):
                p.copy_(torch.randn_like(p) * 0.5)
    outputs, h_n = bi(torch.randn(2, 9, 6))
    (outputs.pow(2).sum() + h_n.sum()).backward()
    return [outputs, h_n, bi.forward_gru.W_x.grad, bi.backward_gru.W_h.grad, bi.backward_gru.b_x.grad]


def exercise_5():
    """Predict: the gate held, and its value, that makes the GRU copy its state."""
    return list(copy_gate)


def exercise_6():
    """Predict, then run: what still depends on h_(t-1) with the reset gate shut."""
    return {key: bool(depends[key]) for key in ("candidate", "state")}


def exercise_7():
    """Predict, then run: which halves of the last output change with the first input."""
    return {key: bool(changes[key]) for key in ("forward", "backward")}

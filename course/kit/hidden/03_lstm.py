"""Hidden checks of 03_lstm's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821 (the checks run in the student's kernel and use its globals: torch, the answers, lstm_cell)

FORBIDDEN = ("torch.nn.LSTM", "torch.nn.LSTMCell", "torch.lstm", "torch.lstm_cell")  # stand-ins raise during the calls


def exercise_1():
    """A formula, not count_params(nn.LSTM(...)): sizes far too large to build, and small ones."""
    return [lstm_layer_params(10**8, 3 * 10**7), lstm_layer_params(7, 2), lstm_layer_params(1, 11)]


def exercise_2():
    """The fraction of c_0 kept at other gate values and lengths, and the forget gate that keeps half over 100 steps."""
    return [float(memory_after(0.8, 7)), float(memory_after(0.97, 50)), float(memory_after(0.5, 1)), float(f_needed)]


def exercise_3():
    """The concatenated cell on fresh inputs and other sizes (D = 2, H = 3, a batch of 4)."""
    torch.manual_seed(20261211)
    x, h, c = torch.randn(4, 2), torch.randn(4, 3), torch.randn(4, 3)
    return list(lstm_cell_concat(x, h, c, torch.randn(12, 5), torch.randn(12)))


def exercise_4():
    """The 1997 cell (blocks i, g, o) on fresh inputs and other sizes (D = 3, H = 2, a batch of 5)."""
    torch.manual_seed(20261212)
    x, h, c = torch.randn(5, 3), torch.randn(5, 2), torch.randn(5, 2)
    return list(lstm_cell_1997(x, h, c, torch.randn(6, 3), torch.randn(6, 2), torch.randn(6)))


def exercise_5():
    """The predicted derivative of c_t by c_(t-1) without a forget gate (the solution's: 1)."""
    return float(predicted_slope)


def exercise_6():
    """Whether the predicted factor per step is σ(2) to two decimals."""
    return abs(float(predicted_factor) - torch.sigmoid(torch.tensor(2.0)).item()) < 0.02


def exercise_7():
    """The input and forget gate values that copy the cell state (the output gate may be anything)."""
    return [float(copy_gates["i"]), float(copy_gates["f"])]

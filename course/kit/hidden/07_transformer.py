# ruff: noqa: F821  (the names come from the student's kernel, where these functions run)
"""Hidden checks of 07_transformer's exercises (graded outside the student's kernel; see course/kit/grade.py)."""

FORBIDDEN = ("torch.nn.MultiheadAttention", "torch.nn.Transformer.generate_square_subsequent_mask")


def exercise_1():
    """Masks of other sizes, with the lesson's causal_mask made to raise while future_blind runs."""
    saved = globals()["causal_mask"]

    def refuse(*args, **kwargs):
        raise RuntimeError("future_blind must not call causal_mask")

    globals()["causal_mask"] = refuse
    try:
        masks = [future_blind(T) for T in (1, 2, 13)]
    finally:
        globals()["causal_mask"] = saved
    return [str(masks[-1].dtype)] + [torch.as_tensor(M).bool() for M in masks]


def exercise_2():
    """Other frequencies and shifts, a negative and a zero shift among them."""
    cases = ((0.37, 3), (1.9, -2), (1e-3, 250), (2.5, 0))
    return [torch.as_tensor(shift_matrix(omega, k), dtype=torch.float64) for omega, k in cases]


def exercise_3():
    """A formula, not count_params(...): a size far too large to build, and small ones with other head counts."""
    return [int(mha_params(d, h)) for d, h in ((10**6, 8), (2048, 16), (6, 3), (6, 1))]


def exercise_4():
    """The prediction: a query's largest unscaled attention weight, 0.1 or 1.0."""
    return float(predicted_largest)


def exercise_5():
    """The prediction: whether shuffling the encoder positions changes the cross-attention output."""
    return bool(predicted_changes)


def exercise_6():
    """The prediction: which decoder output positions change when input position 3 changes."""
    return sorted(int(t) for t in predicted_changed)

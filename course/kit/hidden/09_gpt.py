"""Hidden checks of 09_gpt's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821  (each function runs in the student's kernel and uses its names: torch, GPT, the answers)

FORBIDDEN = ()  # exercise 1 uses sizes far too large to build, so count_params(GPT(...)) cannot stand in


def exercise_1():
    """A formula, not count_params(GPT(...)): sizes no machine can build, and small ones, tied and untied."""
    return [gpt_params(2 * 10**6, 777, 10**5 + 8, 3, True), gpt_params(3 * 10**5, 4096, 2**15, 1, False),
            gpt_params(123, 45, 12, 5, False), gpt_params(7, 5, 8, 1, True)]


def exercise_2():
    """The loss per position of a fresh tiny GPT on random windows of another length and vocabulary."""
    torch.manual_seed(20261208)
    tiny = GPT(GPTConfig(11, 6, 8, 2, 1))
    X, y = torch.randint(11, (3, 6)), torch.randint(11, (3, 6))
    return loss_by_position(tiny, X, y)


def exercise_3():
    return predicted_num_tokens


def exercise_4():
    return float(predicted_uniform_loss)


def exercise_5():
    return list(predicted_changed)


def exercise_6():
    return sorted(predicted_tokens)


def exercise_7():
    return float(predicted_factor)

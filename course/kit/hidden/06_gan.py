"""Hidden checks of 06_gan's exercises (graded outside the student's kernel; see course/kit/grade.py)."""
# ruff: noqa: F821  (each function runs in the student's kernel and uses its names: torch, the answers)

FORBIDDEN = ("torch.nn.functional.mse_loss", "torch.nn.MSELoss", "torch.nn.functional.binary_cross_entropy",
             "torch.nn.functional.binary_cross_entropy_with_logits", "torch.nn.BCELoss", "torch.nn.BCEWithLogitsLoss")


def exercise_1():
    """V(D, G) on batches of two different sizes, with confident and unsure probabilities."""
    torch.manual_seed(20261208)
    D_real, D_fake = torch.sigmoid(3 * torch.randn(13, 1)), torch.sigmoid(3 * torch.randn(29, 1))
    return [float(gan_value(D_real, D_fake)), float(gan_value(D_fake[:5], D_real[:7]))]


def exercise_2():
    """Both least-squares losses on random outputs, batches of different sizes, without F.mse_loss."""
    torch.manual_seed(20261208)
    s_real, s_fake = 2 * torch.randn(11, 1), 2 * torch.randn(17, 1)
    return [float(lsgan_discriminator_loss(s_real, s_fake)), float(lsgan_generator_loss(s_fake)),
            float(lsgan_generator_loss(s_real))]


def exercise_3():
    """The class histogram of random probabilities skewed towards a few classes."""
    torch.manual_seed(20261208)
    probs = torch.softmax(torch.randn(37, 10) + torch.tensor([3.0, 0, 0, 2.0, 0, 0, 0, 1.0, 0, 0]), dim=1)
    shares, tv = class_histogram(probs)
    return [shares.float(), float(tv)]


def exercise_4():
    return float(loss_D_at_half)


def exercise_5():
    return larger_gradient


def exercise_6():
    return float(d_star_smoothed)

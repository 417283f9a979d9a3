"""Tests of helpers.plotting: figures made without pyplot."""

import pytest


def test_plot_lines_takes_an_x_per_series_and_a_band():
    from helpers import plot_lines

    fig = plot_lines(None, {"a": ([1, 2, 3], [3.0, 2.0, 1.0]), "b": ([1, 10, 100], [1.0, 0.5, 0.1], ([0.8, 0.4, 0.05],
                                                                                                 [1.2, 0.6, 0.2]))},
                     xlabel="step", ylabel="loss", logx=True, logy=True, hlines={"base": 2.0, "other": 1.5})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b", "base", "other"]
    assert ax.lines[2].get_linestyle() != ax.lines[3].get_linestyle()  # reference lines are told apart
    assert len(ax.collections) == 1 and ax.get_xscale() == "log"
    assert plot_lines([0, 1], {"c": [1.0, 2.0]}, "x", "y").axes[0].lines[0].get_xdata().tolist() == [0, 1]
    with pytest.raises(ValueError, match="series 'd' has no x"):
        plot_lines(None, {"d": [1.0, 2.0]}, "x", "y")


def test_plot_history_uses_steps_for_a_step_budget():
    from helpers import plot_history

    epoch_fig = plot_history({"epoch": [1, 2], "step": [7, 14], "train_loss": [1.0, 0.5]})
    step_fig = plot_history({"epoch": [0.5, 1.0, 1.5], "step": [10, 20, 30], "train_loss": [1.0, 0.7, 0.5]})
    assert epoch_fig.axes[0].get_xlabel() == "epoch" and step_fig.axes[0].get_xlabel() == "step"

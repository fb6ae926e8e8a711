"""Training pictures: the terminal boundary cell by cell, reproducible SVGs, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnscalar.errors import ShapeError
from nnscalar.plots import boundary_grid, plot_curves, plot_history, terminal_boundary
from nnscalar.train import EpochRecord


def test_boundary_grid_spans_the_data_with_a_margin() -> None:
    gx, gy, grid = boundary_grid(lambda p: p[0] + 10 * p[1], [[-1.0, 0.0], [1.0, 0.0]], 5, 3)
    assert gx == [-1.5, -0.75, 0.0, 0.75, 1.5]
    assert gy == [-1.0, 0.0, 1.0]  # no spread in x2: a margin of 1 each side
    assert grid[0] == [-11.5, -10.75, -10.0, -9.25, -8.5]


def test_terminal_boundary_draws_regions_and_points() -> None:
    text = terminal_boundary(lambda p: p[0], [[-1.0, 0.0], [1.0, 0.0]], [-1.0, 1.0], 5, 3)
    # x > 0 is class 1's region ('·'); each point is its class's mark, readable without colour
    assert text.plain == ("   ··\n ● ▲·\n   ··\n  ● class -1 (region ' ')  ▲ class 1 (region '·')")
    styles = [str(span.style) for span in text.spans]
    assert styles[:3] == ["#ff7b6b on #3a1d1a"] * 3  # x <= 0: class −1's region
    assert styles[3:5] == ["#6cb8ff on #14283a"] * 2
    assert styles[6] == "bold #ff7b6b on #3a1d1a"  # the −1 point in its own region
    assert styles[8] == "bold #6cb8ff on #14283a"


def test_a_misclassified_point_shows_on_the_other_region() -> None:
    text = terminal_boundary(lambda p: -p[0], [[-1.0, 0.0], [1.0, 0.0]], [-1.0, 1.0], 5, 3)
    assert text.plain.splitlines()[1] == "·● ▲ "  # ● (class −1) on the '·' region, ▲ on ' '


def _record(epoch: int, loss: float, accuracy: float | None) -> EpochRecord:
    return EpochRecord(epoch, loss, accuracy, None, None, 0.1, 0.0)


def test_curves_are_written_as_reproducible_svg_and_png(tmp_path: Path) -> None:
    history = [_record(1, 0.5, 0.8), _record(2, 0.25, 0.9), _record(3, 0.0, 1.0)]
    first = plot_history(history, tmp_path / "a")
    second = plot_history(history, tmp_path / "b.svg")
    assert [p.name for p in first] == ["a.svg", "a.png"]
    assert [p.name for p in second] == ["b.svg", "b.png"]
    assert first[0].read_bytes() == second[0].read_bytes()
    assert first[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "accuracy" in first[0].read_text()
    plot_curves({"SGD": [1.0, 0.5], "Adam": [0.9, 0.1]}, tmp_path / "c")
    assert "Adam" in (tmp_path / "c.svg").read_text()


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ShapeError, match="empty history"):
        plot_history([], tmp_path / "h")
    with pytest.raises(ShapeError, match="exactly 2 features"):
        boundary_grid(lambda p: 0.0, [[1.0, 2.0, 3.0]], 4, 4)
    with pytest.raises(ShapeError, match="no curves"):
        plot_curves({}, tmp_path / "c")


def test_the_hardest_sample_has_the_largest_loss_then_the_smallest_margin():
    from nnscalar import MLP, SGD, Trainer
    from nnscalar.plots import hardest_sample

    model = MLP(1, [1], seed=0)  # one linear neuron: score = 2x
    model.layers[0].neurons[0].weights = [2.0]
    trainer = Trainer(model, "hinge", SGD(model.parameters(), lr=0.1))
    # scores 2, 0.6, -4: hinge losses 0, 0.4, 0 — the largest loss wins
    assert hardest_sample(trainer, [[1.0], [0.3], [-2.0]], [1, 1, -1]) == (1, 0.6)
    # scores 2, 6, -1.5: every loss 0, so the smallest margin y·score (1.5) decides
    assert hardest_sample(trainer, [[1.0], [3.0], [-0.75]], [1, 1, -1]) == (2, 1.5)

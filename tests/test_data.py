"""Data sets: generators deterministic per seed with the right shapes and labels; CSV errors."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from nnscalar import data
from nnscalar.errors import ConfigError, ModelFileError, ShapeError

BINARY = [data.moons, data.circles, data.xor, data.spirals]


@pytest.mark.parametrize("make", [*BINARY, data.blobs, data.sine, data.linear])
def test_generators_are_deterministic_per_seed(make) -> None:
    assert make(n=30, seed=3) == make(n=30, seed=3)
    assert make(n=30, seed=3) != make(n=30, seed=4)


@pytest.mark.parametrize("make", BINARY)
def test_binary_generators_shapes_and_labels(make) -> None:
    X, y = make(n=101)
    assert len(X) == len(y) == 101 and all(len(row) == 2 for row in X)
    assert all(type(v) is float for row in X for v in row)
    assert set(y) == {-1.0, 1.0} and sorted(Counter(y).values()) == [50, 51]
    assert set(make(n=10, labels="01")[1]) == {0.0, 1.0}
    with pytest.raises(ConfigError, match=r"labels must be 'pm1' .* or '01'"):
        make(labels="+-")


def test_moons_without_noise_lie_on_two_half_circles() -> None:
    X, y = data.moons(n=20, noise=0.0)
    for (a, b), label in zip(X, y):
        if label < 0:  # the upper moon: the unit half circle
            assert a * a + b * b == pytest.approx(1.0) and b >= -1e-12
        else:  # the lower moon: centred at (1, 0.5)
            assert (a - 1) ** 2 + (b - 0.5) ** 2 == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_circles_without_noise_have_radii_1_and_factor() -> None:
    X, y = data.circles(n=20, noise=0.0, factor=0.3)
    assert {round(math.hypot(*row), 12) for row, lab in zip(X, y) if lab < 0} == {1.0}
    assert {round(math.hypot(*row), 12) for row, lab in zip(X, y) if lab > 0} == {0.3}


def test_xor_of_four_points_is_the_truth_table() -> None:
    X, y = data.xor(n=4, noise=0.0, labels="01")
    assert sorted(zip(map(tuple, X), y)) == [
        ((-1.0, -1.0), 0.0), ((-1.0, 1.0), 1.0), ((1.0, -1.0), 1.0), ((1.0, 1.0), 0.0)
    ]  # fmt: skip


def test_spirals_without_noise_stay_in_the_unit_disc() -> None:
    X, _ = data.spirals(n=40, noise=0.0)
    assert max(math.hypot(*row) for row in X) == pytest.approx(1.0)


def test_blobs_labels() -> None:
    X, y = data.blobs(n=30, centers=3, std=0.0)
    assert Counter(y) == {0: 10, 1: 10, 2: 10}
    centres = {tuple(round(v, 12) for v in row) for row in X}
    assert (2.0, 0.0) in centres and len(centres) == 3
    assert set(data.blobs(n=10, centers=2)[1]) == {-1.0, 1.0}
    assert set(data.blobs(n=10, centers=2, labels="01")[1]) == {0.0, 1.0}
    assert set(data.blobs(n=10, centers=2, labels="index")[1]) == {0, 1}
    X, y = data.blobs(n=4, centers=[[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]], std=0.0, labels="index")
    assert sorted(zip(map(tuple, X), y)) == [((0.0,) * 3, 0)] * 2 + [((5.0,) * 3, 1)] * 2
    with pytest.raises(ConfigError, match=r"labels='01' needs exactly 2 centers \(got 3\)"):
        data.blobs(centers=3, labels="01")


def test_regression_sets_without_noise_follow_their_function() -> None:
    X, y = data.sine(n=20, noise=0.0)
    assert all(len(row) == 1 and -math.pi <= row[0] <= math.pi for row in X)
    assert y == [math.sin(row[0]) for row in X]
    X, y = data.linear(n=20, weights=(2.0, -1.0), bias=0.5, noise=0.0)
    assert all(len(row) == 2 for row in X)
    assert y == pytest.approx([2 * a - b + 0.5 for a, b in X], abs=1e-15)


def test_bad_generator_arguments() -> None:
    with pytest.raises(ConfigError, match="moons: n must be a positive int, got 0"):
        data.moons(n=0)
    with pytest.raises(ConfigError, match="sine: noise must be a number >= 0, got -1"):
        data.sine(noise=-1)
    with pytest.raises(ConfigError, match="circles: factor must be between 0 and 1"):
        data.circles(factor=1.5)


def write(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_csv_with_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "x1,label,x2\n1,0,2.5\n\n-3,1,4e-1\n")
    assert data.load_csv(path, target="label") == ([[1.0, 2.5], [-3.0, 0.4]], [0.0, 1.0])
    assert data.load_csv(path, target=0) == ([[0.0, 2.5], [1.0, 0.4]], [1.0, -3.0])
    assert data.load_csv(path) == ([[1.0, 0.0], [-3.0, 1.0]], [2.5, 0.4])  # the last column


def test_load_csv_without_a_header_and_with_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff1;2;3\n4;5;6\n")
    assert data.load_csv(path, delimiter=";") == ([[1.0, 2.0], [4.0, 5.0]], [3.0, 6.0])


def test_load_csv_keeps_class_names_as_strings(tmp_path: Path) -> None:
    path = write(tmp_path, "petal,species\n1.4,setosa\n4.7, versicolor\n1.3,2\n")
    assert data.load_csv(path, target="species") == (
        [[1.4], [4.7], [1.3]],
        ["setosa", "versicolor", "2"],  # one name makes every label a name
    )


# The file's text, the target, and what the error must say (file, line, column).
CSV_ERRORS = [
    (
        "a,b,y\n1,2,3\n4,5\n",
        "y",
        "d.csv, line 3, column 3: this row has 2 values but line 1 has 3; the value is missing",
    ),
    (
        "a,b,y\n1,2,3\n4,5,6,7\n",
        "y",
        "d.csv, line 3, column 4: .* the value is unexpected \\('7'\\)",
    ),
    ("a,b,y\n1,2,3\n4,x,6\n", "y", "d.csv, line 3, column 2 \\(b\\): 'x' is not a number"),
    ("a,b,y\n1,,3\n", "y", "d.csv, line 2, column 2 \\(b\\): is empty"),
    ("a,b,y\n1,2,cat\n3,4, \n", "y", "d.csv, line 3, column 3 \\(y\\): is empty"),
    ("a,b,y\n1,nan,3\n", "y", "d.csv, line 2, column 2 \\(b\\): 'nan' is not a finite number"),
    ("1,2,3\n4,abc,6\n", -1, "d.csv, line 2, column 2 \\(column 2\\): 'abc' is not a number"),
    ("", "y", "d.csv: the file is empty"),
    ("\n  \n", "y", "d.csv: the file is empty"),
    ("a,b,y\n", "y", "d.csv: no data rows after the header on line 1"),
    (
        "a,b,label\n1,2,3\n",
        "lable",
        "d.csv: no column named 'lable'; did you mean 'label'\\? columns: a, b, label",
    ),
    ("a,b,y\n1,2,3\n", 3, "d.csv: target column 3 is out of range; the file has 3 columns"),
    ("1,2,3\n", "y", "d.csv: no header row, so the target 'y' cannot be found by name"),
    ("y\n1\n", "y", "d.csv: needs at least two columns"),
]


@pytest.mark.parametrize(("text", "target", "message"), CSV_ERRORS)
def test_load_csv_errors_name_file_line_and_column(tmp_path, text, target, message) -> None:
    with pytest.raises(ModelFileError, match=message):
        data.load_csv(write(tmp_path, text), target=target)


def test_load_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"cannot read .*absent.csv: No such file"):
        data.load_csv(tmp_path / "absent.csv")


def test_train_test_split() -> None:
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, seed=1)
    assert (len(X_train), len(X_test)) == (7, 3)  # ceil(2.5) test rows, as scikit-learn
    assert sorted(y_train + y_test) == y
    assert [row[0] for row in X_test] == y_test  # rows and labels stay paired
    assert data.train_test_split(X, y, seed=1) == data.train_test_split(X, y, seed=1)
    assert data.train_test_split(X, y, seed=1) != data.train_test_split(X, y, seed=2)
    assert data.train_test_split(X, y, test_size=2, shuffle=False)[3] == [8, 9]
    with pytest.raises(ShapeError, match="10 rows of X but 9 labels"):
        data.train_test_split(X, y[:9])
    with pytest.raises(ConfigError, match=r"test_size must be a fraction in \(0, 1\) or a count"):
        data.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ConfigError, match="a test set of 10 of 10 rows leaves one side empty"):
        data.train_test_split(X, y, test_size=10)


def test_standardize_by_hand() -> None:
    # Column 1: mean 2, population std 1. Column 2 is constant: std 1.0 so it stays finite.
    X_std, means, stds = data.standardize([[1.0, 10.0], [3.0, 10.0]])
    assert (X_std, means, stds) == ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 10.0], [1.0, 1.0])
    assert data.standardize([[4.0, 12.0]], means, stds)[0] == [[2.0, 2.0]]
    with pytest.raises(ShapeError, match="row 1 has 1 values, row 0 has 2"):
        data.standardize([[1.0, 2.0], [3.0]])
    with pytest.raises(ShapeError, match="X has 2 columns but 1 means and 2 stds"):
        data.standardize([[1.0, 2.0]], [0.0], [1.0, 1.0])


def test_standardize_huge_features_without_overflow():
    from nnscalar.data import standardize
    from nnscalar.errors import FloatOverflowError

    scaled, means, stds = standardize([[1e200], [3e200]])
    assert (scaled, means, stds) == ([[-1.0], [1.0]], [2e200], [1e200])
    assert standardize([[1.7e308], [1.7e308]])[0] == [[0.0], [0.0]]
    with pytest.raises(FloatOverflowError, match="column 0 spans more than the largest float"):
        standardize([[1.7e308], [1.7e308], [-1.7e308]])

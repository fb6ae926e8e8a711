"""The concepts tour: every section runs and prints the numbers its concept promises."""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pexpect
import pytest
from rich.console import Console

from nnscalar.errors import ConfigError
from nnscalar.tour import SECTIONS, Section, find_section, run_section
from nnscalar.tour.page import build_page
from nnscalar.tour.pager import PROMPT, page, show_section
from nnscalar.tour.sections import CLOSING

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    return {s.name: run_section(s) for s in SECTIONS}


def lines(result):
    return result.output.splitlines()


def test_sections_follow_the_cheat_sheet_order():
    assert [(s.number, s.name) for s in SECTIONS] == [
        (1, "neural-network"),
        (2, "neuron"),
        (3, "synapse"),
        (4, "weights"),
        (5, "bias"),
        (6, "layers"),
        (7, "weighted-input"),
        (8, "activation-functions"),
        (9, "loss-functions"),
        (10, "optimization"),
        (11, "gradient-accumulation"),
        (12, "higher-derivatives"),
        (13, "forward-vs-reverse"),
        (14, "tiny-transformer"),
    ]


def test_neural_network_error_drops(results):
    r = results["neural-network"]
    losses = r.numbers["losses"]
    assert len(losses) == 10
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert lines(r)[1:11] == [f"step {i}: loss {loss:.4f}" for i, loss in enumerate(losses)]
    assert lines(r)[-1] == f"the error dropped from {losses[0]:.4f} to {losses[-1]:.4f}"


def test_neuron_output_is_the_activation_of_the_weighted_sum(results):
    r = results["neuron"]
    z = r.numbers["z"]
    assert z == pytest.approx(r.numbers["by_hand"], abs=1e-15)
    assert (
        lines(r)[-1] == f"output = tanh(z) = {math.tanh(z):+.4f} (math.tanh: {math.tanh(z):+.4f})"
    )
    assert lines(r)[3] == "bias N1.b = +0.5000"


def test_synapses_carry_input_times_weight(results):
    r = results["synapse"]
    carried = r.numbers["carried"]
    assert len(carried) == 3
    out = lines(r)
    for i, (line, x) in enumerate(zip(out, [0.5, -1.0, 2.0])):
        w = float(re.search(r"= ([+-]\d\.\d{4}), carries", line).group(1))
        assert line.startswith(f"synapse x{i + 1} → N1: weight N1.w{i + 1} = ")
        assert carried[i] == pytest.approx(x * w, abs=5e-5 * abs(x))
    assert out[3].startswith(f"what the synapses carry adds up to z = {sum(carried):+.4f} + bias")


def test_weight_gradient_predicts_which_way_the_output_moves(results):
    n = results["weights"].numbers
    assert (n["moved"] > 0) == (n["gradient"] > 0)
    assert n["moved"] == pytest.approx(n["after"] - n["before"], abs=1e-15)
    # tanh'' is at most 0.77, so the first-order prediction is off by less than nudge².
    assert abs(n["moved"] - n["gradient"] * n["nudge"]) < n["nudge"] ** 2
    assert lines(results["weights"])[-1] == "same sign: the gradient said which way"


def test_bias_makes_the_output_nonzero_on_zero_input(results):
    r = results["bias"]
    assert r.numbers["without_bias"] == 0.0
    assert r.numbers["with_bias"] == math.tanh(0.8)
    assert lines(r)[1:] == [
        "without bias: tanh(0)   = +0.0000",
        "with bias:    tanh(0.8) = +0.6640",
    ]


def test_layers_are_fully_connected(results):
    r = results["layers"]
    assert r.numbers["synapse_counts"] == [12, 16, 8]
    assert lines(r) == [
        "input layer: 3 features (x1..x3)",
        "hidden layer L1: 4 neurons × 3 synapses = 12 weights, relu, fully connected: True",
        "hidden layer L2: 4 neurons × 4 synapses = 16 weights, relu, fully connected: True",
        "output layer L3: 2 neurons × 4 synapses = 8 weights, linear, fully connected: True",
        "46 parameters in all (weights + one bias per neuron)",
    ]


def test_linear_neuron_is_least_squares_regression(results):
    r = results["weighted-input"]
    n = r.numbers
    slope, intercept = np.polyfit(n["X"], n["Y"], 1)
    assert abs(n["slope"] - slope) < 1e-6
    assert abs(n["intercept"] - intercept) < 1e-6
    assert abs(n["ls_slope"] - slope) < 1e-12
    assert lines(r)[:2] == [
        "one input:  Z = x·w = 3.0 × 0.5 = 1.5",
        "several:    Z = Σ xᵢwᵢ = 1.0×0.2 + 2.0×-0.4 + -1.0×0.1 = -0.7000",
    ]
    assert lines(r)[2] == f"linear neuron:  slope {n['slope']:.8f}, intercept {n['intercept']:.8f}"
    assert lines(r)[3] == f"least squares:  slope {slope:.8f}, intercept {intercept:.8f}"


def test_activation_properties_are_the_true_facts(results):
    r = results["activation-functions"]
    # (non-linear, continuously differentiable, fixed range); elu with alpha 1 has f'(0-) = 1.
    assert r.numbers["properties"] == {
        "linear": (False, True, False),
        "relu": (True, False, False),
        "leaky_relu": (True, False, False),
        "elu": (True, True, False),
        "sigmoid": (True, True, True),
        "tanh": (True, True, True),
        "softplus": (True, True, False),
    }
    ranges = [line.split()[-3:] for line in lines(r)[1:]]
    assert ranges == [
        ["-∞", "…", "∞"],
        ["0", "…", "∞"],
        ["-∞", "…", "∞"],
        ["-1", "…", "∞"],
        ["0", "…", "1"],
        ["-1", "…", "1"],
        ["0", "…", "∞"],
    ]
    assert "no: at 0 f′ jumps by 1.00" in lines(r)[2]
    assert "no: at 0 f′ jumps by 0.99" in lines(r)[3]


def test_loss_gradients_with_respect_to_a_prediction(results):
    r = results["loss-functions"]
    assert r.numbers["mse_grad"] == pytest.approx(2 * (0.3 - 1.0), abs=1e-15)
    assert r.numbers["bce_grad"] == pytest.approx(-1 / 0.3, abs=1e-15)
    assert lines(r) == [
        "MSE(0.3, 1.0) = 0.4900; dL/dp = -1.4000 (2(p − y) = -1.4000)",
        "cross-entropy(0.3, 1.0) = 1.2040; dL/dp = -3.3333 (−1/p = -3.3333)",
    ]


def test_every_optimizer_goes_downhill_from_the_same_start(results):
    r = results["optimization"]
    paths, final = r.numbers["paths"], r.numbers["final_losses"]
    assert list(paths) == ["SGD", "momentum", "RMSprop", "Adam"]
    start_loss = 0.1 * 4.5**2 + 2 * 1.5**2
    assert lines(r)[0] == f"start (-4.5, 1.5), loss {start_loss:.4f}"
    for name, path in paths.items():
        assert path[0] == (-4.5, 1.5)
        assert len(path) == 31
        x, y = path[-1]
        assert final[name] == pytest.approx(0.1 * x * x + 2 * y * y, abs=1e-15)
        assert final[name] < start_loss / 50


def test_accumulated_step_equals_the_full_batch_step_with_less_memory(results):
    r = results["gradient-accumulation"]
    n = r.numbers
    assert len(n["full"]) == len(n["accumulated"]) == 337
    assert n["by_hand"] == n["accumulated"]
    assert n["difference"] == max(abs(a - b) for a, b in zip(n["full"], n["accumulated"]))
    assert n["difference"] < 1e-15
    assert n["accumulated_peak"] < 0.5 * n["full_peak"]
    assert "by hand equals Trainer: True" in lines(r)


def test_higher_derivatives_of_tanh_and_newtons_method(results):
    r = results["higher-derivatives"]
    n = r.numbers
    t = math.tanh(0.5)
    # tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = (1 − t²)(6t² − 2),
    # tanh'''' = 8t(1 − t²)(2 − 3t²)
    assert n["engine"] == pytest.approx(
        [
            t,
            1 - t**2,
            -2 * t * (1 - t**2),
            (1 - t**2) * (6 * t**2 - 2),
            8 * t * (1 - t**2) * (2 - 3 * t**2),
        ],
        abs=1e-12,
    )
    assert lines(r)[4] == "order 4 at 0.5: engine +3.9522195637, formula +3.9522195637"
    newton = n["newton"]
    assert len(newton) == 7 and newton[0] == 2.0
    assert newton[1] == 1.5  # f'(2) = 21, f''(2) = 42: 2 − 21/42
    root = newton[-1]
    assert abs(4 * root**3 - 6 * root + 1) < 1e-12  # f'(x) = 4x³ − 6x + 1 vanishes
    assert n["slope"].data == pytest.approx(4 * root**3 - 6 * root + 1, abs=1e-15)
    assert n["curvature"].data == pytest.approx(12 * root**2 - 6, abs=1e-12)
    errors = [abs(x - root) for x in newton[2:6]]
    assert all(b < 2 * a * a for a, b in itertools.pairwise(errors))  # quadratic convergence
    assert lines(r)[5:8] == [
        "Newton step 1: x = 1.500000000000, f′ was +2.100e+01",
        "Newton step 2: x = 1.238095238095, f′ was +5.500e+00",
        "Newton step 3: x = 1.144277176659, f′ was +1.163e+00",
    ]


def test_forward_and_reverse_mode_agree_with_opposite_pass_counts(results):
    r = results["forward-vs-reverse"]
    n = r.numbers
    point = [0.1 * i for i in range(20)]
    assert n["reverse"] == pytest.approx([2 * p * math.cos(p * p) for p in point], abs=1e-15)
    assert n["forward"] == n["reverse"]
    assert (n["reverse_passes"], n["forward_passes"]) == (1, 20)
    assert n["tangents"] == pytest.approx([k * math.cos(0.3 * k) for k in range(1, 21)], abs=1e-14)
    assert n["backwards"] == n["tangents"]
    assert (n["jvp_passes"], n["backward_passes"]) == (1, 20)
    assert lines(r)[:2] == [
        "20 inputs → 1 output: reverse 1 pass, forward 20 passes; largest difference 0.0e+00",
        "1 input → 20 outputs: forward 1 pass, reverse 20 passes; largest difference 0.0e+00",
    ]


def test_a_tiny_transformer_learns_six_names(results):
    r = results["tiny-transformer"]
    n = r.numbers
    assert n["names"] == ["aaron", "abigail", "ada", "adam", "adrian", "aiden"]
    assert n["uniform"] == math.log(12)
    losses = n["losses"]
    assert len(losses) == 12
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[0] > n["uniform"] > 1.0 > losses[-1]  # from worse than guessing to below 1 nat
    assert lines(r) == [
        "names ['aaron', 'abigail', 'ada', 'adam', 'adrian', 'aiden']: 12 tokens "
        "'.abdegilmnor', 1108 parameters",
        f"loss {losses[0]:.3f} → {losses[-1]:.3f} nats/letter in 12 steps "
        "(uniform guess ln 12 = 2.485)",
    ]


def test_pictures_are_images_named_by_section(results):
    names = [p.name for r in results.values() for p in r.pictures]
    assert names == [
        "01-neural-network-picture",
        "02-neuron-drawing",
        "06-layers-drawing",
        "07-weighted-input-picture",
        "08-activation-functions-picture",
        "09-loss-functions-picture",
        "10-optimization-picture",
        "11-gradient-accumulation-picture",
        "12-higher-derivatives-picture",
    ]
    for r in results.values():
        for p in r.pictures:
            assert p.png.startswith(PNG) or "<svg" in p.svg


def test_find_section_by_number_or_name():
    assert find_section(SECTIONS, 5).name == "bias"
    assert find_section(SECTIONS, "7").name == "weighted-input"
    assert find_section(SECTIONS, "Activation functions").number == 8
    assert find_section(SECTIONS, "gradient_accumulation").number == 11
    with pytest.raises(ConfigError, match="no tour section 'momentum'; valid: a number or a name"):
        find_section(SECTIONS, "momentum")


def test_the_page_is_self_contained(results):
    text = build_page(list(results.values()))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert not re.search(r"url\(|@import|<script|<link|<iframe", text)
    for s in SECTIONS:
        assert f'<section id="{s.name}">' in text
    assert text.count('src="data:image/png;base64,') == 7
    assert text.count("<svg") == 2
    assert "<?xml" not in text


def _toy(number: int) -> Section:
    return Section(number, f"toy{number}", f"Toy {number}", "A *toy*.", f"print({number} * 11)\n")


def test_pager_keys_next_previous_quit():
    answers = iter(["", "x", "p", "", "", "q"])
    console = Console(file=io.StringIO(), width=80)
    shown = page([_toy(1), _toy(2), _toy(3)], console, read=lambda prompt: next(answers))
    assert shown == [1, 2, 1, 2, 3]
    text = console.file.getvalue()
    assert "unknown key 'x': Enter, p or q" in text
    assert "33" in text


def test_pager_stops_after_the_last_section_and_at_end_of_input():
    def eof(prompt):
        raise EOFError

    console = Console(file=io.StringIO(), width=200)
    assert page([_toy(1), _toy(2)], console, read=lambda prompt: "") == [1, 2]
    # past the last section the tour closes with where to go next
    assert " ".join(console.file.getvalue().split()).endswith(CLOSING)  # rich wraps it
    console = Console(file=io.StringIO(), width=200)
    assert page([_toy(1), _toy(2)], console, read=eof) == [1]
    assert CLOSING not in console.file.getvalue()  # q or end of input: no send-off


def test_show_section_prints_saved_picture_paths(results, tmp_path):
    r = results["neuron"]
    console = Console(file=io.StringIO(), width=200)
    paths = [p.save(tmp_path) for p in r.pictures]
    show_section(console, r, 11, paths)
    text = console.file.getvalue()
    assert f"picture: {tmp_path / '02-neuron-drawing.svg'}" in text
    assert paths[0].read_text().count("<svg") == 1


def _tour(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", "tour", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_one_section_by_name(tmp_path):
    done = _tour("--section", "bias", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "5/14  Bias" in done.stdout
    assert "with bias:    tanh(0.8) = +0.6640" in done.stdout
    bad = _tour("--section", "99", cwd=tmp_path)
    assert bad.returncode == 1
    assert "no tour section '99'" in bad.stderr


def test_cli_html_and_pictures(tmp_path):
    done = _tour("--html", "tour.html", "--out", "pics", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    assert printed[-1] == "wrote tour.html (14 sections)"
    assert sorted(printed[:-1]) == sorted(f"pics/{p.name}" for p in (tmp_path / "pics").iterdir())
    assert len(printed) - 1 == 9
    page = (tmp_path / "tour.html").read_text()
    assert '<section id="gradient-accumulation">' in page
    assert page.endswith(
        "</section>\n<p><b>That was the tour: fourteen concepts, each a few lines "
        "of nnscalar. Next, do backprop by hand (nnscalar step &quot;tanh(x*w + "
        "b)&quot; --set x=2,w=-3,b=6.88), try the exercises (nnscalar exercises "
        "list) or train a network and look at its pictures (nnscalar train)."
        "</b></p>\n</body></html>\n"
    )


def test_cli_pages_in_a_terminal():
    env = {**os.environ, "COLUMNS": "100", "LINES": "40"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "nnscalar", "tour"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("1/14")
    child.expect_exact(PROMPT.strip())
    child.sendline("")
    child.expect_exact("2/14")
    child.expect_exact(PROMPT.strip())
    child.sendline("p")
    child.expect_exact("1/14")
    child.expect_exact(PROMPT.strip())
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_cli_all_prints_every_section_and_picture_path(tmp_path):
    done = _tour("--all", "--out", "pics", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for s in SECTIONS:
        assert f"{s.number}/14  {s.title}" in done.stdout
    saved = re.findall(r"picture: (\S+)", done.stdout)
    assert len(saved) == 9
    assert all((tmp_path / path).is_file() for path in saved)

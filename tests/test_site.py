"""The playground's Python side, on CPython: its session trains exactly as `nnscalar train`, its
settings are checked, and what the page shows comes from the library's own records."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from nnscalar import Value
from nnscalar.cli import main
from nnscalar.errors import ConfigError, RenderError
from nnscalar.explain import backward_steps
from nnscalar.render import draw, renderer
from nnscalar.site import bridge
from nnscalar.site.build import NPM_PACKAGES, SiteError, build_site, npm_packages
from nnscalar.site.playground import LESSONS, Config, Playground, lesson_config, schema


def _cli_weights(tmp_path: Path, config: Config, epochs: int) -> dict[str, float]:
    out = tmp_path / "cli"
    args = ["train", *config.train_args(), f"--epochs={epochs}", "--no-pictures", "--quiet"]
    assert main([*args, f"--out={out}"]) == 0
    return json.loads((out / "model.json").read_text())["weights"]


@pytest.mark.parametrize(
    "config",
    [
        Config(),
        Config(data="xor", hidden=(4,), activation="tanh", loss="bce", optimizer="sgd", lr=0.1),
        Config(data="circles", hidden=(5, 3), loss="mse", batch_size=16, accumulation_steps=3),
    ],
    ids=["defaults", "xor-tanh-bce-sgd", "circles-accumulated"],
)
def test_the_playground_trains_to_the_same_weights_as_nnscalar_train(
    tmp_path: Path, config: Config, capsys
) -> None:
    pg = Playground(config)
    for _ in range(3):
        pg.finish_epoch()
    assert pg.epoch == 3
    assert pg.weights_by_label() == _cli_weights(tmp_path, config, 3)  # bit for bit


def test_steps_walk_the_epochs_as_fit_does() -> None:
    one, other = Playground(Config()), Playground(Config())
    assert one.finish_epoch() == 5  # 160 training samples in batches of 32
    for _ in range(5):
        other.step()
    assert (other.epoch, other.steps) == (1, 5)
    assert one.weights() == other.weights()
    other.step()
    assert other.epoch == 2
    assert one.finish_epoch() == 5 and one.steps == 10  # a fresh epoch after the finished one
    m = one.metrics()
    assert m["step"] == 10 and m["epoch"] == 2 and 0.5 < m["testAccuracy"] <= 1.0


def test_the_points_hold_both_sets_with_their_classes() -> None:
    pg = Playground(Config(data="blobs", samples=50, test_size=0.2))
    pts = pg.points()
    assert (len(pts["train"]), len(pts["test"])) == (40, 10)
    assert {k for _, _, k in pts["train"] + pts["test"]} == {0, 1}
    x0, x1, y0, y1 = pts["view"]
    assert x1 - x0 == pytest.approx(y1 - y0)
    assert all(x0 < x < x1 and y0 < y < y1 for x, y, _ in pts["train"] + pts["test"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"data": "moon"}, "data: unknown 'moon'; valid: moons, circles, xor, spirals, blobs"),
        ({"lr": 0}, "lr must be a number from 1e-06 to 10, got 0"),
        ({"lr": float("nan")}, "lr must be a number"),
        ({"hidden": [8, 0]}, "each hidden layer size must be an int from 1 to 16, got 0"),
        ({"hidden": "8,8"}, "hidden must be a list of layer sizes, got '8,8'"),
        ({"batch_size": 2.5}, "batch_size must be an int from 1 to 1000, got 2.5"),
        ({"loss": "ce"}, "loss: unknown 'ce'; valid: hinge, mse, mae, huber, bce, bce_logits"),
        ({"colour": 1}, "unknown setting 'colour'; valid: data, samples"),
    ],
)
def test_bad_settings_are_refused_by_name(values: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_dict(values)
    assert message in str(caught.value)


def test_the_schema_offers_what_the_library_has() -> None:
    s = schema()
    assert s["defaults"] == Config().as_dict()
    assert "adam" in s["choices"]["optimizer"] and "tanh" in s["choices"]["activation"]
    assert Config.from_dict(s["defaults"]) == Config()
    assert s["noise"]["moons"] == 0.1 and s["noise"]["blobs"] == 0.5


def test_the_optimizer_table_shows_grad_and_adams_memory() -> None:
    pg = Playground(Config(hidden=(3,)))
    pg.step()
    table = pg.optimizer_table()
    assert table["columns"] == ["parameter", "value", "grad", "m", "v"]
    first = table["rows"][0]
    assert first[0] == "L1.N1.w1"
    state = pg.optimizer.state[0]
    assert first[1] == pg.optimizer.params[0].data
    assert first[3:] == [state["m"], state["v"]]
    assert first[3] == pytest.approx(0.1 * first[2])  # m after one step: (1 − β1)·g
    assert len(table["rows"]) == pg.model.num_parameters() == 13
    sgd = Playground(Config(hidden=(3,), optimizer="sgd"))
    sgd.step()
    assert sgd.optimizer_table()["columns"] == ["parameter", "value", "grad"]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_one_batch_and_k_mini_batches_give_the_same_update(optimizer: str) -> None:
    pg = Playground(Config(optimizer=optimizer))
    pg.step()
    before = pg.weights()
    check = pg.accumulation_check(4)
    assert pg.weights() == before  # the network itself is not touched
    assert check["batch"] == 32 and len(check["rows"]) == 105
    assert any(abs(a) > 1e-6 for _, a, _ in check["rows"])
    assert check["largest"] <= 1e-12
    assert check["largest"] == max(abs(a - b) for _, a, b in check["rows"])
    # the update it shows for 1 batch is the one the next step makes
    pg.step()
    after = [p for layer in pg.weights() for n in layer for p in n]
    flat = [p for layer in before for n in layer for p in n]
    assert [a - b for a, b in zip(after, flat)] == [a for _, a, _ in check["rows"]]


def test_a_samples_page_steps_through_its_loss() -> None:
    pg = Playground(Config(hidden=(3,)))
    page = pg.sample_page("test", 2)
    x, target = pg.X_test[2], pg.y_test[2]
    loss = pg.trainer.loss_fn([pg.model(x)], [target])
    assert page["steps"] == len(backward_steps(loss))
    assert page["html"].count("<svg") == 1 and "Backprop step by step" in page["html"]
    assert "the loss of test sample 3" in page["title"]
    neuron = pg.sample_page("train", 0, layer=1, neuron=2)
    assert neuron["title"] == "neuron L1.N2 on train sample 1"
    with pytest.raises(ConfigError, match="no test sample 40; there are 40"):
        pg.sample_page("test", 40)


def test_the_bridge_answers_in_json_and_reports_problems_as_messages() -> None:
    bad = json.loads(bridge.start(json.dumps({"lr": -1})))
    assert bad == {"error": "lr must be a number from 1e-06 to 10, got -1"}
    first = json.loads(bridge.start(json.dumps({"hidden": [2]})))
    assert first["network"]["sizes"] == [2, 2, 1] and first["metrics"]["step"] == 0
    assert first["network"]["trainCommand"].startswith("nnscalar train --data=moons")
    blobs = json.loads(bridge.start(json.dumps({"data": "blobs"})))
    assert blobs["network"]["trainCommand"] is None  # the command line's blobs are three
    bridge.start(json.dumps({"hidden": [2]}))
    trained = json.loads(bridge.train(0.0, 1))
    assert trained["ran"] == 1 and trained["metrics"]["step"] == 1
    epoch = json.loads(bridge.epoch())
    assert (epoch["ran"], epoch["metrics"]["epoch"], epoch["metrics"]["step"]) == (4, 1, 5)
    weights = json.loads(bridge.weights())
    assert weights["steps"] == 5 and len(weights["weights"]) == 9
    X, y = weights["data"]
    assert len(X) == len(y) == 200 and set(y) == {-1.0, 1.0}
    assert "error" in json.loads(bridge.sample("train", 999, 0, 0))


def test_outside_a_browser_the_wasm_renderer_says_what_is_missing(monkeypatch) -> None:
    monkeypatch.setattr(renderer, "IN_BROWSER", True)
    with pytest.raises(RenderError, match=r"globalThis\.nnscalarViz = await Viz\.instance"):
        draw(Value(2.0, label="x") * 3.0).svg()
    with pytest.raises(RenderError, match="renders SVG only, not 'png'"):
        renderer.render("digraph {}", "png")


def test_without_npm_the_build_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SiteError, match=r"npm was not found: .*apt install npm"):
        build_site(tmp_path / "site", cache=tmp_path / "cache", log=lambda _: None)
    assert not (tmp_path / "site").exists()


def test_a_cached_npm_install_is_reused(tmp_path: Path, monkeypatch) -> None:
    for name, version in NPM_PACKAGES.items():
        folder = tmp_path / "node_modules" / name
        folder.mkdir(parents=True)
        (folder / "package.json").write_text(json.dumps({"version": version}))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # npm is not needed, nor run
    assert npm_packages(tmp_path) == tmp_path / "node_modules"


def test_the_browser_side_imports_nothing_pyodide_lacks(tmp_path: Path) -> None:
    # The npm pyodide package holds no wheels: rich, matplotlib, graphviz and Pillow are absent.
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('rich', 'matplotlib', 'graphviz', 'PIL', 'numpy'):\n"
        "            raise ImportError('not in the browser: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import json\n"
        "from nnscalar.site import bridge\n"
        "assert 'error' not in json.loads(bridge.start('{}'))\n"
        "print(json.loads(bridge.epoch())['metrics']['epoch'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def _curve(part: dict, epochs: int) -> list[dict]:
    pg = Playground(lesson_config(part))
    curve = []
    for _ in range(epochs):
        pg.finish_epoch()
        curve.append(pg.metrics())
    return curve


def test_each_lesson_does_what_its_text_says() -> None:
    xor, lr = ({p["label"]: p for p in lesson["parts"]} for lesson in LESSONS)
    no_hidden = _curve(xor["1. No hidden layer"], 40)
    assert max(m["testAccuracy"] for m in no_hidden) <= 0.75  # at best 3 corners of 4
    hidden = _curve(xor["2. Add 4 hidden neurons"], 20)
    assert hidden[-1]["testAccuracy"] == 1.0
    slow = _curve(lr["1. Too small (0.001)"], 40)
    assert 1.0 < slow[-1]["trainLoss"] < slow[0]["trainLoss"] < 1.3
    right = _curve(lr["2. About right (0.1)"], 40)
    assert right[-1]["testAccuracy"] >= 0.95
    assert all(a["trainLoss"] > b["trainLoss"] for a, b in zip(right[4::5], right[9::5]))
    big = _curve(lr["3. Too large (3)"], 30)
    jumps = sum(b["trainLoss"] > 2 * a["trainLoss"] for a, b in pairwise(big))
    assert jumps >= 2 and max(m["testAccuracy"] for m in big) < 0.9
    assert lesson_config(xor["1. No hidden layer"]).noise == 0.2  # xor's own noise
    assert [p["config"] for p in schema()["lessons"][1]["parts"]][2]["lr"] == 3.0


def test_neuron_outputs_and_set_weights() -> None:
    pg = Playground(Config(hidden=(2,), activation="tanh"))
    other = Playground(Config(hidden=(2,), activation="tanh", seed=5))
    assert other.weights() != pg.weights()
    other.set_weights(pg.weights_by_label())
    assert other.weights() == pg.weights()
    (hidden, output), *_ = pg.neuron_outputs([[0.5, -0.25]])
    w = pg.weights()
    h = [math.tanh(a * 0.5 + b * -0.25 + c) for a, b, c in w[0]]
    assert hidden == h
    assert output == [w[1][0][0] * h[0] + w[1][0][1] * h[1] + w[1][0][2]]
    with pytest.raises(ConfigError, match="must name every parameter"):
        other.set_weights({"L1.N1.w1": 1.0})


def test_only_graphviz_pure_is_left_out_under_emscripten() -> None:
    tomllib = pytest.importorskip("tomllib")
    requirements = pytest.importorskip("packaging.requirements")
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    by_name = {r.name: r for r in map(requirements.Requirement, deps)}
    marker = by_name.pop("graphviz-pure").marker
    assert marker.evaluate({"sys_platform": "emscripten"}) is False  # a native `dot` executable
    assert marker.evaluate({"sys_platform": "linux"}) is True
    assert {"rich", "graphviz", "matplotlib"} <= set(by_name)
    assert [name for name, r in by_name.items() if r.marker is not None] == []

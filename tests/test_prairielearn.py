"""PrairieLearn questions: the generated server.py called with PrairieLearn-shaped data."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnscalar.exercises import all_exercises


def _data(variant_seed: int) -> dict:
    return {
        "params": {},
        "correct_answers": {},
        "submitted_answers": {},
        "format_errors": {},
        "partial_scores": {},
        "score": 0,
        "feedback": {},
        "variant_seed": variant_seed,
        "options": {},
    }


@pytest.fixture(scope="module")
def questions(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pl") / "questions"
    done = subprocess.run(
        [sys.executable, "-m", "nnscalar", "prairielearn", "export", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return out


def _server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"server_{folder.name}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_folder_per_numbers_exercise(questions):
    names = sorted(p.name for p in questions.iterdir())
    expected = [f"{n:02d}-{e.id}" for n, e in enumerate(all_exercises(), 1) if e.kind == "numbers"]
    assert names == expected
    info = json.loads((questions / "05-shared-node" / "info.json").read_text())
    assert info["type"] == "v3" and info["title"].startswith("5. ")
    page = (questions / "05-shared-node" / "question.html").read_text()
    assert page.count("<pl-number-input") == 5 and 'answers-name="dL_dx"' in page
    assert '<pl-figure file-name="graph.svg" type="dynamic">' in page


def test_generate_grade_and_file(questions):
    server = _server(questions / "05-shared-node")
    data = _data(24)
    server.generate(data)
    seed = data["params"]["seed"]
    exact = all_exercises()[4].solution(seed)
    assert data["correct_answers"] == exact
    assert "4 significant figures" in data["params"]["statement_html"]
    other = _data(25)
    server.generate(other)
    assert other["correct_answers"] != exact  # each variant its own numbers
    data["submitted_answers"] = dict(exact, dL_dx=exact["dL_dx"] / 2, dL_dz=None)
    server.grade(data)
    scores = {name: s["score"] for name, s in data["partial_scores"].items()}
    assert scores == {"dL_da": 1.0, "dL_db": 1.0, "dL_dx": 0.0, "dL_dy": 1.0, "dL_dz": 0.0}
    assert data["score"] == 0.6
    assert data["partial_scores"]["dL_dz"]["feedback"].startswith("not answered")
    assert "expected" in data["partial_scores"]["dL_dx"]["feedback"]
    svg = server.file(dict(data, filename="graph.svg"))
    assert svg.startswith("<?xml") or "<svg" in svg
    assert server.file(dict(data, filename="other.png")) is None

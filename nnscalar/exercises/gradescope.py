"""Gradescope: the autograder bundle (`setup.sh`, `run_autograder`, the course's settings) and
the runner that grades one submission inside Gradescope's container.

Gradescope unpacks the bundle into /autograder/source, puts the student's files in
/autograder/submission and who they are in /autograder/submission_metadata.json, and reads
/autograder/results/results.json. Inside, the container is the isolation boundary.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import write_atomic
from .grading import Grade, _answer_files, grade_submission, results_json
from .loader import all_exercises
from .model import CheckResult
from .sandbox import Limits
from .seeds import SeedChoice, choose_seed
from .variants import course_secret

__all__ = ["IDENTITIES", "VISIBILITIES", "build_bundle", "run_autograder"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
IDENTITIES = ("email", "email-user", "sid", "name", "id")
LEADERBOARD = "train-to-accuracy"  # its held-out accuracy is the leaderboard's column

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the image: nnscalar and nothing else.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip >/dev/null
cd /autograder/source
install() {{  # newer pips want --break-system-packages for the system Python
    python3 -m pip install -q --break-system-packages "$@" || python3 -m pip install -q "$@"
}}
if ls ./*.whl >/dev/null 2>&1; then install ./*.whl; else install '{package}'; fi
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this per submission. AUTOGRADER_ROOT (default /autograder) is for trying it out.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export NNSCALAR_ISOLATION=container  # the container is the boundary
exec "${NNSCALAR_PYTHON:-python3}" -m nnscalar gradescope run --root "$ROOT"
"""


def build_bundle(
    out: str | Path,
    class_seed: int,
    numbers: Sequence[int],
    identity: str = "email-user",
    visibility: Mapping[int, str] | None = None,
    seeds_csv: str | Path | None = None,
    secret: str | None = None,
    package: str = f"nnscalar=={version('nnscalar')}",
    wheel: str | Path | None = None,
    track: Sequence[int] = (),
) -> Path:
    """Write the autograder zip: `setup.sh`, `run_autograder` and `config.json` (class seed,
    exercises, how a student's id is read, each test's visibility), plus `seeds.csv`, the
    course secret and a wheel of nnscalar when given. With `track` (task numbers) it grades the
    build track's packages instead of worksheet answers: one test per task."""
    if identity not in IDENTITIES:
        raise ConfigError(f"--student-id {identity!r}: use one of {', '.join(IDENTITIES)}")
    for number, shown in (visibility or {}).items():
        if shown not in VISIBILITIES:
            raise ConfigError(
                f"exercise {number}: visibility {shown!r} is not one of {VISIBILITIES}"
            )
    config = {
        "class_seed": class_seed,
        "exercises": list(numbers),
        "identity": identity,
        "visibility": {str(n): v for n, v in (visibility or {}).items()},
        "seeds": "seeds.csv" if seeds_csv else None,
        "secret": "course.secret" if secret else None,
    }
    if track:
        config["track"] = list(track)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add(bundle, "setup.sh", _SETUP.format(package=package), 0o755)
        _add(bundle, "run_autograder", _RUN, 0o755)
        _add(bundle, "config.json", json.dumps(config, indent=2) + "\n")
        if seeds_csv:
            _add(bundle, "seeds.csv", Path(seeds_csv).read_text(encoding="utf-8-sig"))
        if secret:
            _add(bundle, "course.secret", secret + "\n", 0o600)
        if wheel:
            bundle.write(wheel, Path(wheel).name)
    return write_atomic(out, buffer.getvalue(), mode=0o600)


def _add(bundle: zipfile.ZipFile, name: str, text: str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


def _student(metadata: Mapping[str, Any], identity: str) -> str:
    users = metadata.get("users") if isinstance(metadata, Mapping) else None
    if not isinstance(users, list) or not users or not isinstance(users[0], Mapping):
        raise ConfigError("submission_metadata.json lists no users")
    user = users[0]
    key = "email" if identity == "email-user" else identity
    value = user.get(key)
    if not isinstance(value, (str, int)) or str(value).strip() == "":
        raise ConfigError(f"submission_metadata.json: the user has no {key!r}")
    text = str(value).strip()
    return text.split("@", 1)[0] if identity == "email-user" else text


def run_autograder(root: str | Path = "/autograder", limits: Limits | None = None) -> dict:
    """Grade the submission under `root` as Gradescope lays it out; write and return
    results.json. Whatever goes wrong, a results.json saying why is written."""
    base = Path(root)
    try:
        results = _grade(base, limits or Limits(isolation="container"))
    except Exception as exc:  # the student sees why, the teacher can re-run: never nothing
        results = {
            "score": 0.0,
            "output": f"The autograder could not grade this submission: {type(exc).__name__}: "
            f"{exc}. Your instructor has been told by this message; you may resubmit.",
            "visibility": "visible",
            "tests": [],
        }
    write_atomic(base / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    return results


def _grade(base: Path, limits: Limits) -> dict:
    source = base / "source"
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    metadata = json.loads((base / "submission_metadata.json").read_text(encoding="utf-8"))
    student = _student(metadata, config["identity"])
    if config.get("track"):
        from ..track.grading import grade_autograder

        return grade_autograder(base, student, config, limits)
    exercises = all_exercises()
    items = [(n, exercises[n - 1]) for n in config["exercises"]]
    table = None
    if config.get("seeds"):
        from .seeds import read_seeds

        table = read_seeds(source / config["seeds"])
    secret = None
    if config.get("secret"):
        secret = (source / config["secret"]).read_text(encoding="utf-8").strip()

    def choose(claims: dict[int, list[str]]) -> SeedChoice:
        return choose_seed(student, claims, table, config["class_seed"], from_name=True)

    files = _answer_files(base / "submission")
    with course_secret(secret):
        grade = grade_submission(student, files, choose, items, limits)
    return _results(grade, items, config.get("visibility", {}))


def _results(grade: Grade, items: Sequence, visibility: Mapping[str, str]) -> dict:
    results = results_json(grade, items)
    for test, (number, _) in zip(results["tests"], items):
        test["visibility"] = visibility.get(str(number), "visible")
    for number, exercise in items:
        if exercise.id == LEADERBOARD:
            accuracy = _accuracy(grade.results[number])
            results["leaderboard"] = [
                {"name": "held-out accuracy", "value": accuracy, "order": "desc"}
            ]
    return results


def _accuracy(result: CheckResult) -> float:
    for part in result.parts:
        if part.name == "test accuracy" and part.given is not None:
            return round(part.given, 4)
    return 0.0

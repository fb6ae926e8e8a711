"""The build track on PrairieLearn: an externally graded question whose grader calls nnscalar.

`export_track` writes the question folder: `info.json` (external grading: the image, the
entrypoint `/grade/tests/run.sh`, the timeout), `question.html` (the student's seed and a file
upload for the package's files), `server.py` (the variant's seed; needs nothing but Python) and
`tests/` (run.sh, the tasks, the course secret when given). In the grading container PrairieLearn
puts the upload in /grade/student and the question's data in /grade/data/data.json, and reads
/grade/results/results.json; `grade_job` writes it: `score` 0..1, one test per task.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from ..exercises.sandbox import Limits
from ..exercises.variants import course_secret
from ..files import write_atomic
from .checker import check_sources
from .submission import find_package
from .tasks import TASKS

__all__ = ["export_track", "grade_job", "job_results"]

QUESTION = "build-track"
UPLOAD = ("__init__.py", "engine.py", "nn.py", "train.py", "gradcheck.py")
_SEEDS = 10**9

_SERVER = '''"""PrairieLearn question: the nnscalar build track (written by `nnscalar prairielearn
export --track`). Each variant gets a seed: the student starts their package with it, and the
grader checks the package on that seed's graphs (keyed by the course secret in tests/ when there is
one).
"""


def generate(data):
    data["params"]["seed"] = int(str(data.get("variant_seed", 0)), 36) % {seeds}
'''

_RUN = """#!/usr/bin/env bash
# PrairieLearn runs this in the grading container: nnscalar checks /grade/student.
# NNSCALAR_GRADE_ROOT (default /grade) and NNSCALAR_PYTHON are for trying it out.
ROOT="${{NNSCALAR_GRADE_ROOT:-/grade}}"
PYTHON="${{NNSCALAR_PYTHON:-python3}}"
export NNSCALAR_ISOLATION=container  # the grading container is the boundary
mkdir -p "$ROOT/results"
if ! "$PYTHON" -c "import nnscalar" 2>/dev/null; then
    cat > "$ROOT/results/results.json" <<'JSON'
{{"gradable": false, "score": 0.0, "format_errors": [
  "The grading image has no nnscalar: your instructor must add `pip install nnscalar=={version}`.",
  "Your submission was not counted."
]}}
JSON
    exit 0
fi
exec "$PYTHON" -m nnscalar prairielearn grade --root "$ROOT"
"""

_HTML = """<pl-question-panel>
  <p><strong>Build your own engine</strong> (the nnscalar build track, tasks {tasks}).</p>
  <p>Your seed is <code>{{{{params.seed}}}}</code>. Start your package with</p>
  <pre>nnscalar build start --seed {{{{params.seed}}}} --out mygrad/</pre>
  <p>work through the tasks in <code>mygrad/README.md</code>, check them yourself with
  <code>nnscalar build check --seed {{{{params.seed}}}} mygrad/</code>, then upload the
  package's files. The grader checks each task on random graphs against nnscalar's own engine
  and names the mistake it finds.</p>
</pl-question-panel>
<pl-file-upload file-names="{files}"></pl-file-upload>
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def export_track(
    out: str | Path,
    tasks: Sequence[int] = (),
    image: str = "prairielearn/grader-python",
    timeout: int = 120,
    secret: str | None = None,
    topic: str = "Backpropagation",
) -> Path:
    """Write the question folder `<out>/build-track/`; returns it. The `image` must have
    nnscalar installed (the grader says so to the student when it has not)."""
    from importlib.metadata import version

    numbers = list(tasks) or [t.number for t in TASKS]
    if not 1 <= timeout <= 600:
        raise ConfigError(f"timeout {timeout} s: PrairieLearn allows 1 to 600 seconds")
    folder = Path(out) / QUESTION
    (folder / "tests").mkdir(parents=True, exist_ok=True)
    info = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, "nnscalar/build-track")),
        "title": "Build your own engine (nnscalar build track)",
        "topic": topic,
        "tags": ["nnscalar", "build-track"],
        "type": "v3",
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/tests/run.sh",
            "timeout": timeout,
        },
    }
    write_atomic(folder / "info.json", json.dumps(info, indent=2) + "\n")
    whole = numbers == list(range(numbers[0], numbers[-1] + 1))
    span = f"{numbers[0]}-{numbers[-1]}" if whole else ", ".join(map(str, numbers))
    html = _HTML.format(tasks=span, files=", ".join(UPLOAD))
    write_atomic(folder / "question.html", html)
    write_atomic(folder / "server.py", _SERVER.format(seeds=_SEEDS))
    write_atomic(folder / "tests" / "run.sh", _RUN.format(version=version("nnscalar")), mode=0o755)
    config = {"tasks": numbers, "secret": "course.secret" if secret else None}
    write_atomic(folder / "tests" / "config.json", json.dumps(config, indent=2) + "\n")
    if secret:
        write_atomic(folder / "tests" / "course.secret", secret + "\n", mode=0o600)
    return folder


def _seed(data: dict) -> int:
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    if isinstance(params.get("seed"), int) and not isinstance(params.get("seed"), bool):
        return params["seed"]
    if "variant_seed" in data:
        try:
            return int(str(data["variant_seed"]), 36) % _SEEDS
        except ValueError:
            pass
    raise ConfigError("data.json has neither params.seed nor a variant_seed: no seed to grade with")


def job_results(root: str | Path, limits: Limits | None = None) -> dict:
    """PrairieLearn's results for the job in `root` (/grade): one test per task, worth one point;
    `gradable` false (no attempt counted) when the upload holds no package."""
    base = Path(root)
    config = json.loads((base / "tests" / "config.json").read_text(encoding="utf-8"))
    data = json.loads((base / "data" / "data.json").read_text(encoding="utf-8"))
    seed = _seed(data if isinstance(data, dict) else {})
    try:
        package = find_package(base / "student")
    except ConfigError as exc:
        return {"gradable": False, "score": 0.0, "format_errors": [str(exc)]}
    secret = None
    if config.get("secret"):
        secret = (base / "tests" / config["secret"]).read_text(encoding="utf-8").strip()
    with course_secret(secret):
        results = check_sources(package.files, config["tasks"], seed, limits)
    passed = sum(r.passed for r in results)
    tests = [
        {
            "name": f"Task {r.number}: {r.title}",
            "description": TASKS[r.number - 1].statement,
            "points": 1 if r.passed else 0,
            "max_points": 1,
            "message": "passed" if r.passed else (r.diagnosis or ("failed",))[0][:2000],
            "output": "\n".join(r.diagnosis)[:8000],
        }
        for r in results
    ]
    return {
        "gradable": True,
        "score": round(passed / len(results), 6),
        "message": f"{passed} of {len(results)} tasks passed (seed {seed})",
        "output": "\n".join(str(r) for r in results)[:100_000],
        "tests": tests,
    }


def grade_job(root: str | Path = "/grade", limits: Limits | None = None) -> dict:
    """Grade the job in `root` and write `root`/results/results.json; whatever goes wrong, a
    results.json saying why is written (never nothing)."""
    base = Path(root)
    try:
        results = job_results(base, limits or Limits(isolation="container"))
    except Exception as exc:  # the student sees why; the submission is not counted
        results = {
            "gradable": False,
            "score": 0.0,
            "format_errors": [
                f"The grader could not grade this submission: {type(exc).__name__}: {exc}. "
                "Your instructor can see this message; it was not counted as an attempt."
            ],
        }
    (base / "results").mkdir(parents=True, exist_ok=True)
    write_atomic(base / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    return results

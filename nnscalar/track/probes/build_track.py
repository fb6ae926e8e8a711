"""The build track's probes, loaded in the sandbox the way a teacher's exercise folder is."""

from nnscalar.exercises.model import CheckResult, Exercise
from nnscalar.track.child import probe


def _none(*args):
    raise RuntimeError("the build track is checked by nnscalar.track.checker, not here")


EXERCISES = [
    Exercise(
        id=f"build-track-{n}",
        title=f"build track task {n}" if n != "graph" else "an expression in the student's engine",
        concept="build",
        statement=_none,
        solution=_none,
        check=lambda answer, seed: CheckResult("build"),
        probe=probe,
        functions=("Value",),
    )
    for n in [*range(1, 11), "graph"]
]

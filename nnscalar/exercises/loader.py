"""Where exercises come from: the built-in set, then the teacher's files (`--path DIR`).

A teacher's file is a Python module that defines `EXERCISE = Exercise(...)` or a list
`EXERCISES = [...]`; files load in name order and number after the built-in exercises.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from .model import Exercise

__all__ = ["all_exercises", "builtin_exercises", "find", "load_path"]


def builtin_exercises() -> list[Exercise]:
    """The built-in exercises, in the order a course meets their concepts."""
    from .builtin import BUILTIN

    return list(BUILTIN)


def load_path(directory: str | Path) -> list[Exercise]:
    """The exercises defined in the `.py` files of a teacher's folder (files in name order)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"exercise folder {str(folder)!r} does not exist or is not a folder")
    found: list[Exercise] = []
    for path in sorted(folder.glob("*.py")):
        module_name = f"nnscalar_teacher_exercises.{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"{path}: cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        items = list(getattr(module, "EXERCISES", []))
        if hasattr(module, "EXERCISE"):
            items.append(module.EXERCISE)
        for item in items:
            if not isinstance(item, Exercise):
                raise ConfigError(f"{path}: {item!r} is not an nnscalar.exercises.Exercise")
        found.extend(items)
    return found


def all_exercises(paths: Sequence[str | Path] = ()) -> list[Exercise]:
    """The built-in exercises followed by those of each folder in `paths`; ids must be unique."""
    exercises = builtin_exercises()
    for directory in paths:
        exercises.extend(load_path(directory))
    seen: set[str] = set()
    for exercise in exercises:
        if exercise.id in seen:
            raise ConfigError(f"two exercises have the id {exercise.id!r}; ids must be unique")
        seen.add(exercise.id)
    return exercises


def find(key: str | int, exercises: Sequence[Exercise]) -> tuple[int, Exercise]:
    """An exercise by its number (1-based, as listed) or its id: (number, exercise)."""
    text = str(key).strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        if 1 <= number <= len(exercises):
            return number, exercises[number - 1]
        raise ConfigError(f"there is no exercise {number}; there are 1 to {len(exercises)}")
    for number, exercise in enumerate(exercises, start=1):
        if exercise.id == text:
            return number, exercise
    ids = ", ".join(e.id for e in exercises)
    raise ConfigError(f"there is no exercise {text!r}; give a number or one of: {ids}")

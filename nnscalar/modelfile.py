"""Model files: an MLP as JSON (format, version, architecture, weights by label), never pickle.

`write_model` writes atomically (`files.write_atomic`: a temp file, then `os.replace`), so a crash
mid-save leaves the old file or the new one, never half of one. `read_model` refuses anything it
cannot vouch for with a `ModelFileError` naming the file and the problem.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .activations import ACTIVATIONS
from .errors import ModelFileError
from .files import write_atomic

__all__ = ["FORMAT", "VERSION", "match_weights", "read_model", "write_model"]

FORMAT = "nnscalar-mlp"
VERSION = 1


def write_model(path: str | Path, model: dict[str, Any]) -> None:
    """Write `model` (as `MLP.to_dict` gives it) to `path` as JSON, atomically."""
    path = Path(path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {
            "n_inputs": model["n_inputs"],
            "sizes": model["sizes"],
            "activation": model["activation"],
            "output_activation": model["output_activation"],
        },
        "fused": model["fused"],
        "num_parameters": len(model["weights"]),
        "weights": model["weights"],
    }
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise ModelFileError(f"cannot write model file {str(path)!r}: {exc.strerror}") from exc


def read_model(path: str | Path) -> dict[str, Any]:
    """The checked contents of a model file: n_inputs, sizes, activations, fused, weights."""
    name = repr(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {name}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise ModelFileError(f"model file {name} is not a text (JSON) file") from None
    if not text.strip():
        raise ModelFileError(f"model file {name} is empty")
    try:
        document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"model file {name} is not valid JSON (truncated or edited by hand?): {exc.msg} at "
            f"line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:
        raise ModelFileError(f"model file {name}: {exc}") from None
    except RecursionError:
        raise ModelFileError(
            f"model file {name} is nested too deeply to be a model file (a hostile file?)"
        ) from None

    def fail(problem: str) -> ModelFileError:
        return ModelFileError(f"model file {name}: {problem}")

    if not isinstance(document, dict):
        raise fail(f"expected a JSON object, found {type(document).__name__}")
    if document.get("format") != FORMAT:
        raise fail(
            f"not an nnscalar model (format is {document.get('format')!r}, expected {FORMAT!r})"
        )
    version = document.get("version")
    if type(version) is not int:
        raise fail(f"the version must be an integer, found {version!r}")
    if version != VERSION:
        newer = " (written by a newer nnscalar)" if version > VERSION else ""
        raise fail(f"format version {version}{newer}; this nnscalar reads version {VERSION}")
    arch = _field(document, "architecture", dict, fail)
    n_inputs = _field(arch, "n_inputs", int, fail)
    sizes = _field(arch, "sizes", list, fail)
    if n_inputs < 1:
        raise fail(f"architecture.n_inputs must be at least 1, found {n_inputs}")
    if not sizes or any(type(s) is not int or s < 1 for s in sizes):
        raise fail(f"architecture.sizes must be a non-empty list of positive ints, found {sizes}")
    activations = {}
    for key in ("activation", "output_activation"):
        act = _field(arch, key, str, fail)
        if act not in ACTIVATIONS:
            raise fail(f"unknown {key} {act!r}; valid: {', '.join(ACTIVATIONS)}")
        activations[key] = act
    fused = _field(document, "fused", bool, fail)
    weights = _field(document, "weights", dict, fail)
    for label, w in weights.items():
        # 1e999 parses to inf without passing through parse_constant.
        if type(w) not in (int, float) or not _finite(w):
            raise fail(f"weight {label} is {w!r}, not a finite number")
    widths = [n_inputs, *sizes]
    expected = sum((widths[k] + 1) * widths[k + 1] for k in range(len(sizes)))
    count = _field(document, "num_parameters", int, fail)
    if count != expected:
        raise fail(f"num_parameters is {count} but the architecture {widths} has {expected}")
    if len(weights) < expected:  # checked before any model is built: sizes may claim 10^9
        raise fail(
            f"the architecture {widths} has {expected} weights but the file holds {len(weights)}"
        )
    return {"n_inputs": n_inputs, "sizes": sizes, **activations, "fused": fused, "weights": weights}


def match_weights(path: str | Path, weights: dict[str, float], labels: Sequence[str]) -> list:
    """The weights for `labels` in that order; a missing or unexpected label is a ModelFileError."""
    missing = [label for label in labels if label not in weights]
    extra = sorted(set(weights) - set(labels))
    for problem, found in (("is missing weights for", missing), ("has unexpected weights", extra)):
        if found:
            more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
            raise ModelFileError(
                f"model file {str(path)!r} {problem} {', '.join(found[:3])}{more}: the weights "
                "do not match the architecture"
            )
    return [float(weights[label]) for label in labels]


def _field(obj: dict, key: str, kind: type, fail: Any) -> Any:
    if key not in obj:
        raise fail(f"the field {key!r} is missing")
    value = obj[key]
    # bool is an int to Python, but `true` is no layer size and `1` no fused flag.
    if not isinstance(value, kind) or (kind is int and type(value) is bool):
        raise fail(f"the field {key!r} must be {_JSON_NAMES[kind]}, found {value!r}")
    return value


_JSON_NAMES = {
    dict: "a JSON object",
    list: "a list",
    int: "an integer",
    str: "a string",
    bool: "true or false",
}


def _refuse_constant(token: str) -> float:
    raise ValueError(f"{token} is not a finite number; weights must be finite")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def _finite(x: float) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False

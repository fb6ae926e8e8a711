"""Which engine runs: the compiled core (`nnscalar._core`) when it was built, else `engine.py`.

Both give the same values, gradients, errors and messages; the compiled one is faster. Set
`NNSCALAR_PURE=1` to force the readable engine. Every other module imports the engine from here.
"""

from __future__ import annotations

import os
import platform
from types import ModuleType

from . import engine as _engine
from .engine import Number, Operand  # type aliases, for hints


def _choose() -> tuple[ModuleType, str]:
    if os.environ.get("NNSCALAR_PURE", "").strip() not in ("", "0"):
        return _engine, "NNSCALAR_PURE is set"
    if platform.python_implementation() != "CPython":
        return _engine, f"{platform.python_implementation()} runs the readable engine"
    try:
        from . import _core  # type: ignore[attr-defined]
    except ImportError:
        return _engine, "the compiled core was not built"
    return _core, "built and importable"


_impl, _reason = _choose()
globals().update({name: getattr(_impl, name) for name in _engine.__all__})

__all__ = [*_engine.__all__, "Number", "Operand", "engine_info"]


def engine_info() -> dict[str, str]:
    """Which core runs and why: {"core": "compiled" | "readable", "module": ..., "reason": ...}."""
    core = "readable" if _impl is _engine else "compiled"
    return {"core": core, "module": _impl.__name__, "reason": _reason}

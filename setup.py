"""Builds the optional compiled core (nnscalar/_core_c.c); everything else is in pyproject.toml.

The install never fails for want of it: without a C compiler (or on PyPy, or for Pyodide) the
package is pure Python and runs the readable engine. `NNSCALAR_PURE_BUILD=1` builds that pure
package on purpose (a `py3-none-any` wheel, e.g. for the browser playground).
"""

from __future__ import annotations

import os
import platform
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PURE_NOTE = "nnscalar: the compiled core was not built ({}); the readable engine will be used"


class OptionalBuildExt(build_ext):
    """build_ext that reports a failed build in one line instead of failing the install."""

    failed = False

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler at all, or nothing built to copy
            self._report(error)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # a compiler that is missing or fails
            self._report(error)

    def get_outputs(self) -> list[str]:
        return [] if self.failed else super().get_outputs()

    def _report(self, error: Exception) -> None:
        if not self.failed:
            print(PURE_NOTE.format(_first_line(error)), file=sys.stderr)
        OptionalBuildExt.failed = True


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _extensions() -> list[Extension]:
    if os.environ.get("NNSCALAR_PURE_BUILD", "").strip() not in ("", "0"):
        return []
    if platform.python_implementation() != "CPython" or sys.platform == "emscripten":
        return []
    # Bit-for-bit agreement with engine.py: no fused multiply-add, no fast-math reordering.
    flags = [] if os.name == "nt" else ["-O2", "-ffp-contract=off", "-fno-fast-math"]
    return [Extension("nnscalar._core_c", ["nnscalar/_core_c.c"], extra_compile_args=flags)]


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})

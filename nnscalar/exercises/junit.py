"""JUnit XML from grades: a test suite per student, a test case per exercise (CodeGrade, CI)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ..files import write_atomic
from .grading import Grade, Items

__all__ = ["junit_xml", "write_junit"]

# characters XML 1.0 cannot hold (a student's output may print any of them)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(grades: Sequence[Grade], items: Items) -> str:
    """The grades as JUnit XML: a failed part is a <failure>, an answer that could not run an
    <error>, a submission whose seed could not be told <skipped> with the reason."""
    suites = ET.Element("testsuites", name="nnscalar grade")
    for grade in grades:
        failures = errors = skipped = 0
        suite = ET.SubElement(suites, "testsuite", name=_clean(grade.student))
        for number, exercise in items:
            result = grade.results[number]
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{number}. {exercise.title}",
                classname=_clean(grade.student),
            )
            if not grade.graded:
                skipped += 1
                ET.SubElement(case, "skipped", message=_clean(grade.problems(500)))
            elif result.error:
                errors += 1
                first = result.error.splitlines()[0][:500] if result.error.strip() else "error"
                ET.SubElement(case, "error", message=_clean(first)).text = _clean(str(result))
            elif not result.passed:
                failures += 1
                message = f"{result.score}/{result.max_score} parts right"
                ET.SubElement(case, "failure", message=message).text = _clean(str(result))
        suite.set("tests", str(len(items)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def write_junit(path: str | Path, grades: Sequence[Grade], items: Items) -> Path:
    """Write `junit_xml` to `path` (readable by the owner only)."""
    return write_atomic(path, junit_xml(grades, items), mode=0o600)

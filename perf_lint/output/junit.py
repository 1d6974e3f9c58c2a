"""JUnit XML, as ruff writes it: a ``testsuite`` per file with a failing
``testcase`` per diagnostic; a clean run is one passing test case."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from perf_lint.output import RunSummary


def render(summary: RunSummary) -> str:
    diagnostics = summary.diagnostics
    total = len(diagnostics)
    root = ET.Element(
        "testsuites", name="perf-lint", tests=str(max(total, 1)), failures=str(total), errors="0"
    )
    if not diagnostics:
        suite = ET.SubElement(
            root, "testsuite", name="perf-lint", tests="1", failures="0", errors="0"
        )
        ET.SubElement(suite, "testcase", name="No errors found", classname="perf-lint")
    for path, group in itertools.groupby(diagnostics, key=lambda d: d.path):
        found = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=path,
            tests=str(len(found)),
            failures=str(len(found)),
            errors="0",
        )
        for diagnostic in found:
            start = diagnostic.location
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"perf-lint.{diagnostic.code}",
                classname=path,
                file=path,
                line=str(start.row),
                column=str(start.column),
            )
            failure = ET.SubElement(
                case,
                "failure",
                message=diagnostic.message,
                type=diagnostic.code or "",
            )
            failure.text = f"line {start.row}, col {start.column}, {diagnostic.message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

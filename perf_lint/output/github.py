"""GitHub Actions workflow commands: one ``::error`` annotation per
diagnostic, shown on the pull request's diff.

Escaping follows the Actions toolkit: in the message ``%``, CR and LF become
``%25``, ``%0D`` and ``%0A``; in property values ``:`` and ``,`` are escaped
too (``%3A``, ``%2C``)."""

from __future__ import annotations

from perf_lint.diagnostic import Diagnostic
from perf_lint.output import RunSummary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(summary: RunSummary, diagnostic: Diagnostic) -> str:
    start, end = diagnostic.location, diagnostic.end_location
    properties = {
        "title": f"perf-lint ({diagnostic.code})",
        "file": diagnostic.path,
        "line": str(start.row),
        "col": str(start.column),
        "endLine": str(end.row),
        "endColumn": str(end.column),
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    where = f"{diagnostic.path}:{start.row}:{start.column}:"
    mark = "[*] " if summary.fixable(diagnostic) else ""
    text = f"{where} {diagnostic.code} {mark}{diagnostic.message}{summary.suffix(diagnostic)}"
    return f"::error {joined}::{escape_data(text)}\n"


def render(summary: RunSummary) -> str:
    return "".join(annotation(summary, d) for d in summary.diagnostics)

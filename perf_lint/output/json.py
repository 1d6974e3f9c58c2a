"""A JSON list of diagnostics in ruff's shape (1-based rows and columns)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from perf_lint.diagnostic import FILE_PROBLEM, Diagnostic, FixRecord, Location
from perf_lint.output import FILE_PROBLEM_NAME, RunSummary, rule_url


def _location(location: Location) -> Dict[str, int]:
    return {"column": location.column, "row": location.row}


def _fix(fix: Optional[FixRecord]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "edits": [
            {
                "content": edit.content,
                "end_location": _location(edit.end_location),
                "location": _location(edit.location),
            }
            for edit in fix.edits
        ],
        "message": fix.message,
    }


def record(diagnostic: Diagnostic, profile: Any = None) -> Dict[str, Any]:
    """The JSON object of a diagnostic; with a profile (a
    ``perf_lint.profiles.Ranking``) it has a ``"profile"`` key: ``null``
    when the profile never ran the diagnostic's function, else the
    function's name, calls and shares."""
    filename = diagnostic.path
    if filename != "-" and not filename.startswith("<"):
        filename = os.path.abspath(filename)
    found: Dict[str, Any] = {
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end_location),
        "filename": filename,
        "fix": _fix(diagnostic.fix),
        "location": _location(diagnostic.location),
        "message": diagnostic.message,
        "name": diagnostic.name,
        "noqa_row": diagnostic.location.row,
    }
    if profile is not None:
        found["profile"] = profile.json(diagnostic)
    found["url"] = rule_url(diagnostic.code, diagnostic.name)
    if diagnostic.data is not None:
        found["data"] = dict(diagnostic.data)
    return found


def statistics(summary: RunSummary) -> List[Dict[str, Any]]:
    """``--statistics`` as ruff prints it in JSON: one object per code with
    its ``name``, ``count``, whether some are ``fixable`` in this run and
    how many (``fixable_count``); most frequent first."""
    rows = []
    for code, count in sorted(summary.counts().items(), key=lambda i: (-i[1], i[0] or "")):
        of_code = [d for d in summary.diagnostics if d.code == code]
        name = FILE_PROBLEM_NAME if code == FILE_PROBLEM else summary.names.get(code or "", "")
        fixable = sum(1 for d in of_code if summary.fixable(d))
        rows.append(
            {
                "code": code,
                "name": name or (of_code[0].name if of_code else ""),
                "count": count,
                "fixable": fixable > 0,
                "fixable_count": fixable,
            }
        )
    return rows


def render(summary: RunSummary) -> str:
    if summary.statistics:
        return json.dumps(statistics(summary), indent=2, ensure_ascii=False) + "\n"
    records = [record(d, summary.profile) for d in summary.diagnostics]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"

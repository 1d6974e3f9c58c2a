"""A JSON list of diagnostics in ruff's shape (1-based rows and columns)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

from perf_lint.diagnostic import Diagnostic, FixRecord, Location
from perf_lint.output import RunSummary, rule_url


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


def record(diagnostic: Diagnostic) -> Dict[str, Any]:
    filename = diagnostic.path
    if filename != "-" and not filename.startswith("<"):
        filename = os.path.abspath(filename)
    return {
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end_location),
        "filename": filename,
        "fix": _fix(diagnostic.fix),
        "location": _location(diagnostic.location),
        "message": diagnostic.message,
        "name": diagnostic.name,
        "noqa_row": diagnostic.location.row,
        "url": rule_url(diagnostic.code, diagnostic.name),
        **({"data": dict(diagnostic.data)} if diagnostic.data is not None else {}),
    }


def render(summary: RunSummary) -> str:
    return json.dumps([record(d) for d in summary.diagnostics], indent=2, ensure_ascii=False) + "\n"

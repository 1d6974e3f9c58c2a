"""One JSON object per line: the same objects as the ``json`` format, for
tools that read a stream."""

from __future__ import annotations

import json

from perf_lint.output import RunSummary
from perf_lint.output.json import record


def render(summary: RunSummary) -> str:
    return "".join(
        json.dumps(record(d, summary.profile), ensure_ascii=False, sort_keys=True) + "\n"
        for d in summary.diagnostics
    )

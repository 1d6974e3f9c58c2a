"""Per-rule counts of one or more ``perf-lint check --format json`` runs,
side by side: findings, safe fixes, unsafe fixes and the files each rule
fires on, as a Markdown table (the before/after table of an accuracy note).

Usage::

    perf-lint check --no-cache --exit-zero --format json TREE > before.json
    ... (change perf-lint) ...
    perf-lint check --no-cache --exit-zero --format json TREE > after.json
    python scripts/corpus_counts.py before=before.json after=after.json

Each argument is ``LABEL=FILE`` (or just ``FILE``, labelled by its name).
Standard library only; it reads the JSON output, it runs nothing.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

#: Rule families, for the share line under the table.
SIZE_RULES = ("PRF201", "PRF202", "PRF203")


class Counts:
    """What one run found, per code."""

    def __init__(self, records: Sequence[dict]) -> None:
        self.findings: Dict[str, int] = collections.Counter()
        self.safe: Dict[str, int] = collections.Counter()
        self.unsafe: Dict[str, int] = collections.Counter()
        self.files: Dict[str, set] = collections.defaultdict(set)
        for record in records:
            code = record.get("code") or "(none)"
            self.findings[code] += 1
            self.files[code].add(record["filename"])
            fix = record.get("fix")
            if fix is not None:
                if fix.get("applicability") == "safe":
                    self.safe[code] += 1
                else:
                    self.unsafe[code] += 1

    def total(self, table: Dict[str, int], codes: Sequence[str] = ()) -> int:
        return sum(n for code, n in table.items() if not codes or code in codes)


def load(argument: str) -> Tuple[str, Counts]:
    label, sep, path = argument.partition("=")
    if not sep:
        label, path = Path(argument).stem, argument
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    return label, Counts(records)


def table(runs: List[Tuple[str, Counts]]) -> str:
    codes = sorted({code for _, counts in runs for code in counts.findings})
    header = ["rule"]
    for label, _ in runs:
        header += [f"{label} findings", f"{label} safe", f"{label} unsafe", f"{label} files"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cells(counts: Counts, code: str) -> List[str]:
        return [
            str(counts.findings.get(code, 0)),
            str(counts.safe.get(code, 0)),
            str(counts.unsafe.get(code, 0)),
            str(len(counts.files.get(code, ()))),
        ]

    for code in codes:
        row = [code]
        for _, counts in runs:
            row += cells(counts, code)
        rows.append("| " + " | ".join(row) + " |")
    total = ["**total**"]
    for _, counts in runs:
        every = set().union(*counts.files.values()) if counts.files else set()
        total += [
            str(counts.total(counts.findings)),
            str(counts.total(counts.safe)),
            str(counts.total(counts.unsafe)),
            str(len(every)),
        ]
    rows.append("| " + " | ".join(total) + " |")
    lines = ["\n".join(rows), ""]
    for label, counts in runs:
        all_findings = counts.total(counts.findings)
        size = counts.total(counts.findings, SIZE_RULES)
        share = 100.0 * size / all_findings if all_findings else 0.0
        lines.append(
            f"{label}: {all_findings} findings, size rules (PRF201-PRF203) {size} "
            f"({share:.0f}%); fixes {counts.total(counts.safe)} safe, "
            f"{counts.total(counts.unsafe)} unsafe"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", metavar="[LABEL=]FILE")
    args = parser.parse_args(list(argv) or None)
    print(table([load(argument) for argument in args.runs]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Differential run of perf-lint against ruff for the rules both tools have.

Usage::

    python scripts/differential.py TREE [--pairs PAIRS] [--show N] [--jobs N]
    python scripts/differential.py TREE --ours-json FILE [--ruff-json FILE]

``PAIRS`` is a comma-separated table of ``RUFF[+RUFF...]=PRF[+PRF...]``
entries (the codes on either side of one entry are pooled); the
default compares every rule pair listed in ``PAIRS`` below. The script runs
``perf-lint check --select <our codes> --format json`` and ``ruff check
--preview --select <ruff codes> --output-format json`` on TREE (or reads
their saved JSON output, e.g. from an earlier run on a slow machine; several
``--ours-json`` files are merged), then, per pair and per file, matches the
diagnostics:

1. on the exact start (row and character column: both tools count 1-based
   characters);
2. what is left, on overlapping ranges (ruff's PERF401/PERF403 point at the
   ``append``/assignment inside the loop, perf-lint at the loop; before
   issue 21 perf-lint also counted extra parentheses around a literal or a
   logging message into its range).

It prints, per pair: both / only perf-lint / only ruff, how paired
diagnostics agree on the fix applicability, and up to N example locations of
each disagreement category (a category is the code plus the message's shape
with names left out), each with its source line.

Standard library only; ``ruff`` and ``perf-lint`` are taken from the
directory of the running interpreter when they are there. Run by hand (a
full stdlib run takes minutes): it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import ast
import collections
import functools
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

#: ruff codes -> perf-lint codes that report the same thing, each side joined
#: with "+". ruff's PERF401 covers both "use a list comprehension" (our PRF401)
#: and "use list.extend" (our PRF402) for a transformed item; PERF402 is the
#: untransformed copy, which PRF401/PRF402 also report.
PAIRS: Dict[str, Tuple[str, ...]] = {
    "PLR6201": ("PRF101", "PRF102"),
    "PERF401+PERF402": ("PRF401", "PRF402"),
    "PERF403": ("PRF403",),
    "G004": ("PRF301",),
    "G001": ("PRF302",),
    "G002": ("PRF303",),
    "G003": ("PRF304",),
}

Position = Tuple[int, int]


@dataclass
class Finding:
    code: str
    path: str
    start: Position
    end: Position
    message: str
    fix: str

    def overlaps(self, other: Finding) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass
class Outcome:
    both: List[Tuple[Finding, Finding]] = field(default_factory=list)
    only_ours: List[Finding] = field(default_factory=list)
    only_ruff: List[Finding] = field(default_factory=list)


def parse_pairs(text: str) -> Dict[str, Tuple[str, ...]]:
    pairs = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        ruff_code, _, ours = entry.partition("=")
        if not ours:
            raise SystemExit(f"bad pair {entry!r}: expected RUFF[+RUFF...]=PRF[+PRF...]")
        pairs[ruff_code.strip()] = tuple(code.strip() for code in ours.split("+"))
    return pairs


def _tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else name


def _run_json(command: List[str]) -> List[Dict[str, Any]]:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout or "[]")


def _findings(raw: Iterable[Dict[str, Any]], codes: Iterable[str]) -> List[Finding]:
    wanted = set(codes)
    found = []
    for item in raw:
        if item.get("code") not in wanted:
            continue
        start, end = item["location"], item.get("end_location") or item["location"]
        fix = item.get("fix")
        found.append(
            Finding(
                code=item["code"],
                path=str(Path(item["filename"]).resolve()),
                start=(start["row"], start["column"]),
                end=(end["row"], end["column"]),
                message=item.get("message", ""),
                fix=fix["applicability"] if fix else "none",
            )
        )
    return found


def run_perf_lint(tree: str, codes: Sequence[str], jobs: Optional[int]) -> List[Dict[str, Any]]:
    command = [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--exit-zero"]
    command += ["--select", ",".join(codes), "--format", "json"]
    if jobs:
        command += ["--jobs", str(jobs)]
    return _run_json([*command, tree])


def run_ruff(tree: str, codes: Sequence[str]) -> List[Dict[str, Any]]:
    command = [_tool("ruff"), "check", "--preview", "--no-cache", "--exit-zero"]
    command += ["--output-format", "json", "--select", ",".join(codes), tree]
    return _run_json(command)


def match(ours: List[Finding], theirs: List[Finding]) -> Outcome:
    """Pair the two tools' findings of one rule pair: exact start, then overlap."""
    outcome = Outcome()
    by_file: Dict[str, Tuple[List[Finding], List[Finding]]] = collections.defaultdict(
        lambda: ([], [])
    )
    for finding in ours:
        by_file[finding.path][0].append(finding)
    for finding in theirs:
        by_file[finding.path][1].append(finding)
    for mine, other in by_file.values():
        starts = {finding.start: finding for finding in other}
        rest = []
        for finding in sorted(mine, key=lambda f: f.start):
            partner = starts.pop(finding.start, None)
            if partner is None:
                rest.append(finding)
            else:
                outcome.both.append((finding, partner))
        left = sorted(starts.values(), key=lambda f: f.start)
        for finding in rest:
            partner = next((f for f in left if f.overlaps(finding)), None)
            if partner is None:
                outcome.only_ours.append(finding)
            else:
                left.remove(partner)
                outcome.both.append((finding, partner))
        outcome.only_ruff.extend(left)
    return outcome


#: Backquoted names in messages, except a bare ``type.method`` such as ruff's
#: `list.extend` or `dict.update`, which tells two kinds of a rule apart.
_NAMES = re.compile(r"`(?!(?:list|dict|set)\.\w+`)[^`]*`")


@functools.lru_cache(maxsize=64)
def _loops(path: str) -> Dict[Position, ast.AST]:
    """The ``for`` statements of a file by their 1-based (row, column) start."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    loops = (node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.AsyncFor)))
    return {(node.lineno, node.col_offset + 1): node.target for node in loops}


def category(finding: Finding) -> str:
    """The code, the message with names left out, and the loop target's shape."""
    name = f"{finding.code} {_NAMES.sub('`…`', finding.message)}"
    target = _loops(finding.path).get(finding.start)
    if target is not None:
        shape = "tuple" if isinstance(target, (ast.Tuple, ast.List)) else "single name"
        name += f" [loop target: {shape}]"
    return name


def _line(finding: Finding) -> str:
    try:
        lines = Path(finding.path).read_text(encoding="utf-8").splitlines()
        return lines[finding.start[0] - 1].strip()[:110]
    except (OSError, UnicodeDecodeError, IndexError):
        return "?"


def report(
    pairs: Dict[str, Tuple[str, ...]], ours: List[Finding], theirs: List[Finding], show: int
) -> None:
    print(f"{'ruff':16} {'perf-lint':16} {'both':>6} {'only ours':>10} {'only ruff':>10}")
    outcomes = {}
    for ruff_code, our_codes in pairs.items():
        outcome = match(
            [f for f in ours if f.code in our_codes],
            [f for f in theirs if f.code in ruff_code.split("+")],
        )
        outcomes[ruff_code] = outcome
        print(
            f"{ruff_code:16} {'+'.join(our_codes):16} {len(outcome.both):6} "
            f"{len(outcome.only_ours):10} {len(outcome.only_ruff):10}"
        )
    for ruff_code, outcome in outcomes.items():
        if not (outcome.both or outcome.only_ours or outcome.only_ruff):
            continue
        print(f"\n== {ruff_code} ~ {'+'.join(pairs[ruff_code])}")
        fixes = collections.Counter((mine.fix, other.fix) for mine, other in outcome.both)
        print(f"  paired fix applicability (perf-lint, ruff): {dict(sorted(fixes.items()))}")
        for title, findings in (
            ("only perf-lint", outcome.only_ours),
            ("only ruff", outcome.only_ruff),
        ):
            groups: Dict[str, List[Finding]] = collections.defaultdict(list)
            for finding in findings:
                groups[category(finding)].append(finding)
            for name, members in sorted(groups.items(), key=lambda item: -len(item[1])):
                print(f"  {title}: {len(members)} × {name}")
                for finding in members[:show]:
                    where = f"{finding.path}:{finding.start[0]}:{finding.start[1]}"
                    print(f"    {where} | {_line(finding)}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("--pairs", type=parse_pairs, default=PAIRS, help="RUFF=PRF[+PRF...],...")
    parser.add_argument("--show", type=int, default=5, help="examples per category")
    parser.add_argument("--jobs", type=int, default=None, help="perf-lint worker processes")
    parser.add_argument("--ours-json", type=Path, action="append", help="saved perf-lint JSON")
    parser.add_argument("--ruff-json", type=Path, help="saved ruff JSON")
    args = parser.parse_args(argv)
    our_codes = sorted({code for codes in args.pairs.values() for code in codes})
    ruff_codes = sorted({code for codes in args.pairs for code in codes.split("+")})
    if args.ours_json:
        raw = [item for path in args.ours_json for item in json.loads(path.read_text())]
    else:
        raw = run_perf_lint(args.tree, our_codes, args.jobs)
    ours = _findings(raw, our_codes)
    if args.ruff_json:
        raw = json.loads(args.ruff_json.read_text())
    else:
        raw = run_ruff(args.tree, ruff_codes)
    theirs = _findings(raw, ruff_codes)
    versions = [[sys.executable, "-m", "perf_lint", "--version"], [_tool("ruff"), "--version"]]
    for command in versions:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        print(done.stdout.strip() or done.stderr.strip())
    print(f"tree: {args.tree}\n")
    report(args.pairs, ours, theirs, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Differential test of perf-lint's logging rules against ruff's G001-G004.

Usage::

    python scripts/differential_logging.py TREE [--show N]
    python scripts/differential_logging.py TREE --fix-check

The first form runs ``perf-lint check --select PRF3`` and ``ruff check
--preview --select G001,G002,G003,G004`` on TREE with JSON output, pairs
G004/PRF301 (f-string), G001/PRF302 (``str.format``), G002/PRF303 (``%``)
and G003/PRF304 (``+``) diagnostics by file, row and column (both tools
report the start of the message argument), and prints the counts, whether
paired diagnostics agree on the fix, and up to N unpaired diagnostics of
each side with their source line. PRF305 has no ruff counterpart and is
only counted.

``--fix-check`` copies TREE twice into a temporary directory, runs
``perf-lint check --fix`` on one copy and ``--fix --unsafe-fixes`` on the
other, checks that every file that compiled before still compiles, and
that a new run on the fixed copies offers no safe PRF30x fix.

Standard library only; ``ruff`` and ``perf-lint`` are taken from the
directory of the running interpreter when they are there.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, List, Tuple

# Run as a script, this folder is on the path: the tool lookup and the JSON
# runner are the pairwise comparison's.
from differential import _run_json, _tool

PAIRS = {"G004": "PRF301", "G001": "PRF302", "G002": "PRF303", "G003": "PRF304"}
PERF_LINT_CODES = "PRF301,PRF302,PRF303,PRF304,PRF305"


def perf_lint(tree: str) -> List[Dict[str, Any]]:
    command = [sys.executable, "-m", "perf_lint", "check", "--select", PERF_LINT_CODES]
    return [d for d in _run_json([*command, "--format", "json", tree]) if d["code"]]


def ruff(tree: str) -> List[Dict[str, Any]]:
    command = [_tool("ruff"), "check", "--preview", "--no-cache", "--output-format", "json"]
    command += ["--select", ",".join(PAIRS), tree]
    return [d for d in _run_json(command) if d["code"] in PAIRS]


def _key(diagnostic: Dict[str, Any], code: str) -> Tuple[str, int, int, str]:
    where = diagnostic["location"]
    return (os.path.realpath(diagnostic["filename"]), where["row"], where["column"], code)


def _fix(diagnostic: Dict[str, Any]) -> str:
    fix = diagnostic.get("fix")
    return fix["applicability"] if fix else "none"


def _line(diagnostic: Dict[str, Any]) -> str:
    try:
        lines = Path(diagnostic["filename"]).read_text(encoding="utf-8").splitlines()
        return lines[diagnostic["location"]["row"] - 1].strip()[:120]
    except (OSError, UnicodeDecodeError, IndexError):
        return "?"


def compare(tree: str, show: int) -> None:
    ours = perf_lint(tree)
    theirs = ruff(tree)
    print("perf-lint:", dict(sorted(collections.Counter(d["code"] for d in ours).items())))
    print("ruff:     ", dict(sorted(collections.Counter(d["code"] for d in theirs).items())))
    mine = {_key(d, d["code"]): d for d in ours if d["code"] != "PRF305"}
    other = {_key(d, PAIRS[d["code"]]): d for d in theirs}
    both = sorted(set(mine) & set(other))
    fixes = collections.Counter((_fix(mine[k]), _fix(other[k])) for k in both)
    print(f"paired: {len(both)}; fix (perf-lint, ruff): {dict(fixes)}")
    for title, keys, source in (
        ("only perf-lint", sorted(set(mine) - set(other)), mine),
        ("only ruff", sorted(set(other) - set(mine)), other),
    ):
        print(f"{title}: {len(keys)}")
        for key in keys[:show]:
            diagnostic = source[key]
            print(f"  {key[0]}:{key[1]}:{key[2]} {diagnostic['code']} | {_line(diagnostic)}")


def _compiles(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def fix_check(tree: str) -> int:
    root = Path(tree)
    sources = [p for p in root.rglob("*.py") if p.is_file()]
    compiled = {p.relative_to(root) for p in sources if _compiles(p)}
    failures = 0
    with tempfile.TemporaryDirectory(prefix="issue3-fix-") as temp:
        for name, flags in (("safe", ["--fix"]), ("unsafe", ["--fix", "--unsafe-fixes"])):
            copy = Path(temp) / name
            shutil.copytree(root, copy, symlinks=True)
            command = [sys.executable, "-m", "perf_lint", "check", "--select", PERF_LINT_CODES]
            subprocess.run([*command, *flags, str(copy)], capture_output=True, check=False)
            changed = broken = 0
            for relative in sorted(compiled):
                fixed = copy / relative
                if fixed.read_bytes() != (root / relative).read_bytes():
                    changed += 1
                    if not _compiles(fixed):
                        broken += 1
                        print(f"  {name}: {relative} no longer compiles")
            left = [d for d in perf_lint(str(copy)) if _fix(d) == "safe"]
            for diagnostic in left:
                print(f"  {name}: safe fix left at {diagnostic['filename']}")
            print(f"{name}: {changed} files changed, {broken} broken, {len(left)} safe fixes left")
            failures += broken + len(left)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--fix-check", action="store_true")
    args = parser.parse_args()
    if args.fix_check:
        return fix_check(args.tree)
    compare(args.tree, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Differential test of perf-lint's PRF101/PRF102 against ruff's PLR6201.

Usage::

    python scripts/differential_ruff.py TREE [--show N]
    python scripts/differential_ruff.py TREE --fix-check
    python scripts/differential_ruff.py TREE --exclude pickletools.py --timeout 900

The first form runs both tools on TREE with JSON output and matches their
diagnostics. Both tools report 1-based *character* columns (a tab or a
non-ASCII letter counts as one column), so a list literal is matched on its
exact start. Both point at a literal without the extra parentheses around
it (a tuple with its own pair), as perf-lint does since issue 21; what has
no exact match is then paired by overlapping ranges in the same file.

Each unmatched diagnostic is put in a category from the shape of the
comparison it sits in (chained comparison, left operand a list display, ...),
read with ``ast``; categories explain most disagreements at a glance.

``--fix-check`` copies TREE twice into a temporary directory, runs
``perf-lint check --fix --unsafe-fixes`` on one copy and ``perf-lint check
--fix`` on the other, and checks every changed file: it must still compile,
its AST must differ from the original only where a list or tuple on the right
of ``in``/``not in`` became a set, and a second ``--fix`` must change nothing.

``--exclude GLOB`` leaves files out of both tools' runs (the remaining files
are then named on the command line), and ``--timeout`` kills a run that
hangs instead of waiting for ever.

Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import collections
import fnmatch
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple

PERF_LINT_CODES = "PRF101,PRF102"
RUFF_CODE = "PLR6201"
SKIPPED_DIRS = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

Position = Tuple[int, int]


@dataclass
class Finding:
    """One diagnostic of either tool, with 1-based row and character column."""

    tool: str
    code: str
    path: str
    start: Position
    end: Position
    applicability: Optional[str]
    message: str = ""
    category: str = ""

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass
class Run:
    """The outcome of one command."""

    command: List[str]
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass
class Comparison:
    perf_lint: List[Finding]
    ruff: List[Finding]
    exact: List[Tuple[Finding, Finding]] = field(default_factory=list)
    overlapping: List[Tuple[Finding, Finding]] = field(default_factory=list)
    only_perf_lint: List[Finding] = field(default_factory=list)
    only_ruff: List[Finding] = field(default_factory=list)


# -- running the tools ---------------------------------------------------------


def find_tool(name: str, explicit: Optional[str]) -> str:
    """``explicit``, else ``name`` next to this interpreter, else on PATH."""
    if explicit:
        return explicit
    sibling = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(sibling, os.X_OK):
        return sibling
    found = shutil.which(name)
    if found is None:
        sys.exit(f"error: cannot find {name!r}; pass --{name} PATH or run with the venv's python")
    return found


def run(command: List[str], timeout: Optional[float]) -> Run:
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(command, time.perf_counter() - started, -1, "", "", timed_out=True)
    elapsed = time.perf_counter() - started
    return Run(command, elapsed, done.returncode, done.stdout, done.stderr)


def show_command(result: Run) -> str:
    """The command, with a long list of explicit files shortened."""
    parts = [part for part in result.command if not part.endswith((".py", ".pyi"))]
    files = len(result.command) - len(parts)
    if files <= 1:
        return " ".join(result.command)
    return " ".join(parts) + f" <{files} explicit files>"


def check_finished(result: Run, tool: str) -> None:
    if result.timed_out:
        sys.exit(
            f"error: {tool} did not finish within {result.seconds:.0f} s and was killed; "
            "find the file that hangs and leave it out with --exclude"
        )


# -- the files -----------------------------------------------------------------


def python_files(root: str, excludes: Sequence[str] = ()) -> List[str]:
    """The .py/.pyi files under ``root`` that perf-lint visits (relative to
    ``root``; a file root gives its own name), minus ``excludes`` (globs
    matched against the relative path and the file name)."""
    if os.path.isfile(root):
        return [os.path.basename(root)]
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if not name.endswith((".py", ".pyi")):
                continue
            relative = os.path.relpath(os.path.join(directory, name), root)
            if any(fnmatch.fnmatch(relative, g) or fnmatch.fnmatch(name, g) for g in excludes):
                continue
            found.append(relative)
    return found


def base_dir(root: str) -> str:
    return os.path.dirname(root) if os.path.isfile(root) else root


def lint_targets(root: str, excludes: Sequence[str]) -> List[str]:
    """What to put on the command line: the tree itself, or with exclusions
    every remaining file by name (both tools lint files named explicitly)."""
    if not excludes or os.path.isfile(root):
        return [root]
    return [os.path.join(root, name) for name in python_files(root, excludes)]


def parse_json(result: Run, tool: str) -> List[dict]:
    try:
        data = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        sys.exit(f"error: {tool} did not print JSON ({error}); stderr:\n{result.stderr}")
    if not isinstance(data, list):
        sys.exit(f"error: {tool} printed {type(data).__name__}, not a list")
    return data


def to_finding(tool: str, item: dict, root: str) -> Finding:
    fix = item.get("fix")
    path = item.get("filename") or ""
    if not os.path.isabs(path):
        path = os.path.join(root, path)
    start = item.get("location") or {"row": 1, "column": 1}
    end = item.get("end_location") or start
    return Finding(
        tool=tool,
        code=item.get("code") or "",
        path=os.path.normpath(path),
        start=(start["row"], start["column"]),
        end=(end["row"], end["column"]),
        applicability=fix.get("applicability") if fix else None,
        message=item.get("message") or "",
    )


# -- matching ------------------------------------------------------------------


def compare(ours: List[Finding], theirs: List[Finding]) -> Comparison:
    result = Comparison(ours, theirs)
    by_key: Dict[Tuple[str, Position], List[Finding]] = collections.defaultdict(list)
    for finding in theirs:
        by_key[(finding.path, finding.start)].append(finding)
    left: List[Finding] = []
    for finding in ours:
        candidates = by_key.get((finding.path, finding.start))
        if candidates:
            result.exact.append((finding, candidates.pop(0)))
        else:
            left.append(finding)
    remaining: Dict[str, List[Finding]] = collections.defaultdict(list)
    for candidates in by_key.values():
        for finding in candidates:
            remaining[finding.path].append(finding)
    for finding in left:
        pool = remaining.get(finding.path, [])
        overlapping = [other for other in pool if finding.overlaps(other)]
        if overlapping:
            # The closest start wins (nested literals overlap several ranges).
            best = min(
                overlapping,
                key=lambda other: (
                    abs(other.start[0] - finding.start[0]),
                    abs(other.start[1] - finding.start[1]),
                ),
            )
            pool.remove(best)
            result.overlapping.append((finding, best))
        else:
            result.only_perf_lint.append(finding)
    for pool in remaining.values():
        result.only_ruff.extend(pool)
    result.only_perf_lint.sort(key=lambda f: (f.path, f.start))
    result.only_ruff.sort(key=lambda f: (f.path, f.start))
    return result


# -- reading sources -------------------------------------------------------------


class Source:
    """A file's text split as Python splits lines, and its syntax tree."""

    _cache: ClassVar[Dict[str, Source]] = {}

    def __init__(self, path: str) -> None:
        self.path = path
        self.text = ""
        self.tree: Optional[ast.AST] = None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            self.text = data.decode(encoding)
            if self.text.startswith("\ufeff"):
                self.text = self.text[1:]
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
            pass
        self.lines = _LINE_BREAK.split(self.text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.tree = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.tree = None
        self._containers: Optional[List[Tuple[Position, Position, ast.Compare, int]]] = None

    @classmethod
    def get(cls, path: str) -> Source:
        if path not in cls._cache:
            cls._cache[path] = Source(path)
        return cls._cache[path]

    def line(self, row: int) -> str:
        return self.lines[row - 1] if 0 < row <= len(self.lines) else ""

    def char_column(self, row: int, byte_offset: int) -> int:
        """ast's UTF-8 byte offset as a 1-based character column."""
        encoded = self.line(row).encode("utf-8")
        return len(encoded[:byte_offset].decode("utf-8", "replace")) + 1

    def containers(self) -> List[Tuple[Position, Position, ast.Compare, int]]:
        """Every list or tuple right of ``in``/``not in``: range, comparison, index."""
        if self._containers is None:
            found = []
            for node in ast.walk(self.tree) if self.tree is not None else ():
                if not isinstance(node, ast.Compare):
                    continue
                for index, (op, right) in enumerate(zip(node.ops, node.comparators)):
                    if not isinstance(op, (ast.In, ast.NotIn)):
                        continue
                    if isinstance(right, (ast.List, ast.Tuple)):
                        start = (right.lineno, self.char_column(right.lineno, right.col_offset))
                        end_row = right.end_lineno or right.lineno
                        end = (end_row, self.char_column(end_row, right.end_col_offset or 0))
                        found.append((start, end, node, index))
            self._containers = found
        return self._containers


_UNHASHABLE = (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
_RUFF_UNHASHABLE = (*_UNHASHABLE, ast.GeneratorExp, ast.Await, ast.Yield, ast.YieldFrom)


def _holds_display(node: ast.expr) -> bool:
    if isinstance(node, _UNHASHABLE):
        return True
    return isinstance(node, ast.Tuple) and any(_holds_display(e) for e in node.elts)


def categorise(finding: Finding) -> str:
    """Why the two tools may disagree about this literal, from its shape."""
    source = Source.get(finding.path)
    if source.tree is None:
        return "file does not parse with this Python"
    hits = [
        entry
        for entry in source.containers()
        if entry[0] <= finding.start < entry[1] or entry[0] == finding.start
    ]
    if not hits:
        return "no list/tuple right of in/not in at this position"
    _start, _end, node, index = max(hits, key=lambda entry: entry[0])
    right = node.comparators[index]
    left = node.left if index == 0 else node.comparators[index - 1]
    elements = right.elts  # type: ignore[attr-defined]
    if len(node.ops) > 1:
        return "chained comparison"
    if not elements:
        return "empty literal"
    if any(isinstance(e, ast.Starred) for e in elements):
        return "starred element"
    if any(isinstance(e, _UNHASHABLE) for e in elements):
        return "element is a list/set/dict display or comprehension"
    if any(_holds_display(e) for e in elements):
        return "element is a tuple holding a list/set/dict display"
    if isinstance(left, _UNHASHABLE):
        return f"left operand is a {type(left).__name__} display (never hashable)"
    if isinstance(left, _RUFF_UNHASHABLE):
        return f"left operand is {type(left).__name__} (ruff assumes unhashable)"
    if any(isinstance(e, _RUFF_UNHASHABLE) for e in elements):
        return "element is a generator/await/yield (ruff assumes unhashable)"
    if isinstance(left, ast.Name) or any(isinstance(e, ast.Name) for e in elements):
        return "plain comparison with a name operand (ruff: name bound to list/dict/set?)"
    return "plain comparison"


# -- printing --------------------------------------------------------------------


def describe(finding: Finding, root: str) -> str:
    source = Source.get(finding.path)
    where = os.path.relpath(finding.path, root)
    fix = finding.applicability or "no fix"
    text = source.line(finding.start[0]).strip()
    if len(text) > 110:
        text = text[:107] + "..."
    return f"  {where}:{finding.start[0]}:{finding.start[1]} [{finding.code}, {fix}] {text}"


def print_group(title: str, findings: Sequence[Finding], show: int, root: str) -> None:
    print(f"\n{title}: {len(findings)}")
    categories = collections.Counter(finding.category for finding in findings)
    for category, count in categories.most_common():
        example = next(f for f in findings if f.category == category)
        print(f"  {count:6d}  {category}")
        print(f"          e.g. {describe(example, root).strip()}")
    if findings and show:
        print(f"  first {min(show, len(findings))}:")
        for finding in findings[:show]:
            print(f"  {describe(finding, root)}")


def stderr_lines(result: Run, needle: str) -> List[str]:
    return [line for line in result.stderr.splitlines() if needle in line]


def differential(args: argparse.Namespace) -> int:
    tree = os.path.abspath(args.tree)
    perf_lint = find_tool("perf-lint", args.perf_lint)
    ruff = find_tool("ruff", args.ruff)
    targets = lint_targets(tree, args.exclude)
    ours_run = run(
        [perf_lint, "check", "--format", "json", "--select", args.select, "--exit-zero", *targets],
        args.timeout,
    )
    check_finished(ours_run, "perf-lint")
    theirs_run = run(
        [
            ruff,
            "check",
            "--preview",
            "--select",
            RUFF_CODE,
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
            "--isolated",
            *targets,
        ],
        args.timeout,
    )
    check_finished(theirs_run, "ruff")
    root = base_dir(tree)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for name, result in (("perf-lint.json", ours_run), ("ruff.json", theirs_run)):
            with open(os.path.join(args.save, name), "w", encoding="utf-8") as handle:
                handle.write(result.stdout)
    ours_all = [to_finding("perf-lint", item, root) for item in parse_json(ours_run, "perf-lint")]
    theirs_all = [to_finding("ruff", item, root) for item in parse_json(theirs_run, "ruff")]
    ours = [f for f in ours_all if f.code]
    problems = [f for f in ours_all if not f.code]
    theirs = [f for f in theirs_all if f.code == RUFF_CODE]
    result = compare(ours, theirs)
    for finding in (*result.only_perf_lint, *result.only_ruff):
        finding.category = categorise(finding)

    codes = collections.Counter(f.code for f in ours)
    fixes = collections.Counter(f.applicability or "none" for f in ours)
    print(f"tree: {tree} ({len(python_files(tree, args.exclude))} files)")
    if args.exclude:
        print(f"  left out: {', '.join(args.exclude)}")
    print(f"perf-lint: {show_command(ours_run)}")
    print(f"  {ours_run.seconds:.2f} s, exit code {ours_run.returncode}")
    print(f"  diagnostics: {len(ours)} ({', '.join(f'{c} {n}' for c, n in sorted(codes.items()))})")
    print(f"  fixes: safe {fixes['safe']}, unsafe {fixes['unsafe']}, none {fixes['none']}")
    internal = stderr_lines(ours_run, "internal error")
    print(f"  internal errors (crashes): {len(internal)}")
    for line in internal[: args.show or len(internal)]:
        print(f"    {line}")
    other_stderr = [
        line for line in ours_run.stderr.splitlines() if line.strip() and line not in internal
    ]
    if other_stderr:
        print(f"  other stderr lines: {len(other_stderr)}")
        for line in other_stderr[: args.show]:
            print(f"    {line}")
    print(f"  file problems (code null, e.g. syntax errors): {len(problems)}")
    for finding in problems[: args.show]:
        where = os.path.relpath(finding.path, root)
        print(f"    {where}:{finding.start[0]}:{finding.start[1]}: {finding.message}")
    print(f"ruff: {show_command(theirs_run)}")
    print(f"  {theirs_run.seconds:.2f} s, exit code {theirs_run.returncode}")
    others = len(theirs_all) - len(theirs)
    print(f"  diagnostics: {len(theirs)} {RUFF_CODE}" + (f" (+{others} other)" if others else ""))
    ruff_fixes = collections.Counter(f.applicability or "none" for f in theirs)
    print(f"  fixes: {', '.join(f'{k} {v}' for k, v in sorted(ruff_fixes.items()))}")
    if theirs_run.stderr.strip():
        print(f"  stderr lines: {len(theirs_run.stderr.splitlines())}")
        for line in theirs_run.stderr.splitlines()[: args.show]:
            print(f"    {line}")

    matched = len(result.exact) + len(result.overlapping)
    print(
        f"\nmatched: {matched} (same start: {len(result.exact)}, "
        f"overlapping ranges: {len(result.overlapping)})"
    )
    if theirs:
        print(
            f"  ruff findings also found by perf-lint: {matched}/{len(theirs)} "
            f"({100.0 * matched / len(theirs):.1f}%)"
        )
    shifts = collections.Counter(
        (ours_f.start[1] - theirs_f.start[1], ours_f.end[1] - theirs_f.end[1], ours_f.code)
        for ours_f, theirs_f in result.overlapping
    )
    for (start_shift, end_shift, code), count in shifts.most_common():
        print(
            f"  {count:6d} overlapping {code}: perf-lint start {start_shift:+d}, "
            f"end {end_shift:+d} columns vs ruff"
        )
    matched_fixes = collections.Counter(
        ours_f.applicability or "none" for ours_f, _ in (*result.exact, *result.overlapping)
    )
    print(
        f"  perf-lint fix applicability on matched: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(matched_fixes.items()))}"
    )
    print_group("only perf-lint", result.only_perf_lint, args.show, root)
    print_group("only ruff", result.only_ruff, args.show, root)
    return 1 if internal else 0


# -- --fix-check -----------------------------------------------------------------


def compiles(data: bytes, path: str) -> Optional[str]:
    """``None`` if ``data`` compiles, else the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            return f"{type(error).__name__}: {error}"
    return None


class _SetsForMembership(ast.NodeTransformer):
    """Turn every list/tuple right of ``in``/``not in`` into a set."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.comparators = [
            ast.Set(elts=right.elts)
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple))
            else right
            for op, right in zip(node.ops, node.comparators)
        ]
        return node


def normalised_dump(data: bytes) -> Optional[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    return ast.dump(_SetsForMembership().visit(tree))


def comments(data: bytes) -> Optional[List[str]]:
    """The file's comments in order (``None`` if it does not tokenize)."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(data).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return None
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def changed_files(original: str, copy: str, names: Iterable[str]) -> List[str]:
    changed = []
    for name in names:
        with open(os.path.join(original, name), "rb") as before_file:
            before = before_file.read()
        try:
            with open(os.path.join(copy, name), "rb") as after_file:
                after = after_file.read()
        except OSError:
            changed.append(name)
            continue
        if before != after:
            changed.append(name)
    return changed


def fix_check(args: argparse.Namespace) -> int:
    tree = os.path.abspath(args.tree)
    perf_lint = find_tool("perf-lint", args.perf_lint)
    root = base_dir(tree)
    names = python_files(tree, args.exclude)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="perf-lint-fix-check-") as scratch:
        for label, extra in (("unsafe", ["--unsafe-fixes"]), ("safe", [])):
            copy = os.path.join(scratch, label)
            if os.path.isfile(tree):
                os.makedirs(copy)
                shutil.copy2(tree, copy)
            else:
                shutil.copytree(
                    root, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
                )
            targets = [os.path.join(copy, name) for name in names]
            command = [
                perf_lint,
                "check",
                "--fix",
                *extra,
                "--select",
                args.select,
                "--exit-zero",
                "--quiet",
                *(targets if args.exclude or os.path.isfile(tree) else [copy]),
            ]
            first = run(command, args.timeout)
            check_finished(first, "perf-lint --fix")
            changed = changed_files(root, copy, names)
            print(f"\n--fix {'--unsafe-fixes ' if extra else ''}on a copy of {tree}")
            print(f"  {show_command(first)}")
            print(
                f"  {first.seconds:.2f} s, exit code {first.returncode}, "
                f"{len(changed)} of {len(names)} files changed"
            )
            internal = stderr_lines(first, "internal error")
            warned = stderr_lines(first, "warning")
            print(f"  internal errors: {len(internal)}, warnings: {len(warned)}")
            for line in (*internal, *warned)[: args.show or None]:
                print(f"    {line}")
            broken, reshaped, uncommented, skipped = [], [], [], 0
            for name in changed:
                with open(os.path.join(root, name), "rb") as handle:
                    before = handle.read()
                with open(os.path.join(copy, name), "rb") as handle:
                    after = handle.read()
                if compiles(before, name) is not None:
                    skipped += 1
                    continue
                error = compiles(after, name)
                if error is not None:
                    broken.append((name, error))
                elif normalised_dump(before) != normalised_dump(after):
                    reshaped.append(name)
                if comments(before) != comments(after):
                    uncommented.append(name)
            print(f"  changed files that compiled before and no longer compile: {len(broken)}")
            for name, error in broken:
                print(f"    {name}: {error}")
            print(f"  changed files whose AST changed beyond list/tuple -> set: {len(reshaped)}")
            for name in reshaped:
                print(f"    {name}")
            print(f"  changed files whose comments changed: {len(uncommented)}")
            for name in uncommented:
                print(f"    {name}")
            if skipped:
                print(f"  changed files that did not compile before (not judged): {skipped}")
            snapshot = os.path.join(scratch, label + "-after-first-fix")
            shutil.copytree(copy, snapshot, symlinks=True)
            second = run(command, args.timeout)
            check_finished(second, "perf-lint --fix (second run)")
            again = changed_files(snapshot, copy, names)
            print(
                f"  second --fix on the fixed copy: {second.seconds:.2f} s, "
                f"exit code {second.returncode}, files changed again: {len(again)}"
            )
            for name in again[: args.show or None]:
                print(f"    {name}")
            failures += len(broken) + len(reshaped) + len(uncommented) + len(internal) + len(again)
    return 1 if failures else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare perf-lint PRF101/PRF102 with ruff PLR6201 on a tree."
    )
    parser.add_argument("tree", help="directory (or file) to lint")
    parser.add_argument(
        "--show",
        type=int,
        default=10,
        metavar="N",
        help="unmatched diagnostics listed per kind (default 10)",
    )
    parser.add_argument(
        "--fix-check",
        action="store_true",
        help="run --fix and --fix --unsafe-fixes on copies; check they compile",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files matching GLOB (relative path or file name); repeatable",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="kill a tool run that takes longer (default 3600)",
    )
    parser.add_argument(
        "--save", metavar="DIR", help="also write both tools' raw JSON output into DIR"
    )
    parser.add_argument("--select", default=PERF_LINT_CODES, help="perf-lint codes to run")
    parser.add_argument("--perf-lint", metavar="PATH", help="the perf-lint executable")
    parser.add_argument("--ruff", metavar="PATH", help="the ruff executable")
    args = parser.parse_args(argv)
    if not os.path.exists(args.tree):
        parser.error(f"{args.tree}: no such file or directory")
    try:
        return fix_check(args) if args.fix_check else differential(args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

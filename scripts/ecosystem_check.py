"""Apply perf-lint's safe fixes to real packages and run their own test suites
before and after (run by hand: it downloads sdists from PyPI).

For each project below: download the pinned sdist (``pip download --no-deps
--no-binary :all:``), unpack it twice, run the test suite in the first copy,
run ``perf-lint check --fix --show-fixes`` (safe fixes only; every default
rule unless ``--select`` is given) on the project's package source in the
second copy, check that every changed file still compiles, run the suite
again and print one table row: files changed, fixes applied by code (read
from ``--show-fixes``), tests passed/failed before and after, and what the
fixes did to the code's form: comments lost, trailing comments moved to a
line of their own, new lines longer than the project's line length
(``line-length`` of its ``[tool.ruff]``/``[tool.black]``, else 88) that the
original statement did not already exceed, and whether a second ``--fix``
changes anything (idempotence); then the verdict.

``--tool ruff`` applies ruff's fixes for the same patterns instead
(``ruff check --isolated --preview --select PERF,PLR6201 --fix``, with
``--unsafe-fixes`` when asked), to compare on the same trees.

Only the package source is fixed by default: that is the code users ship and
the code the suite exercises; fixing the tests as well (``--include-tests``)
could hide a broken fix behind a test that was rewritten along with it.
``--unsafe-fixes`` applies unsafe fixes too (informative: those may change
behaviour by design, so a changed result there is not a bug by itself).

    python scripts/ecosystem_check.py [--select CODES] [--include-tests]
        [--unsafe-fixes] [--tool perf-lint|ruff] [--workdir DIR] [NAME ...]

Add a project by adding a ``Project`` to ``PROJECTS``. Exit code 1 when a
suite's results changed or a fixed file does not compile.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
import venv
from pathlib import Path
from typing import Counter, Dict, List, Optional, Sequence, Tuple


@dataclasses.dataclass(frozen=True)
class Project:
    name: str
    version: str
    #: Test paths, relative to the unpacked sdist.
    tests: Tuple[str, ...]
    #: Package source that is fixed, relative to the unpacked sdist.
    package: Tuple[str, ...]
    #: Directory put on ``PYTHONPATH`` so that the tests import this copy.
    source_root: str = "."
    #: Extra packages the test suite needs besides pytest.
    requires: Tuple[str, ...] = ()


#: boltons 24.1's conftest uses a hook argument that pytest 8 removed.
PYTEST = "pytest<8"

PROJECTS = (
    Project("more-itertools", "10.5.0", ("tests",), ("more_itertools",)),
    # toolz keeps its tests inside the package: fixing the package fixes them too.
    Project("toolz", "1.0.0", ("toolz/tests",), ("toolz",)),
    Project("boltons", "24.1.0", ("tests",), ("boltons",)),
    Project(
        "python-dateutil",
        "2.9.0.post0",
        ("tests",),
        ("src/dateutil",),
        source_root="src",
        # conftest.py marks tests ``no_cover``, which pytest-cov registers.
        requires=("six", "freezegun", "hypothesis", "pytest-cov"),
    ),
    Project("tabulate", "0.9.0", ("test",), ("tabulate",)),
    Project("click", "8.1.7", ("tests",), ("src/click",), source_root="src"),
    # schedule logs through ``logging``; its timezone tests need pytz.
    Project("schedule", "1.2.2", ("test_schedule.py",), ("schedule",), requires=("pytz",)),
    # Not used to tune any rule (issue 32's re-run).
    Project("cachetools", "5.5.0", ("tests",), ("src/cachetools",), source_root="src"),
    Project("idna", "3.10", ("tests",), ("idna",)),
)


@dataclasses.dataclass
class Row:
    project: Project
    files_changed: int = 0
    fixes: Counter[str] = dataclasses.field(default_factory=collections.Counter)
    before: Tuple[int, int] = (0, 0)
    after: Tuple[int, int] = (0, 0)
    compile_errors: List[str] = dataclasses.field(default_factory=list)
    comments_lost: int = 0
    trailing_moved: int = 0
    long_lines: int = 0
    idempotent: bool = True

    @property
    def ok(self) -> bool:
        ran = self.before[0] > 0
        return (
            ran
            and self.before == self.after
            and not self.compile_errors
            and not self.comments_lost
            and self.idempotent
        )


def _comments(data: bytes) -> List[Tuple[str, bool]]:
    """Each comment's text and whether code precedes it on its line."""
    found = []
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(data).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type == tokenize.COMMENT:
            found.append((token.string, bool(token.line[: token.start[1]].strip())))
    return found


def _line_length(root: Path) -> int:
    """The project's line length: ``[tool.ruff]``, else ``[tool.black]``, else 88."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomllib

            tools = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
        except (ValueError, OSError):
            tools = {}
        for tool in ("ruff", "black"):
            value = tools.get(tool, {}).get("line-length")
            if isinstance(value, int):
                return value
    return 88


def _form(row: Row, original: bytes, fixed: bytes, limit: int) -> None:
    """Count what a fix did to the form of one file (see the module doc)."""
    before, after = _comments(original), _comments(fixed)
    texts_after = collections.Counter(text for text, _ in after)
    texts_before = collections.Counter(text for text, _ in before)
    row.comments_lost += sum((texts_before - texts_after).values())
    trailing_after = collections.Counter(text for text, trailing in after if trailing)
    trailing_before = collections.Counter(text for text, trailing in before if trailing)
    row.trailing_moved += sum((trailing_before - trailing_after).values())
    old_lines = set(original.decode("utf-8", "replace").splitlines())
    row.long_lines += sum(
        1
        for line in fixed.decode("utf-8", "replace").splitlines()
        if len(line) > limit and line not in old_lines
    )


def _run(command: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def _environment(workdir: Path, projects: Sequence[Project]) -> Path:
    """One virtual environment with pytest and every project's extras."""
    env_dir = workdir / "venv"
    python = env_dir / "bin" / "python"
    if not python.exists():
        venv.create(env_dir, with_pip=True)
    extras = sorted({req for project in projects for req in project.requires})
    result = _run([str(python), "-m", "pip", "install", "-q", PYTEST, *extras])
    if result.returncode:
        raise SystemExit(f"cannot install pytest: {result.stderr}")
    return python


def _download(project: Project, downloads: Path) -> Path:
    pattern = f"{project.name.replace('-', '[-_]')}-{re.escape(project.version)}.tar.gz"
    found = [p for p in downloads.glob("*.tar.gz") if re.fullmatch(pattern, p.name, re.I)]
    if not found:
        spec = f"{project.name}=={project.version}"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        result = _run([*command, "-d", str(downloads), spec])
        if result.returncode:
            raise SystemExit(f"cannot download {spec}: {result.stderr}")
        found = [p for p in downloads.glob("*.tar.gz") if re.fullmatch(pattern, p.name, re.I)]
    return found[0]


def _unpack(archive: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        if sys.version_info >= (3, 12):
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)
    (root,) = list(into.iterdir())
    return root


_COUNTS = re.compile(r"(\d+) (passed|failed|errors?)")


def _test(python: Path, project: Project, root: Path) -> Tuple[int, int]:
    """(passed, failed + errors) of the project's suite in ``root``."""
    env = dict(os.environ, PYTHONPATH=str(root / project.source_root), PYTHONDONTWRITEBYTECODE="1")
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *project.tests]
    result = _run(command, cwd=root, env=env)
    lines = result.stdout.strip().splitlines()
    counts: Dict[str, int] = collections.defaultdict(int)
    for kind_count, kind in _COUNTS.findall(lines[-1] if lines else ""):
        counts[kind.rstrip("s") if kind.startswith("error") else kind] += int(kind_count)
    return counts["passed"], counts["failed"] + counts["error"]


def _perf_lint(*args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "perf_lint", "check", "--no-cache", *args])


def _ruff(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ruff", "check", "--isolated", "--preview", "--no-cache"]
    return _run([*command, "--select", "PERF,PLR6201", *args])


_FIXED = re.compile(r"^\s+(\d+) × (\w+) ", re.M)


def _snapshot(root: Path) -> Dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*.py")}


def check(project: Project, workdir: Path, python: Path, options: argparse.Namespace) -> Row:
    row = Row(project)
    archive = _download(project, workdir / "downloads")
    before_root = _unpack(archive, workdir / "before" / project.name)
    after_root = _unpack(archive, workdir / "after" / project.name)
    row.before = _test(python, project, before_root)
    targets = [str(after_root / path) for path in project.package]
    if options.include_tests:
        targets += [str(after_root / path) for path in project.tests]
    flags = ["--select", options.select] if options.select else []
    if options.target_version:
        flags += ["--target-version", options.target_version]
    if options.unsafe_fixes:
        flags.append("--unsafe-fixes")
    original = _snapshot(after_root)
    if options.tool == "ruff":
        ruff_flags = ["--unsafe-fixes"] if options.unsafe_fixes else []
        fixed = _ruff(*ruff_flags, "--fix", "--exit-zero", "--statistics", *targets)
        for count, code in re.findall(r"^\s*(\d+)\s+(\w+\d+)", fixed.stdout, re.M):
            row.fixes[code] += int(count)
    else:
        fixed = _perf_lint(*flags, "--fix", "--show-fixes", "--exit-zero", *targets)
        for count, code in _FIXED.findall(fixed.stdout):
            row.fixes[code] += int(count)
    if fixed.returncode:
        tail = fixed.stderr[-500:]
        row.compile_errors.append(f"{options.tool} exited {fixed.returncode}: {tail}")
    limit = _line_length(after_root)
    for path, data in original.items():
        now = path.read_bytes()
        if now != data:
            row.files_changed += 1
            _form(row, data, now, limit)
            try:
                compile(now, str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as error:
                row.compile_errors.append(f"{path}: {error}")
    if options.tool != "ruff":
        settled = _snapshot(after_root)
        _perf_lint(*flags, "--fix", "--exit-zero", *targets)
        row.idempotent = _snapshot(after_root) == settled
    row.after = _test(python, project, after_root)
    return row


def _table(rows: Sequence[Row]) -> str:
    header = (
        "project",
        "version",
        "files changed",
        "fixes by code",
        "before",
        "after",
        "comments lost",
        "trailing moved",
        "new long lines",
        "idempotent",
        "verdict",
    )
    lines = [header]
    for row in rows:
        fixes = ", ".join(f"{code} {n}" for code, n in sorted(row.fixes.items())) or "-"
        lines.append(
            (
                row.project.name,
                row.project.version,
                str(row.files_changed),
                fixes,
                "{} passed / {} failed".format(*row.before),
                "{} passed / {} failed".format(*row.after),
                str(row.comments_lost),
                str(row.trailing_moved),
                str(row.long_lines),
                "yes" if row.idempotent else "NO",
                "ok" if row.ok else "CHANGED",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="projects to check (default: all)")
    parser.add_argument("--select", default="", help="codes or prefixes to fix (default: all)")
    parser.add_argument("--include-tests", action="store_true", help="fix the test files too")
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too")
    parser.add_argument("--tool", choices=("perf-lint", "ruff"), default="perf-lint")
    parser.add_argument(
        "--target-version",
        default="",
        help="perf-lint's target-version (e.g. py312, where the comprehension fixes are offered)",
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    projects = [p for p in PROJECTS if not args.names or p.name in args.names]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="perf-lint-ecosystem-"))
    (workdir / "downloads").mkdir(parents=True, exist_ok=True)
    python = _environment(workdir, projects)
    rows = [check(project, workdir, python, args) for project in projects]
    print(_table(rows))
    for row in rows:
        for problem in row.compile_errors:
            print("does not compile:", problem)
    print(f"work directory: {workdir}")
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Apply perf-lint's safe fixes to real packages and run their own test suites
before and after (run by hand: it downloads sdists from PyPI).

For each project below: download the pinned sdist (``pip download --no-deps
--no-binary :all:``), unpack it twice, run the test suite in the first copy,
run ``perf-lint check --fix --show-fixes`` (safe fixes only; every default
rule unless ``--select`` is given) on the project's package source in the
second copy, check that every changed file still compiles, run the suite
again and print one table row: files changed, fixes applied by code (read
from ``--show-fixes``), tests passed/failed before and after, verdict.

Only the package source is fixed by default: that is the code users ship and
the code the suite exercises; fixing the tests as well (``--include-tests``)
could hide a broken fix behind a test that was rewritten along with it.
``--unsafe-fixes`` applies unsafe fixes too (informative: those may change
behaviour by design, so a changed result there is not a bug by itself).

    python scripts/ecosystem_check.py [--select CODES] [--include-tests]
        [--unsafe-fixes] [--workdir DIR] [NAME ...]

Add a project by adding a ``Project`` to ``PROJECTS``. Exit code 1 when a
suite's results changed or a fixed file does not compile.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
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
)


@dataclasses.dataclass
class Row:
    project: Project
    files_changed: int = 0
    fixes: Counter[str] = dataclasses.field(default_factory=collections.Counter)
    before: Tuple[int, int] = (0, 0)
    after: Tuple[int, int] = (0, 0)
    compile_errors: List[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        ran = self.before[0] > 0
        return ran and self.before == self.after and not self.compile_errors


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
    if options.unsafe_fixes:
        flags.append("--unsafe-fixes")
    original = _snapshot(after_root)
    fixed = _perf_lint(*flags, "--fix", "--show-fixes", "--exit-zero", *targets)
    if fixed.returncode:
        row.compile_errors.append(f"perf-lint exited {fixed.returncode}: {fixed.stderr[-500:]}")
    for count, code in _FIXED.findall(fixed.stdout):
        row.fixes[code] += int(count)
    for path, data in original.items():
        if path.read_bytes() != data:
            row.files_changed += 1
            try:
                compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as error:
                row.compile_errors.append(f"{path}: {error}")
    row.after = _test(python, project, after_root)
    return row


def _table(rows: Sequence[Row]) -> str:
    header = ("project", "version", "files changed", "fixes by code", "before", "after", "verdict")
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

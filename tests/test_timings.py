"""``--timings``: a table of phases and rules on stderr, the normal output
unchanged, and no instrumentation at all without the flag."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from perf_lint.registry import RULES
from perf_lint.timings import Timings

SOURCE = "x = 1\nif x in [1, 2]:\n    pass\nfor y in (1, 2):\n    y in (3, 4)\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_timings_table(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    (tmp_path / "b.py").write_text("print(1)\n")
    plain = run(tmp_path, ".")
    timed = run(tmp_path, "--timings", ".")
    assert timed.stdout == plain.stdout and timed.returncode == plain.returncode == 1
    rows = {line.split("  ")[0].strip(): line.split() for line in timed.stderr.splitlines()}
    for phase in ("discover", "read", "pre-filter", "parse (libcst)", "positions", "output"):
        assert phase in rows, timed.stderr
    assert rows["read"][-1] == "2"  # calls: two files read
    assert rows["parse (libcst)"][-1] == "1"  # b.py is never parsed by libcst
    assert rows["syntax check (ast)"][-1] == "1"
    assert int(rows["rule PRF101"][-1]) >= 1 and int(rows["rule PRF102"][-1]) >= 1
    assert "wall time" in timed.stderr


def test_no_instrumentation_without_the_flag(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    check = (
        "import sys\n"
        "from perf_lint.cli import main\n"
        "main(sys.argv[1:])\n"
        "from perf_lint import engine\n"
        "from perf_lint.registry import RULES\n"
        "wrapped = [getattr(engine.candidate_rules, '_perf_lint_timed', False)]\n"
        "wrapped += [getattr(r.visit_Comparison, '_perf_lint_timed', False) for r in RULES\n"
        "            if hasattr(r, 'visit_Comparison')]\n"
        "print('WRAPPED', any(wrapped), len(wrapped))\n"
    )
    comparisons = 1 + sum(1 for rule in RULES if hasattr(rule, "visit_Comparison"))
    for flag, expected in (
        ([], f"WRAPPED False {comparisons}"),
        (["--timings"], f"WRAPPED True {comparisons}"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", check, "check", "--no-cache", "--jobs", "1", *flag, "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert expected in done.stdout, done.stdout + done.stderr


def test_merge_and_take() -> None:
    first, second = Timings(), Timings()
    first.add("parse (libcst)", 1.5)
    second.add("parse (libcst)", 0.5, calls=2)
    second.add("rule PRF101", 0.25)
    first.merge(second.take())
    assert dict(first.seconds) == {"parse (libcst)": 2.0, "rule PRF101": 0.25}
    assert dict(first.calls) == {"parse (libcst)": 3, "rule PRF101": 1}
    assert not second.seconds
    table = first.render(wall=3.0, processes=2)
    assert "worker processes: 2" in table
    assert table.index("parse (libcst)") < table.index("rule PRF101")

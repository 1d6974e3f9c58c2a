"""``--timings``: a table of phases and rules on stderr, the normal output
unchanged, and no instrumentation at all without the flag."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

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
    assert rows["syntax check (ast)"][-1] == "2"  # ast parses each file once
    assert int(rows["rule PRF101"][-1]) >= 1 and int(rows["rule PRF102"][-1]) >= 1
    assert "wall time" in timed.stderr


def test_timings_are_hooks_not_patches(tmp_path: Path, monkeypatch: Any) -> None:
    """Without the flag the engine reports to hooks that do nothing; with it
    to a ``Timings``. Either way no function or method is replaced."""
    from perf_lint import analysis, runner
    from perf_lint.cli import main
    from perf_lint.timings import QUIET

    (tmp_path / "a.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    originals = {
        (rule, name): getattr(rule, name)
        for rule in RULES
        for name in dir(rule)
        if name.startswith(("visit_", "leave_", "check_source"))
    }
    analyse = analysis.analyse
    for flag, hooks in (([], QUIET), (["--timings"], Timings)):
        runner._ENGINES.clear()
        assert main(["check", "--no-cache", "--jobs", "1", *flag, "."]) == 1
        (engine,) = runner._ENGINES.values()
        assert engine.hooks is hooks if hooks is QUIET else isinstance(engine.hooks, hooks)
        assert analysis.analyse is analyse
        assert all(getattr(rule, name) == found for (rule, name), found in originals.items())
    runner._ENGINES.clear()


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

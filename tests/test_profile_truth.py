"""The profile report tells the truth (issue 29): findings are ranked and
filtered by what fixing them can win at most, ``--min-share`` limits the
fixes to the findings it lists, the labels say what the profile saw, a
profile that holds little of the linted code is reported, and a summary
names the hot code. Every cProfile profile here is taken in the test by
running a small program under ``python -m cProfile -o``; the sampled
profiles are py-spy raw (folded) files written by the test."""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple

import pytest

from perf_lint.fixing import carried

PROGRAM = """\
import sys


def hot(values):
    count = 0
    for value in values:
        if value in [3, 5, 7, 11, 13]:
            count += 1
    return count


def warm(size):
    squares = set()
    for index in range(size):
        squares.add(index)
    return squares


def never():
    return 1 in [2, 3]


def busy(size):
    total = 0
    for index in range(size):
        total += index * index % 7
    return total


def main(rounds):
    values = list(range(200))
    for _ in range(rounds):
        hot(values)
        busy(300)
    warm(3)


main(int(sys.argv[1]))
"""
HOT_ROW, WARM_ROW, NEVER_ROW = 7, 14, 20


class Run(NamedTuple):
    rc: int
    out: str
    err: str


CHECK = [sys.executable, "-m", "perf_lint", "check", "--no-cache"]
#: The comprehension fixes pay from Python 3.12 on (bench/fix_speed.py).
TARGET = '[tool.perf-lint]\ntarget-version = "py312"\n'


def run(cwd: Path, *args: str) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    done = subprocess.run(
        [*CHECK, *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def profiled(tmp_path: Path, rounds: int = 150) -> Path:
    """``prog.py`` written and run under cProfile; the dump's path."""
    (tmp_path / "prog.py").write_text(PROGRAM)
    (tmp_path / "pyproject.toml").write_text(TARGET)
    dump = tmp_path / "prog.pstats"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(dump), "prog.py", str(rounds)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dump


def records(tmp_path: Path, *args: str) -> Dict[int, Any]:
    done = run(tmp_path, "--format", "json", *args)
    assert done.rc == 1, done.err
    return {r["location"]["row"]: r for r in json.loads(done.out)}


def own_shares(dump: Path) -> Dict[str, float]:
    """Each function of prog.py: its own time / the run's, as pstats says."""
    stats = pstats.Stats(str(dump))
    total = stats.total_tt  # type: ignore[attr-defined]
    return {
        name: own / total
        for (file, _line, name), (_cc, _n, own, _cum, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if file.endswith("prog.py")
    }


# -- "at most": the function's own time (cProfile), the statement's (lines) -------------
def test_at_most_is_the_functions_own_time_with_cprofile(tmp_path: Path) -> None:
    dump = profiled(tmp_path)
    own = own_shares(dump)
    found = records(tmp_path, "--profile", str(dump), "prog.py")
    hot = found[HOT_ROW]["profile"]
    assert hot["at_most_share"] == hot["self_share"]
    assert hot["at_most_share"] == pytest.approx(own["hot"], abs=1e-6)
    # main() runs everything: its cumulative share is the run, its own small.
    text = run(tmp_path, "--profile", str(dump), "prog.py")
    line = next(row for row in text.out.splitlines() if row.startswith(f"prog.py:{HOT_ROW}:"))
    assert "[at most " in line and "(function's own time), function " in line
    assert line.endswith("% with callees, 150 calls]"), line


FOLDED_PROGRAM = """\
def work(values):
    out = []
    for value in values:
        out.append(value * 2)
    squares = set()
    for value in values:
        squares.add(value)
    return out, squares


work(range(10))
"""


def folded(tmp_path: Path) -> Path:
    """A py-spy raw profile of FOLDED_PROGRAM: 95 samples on the first
    loop's body, 1 on the second's, 4 in the module."""
    (tmp_path / "prog.py").write_text(FOLDED_PROGRAM)
    (tmp_path / "pyproject.toml").write_text(TARGET)
    path = tmp_path / "raw.txt"
    path.write_text(
        "<module> (prog.py:11);work (prog.py:4) 95\n"
        "<module> (prog.py:11);work (prog.py:7) 1\n"
        "<module> (prog.py:11) 4\n"
    )
    return path


def test_at_most_is_the_statements_share_with_lines(tmp_path: Path) -> None:
    raw = folded(tmp_path)
    found = records(tmp_path, "--profile", str(raw), "prog.py")
    first, second = found[3]["profile"], found[6]["profile"]
    assert (first["at_most_share"], first["line_share"]) == (0.95, 0.95)
    assert (second["at_most_share"], second["line_share"]) == (0.01, 0.01)
    assert first["cumulative_share"] == second["cumulative_share"] == 0.96  # stays in JSON
    text = run(tmp_path, "--profile", str(raw), "prog.py")
    rows = [row for row in text.out.splitlines() if row.startswith("prog.py:")]
    assert rows[0].startswith("prog.py:3:") and rows[0].endswith(
        "[at most 95% of run time (this statement), function 96% with callees]"
    )
    assert rows[1].endswith(
        "[at most 1.0% of run time (this statement), function 96% with callees]"
    )
    # --min-share filters by that same number, not by the function's 96%.
    kept = records(tmp_path, "--profile", str(raw), "--min-share", "5", "prog.py")
    assert list(kept) == [3]


# -- --min-share limits --fix and --diff to the findings it lists --------------------------
def test_min_share_fixes_only_the_hot_function(tmp_path: Path) -> None:
    dump = profiled(tmp_path)
    original = (tmp_path / "prog.py").read_text()
    listed = records(tmp_path, "--profile", str(dump), "--min-share", "1", "prog.py")
    assert list(listed) == [HOT_ROW]  # warm(3) and never() are cold
    done = run(
        tmp_path,
        "--profile",
        str(dump),
        "--min-share",
        "1",
        "--fix",
        "--unsafe-fixes",
        "--show-fixes",
        "prog.py",
    )
    assert done.rc == 0, done
    assert "Fixed 1 error:" in done.out and "1 × PRF101" in done.out
    fixed = (tmp_path / "prog.py").read_text()
    expected = original.replace("value in [3, 5, 7, 11, 13]", "value in {3, 5, 7, 11, 13}")
    assert fixed == expected  # warm's loop and never()'s list are as they were
    # Without --min-share the same command rewrites the cold code too.
    (tmp_path / "prog.py").write_text(original)
    everything = run(tmp_path, "--profile", str(dump), "--fix", "--unsafe-fixes", "prog.py")
    assert everything.rc == 0, everything
    rewritten = (tmp_path / "prog.py").read_text()
    assert "1 in {2, 3}" in rewritten and "squares = {index for index" in rewritten


def test_min_share_diff_with_lines_leaves_the_cold_loop_of_a_hot_function(
    tmp_path: Path,
) -> None:
    raw = folded(tmp_path)
    diff = run(tmp_path, "--profile", str(raw), "--min-share", "5", "--diff", "prog.py")
    assert diff.rc == 1, diff
    assert "+    out = [value * 2 for value in values]" in diff.out
    assert "squares = {value" not in diff.out
    assert "Would fix 1 error." in diff.err
    fix = run(tmp_path, "--profile", str(raw), "--min-share", "5", "--fix", "prog.py")
    assert fix.rc == 0, fix  # the cold finding is not listed: nothing left to show
    text = (tmp_path / "prog.py").read_text()
    assert "out = [value * 2 for value in values]" in text
    assert "    squares = set()\n    for value in values:\n        squares.add(value)\n" in text


def test_allowed_findings_follow_their_lines_across_rounds() -> None:
    before = "a = 1\nb = [\n  2,\n]\nc = 3\nd = 4\n"
    after = "a = 1\nb = [2]\nc = 3\nd = 4\n"
    only = {("X", 2, 1, 4, 2), ("Y", 5, 1, 5, 6), ("Z", 6, 1, 6, 6), ("W", 1, 1, 1, 6)}
    # The finding on the changed lines is gone; the others moved up two
    # lines or stayed.
    assert carried(only, before, after) == {
        ("Y", 3, 1, 3, 6),
        ("Z", 4, 1, 4, 6),
        ("W", 1, 1, 1, 6),
    }


# -- labels that say what happened ---------------------------------------------------------
def test_labels_not_run_not_sampled_and_file_not_in_the_profile(tmp_path: Path) -> None:
    dump = profiled(tmp_path, rounds=20)
    (tmp_path / "other.py").write_text("def f(x: str):\n    return x in ['a', 'b']\n")
    text = run(tmp_path, "--profile", str(dump), "prog.py", "other.py")
    lines = text.out.splitlines()
    never = next(row for row in lines if row.startswith(f"prog.py:{NEVER_ROW}:"))
    assert never.endswith("[not run]")  # cProfile sees every call
    other = next(row for row in lines if row.startswith("other.py:"))
    assert other.endswith("[file not in the profile]")
    sampled = tmp_path / "sampled.txt"
    sampled.write_text(
        f"<module> (prog.py:38);main (prog.py:33);hot (prog.py:{HOT_ROW}) 9\n"
        "<module> (prog.py:38);main (prog.py:34);busy (prog.py:26) 1\n"
    )
    by_sampler = run(tmp_path, "--profile", str(sampled), "prog.py", "other.py")
    lines = by_sampler.out.splitlines()
    for row in (WARM_ROW, NEVER_ROW):  # warm() ran but was not sampled
        assert next(r for r in lines if r.startswith(f"prog.py:{row}:")).endswith("[not sampled]")
    assert next(r for r in lines if r.startswith("other.py:")).endswith("[file not in the profile]")


# -- warnings about a profile that describes little of the linted code ----------------------
def test_warns_when_no_linted_file_is_in_the_profile(tmp_path: Path) -> None:
    dump = profiled(tmp_path, rounds=5)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "other.py").write_text("x in [1, 2]\n")
    done = run(tmp_path, "--profile", str(dump), "lib")
    assert done.rc == 1
    assert f"perf-lint: warning: {dump}: none of the linted files is in this profile" in done.err
    assert "pyinstrument" not in done.err
    matched = run(tmp_path, "--profile", str(dump), "prog.py")
    assert "warning" not in matched.err


def test_warns_when_under_one_percent_lies_in_the_linted_files(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(FOLDED_PROGRAM)
    (tmp_path / "pyproject.toml").write_text(TARGET)
    raw = tmp_path / "raw.txt"
    raw.write_text("<module> (prog.py:11);work (prog.py:4) 3\n<module> (elsewhere/big.py:1) 997\n")
    done = run(tmp_path, "--profile", str(raw), "prog.py")
    assert f"{raw}: only 0.3% of this profile lies in the linted files" in done.err


def test_a_pyinstrument_export_that_matches_nothing_says_how_to_export(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(FOLDED_PROGRAM)
    (tmp_path / "pyproject.toml").write_text(TARGET)
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "name": "CPU profile for prog.py",
        "activeProfileIndex": None,
        "exporter": "pyinstrument",
        "profiles": [
            {
                "type": "evented",
                "name": "CPU profile",
                "unit": "seconds",
                "startValue": 0.0,
                "endValue": 1.0,
                "events": [
                    {"type": "O", "frame": 0, "at": 0.0},
                    {"type": "C", "frame": 0, "at": 1.0},
                ],
            }
        ],
        "shared": {"frames": [{"name": "<module>", "file": "/srv/runner.py", "line": 1}]},
    }
    path = tmp_path / "run.speedscope.json"
    path.write_text(json.dumps(document))
    done = run(tmp_path, "--profile", str(path), "prog.py")
    assert "none of the linted files is in this profile" in done.err
    assert "-p processor_options.filter_threshold=0" in done.err and "--show-all" in done.err


# -- the summary of hot code, and --statistics --------------------------------------------
def test_summary_names_hot_code_with_no_finding(tmp_path: Path) -> None:
    dump = profiled(tmp_path)
    own = own_shares(dump)
    done = run(tmp_path, "--profile", str(dump), "prog.py")
    lines = done.out.splitlines()
    start = lines.index("Most own time in the linted files (where to look next):")
    summary = lines[start + 1 : lines.index("Found 3 errors.")]
    names = [row.split()[-1] if "(" not in row else row.split()[2] for row in summary]
    expected = sorted((n for n in own if own[n] > 0), key=lambda n: -own[n])
    assert names[:2] == expected[:2]  # busy and hot, by their own time
    busy = next(row for row in summary if " busy" in row)
    assert busy.endswith("prog.py:23 busy  (hot code with no finding)")
    hot = next(row for row in summary if " hot" in row)
    assert hot.endswith("prog.py:4 hot")  # holds a finding
    for quiet in (
        run(tmp_path, "--profile", str(dump), "-q", "prog.py"),
        run(tmp_path, "--profile", str(dump), "--format", "json", "prog.py"),
    ):
        assert "Most own time" not in quiet.out
    grouped = run(tmp_path, "--profile", str(dump), "--format", "grouped", "prog.py")
    assert "Most own time in the linted files" in grouped.out
    assert grouped.out.index("Most own time") > grouped.out.index("prog.py:")


def test_statistics_show_what_each_rule_can_win(tmp_path: Path) -> None:
    dump = profiled(tmp_path)
    found = records(tmp_path, "--profile", str(dump), "prog.py")
    done = run(tmp_path, "--profile", str(dump), "--statistics", "prog.py")
    rows: List[str] = [row for row in done.out.splitlines() if "\t" in row]
    by_code = {row.split("\t")[1].strip(): row for row in rows}
    hot = found[HOT_ROW]["profile"]["at_most_share"]  # never() adds nothing: not run
    from perf_lint.profiles.report import percent

    assert by_code["PRF101"].endswith(f"\t[at most {percent(hot)} of run time]")
    warm = found[WARM_ROW]["profile"]["at_most_share"]
    assert by_code["PRF404"].endswith(f"\t[at most {percent(warm)} of run time]")
    assert rows[0].split("\t")[1].strip() == "PRF101"  # by share, not count
    plain = run(tmp_path, "--statistics", "prog.py")
    assert "at most" not in plain.out


def test_findings_are_followed_by_rows_as_python_counts_them() -> None:
    """A form feed inside a line is no line break for a row: the findings
    allowed in one round are found again on the right rows in the next."""
    before = "x = f(1)  # \x0c page\nhot = v in [1, 2]\n"
    after = "import re\nx = g(1)\nhot = v in [1, 2]\n"
    allowed = {("PRF101", 2, 11, 2, 17)}
    assert carried(allowed, before, after) == {("PRF101", 3, 11, 3, 17)}

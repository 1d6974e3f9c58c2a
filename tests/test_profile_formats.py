"""Folded stacks and speedscope JSON written by real profilers: the
profiles of ``tests/data/profiles/app.py`` checked in next to it (see its
README for how each was made) and, where py-spy is installed, fresh ones.

Each file is also read here by a few lines of independent code, and
perf-lint's numbers must be the ones those lines compute from it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

DATA = Path(__file__).resolve().parent / "data" / "profiles"
APP = DATA / "app.py"

Frame = Tuple[str, str, Optional[int]]  # name, file, line
Stacks = List[Tuple[List[Frame], float]]

#: For each finding of app.py (by line): the function the profilers name
#: (py-spy and austin give qualified names, pyinstrument bare ones) and the
#: lines of the reported statement with its body.
FINDINGS = {
    10: ("<module>", (10, 10)),
    21: ("hot", (21, 22)),
    29: ("warm", (29, 30)),
    36: ("cold", (36, 36)),
    41: ("never", (41, 41)),
    46: ("Reader.parse", (46, 46)),
    51: ("Writer.parse", (51, 51)),
    56: ("decorated", (56, 57)),
    58: ("decorated.<locals>.<lambda>", (58, 58)),
}
#: pyinstrument's bare names, told apart by their first line.
BARE = {"Reader.parse": ("parse", 45), "Writer.parse": ("parse", 50)}


# -- independent readers --------------------------------------------------------------
def folded_py_spy(text: str) -> Stacks:
    stacks: Stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for part in filter(None, stack.split(";")):
            match = re.fullmatch(r"(.+) \((.*?)(?::(\d+))?\)", part)
            assert match, part
            frames.append((match[1], match[2], int(match[3]) if match[3] else None))
        stacks.append((frames, float(count)))
    return stacks


def folded_austin(text: str) -> Stacks:
    stacks: Stacks = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        stack, _, count = line.rpartition(" ")
        frames = []
        for part in stack.split(";"):
            pieces = part.rsplit(":", 2)
            if len(pieces) == 3 and pieces[2].isdigit():
                frames.append((pieces[1], pieces[0], int(pieces[2])))
        stacks.append((frames, float(count) / 1e6))
    return stacks


def speedscope(text: str) -> Stacks:
    document = json.loads(text)
    frames = [(f["name"], f.get("file") or "", f.get("line")) for f in document["shared"]["frames"]]
    stacks: Stacks = []
    for profile in document["profiles"]:
        scale = {"seconds": 1.0, "milliseconds": 1e-3, "none": 1.0}[profile["unit"]]
        if profile["type"] == "sampled":
            for sample, weight in zip(profile["samples"], profile["weights"]):
                stacks.append(([frames[i] for i in sample], weight * scale))
            continue
        open_frames: List[int] = []
        at = profile["startValue"]
        for event in profile["events"]:
            if open_frames:
                stacks.append(([frames[i] for i in open_frames], (event["at"] - at) * scale))
            at = event["at"]
            if event["type"] == "O":
                open_frames.append(event["frame"])
            else:
                open_frames.pop()
        stacks.append(([], (profile["endValue"] - at) * scale))
    return stacks


# -- the shares, as documented ----------------------------------------------------------
def is_function(frame: Frame, function: str) -> bool:
    """Whether ``frame`` is ``function`` of app.py (its comprehensions
    count as the function itself)."""
    name, file, line = frame
    if not file.endswith("app.py"):
        return False
    if function in BARE and name == BARE[function][0]:
        return line == BARE[function][1]  # pyinstrument: the first line
    return name == function or name.startswith(function + ".<locals>.<genexpr>")


def expected(stacks: Stacks, with_lines: bool) -> Dict[int, Optional[Dict[str, Any]]]:
    total = sum(weight for _, weight in stacks)
    found: Dict[int, Optional[Dict[str, Any]]] = {}
    for row, (function, (first, last)) in FINDINGS.items():
        cumulative = own = here = 0.0
        for frames, weight in stacks:
            mine = [frame for frame in frames if is_function(frame, function)]
            if not mine:
                continue
            cumulative += weight
            named = [f for f in frames if f[1].endswith(".py") or f[1].startswith("<")]
            if named and is_function(named[-1], function):
                own += weight
            if any(line is not None and first <= line <= last for _, _, line in mine):
                here += weight
        if cumulative == 0:
            found[row] = None
            continue
        found[row] = {
            # What a fix can win at most: its statement where there are
            # lines, else its function's own time.
            "at_most_share": (here if with_lines else own) / total,
            "cumulative_share": cumulative / total,
            "self_share": own / total,
            "line_share": here / total if with_lines else None,
        }
    return found


def lint(profile: Path, tmp_path: Path, *args: str) -> Tuple[List[Dict[str, Any]], str]:
    """perf-lint's JSON records and text output for a copy of app.py in a
    tree of its own, with ``profile``."""
    tree = tmp_path / "checkout" / "tests" / "data" / "profiles"
    tree.mkdir(parents=True, exist_ok=True)
    shutil.copy(APP, tree / "app.py")
    base = [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--profile", str(profile)]
    base += ["--extend-select", "PRF403"]  # line 29 of app.py; opt-in since issue 29
    records = subprocess.run(
        [*base, "--format", "json", *args, "app.py"], cwd=tree, capture_output=True, timeout=120
    )
    assert records.returncode == 1, records.stderr
    text = subprocess.run([*base, *args, "app.py"], cwd=tree, capture_output=True, timeout=120)
    return json.loads(records.stdout), text.stdout.decode()


def check(profile: Path, stacks: Stacks, tmp_path: Path, with_lines: bool) -> None:
    records, text = lint(profile, tmp_path)
    wanted = expected(stacks, with_lines)
    assert any(value is not None for value in wanted.values())
    for record in records:
        row = record["location"]["row"]
        got, want = record["profile"], wanted[row]
        if want is None:
            assert got is None, (row, got)
            continue
        assert got is not None, row
        assert got["calls"] is None  # no counts in these formats
        for key, value in want.items():
            if value is None:
                assert got[key] is None, (row, key)
            else:
                assert got[key] == pytest.approx(value, abs=2e-6), (row, key)
    # Hottest first: by the time on the statement where there are lines,
    # else by the function's own time; then those never sampled, in order.
    rows = [int(line.split(":")[1]) for line in text.splitlines() if line.startswith("app.py:")]

    def key(row: int) -> Tuple[float, float, int]:
        share = wanted[row]
        assert share is not None
        return (-round(share["at_most_share"], 9), -round(share["cumulative_share"], 9), row)

    ran = sorted((row for row in FINDINGS if wanted[row] is not None), key=key)
    assert rows == ran + sorted(row for row in FINDINGS if wanted[row] is None)


# -- the checked-in profiles ------------------------------------------------------------
def test_py_spy_raw_with_line_numbers(tmp_path: Path) -> None:
    path = DATA / "app.py-spy.txt"
    check(path, folded_py_spy(path.read_text()), tmp_path, with_lines=True)


def test_py_spy_raw_without_line_numbers(tmp_path: Path) -> None:
    path = DATA / "app.py-spy-nolineno.txt"
    check(path, folded_py_spy(path.read_text()), tmp_path, with_lines=False)


def test_py_spy_speedscope(tmp_path: Path) -> None:
    path = DATA / "app.py-spy.speedscope.json"
    check(path, speedscope(path.read_text()), tmp_path, with_lines=True)


def test_austin(tmp_path: Path) -> None:
    path = DATA / "app.austin.txt"
    check(path, folded_austin(path.read_text()), tmp_path, with_lines=True)
    _records, text = lint(path, tmp_path)
    total = sum(weight for _, weight in folded_austin(path.read_text()))
    assert text.startswith(f"Profile: {path} ({total:.2f} s)\n")  # microseconds, as seconds


def test_pyinstrument_evented_speedscope(tmp_path: Path) -> None:
    # Its frames carry each function's first line, not the line being run:
    # no line_share, and functions are found by name and first line.
    path = DATA / "app.pyinstrument.speedscope.json"
    check(path, speedscope(path.read_text()), tmp_path, with_lines=False)


@pytest.mark.parametrize("name", ["app.py-spy.txt", "app.austin.txt"])
def test_a_changed_file_is_matched_by_unique_names_only(tmp_path: Path, name: str) -> None:
    # Lines moved since the profile was taken (the file is being edited):
    # a function whose name is unique is still found, without line shares;
    # nothing is found by a line that now belongs to another function.
    shifted = tmp_path / "app.py"
    shifted.write_text("\n" * 40 + APP.read_text())
    command = [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--format", "json"]
    command += ["--extend-select", "PRF403"]  # line 29 of app.py; opt-in since issue 29
    done = subprocess.run(
        [*command, "--profile", str(DATA / name), "app.py"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    moved = {r["location"]["row"] - 40: r["profile"] for r in json.loads(done.stdout)}
    fresh, _text = lint(DATA / name, tmp_path)
    for record in fresh:
        row = record["location"]["row"]
        if record["profile"] is None:
            assert moved[row] is None
            continue
        assert moved[row] is not None, row
        assert moved[row]["function"] == record["profile"]["function"]
        assert moved[row]["cumulative_share"] == record["profile"]["cumulative_share"]
        assert moved[row]["line_share"] is None or row == 10  # <module> spans every line


# -- py-spy, live -------------------------------------------------------------------------
def _py_spy() -> Optional[str]:
    here = Path(sysconfig.get_path("scripts")) / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


@pytest.mark.parametrize("form", ["raw", "speedscope"])
def test_py_spy_live(tmp_path: Path, form: str) -> None:
    py_spy = _py_spy()
    if py_spy is None:
        pytest.skip("py-spy is not installed (pip install py-spy)")
    program = tmp_path / "profiled" / "app.py"
    program.parent.mkdir()
    shutil.copy(APP, program)
    out = tmp_path / f"app.{form}"
    command = [py_spy, "record", "--format", form, "-r", "500", "-o", str(out), "--"]
    done = subprocess.run(
        [*command, sys.executable, str(program), "600"],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if done.returncode != 0 or not out.exists():
        pytest.skip(f"py-spy cannot sample here: {done.stderr.decode()[-300:]}")
    text = out.read_text()
    stacks = folded_py_spy(text) if form == "raw" else speedscope(text)
    check(out, stacks, tmp_path, with_lines=True)


def test_pyinstrument_self_frames_are_their_parents_own_time(tmp_path: Path) -> None:
    # pyinstrument ends a stack with a "[self]" frame of no file for the
    # time a function spends in its own code (seen in its output for a
    # function that calls another); the shares follow the same rules.
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {
            "frames": [
                {"name": "<module>", "file": "app.py", "line": 1},
                {"name": "warm", "file": "app.py", "line": 26},
                {"name": "[self]", "file": None, "line": None},
                {"name": "hot", "file": "app.py", "line": 17},
            ]
        },
        "profiles": [
            {
                "type": "evented",
                "name": "app.py",
                "unit": "seconds",
                "startValue": 0.0,
                "endValue": 1.0,
                "events": [
                    {"type": "O", "frame": 0, "at": 0.0},
                    {"type": "O", "frame": 1, "at": 0.0},
                    {"type": "O", "frame": 2, "at": 0.0},
                    {"type": "C", "frame": 2, "at": 0.25},
                    {"type": "C", "frame": 1, "at": 0.25},
                    {"type": "O", "frame": 3, "at": 0.25},
                    {"type": "C", "frame": 3, "at": 0.9},
                    {"type": "C", "frame": 0, "at": 0.9},
                ],
            }
        ],
    }
    path = tmp_path / "self.json"
    path.write_text(json.dumps(document))
    check(path, speedscope(path.read_text()), tmp_path, with_lines=False)
    records, _text = lint(path, tmp_path)
    warm = [r["profile"] for r in records if r["location"]["row"] == 29]
    assert warm == [
        {
            "function": "warm",
            "calls": None,
            "at_most_share": 0.25,
            "cumulative_share": 0.25,
            "self_share": 0.25,
            "line_share": None,
        }
    ]

"""``target-version``: the oldest Python the linted code runs on (ruff's key
and values), set in ``[tool.perf-lint]`` or read from ``[project]
requires-python``; the comprehension fixes (PRF401, PRF404) are offered
only from ``py312`` on, where comprehensions are inlined. PRF403 offers none
(the dict comprehension is not faster on any version)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from perf_lint.config import ConfigError, load_file, parse_table, target_from_requires_python
from perf_lint.engine import Engine, FixMode

LOOPS = (
    "def f(xs):\n"
    "    r = []\n    for x in xs:\n        r.append(x)\n"
    "    d = {}\n    for x in xs:\n        d[x] = 1\n"
    "    s = set()\n    for x in xs:\n        s.add(x)\n"
    "    return r, d, s\n"
)
FIXED = (
    "def f(xs):\n"
    "    r = [x for x in xs]\n"
    "    d = {}\n    for x in xs:\n        d[x] = 1\n"
    "    s = {x for x in xs}\n"
    "    return r, d, s\n"
)


def _fixed(table: dict) -> str:
    engine = Engine(parse_table({"select": ["PRF4"], **table}, "test", Path.cwd(), None))
    result = engine.check_text(LOOPS, "loops.py", fix=FixMode.SAFE)
    codes = sorted(d.code for d in engine.check_text(LOOPS, "loops.py").diagnostics)
    assert codes == ["PRF401", "PRF403", "PRF404"]  # reported whatever the target
    return result.fixed_source if result.fixed_source is not None else LOOPS


@pytest.mark.parametrize("target", ["py39", "py310", "py311"])
def test_no_comprehension_fix_before_312(target: str) -> None:
    assert _fixed({"target-version": target}) == LOOPS


@pytest.mark.parametrize("target", ["py312", "py313"])
def test_comprehension_fix_from_312(target: str) -> None:
    assert _fixed({"target-version": target}) == FIXED


def test_default_target_is_the_oldest_supported() -> None:
    assert _fixed({}) == LOOPS


@pytest.mark.parametrize(
    "specifier, expected",
    [
        (">=3.9", "py39"),
        (">=3.12", "py312"),
        (">= 3.10, <4", "py310"),
        ("~=3.11", "py311"),
        ("~=3.12.1", "py312"),
        ("==3.13.*", "py313"),
        (">3.11", "py311"),
        (">=3.7", "py39"),  # below the oldest supported
        (">=3.14", "py313"),  # above the newest known
        (">=3.9,>=3.12", "py312"),
        ("<3.13", None),
        ("!=3.10", None),
        ("", None),
        (3.12, None),
    ],
)
def test_target_from_requires_python(specifier: object, expected: Optional[str]) -> None:
    assert target_from_requires_python(specifier) == expected


def _project(tmp_path: Path, requires: Optional[str], table: str = "") -> Path:
    project = f'[project]\nname = "x"\nrequires-python = "{requires}"\n' if requires else ""
    path = tmp_path / "pyproject.toml"
    path.write_text(f'{project}[tool.perf-lint]\nselect = ["PRF4"]\n{table}', encoding="utf-8")
    (tmp_path / "loops.py").write_text(LOOPS, encoding="utf-8")
    return path


def test_requires_python_sets_the_default(tmp_path: Path) -> None:
    config = load_file(_project(tmp_path, ">=3.12"))
    assert config.options["target-version"] == "py312"


def test_the_table_wins_over_requires_python(tmp_path: Path) -> None:
    config = load_file(_project(tmp_path, ">=3.12", 'target-version = "py310"\n'))
    assert config.options["target-version"] == "py310"


def test_no_requires_python_no_key(tmp_path: Path) -> None:
    assert "target-version" not in load_file(_project(tmp_path, None)).options


def test_bad_target_version_names_the_key_and_file(tmp_path: Path) -> None:
    path = _project(tmp_path, None, 'target-version = "py38"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: `target-version` must be one of"):
        load_file(path)


def _check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", *args, "loops.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )


def test_command_fixes_per_requires_python(tmp_path: Path) -> None:
    _project(tmp_path, ">=3.12")
    done = _check(tmp_path, "--fix")
    assert done.returncode == 1, done.stderr  # PRF403 remains: it has no fix
    assert "(2 fixed, 1 remaining)" in done.stdout
    assert (tmp_path / "loops.py").read_text(encoding="utf-8") == FIXED


def test_command_does_not_fix_for_an_older_project(tmp_path: Path) -> None:
    _project(tmp_path, ">=3.11")
    done = _check(tmp_path, "--fix")
    assert done.returncode == 1
    assert (tmp_path / "loops.py").read_text(encoding="utf-8") == LOOPS
    assert done.stdout.count("PRF40") == 3


def test_command_bad_value_exits_2(tmp_path: Path) -> None:
    _project(tmp_path, None, 'target-version = "3.12"\n')
    done = _check(tmp_path)
    assert done.returncode == 2
    assert "pyproject.toml" in done.stderr and "target-version" in done.stderr
    assert "Traceback" not in done.stderr

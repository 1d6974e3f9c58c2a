"""The real ``flake8`` executable and ``perf-lint check`` agree on every
fixture: same codes, rows, columns and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Set, Tuple

import pytest

from tests.conftest import FIXTURES, fixture_sources

Finding = Tuple[str, int, int, str]


def _flake8(paths: list, cwd: Path, *extra: str) -> Set[Finding]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--isolated",
            "--select",
            "PRF",
            "--format",
            "%(path)s\t%(row)d\t%(col)d\t%(code)s %(text)s",
            *extra,
            *map(str, paths),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, text = line.split("\t")
        found.add((Path(path).name, int(row), int(col), text))
    return found


def _perf_lint(paths: list, cwd: Path, *extra: str) -> Set[Finding]:
    result = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--format", "json", *extra, *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return {
        (
            Path(d["filename"]).name,
            d["location"]["row"],
            d["location"]["column"],
            f"{d['code']} {d['message']}",
        )
        for d in json.loads(result.stdout)
    }


@pytest.mark.slow
def test_flake8_agrees_on_every_fixture() -> None:
    sources = fixture_sources()
    ours = _perf_lint(sources, FIXTURES, "--select", "PRF")
    theirs = _flake8(sources, FIXTURES)
    assert ours, "the fixtures produce diagnostics"
    assert theirs == ours


def test_flake8_leaves_the_opt_in_rules_out_by_default() -> None:
    """Without a selection, flake8 runs the default rules and not the
    opt-in size rules, as ``perf-lint check`` does; a selector that names
    them turns them on in both."""
    sources = [FIXTURES / "PRF201.py", FIXTURES / "PRF202.py", FIXTURES / "PRF101.py"]

    def codes(found: Set[Finding]) -> Set[str]:
        return {text.split()[0] for _, _, _, text in found if text.startswith("PRF")}

    default = _flake8_default(sources, FIXTURES)
    assert codes(default) == {"PRF101"}
    assert codes(_perf_lint(sources, FIXTURES)) == {"PRF101"}
    extended = _flake8_default(sources, FIXTURES, "--extend-select", "PRF2")
    assert codes(extended) == {"PRF101", "PRF201", "PRF202"}
    assert codes(_perf_lint(sources, FIXTURES, "--extend-select", "PRF2")) == codes(extended)


def _flake8_default(paths: list, cwd: Path, *extra: str) -> Set[Finding]:
    """flake8 with its default selection (every plugin's codes)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--isolated",
            "--format",
            "%(path)s\t%(row)d\t%(col)d\t%(code)s %(text)s",
            *extra,
            *map(str, paths),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, text = line.split("\t")
        found.add((Path(path).name, int(row), int(col), text))
    return found


def test_flake8_selection_and_noqa(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "x = 1\n"
        "a = x in [1, 2]\n"
        "b = x in (1, 2)  # noqa: PRF102\n"
        "c = x in [\n    1,\n]  # noqa\n"
        "d = x in (1, 2)\n",
        encoding="utf-8",
    )
    expected = {
        ("sample.py", 2, 10, "PRF101 Membership test against a list literal; use a set literal"),
        ("sample.py", 7, 10, "PRF102 Membership test against a tuple literal; use a set literal"),
    }
    assert _perf_lint([source], tmp_path) == expected
    assert _flake8([source], tmp_path) == expected
    only_lists = {f for f in expected if f[3].startswith("PRF101")}
    assert _flake8([source], tmp_path, "--extend-ignore", "PRF102") == only_lists
    assert _perf_lint([source], tmp_path, "--ignore", "PRF102") == only_lists

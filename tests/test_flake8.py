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


def _codes_of(found: Set[Finding]) -> Set[str]:
    return {text.split()[0] for _, _, _, text in found if text.startswith("PRF")}


def test_installing_perf_lint_does_not_change_a_plain_flake8_run() -> None:
    """The PRF codes are off until flake8's selection names them: a plain
    run, and a run whose ``ignore`` replaces flake8's default ignore list,
    report none; ``--extend-select`` turns on what it names (opt-in rules
    included, as ``perf-lint check --extend-select`` does)."""
    sources = [FIXTURES / "PRF201.py", FIXTURES / "PRF202.py", FIXTURES / "PRF101.py"]
    assert _codes_of(_flake8_default(sources, FIXTURES)) == set()
    assert _codes_of(_flake8_default(sources, FIXTURES, "--ignore", "E501")) == set()
    assert _codes_of(_flake8_default(sources, FIXTURES, "--select", "E,F,W")) == set()
    assert _codes_of(_flake8_default(sources, FIXTURES, "--extend-select", "PRF1")) == {"PRF101"}
    extended = _flake8_default(sources, FIXTURES, "--extend-select", "PRF2")
    assert _codes_of(extended) == {"PRF201", "PRF202"}
    everything = _flake8_default(sources, FIXTURES, "--extend-select", "PRF")
    assert _codes_of(everything) == {"PRF101", "PRF201", "PRF202"}
    assert _codes_of(_perf_lint(sources, FIXTURES, "--extend-select", "PRF")) == {
        "PRF101",
        "PRF201",
        "PRF202",
    }
    # Unused noqa only when named (PRF101.py has a stale noqa).
    named = _flake8_default(sources, FIXTURES, "--extend-select", "PRF,PRF0")
    assert _codes_of(named) == {"PRF001", "PRF101", "PRF201", "PRF202"}
    assert _codes_of(_perf_lint(sources, FIXTURES, "--extend-select", "PRF,PRF0")) == {
        "PRF001",
        "PRF101",
        "PRF201",
        "PRF202",
    }
    less = _flake8_default(sources, FIXTURES, "--extend-select", "PRF", "--extend-ignore", "PRF20")
    assert _codes_of(less) == {"PRF101"}


def test_the_plugin_does_no_work_when_no_prf_code_is_selected(tmp_path: Path) -> None:
    """Unselected, the plugin neither reads the configuration nor builds an
    engine: a bad ``[tool.perf-lint]`` does not even break a plain run."""
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\nbogus = 1\n", encoding="utf-8")
    (tmp_path / "a.py").write_text("x = 1\nb = x in [1, 2]\n", encoding="utf-8")
    plain = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "a.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, "", "")
    selected = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--extend-select", "PRF", "a.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert selected.returncode != 0
    assert "unknown key `bogus`" in selected.stdout + selected.stderr


def test_flake8_disable_noqa_reveals_what_noqa_hides(tmp_path: Path) -> None:
    """``flake8 --disable-noqa`` shows the PRF findings that ``# noqa`` (and
    the file-level ``# perf-lint: noqa``) hide."""
    source = tmp_path / "sample.py"
    source.write_text(
        "x = 1\na = x in [1, 2]  # noqa: PRF101\nb = x in (1, 2)  # noqa\n",
        encoding="utf-8",
    )
    assert _codes_of(_flake8([source], tmp_path)) == set()
    revealed = _flake8([source], tmp_path, "--disable-noqa")
    assert {(row, text.split()[0]) for _, row, _, text in revealed} == {
        (2, "PRF101"),
        (3, "PRF102"),
    }
    whole = tmp_path / "whole.py"
    whole.write_text("# perf-lint: noqa\nx = 1\na = x in [1, 2]\n", encoding="utf-8")
    assert _flake8([whole], tmp_path) == set()
    assert _codes_of(_flake8([whole], tmp_path, "--disable-noqa")) == {"PRF101"}


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
    assert _perf_lint([source], tmp_path, "--ignore", "PRF102") == only_lists
    assert _flake8([source], tmp_path, "--extend-ignore", "PRF102") == only_lists
    # Unused noqa selected, PRF102 ignored: its noqa suppresses nothing.
    unused = ("sample.py", 3, 18, "PRF001 Unused `noqa` directive (unused: `PRF102`)")
    both = ("--extend-select", "PRF001")
    assert _flake8([source], tmp_path, *both, "--extend-ignore", "PRF102") == {
        *only_lists,
        unused,
    }
    assert _perf_lint([source], tmp_path, *both, "--ignore", "PRF102") == {*only_lists, unused}

"""The suppression comments ruff and flake8 users write (issue 34): inline
``# noqa`` in ruff's looser spellings and more than one per comment,
file-level ``# ruff: noqa`` and ``# flake8: noqa``, and ``PRF001``
(unused noqa, ruff's RUF100 for PRF codes) with its fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

import perf_lint
from perf_lint.config import Config, Selection

LINE = "b = x in [1, 2]"  # PRF101 at column 10


DEFAULT = Config()


def found(source: str, config: Config = DEFAULT) -> List[Tuple[str, int]]:
    return [(d.code or "", d.location.row) for d in perf_lint.lint(source, "a.py", config)]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "# NOQA",
        "# noqa: PRF101",
        "# noqa:PRF101",
        "#noqa:PRF101",
        "#noqa: PRF101",
        "# noqa : prf101",
        "# NoQA: PRF1",
        "# noqa: E501,PRF101",
        "# noqa: E501 PRF101",
        "# noqa:PRF101,PRF102",
        "# noqa: E731  # noqa: PRF101",
        "# why  # noqa: PRF101",
    ],
)
def test_inline_forms_that_suppress(comment: str) -> None:
    assert found(f"x = 1\n{LINE}  {comment}\n") == []


@pytest.mark.parametrize(
    "comment", ["# noqa: PRF102", "# noqa: E731", "# no qa", "# noqa: E731  # noqa: PRF102"]
)
def test_inline_forms_that_do_not(comment: str) -> None:
    assert found(f"x = 1\n{LINE}  {comment}\n") == [("PRF101", 2)]


@pytest.mark.parametrize(
    "header",
    [
        "# perf-lint: noqa",
        "# ruff: noqa",
        "# flake8: noqa",
        "# FLAKE8: NOQA",
        "#ruff:noqa",
        "# ruff: noqa: PRF101",
        "# flake8: noqa: PRF1",
        "# perf-lint: noqa: E501, PRF101",
    ],
)
def test_file_level_forms(header: str) -> None:
    assert found(f"{header}\nx = 1\n{LINE}\n") == []


@pytest.mark.parametrize(
    "header", ["# ruff: noqa: PRF102", "x = 2  # ruff: noqa", "# ruff: noqa: E501"]
)
def test_file_level_forms_that_do_not_cover_it(header: str) -> None:
    assert ("PRF101", 3) in found(f"{header}\nx = 1\n{LINE}\n")


UNUSED = Config(overrides=(Selection(extend_select=("PRF001",)),))


def test_unused_noqa_is_opt_in() -> None:
    assert found("x = 1  # noqa: PRF101\n") == []
    assert found("x = 1  # noqa: PRF101\n", UNUSED) == [("PRF001", 1)]
    # Only a selector that names it turns it on: PRF (every rule) does not.
    everything = Config(overrides=(Selection(select=("PRF",)),))
    assert found("x = 1  # noqa: PRF101\n", everything) == []
    family = Config(overrides=(Selection(select=("PRF", "PRF0")),))
    assert found("x = 1  # noqa: PRF101\n", family) == [("PRF001", 1)]
    ignored = Config(overrides=(Selection(extend_select=("PRF001",), ignore=("PRF",)),))
    assert found("x = 1  # noqa: PRF101\n", ignored) == [("PRF001", 1)]


def test_unused_noqa_reports_only_prf_codes_that_suppress_nothing() -> None:
    source = (
        "x = 1\n"
        f"{LINE}  # noqa: PRF101\n"  # used
        f"{LINE}  # noqa: PRF1\n"  # used, by prefix
        f"{LINE}  # noqa: PRF101, PRF102\n"  # PRF102 unused
        "c = 3  # noqa: E501\n"  # another tool's code: not judged
        "d = 4  # noqa\n"  # bare: never reported
        "e = 5  # noqa: PRF505\n"  # unused
        "f = 6  # noqa: PRF201\n"  # names a rule that is not selected
    )
    diagnostics = perf_lint.lint(source, "a.py", UNUSED)
    assert [(d.code, d.location.row) for d in diagnostics] == [
        ("PRF001", 4),
        ("PRF001", 7),
        ("PRF001", 8),
    ]
    assert "PRF102" in diagnostics[0].message and "PRF101" not in diagnostics[0].message
    assert diagnostics[0].fix is not None and diagnostics[0].fix.applicability.value == "safe"


def test_unused_noqa_fix_removes_the_codes_and_keeps_the_rest() -> None:
    source = (
        "x = 1\n"
        f"{LINE}  # noqa: PRF101, PRF102\n"
        "c = 3  # noqa: E731  # noqa: PRF101  # why\n"
        "d = 4  # noqa: PRF505\n"
        "e = 5  # noqa: E501, PRF505\n"
        "    # noqa: PRF101\n".replace("    # noqa", "# noqa")
    )
    fixed = perf_lint.fix(source, "a.py", UNUSED)
    assert fixed == (
        f"x = 1\n{LINE}  # noqa: PRF101\nc = 3  # noqa: E731  # why\nd = 4\ne = 5  # noqa: E501\n\n"
    )
    assert perf_lint.lint(fixed, "a.py", UNUSED) == []
    assert perf_lint.fix(fixed, "a.py", UNUSED) == fixed


def test_unused_noqa_after_the_rules_fixes(tmp_path: Path) -> None:
    """A fix that removes the finding leaves its ``# noqa`` unused only if
    the finding was suppressed; the command fixes both in one run and
    counts the removal."""
    (tmp_path / "a.py").write_text(
        "def f(x: int) -> bool:\n    return x in [1, 2]\n\n\ny = 1  # noqa: PRF102\n"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "perf_lint", "check", "--no-cache", "--fix"),
            *("--show-fixes", "--extend-select", "PRF001", "a.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "a.py").read_text() == (
        "def f(x: int) -> bool:\n    return x in {1, 2}\n\n\ny = 1\n"
    )
    assert "PRF001" in done.stdout and "PRF101" in done.stdout


def test_unused_noqa_respects_ignore_noqa_and_file_level() -> None:
    assert found("# perf-lint: noqa\nx = 1  # noqa: PRF101\n", UNUSED) == []
    assert found("# ruff: noqa: PRF001\nx = 1  # noqa: PRF101\n", UNUSED) == []
    import dataclasses

    ignoring = dataclasses.replace(UNUSED, noqa=False)
    assert found("x = 1  # noqa: PRF101\n", ignoring) == []


def test_rule_command_documents_prf100(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "rule", "PRF001"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("# PRF001 unused-noqa")

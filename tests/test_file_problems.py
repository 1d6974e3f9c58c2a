"""Problems with a file itself (issue 21): one stable code, ``E902`` (ruff's
code for a file it cannot read), in every output format, the statistics,
the cache and the language server; no rule selection hides it, ``ignore``
turns it into a warning; the flake8 plugin leaves it to flake8."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.test_cli import run, write

BAD = "def f(:\n    return x in [1]\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, "pkg/bad.py", BAD)
    write(tmp_path, "pkg/ok.py", "def f(x):\n    return x in [1, 2]\n")
    return tmp_path


def _codes_of_problems(project: Path, fmt: str) -> list:
    """The code each format gives the missing path and the syntax error."""
    result = run(project, "check", "--no-cache", "--format", fmt, "pkg", "missing.py")
    assert result.rc == 1
    out = result.out
    if fmt in ("json", "json-lines"):
        records = json.loads(out) if fmt == "json" else [json.loads(r) for r in out.splitlines()]
        return sorted(
            (r["code"], r["name"], r["url"].rsplit("#", 1)[1])
            for r in records
            if not r["code"].startswith("PRF")
        )
    if fmt == "sarif":
        (sarif_run,) = json.loads(out)["runs"]
        rules = sarif_run["tool"]["driver"]["rules"]
        return sorted(
            (r["ruleId"], r["level"], rules[r["ruleIndex"]]["id"])
            for r in sarif_run["results"]
            if not r["ruleId"].startswith("PRF")
        )
    if fmt == "junit":
        cases = ET.fromstring(out).iter("testcase")
        return sorted(
            (case.get("name"), case.find("failure").get("type"))  # type: ignore[union-attr]
            for case in cases
            if "PRF" not in (case.get("name") or "")
        )
    raise AssertionError(fmt)


def test_line_formats_name_the_code(project: Path) -> None:
    args = ("check", "--no-cache", "pkg", "missing.py")
    text = run(project, *args).out
    assert "missing.py:1:1: E902 cannot read: " in text
    assert "pkg/bad.py:1:7: E902 SyntaxError: " in text
    github = run(project, *args[:-2], "--format", "github", *args[-2:]).out
    assert github.count("::error title=perf-lint (E902),") == 2
    assert "pkg/bad.py:1:7: E902 SyntaxError" in github
    grouped = run(project, *args[:-2], "--format", "grouped", *args[-2:]).out
    assert "  1:1 E902 cannot read: " in grouped
    assert "  1:7 E902 SyntaxError: " in grouped


def test_json_formats_carry_the_code_the_kind_and_a_url(project: Path) -> None:
    expected = [
        ("E902", "io-error", "e902-file-problem"),
        ("E902", "syntax-error", "e902-file-problem"),
    ]
    assert _codes_of_problems(project, "json") == expected
    assert _codes_of_problems(project, "json-lines") == expected


def test_sarif_and_junit_carry_the_code(project: Path) -> None:
    assert _codes_of_problems(project, "sarif") == [("E902", "error", "E902")] * 2
    assert _codes_of_problems(project, "junit") == [("perf-lint.E902", "E902")] * 2


def test_statistics_count_them_under_the_code(project: Path) -> None:
    result = run(project, "check", "--no-cache", "--statistics", "pkg", "missing.py")
    rows = [[cell.strip() for cell in row.split("\t")] for row in result.out.splitlines()]
    assert ["2", "E902", "[ ] file-problem"] in rows
    assert result.rc == 1


def test_no_rule_selection_hides_them(project: Path) -> None:
    for selection in (["--select", "PRF1"], ["--select", "PRF3"], ["--ignore", "PRF"]):
        result = run(project, "check", "--no-cache", *selection, "pkg", "missing.py")
        assert result.rc == 1, selection
        assert result.out.count(": E902 ") == 2, (selection, result.out)


def test_ignore_turns_them_into_warnings(project: Path) -> None:
    result = run(project, "check", "--no-cache", "--ignore", "E902", "--select", "PRF3", "pkg")
    assert result.rc == 0
    assert "E902" not in result.out
    assert "bad.py:1:7: E902 SyntaxError" in result.err and "E902 is ignored" in result.err
    # A more specific selector wins, as for rules: E9 ignored, E902 selected.
    again = run(project, "check", "--no-cache", "--ignore", "E9", "--extend-select", "E902", "pkg")
    assert again.out.count(": E902 ") == 1
    # From the configuration, and per file.
    (project / "pyproject.toml").write_text(
        '[tool.perf-lint]\nper-file-ignores = { "pkg/bad.py" = ["E902"] }\n'
    )
    per_file = run(project, "check", "--no-cache", "--select", "PRF3", "pkg", "missing.py")
    assert per_file.out.count(": E902 ") == 1 and "missing.py:1:1: E902" in per_file.out
    assert per_file.rc == 1 and "bad.py:1:7: E902" in per_file.err


def test_unknown_selectors_are_still_errors(project: Path) -> None:
    for selector in ("E903", "W902", "E9021"):
        result = run(project, "check", "--no-cache", "--ignore", selector, "pkg")
        assert result.rc == 2, selector
        assert selector in result.err


def test_the_cache_keeps_the_code(project: Path) -> None:
    first = run(project, "check", "--format", "json", "pkg")
    second = run(project, "check", "--format", "json", "pkg")
    assert first.out == second.out
    assert [r["code"] for r in json.loads(second.out)] == ["E902", "PRF101"]


def test_rule_command_documents_it() -> None:
    from perf_lint.cli import main

    assert main(["rule", "E902"]) == 0


def test_flake8_reports_them_once_as_its_own(project: Path) -> None:
    """flake8 has its own E902 (unreadable file) and E999 (syntax error):
    the plugin adds nothing for those files."""
    command = [sys.executable, "-m", "flake8", "--isolated", "--select", "E9,PRF"]
    files = ["pkg/bad.py", "pkg/ok.py", "missing.py"]
    result = subprocess.run(
        [*command, "--format", "%(path)s %(code)s", *files],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = sorted(result.stdout.split())
    assert rows == sorted(["missing.py", "E902", "pkg/bad.py", "E999", "pkg/ok.py", "PRF101"]), (
        result.stdout
    )

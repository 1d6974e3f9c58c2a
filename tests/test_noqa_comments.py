"""Only a comment carries ``# noqa``: the text ``# noqa`` inside a string
literal (a pattern that strips such comments, a message) suppresses
nothing (issue 33). Checked through the command, the library API and the
language server's analysis, incremental and whole; the flake8 plugin is
filtered by flake8's own ``noqa``, which reads the whole physical line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import perf_lint
from perf_lint.noqa import InlineNoqa
from tests.test_cli import run

SOURCE = (
    "import re\n"
    "\n"
    "\n"
    "def strip(lines):\n"
    "    for line in lines:\n"
    '        yield re.sub(r"# noqa[:]? ?.*", "", line)\n'
    "\n"
    "\n"
    "def kept(lines):\n"
    "    for line in lines:\n"
    '        yield re.sub(r"x+", "", line)  # noqa: PRF501\n'
    "\n"
    "\n"
    "def texts(xs):\n"
    '    return [x for x in xs if x in ["# noqa", "b"]]\n'
)
EXPECTED = [("PRF501", 6), ("PRF101", 15)]


def test_the_library_reports_what_a_string_noqa_would_hide() -> None:
    found = [(d.code, d.location.row) for d in perf_lint.lint(SOURCE)]
    assert found == EXPECTED


def test_the_command_reports_it(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    result = run(tmp_path, "check", "--no-cache", "--select", "PRF", "a.py")
    rows = [line.split(":")[1] for line in result.out.splitlines() if line.startswith("a.py:")]
    assert rows == ["6", "15"]


@pytest.mark.parametrize("incremental", [False, True])
def test_the_language_server_reports_it(tmp_path: Path, incremental: bool) -> None:
    pytest.importorskip("pygls")
    from perf_lint import server

    path = tmp_path / "a.py"
    documents = {} if incremental else None
    analysis = server.analyse(SOURCE, str(path), path.as_uri(), "utf-16", documents)
    assert [(d.code, d.location.row) for d in analysis.diagnostics] == EXPECTED


def test_comments_are_still_read_on_every_line_of_a_statement() -> None:
    text = 'x = f(\n    "a",  # noqa: PRF101\n    "b",\n)\n'
    noqa = InlineNoqa(text)
    assert noqa.suppresses("PRF101", 1, 4)
    assert not noqa.suppresses("PRF301", 1, 4)
    assert not InlineNoqa('x = "# noqa"\n').suppresses("PRF101", 1, 1)


def test_a_file_that_does_not_tokenize_falls_back_to_whole_lines() -> None:
    noqa = InlineNoqa('x = (1,  # noqa\n"unterminated\n')
    assert noqa.suppresses("PRF101", 1, 1)


def test_flake8_applies_its_own_noqa_to_the_whole_line(tmp_path: Path) -> None:
    """flake8 filters plugin results itself, matching ``# noqa`` anywhere on
    the physical line: the plugin cannot change that (documented)."""
    (tmp_path / "a.py").write_text(SOURCE)
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "PRF", "a.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Both findings have "# noqa" in a string on their line: flake8 hides both.
    assert done.returncode == 0 and done.stdout == ""

"""Issue 32 item 6: a comprehension fix that would write a line longer than
the project's line length (``line-length`` of ``[tool.perf-lint]``, else of
``[tool.ruff]``, else of ``[tool.black]``, else 88) breaks it as black
does: the element, each ``for`` and each ``if`` on a line of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_lint.config import load_file, parse_table
from perf_lint.engine import Engine, FixMode
from perf_lint.registry import BY_CODE

LOOP = (
    "class Table:\n"
    "    def cells(self, rows):\n"
    "        pairs = []\n"
    "        for row in rows:  # note\n"
    "            if row:\n"
    "                for cell in row:\n"
    "                    pairs.append((row[0], cell))\n"
    "        return pairs\n"
)
ONE_LINE = (
    "class Table:\n"
    "    def cells(self, rows):\n"
    "        pairs = [(row[0], cell) for row in rows if row for cell in row]  # note\n"
    "        return pairs\n"
)
BROKEN = (
    "class Table:\n"
    "    def cells(self, rows):\n"
    "        pairs = [\n"
    "            (row[0], cell)\n"
    "            for row in rows\n"
    "            if row\n"
    "            for cell in row\n"
    "        ]  # note\n"
    "        return pairs\n"
)


def _fixed(source: str, **table: object) -> str:
    config = parse_table(
        {"select": ["PRF401"], "target-version": "py312", **table}, "test", Path.cwd(), None
    )
    fixed = Engine(config).check_text(source, "t.py", fix=FixMode.SAFE).fixed_source
    assert fixed is not None
    return fixed


def test_a_line_that_fits_stays_one_line() -> None:
    longest = max(len(line) for line in ONE_LINE.splitlines())
    assert _fixed(LOOP, **{"line-length": longest}) == ONE_LINE


def test_a_longer_line_is_broken_as_black_breaks_it() -> None:
    longest = max(len(line) for line in ONE_LINE.splitlines())
    fixed = _fixed(LOOP, **{"line-length": longest - 1})
    assert fixed == BROKEN
    namespace: dict = {}
    exec(compile(fixed, "t.py", "exec"), namespace)
    rows = [[1, 2], [], [3]]
    assert namespace["Table"]().cells(rows) == [(1, 1), (1, 2), (3, 3)]


def test_the_default_is_88() -> None:
    long_loop = LOOP.replace("(row[0], cell)", "(row[0], cell, 'padding to pass eighty-eight')")
    fixed = _fixed(long_loop)
    assert "pairs = [\n" in fixed
    assert max(len(line) for line in fixed.splitlines()) <= 88


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.perf-lint]\nline-length = 60\n[tool.ruff]\nline-length = 70\n", 60),
        ("[tool.perf-lint]\n[tool.ruff]\nline-length = 70\n[tool.black]\nline-length = 79\n", 70),
        ("[tool.perf-lint]\n[tool.black]\nline-length = 79\n", 79),
        ('[tool.perf-lint]\n[tool.black]\nline-length = "x"\n', 88),
        ("[tool.perf-lint]\n", 88),
    ],
)
def test_the_line_length_comes_from_the_projects_formatter(
    tmp_path: Path, text: str, expected: int
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    options = load_file(path).rule_options(BY_CODE["PRF401"])
    assert options.line_length == expected

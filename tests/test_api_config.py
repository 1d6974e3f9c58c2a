"""Issue 34 item 6: the library API reads the configuration ``perf-lint
check`` would use: ``lint(source, path=...)`` and ``fix`` find the nearest
``[tool.perf-lint]``, ``configuration(path)`` is the public way to load one,
and an explicit ``config`` wins."""

from __future__ import annotations

from pathlib import Path

import pytest

import perf_lint
from perf_lint.config import ConfigError

SOURCE = "def f(x: str):\n    return x in ['a', 'b']\n"


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.perf-lint]\n{table}\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    return tmp_path / "pkg" / "a.py"


def test_a_path_brings_its_projects_configuration(tmp_path: Path) -> None:
    path = _project(tmp_path, 'ignore = ["PRF101"]')
    assert [d.code for d in perf_lint.lint(SOURCE)] == ["PRF101"]
    assert perf_lint.lint(SOURCE, path=str(path)) == []  # the file need not exist
    assert perf_lint.fix(SOURCE, path=str(path)) == SOURCE
    assert perf_lint.fix(SOURCE) == SOURCE.replace("['a', 'b']", "{'a', 'b'}")


def test_configuration_is_public_and_an_explicit_config_wins(tmp_path: Path) -> None:
    path = _project(tmp_path, 'ignore = ["PRF101"]')
    other = tmp_path / "other.toml"
    other.write_text('select = ["PRF101"]\n', encoding="utf-8")
    config = perf_lint.configuration(other)
    assert [d.code for d in perf_lint.lint(SOURCE, path=str(path), config=config)] == ["PRF101"]
    assert perf_lint.configuration(tmp_path).root == tmp_path.resolve()


def test_a_bad_table_names_its_file(tmp_path: Path) -> None:
    path = _project(tmp_path, "no-such-key = 1")
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        perf_lint.lint(SOURCE, path=str(path))

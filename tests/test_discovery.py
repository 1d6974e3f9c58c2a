"""Discovery's fast exclusion check gives exactly ``path_matches``'s answers,
and the nearest configuration is found once per directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perf_lint import config as config_module
from perf_lint.config import Config, Resolver, find_pyproject, path_matches

PATTERNS = (
    "pkg/db/*",
    "tests",
    "*.pyi",
    "./pkg/core/",
    "/abs",
    "p*/",
    "[ab]*.py",
    "mig?ations",
    ".hidden",
)


def tree(root: Path) -> list:
    for name in (
        "pkg/db/models.py",
        "pkg/core/x.py",
        "pkg/tests/t.py",
        "pkg/a.py",
        "pkg/b.pyi",
        "pkg/migrations/0001.py",
        "other/.hidden/h.py",
        "other/c.py",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    paths = [str(p) for p in sorted(root.rglob("*"))]
    return [*paths, str(root), str(root) + os.sep, "relative/a.py", ".", os.sep, "/elsewhere/z.py"]


@pytest.mark.parametrize("patterns", [PATTERNS, PATTERNS[:3], ("*",), ()])
def test_is_excluded_agrees_with_path_matches(tmp_path: Path, patterns: tuple) -> None:
    paths = tree(tmp_path / "project")
    for root in (tmp_path / "project", tmp_path, Path(os.sep)):
        config = Config(root=root, exclude=patterns)
        for path in paths:
            for below in (None, str(tmp_path / "project" / "pkg"), str(tmp_path)):
                expected = any(path_matches(p, path, root, below) for p in patterns)
                assert config.is_excluded(path, below) == expected, (path, root, below)


def test_nearest_configuration_is_read_once(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.perf-lint]\nselect = ["PRF1"]\n')
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.other]\n")
    reads = []
    original = config_module.read_toml

    def counting(path: Path) -> dict:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(config_module, "read_toml", counting)
    config_module._has_section.cache_clear()
    resolver = Resolver()
    for directory in (tmp_path / "sub" / "deeper", tmp_path / "sub", tmp_path):
        expected = tmp_path / "pyproject.toml"
        assert resolver._nearest(str(directory)) == find_pyproject(directory) == expected
        assert resolver.for_path(str(directory)).select == ("PRF1",)
    # Looked at once each for the table; the one with it loaded once more.
    assert reads.count(tmp_path / "sub" / "pyproject.toml") == 1
    assert reads.count(tmp_path / "pyproject.toml") == 2

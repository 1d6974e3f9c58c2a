"""Discovery's fast exclusion check gives exactly ``path_matches``'s answers,
the nearest configuration is found once per directory, and the scandir walk
finds what a plain ``os.walk`` finds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perf_lint import config as config_module
from perf_lint.config import Config, Resolver, find_pyproject, path_matches
from perf_lint.files import discover

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


def _walk_reference(root: str, resolver: Resolver) -> list:
    """Discovery as it was before the scandir walk: ``os.walk``, every path's
    parts below ``root`` checked against its directory's configuration."""
    found = []
    for directory, subdirs, files in os.walk(root):
        config = resolver.for_path(directory)
        subdirs[:] = sorted(
            name
            for name in subdirs
            if not config.is_excluded(os.path.join(directory, name), below=root)
        )
        for name in sorted(files):
            path = os.path.normpath(os.path.join(directory, name))
            if (
                name.endswith((".py", ".pyi"))
                and not config.is_excluded(path, below=root)
                and os.path.isfile(path)
            ):
                found.append(path)
    return found


_NAMES = ("pkg", "tests", "db", "a.py", "b.pyi", "c.txt", "build", "x.py")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=4), max_size=12),
    nested=st.lists(st.lists(st.sampled_from(_NAMES[:3]), min_size=1, max_size=2), max_size=2),
    excludes=st.lists(st.sampled_from((*PATTERNS, "db", "pkg/tests")), max_size=3),
)
@example(  # a nested project excluding its own directory's name, and one without
    files=[["pkg", "a.py"], ["pkg", "tests", "x.py"], ["db", "tests", "a.py"], ["tests", "b.pyi"]],
    nested=[["pkg"], ["db"]],
    excludes=["tests"],
)
def test_discovery_finds_what_a_plain_walk_finds(
    tmp_path_factory: pytest.TempPathFactory, files: list, nested: list, excludes: list
) -> None:
    """Checking only an entry's own name where its directory was checked
    against the same configuration, the ``pyproject.toml`` lookups taken
    from the listings and the types from ``os.scandir`` give the files a
    plain walk gives, with nested projects whose exclusions differ."""
    root = tmp_path_factory.mktemp("tree")
    (root / "pyproject.toml").write_text(f"[tool.perf-lint]\nexclude = {json.dumps(excludes)}\n")
    for parts in files:
        path = root.joinpath(*parts)
        if any(parent.is_file() for parent in path.parents) or path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    for parts in nested:
        directory = root.joinpath(*parts)
        if directory.is_dir():
            excluded = json.dumps(["x.py", "pkg"] if parts[-1] == "pkg" else ["x.py"])
            (directory / "pyproject.toml").write_text(f"[tool.perf-lint]\nexclude = {excluded}\n")
    (root / "loop").symlink_to(root, target_is_directory=True)  # never followed
    found, problems = discover([str(root)], Resolver())
    assert problems == []
    assert found == _walk_reference(str(root), Resolver())

"""What the built distributions carry besides the code (issue 34): the
license file its metadata names, the ``py.typed`` marker of a typed API,
the project's addresses, and an sdist without a test suite it cannot run."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_file_is_the_declared_license() -> None:
    project = _project()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_the_package_is_marked_typed() -> None:
    assert (ROOT / "perf_lint" / "py.typed").is_file()
    package_data = _project()["tool"]["setuptools"]["package-data"]["perf_lint"]
    assert "py.typed" in package_data


def test_the_project_has_its_addresses() -> None:
    urls = _project()["project"]["urls"]
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith("https://github.com/perf-lint/perf-lint") for url in urls.values())


def test_the_sdist_leaves_the_test_suite_out() -> None:
    lines = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "prune tests" in lines
    assert "include LICENSE README.md CHANGELOG.md .pre-commit-hooks.yaml" in lines

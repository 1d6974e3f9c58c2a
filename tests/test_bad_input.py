"""Bad input (SPEC.md §6): every kind of file a linter meets in an editor or
in pre-commit gives a clear message naming the file, the run goes on for the
other files, and the exit code says so. Each test runs the real command on
a throw-away tree with one bad file beside a good one."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from tests.test_cli import diags, run, write

# A good file beside each bad one: it must be linted whatever happens to the other.
GOOD = "len(x) in [1, 2]\n"
GOOD_DIAG = ("good.py", 1, 11, "PRF101", True)


def _problem_lines(out: str, name: str) -> List[str]:
    """The report lines about ``name`` that are not rule diagnostics."""
    return [
        line
        for line in out.splitlines()
        if line.startswith(f"{name}:") and " PRF" not in line.split(":", 3)[-1][:5]
    ]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("syntax.py", b"def f(:\n    pass\n", "SyntaxError"),
        ("latin.py", b's = "\xe9"\n', "not valid UTF-8 (byte 0xe9 at line 1, column 6)"),
        ("cookie.py", b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding: klingon"),
        ("binary.py", bytes(range(256)) * 4, "binary file"),
        ("nul.py", b"x = 1\x00\n", "null bytes"),
        ("bom_cookie.py", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem"),
        ("parens.py", b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n", "too many nested"),
        ("deep.py", b"x = " + b"+".join([b"1"] * 20000) + b"\n", "nested too deeply"),
        ("tabs.py", b"if x:\n\tpass\n        pass\n", "inconsistent use of tabs"),
    ],
)
def test_a_bad_file_is_named_and_the_run_goes_on(
    tmp_path: Path, name: str, data: bytes, words: str
) -> None:
    write(tmp_path, name, data)
    write(tmp_path, "good.py", GOOD)
    result = run(tmp_path, "check", ".")
    assert result.rc == 1, result.err
    assert diags(result.out) == [GOOD_DIAG]
    problems = _problem_lines(result.out, name)
    assert len(problems) == 1, result.out
    assert words in problems[0]
    assert "Traceback" not in result.err
    # --fix leaves the bad file byte for byte as it was, and fixes the good one.
    fixed = run(tmp_path, "check", "--fix", ".")
    assert fixed.rc == 1
    assert (tmp_path / name).read_bytes() == data
    assert (tmp_path / "good.py").read_text() == "len(x) in {1, 2}\n"


@pytest.mark.parametrize(
    ("data", "expected_rows", "fixed"),
    [
        # BOM: kept, and columns count characters after it.
        (b"\xef\xbb\xbflen(x) in [1]\n", [(1, 11)], b"\xef\xbb\xbflen(x) in {1}\n"),
        # CRLF, and mixed line endings: every line keeps its own.
        (
            b"len(a) in [1]\r\nlen(b) in [2]\nlen(c) in [3]\r\n",
            [(1, 11), (2, 11), (3, 11)],
            b"len(a) in {1}\r\nlen(b) in {2}\nlen(c) in {3}\r\n",
        ),
        # Tabs for indentation; the column counts the tab as one character.
        (
            b"def f(s: str):\n\treturn s in ['a']\n",
            [(2, 14)],
            b"def f(s: str):\n\treturn s in {'a'}\n",
        ),
        # A form feed between definitions: reported, never lost.
        (
            b"x = 1\n\x0c\nlen(x) in [1]\n",
            [(3, 11)],
            None,
        ),
        # No final newline.
        (b"len(x) in [1]", [(1, 11)], b"len(x) in {1}"),
    ],
    ids=["bom", "crlf-and-mixed", "tabs", "form-feed", "no-final-newline"],
)
def test_odd_but_valid_text_is_linted_and_fixed_in_place(
    tmp_path: Path, data: bytes, expected_rows: List[Tuple[int, int]], fixed: bytes
) -> None:
    path = write(tmp_path, "odd.py", data)
    result = run(tmp_path, "check", "odd.py")
    assert [(row, col) for _, row, col, _, _ in diags(result.out)] == expected_rows
    assert result.rc == 1
    run(tmp_path, "check", "--fix", "odd.py")
    after = path.read_bytes()
    if fixed is None:
        # Nothing may be lost: either fixed with the form feed kept, or untouched.
        assert after == data or after == data.replace(b"[1]", b"{1}")
    else:
        assert after == fixed


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"# only a comment", b"\xef\xbb\xbf"])
def test_empty_and_blank_files_are_clean(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "empty.py", data)
    result = run(tmp_path, "check", "empty.py")
    assert result.rc == 0, result.out + result.err
    assert run(tmp_path, "check", "--fix", "empty.py").rc == 0
    assert path.read_bytes() == data


@pytest.mark.slow
def test_a_large_file_is_linted(tmp_path: Path) -> None:
    # 20,000 definitions (about a megabyte), one finding in the last line.
    body = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(10_000))
    write(tmp_path, "large.py", body + "len(y) in [1]\n")
    result = run(tmp_path, "check", "--extend-select", "PRF2", "large.py")
    assert result.rc == 1
    assert diags(result.out) == [
        ("large.py", 1, 1, "PRF201", False),  # over max-module-lines, at 1:1
        ("large.py", 20_001, 11, "PRF101", True),
    ]


def test_missing_paths_and_symlink_problems_are_named(tmp_path: Path) -> None:
    write(tmp_path, "good.py", GOOD)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "loop_a.py").symlink_to(tmp_path / "loop_b.py")
    (tmp_path / "loop_b.py").symlink_to(tmp_path / "loop_a.py")
    # A directory symlink pointing at its own parent must not make the walk endless.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    result = run(tmp_path, "check", ".", "missing.py")
    assert result.rc == 1
    assert diags(result.out) == [GOOD_DIAG]
    assert "broken symbolic link" in _problem_lines(result.out, "dangling.py")[0]
    assert "symbolic link loop" in _problem_lines(result.out, "loop_a.py")[0]
    assert "symbolic link loop" in _problem_lines(result.out, "loop_b.py")[0]
    assert "no such file" in _problem_lines(result.out, "missing.py")[0]


def test_fifos_and_other_special_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.py", GOOD)
    os.mkfifo(tmp_path / "pipe.py")
    result = run(tmp_path, "check", ".")  # would block forever reading the FIFO
    assert result.rc == 1
    assert diags(result.out) == [GOOD_DIAG]


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A tree whose unreadable parts are made readable again for clean-up."""
    directory = Path(tempfile.mkdtemp(prefix="perf-lint-unreadable-"))
    try:
        yield directory
    finally:
        for path in (directory, *directory.rglob("*")):
            path.chmod(0o755)
        shutil.rmtree(directory)


def _drop_file_capabilities() -> None:  # pragma: no cover - runs in the child
    """Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set
    before exec, so that root in the child obeys mode bits like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _as_unprivileged(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the command so that mode bits bind it: root reads any file
    whatever its mode says, so as root the child loses that power first."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
        timeout=60,
    )


def test_unreadable_files_and_directories_are_named(shared_tree: Path) -> None:
    write(shared_tree, "good.py", GOOD)
    secret = write(shared_tree, "secret.py", GOOD)
    secret.chmod(0o000)
    closed = shared_tree / "closed"
    write(closed, "inside.py", GOOD)
    closed.chmod(0o000)
    done = _as_unprivileged(shared_tree, ".")
    assert done.returncode == 1, done.stdout + done.stderr
    assert diags(done.stdout) == [GOOD_DIAG]
    assert "Permission denied" in _problem_lines(done.stdout, "secret.py")[0]
    assert any(
        line.startswith("closed") and "Permission denied" in line
        for line in done.stdout.splitlines()
    ), done.stdout


@pytest.mark.slow
def test_interrupted_fix_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    """A real SIGINT in the middle of ``--fix`` on many files: each file
    holds either its old or its new text, and no temporary file is left."""
    before = "def f(s: str):\n" + "    s in ['a', 'b']\n" * 400
    after = before.replace("['a', 'b']", "{'a', 'b'}")
    count = 300
    for index in range(count):
        write(tmp_path, f"pkg/m{index:03}.py", before)
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "perf_lint", "check", "--fix", "pkg"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    # Wait until some files are written, then interrupt.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        written = sum(1 for path in (tmp_path / "pkg").glob("*.py") if path.read_text() == after)
        if written >= 3 or process.poll() is not None:
            break
        time.sleep(0.05)
    interrupted = process.poll() is None
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    texts = [path.read_text() for path in sorted((tmp_path / "pkg").glob("*.py"))]
    assert len(texts) == count
    assert all(text in (before, after) for text in texts)
    assert [p.name for p in (tmp_path / "pkg").iterdir() if not p.name.endswith(".py")] == []
    assert b"Traceback" not in err
    # The run really was cut short, and what it had written is complete.
    assert interrupted
    assert process.returncode != 0
    assert 3 <= texts.count(after) < count

"""Fuzzing the whole pipeline (SPEC.md §4 and §6): the ``check`` command,
run in-process on files made from generated programs and damaged bytes, in
every output format, linting, fixing and fixing unsafely. It never raises,
exits 0 or 1, prints parseable JSON, and what ``--fix`` writes parses
(where the input did), keeps the file's line endings and BOM, and is a
fixed point.

``PERF_LINT_HYPOTHESIS_EXAMPLES=N`` runs each property with ``N`` examples;
every failure a long run found is kept below as an ``@example``."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import List, Tuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from perf_lint import cli
from perf_lint.output import FORMATS
from tests.conftest import hypothesis_settings, python_accepts, python_programs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning"),
]


def _main(args: List[str]) -> Tuple[int, str]:
    """``perf-lint`` in this process: the exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    assert "internal error" not in err.getvalue(), err.getvalue()
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code, out.getvalue()


def _line_endings(data: bytes) -> List[bytes]:
    return [line[len(line.rstrip(b"\r\n")) :] for line in data.splitlines(keepends=True)]


def _damage(draw: st.DrawFn, source: str) -> bytes:
    """``source`` as bytes, perhaps with a BOM, a coding cookie, other line
    endings, or damage: truncation, a stray byte, a NUL."""
    data = source.encode("utf-8", "surrogatepass")
    choice = draw(st.sampled_from(["plain", "crlf", "bom", "latin", "truncate", "byte", "nul"]))
    if choice == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif choice == "bom":
        data = b"\xef\xbb\xbf" + data
    elif choice == "latin":
        data = b"# -*- coding: latin-1 -*-\n" + data
    elif choice == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif choice == "byte":
        at = draw(st.integers(0, len(data)))
        stray = draw(st.sampled_from([b"\xff", b"\xe9", b"\x0c", b"\t", b"\r"]))
        data = data[:at] + stray + data[at:]
    elif choice == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    return data


MEMBERSHIP_SNIPPETS = st.sampled_from(
    [
        "x in [1, 2]\n",
        "def f(s: str):\n    return s in ('a', 'b')  # keep\n",
        "if y not in [\n    1,  # one\n    2,\n]:\n    pass\n",
        "z = [a for a in b if a in (1, 2)]\n",
    ]
)


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    program = draw(python_programs())
    extra = draw(st.lists(MEMBERSHIP_SNIPPETS, max_size=3))
    return _damage(draw, program + "".join(extra))


def _run_everything(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fuzz.py"
        for output in FORMATS:
            path.write_bytes(data)
            code, printed = _main(["check", "--format", output, str(path)])
            assert code in (0, 1), (output, code)
            if output == "json":
                assert isinstance(json.loads(printed), list)
            assert path.read_bytes() == data, "linting changed the file"
        for flags in (["--fix"], ["--fix", "--unsafe-fixes"]):
            path.write_bytes(data)
            code, _ = _main(["check", *flags, str(path)])
            assert code in (0, 1), (flags, code)
            fixed = path.read_bytes()
            if fixed != data:
                assert python_accepts(fixed) or not python_accepts(data), flags
                # Fixes may join lines, never bring in a line ending of another kind.
                assert set(_line_endings(fixed)) <= set(_line_endings(data)) | {b""}
                assert fixed.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
            code, _ = _main(["check", *flags, str(path)])
            assert path.read_bytes() == fixed, f"{flags} is not a fixed point"


@hypothesis_settings(12)
@given(damaged_files())
@example(b"x = (" * 300 + b"1" + b")" * 300 + b"\n")
@example(b"\xef\xbb\xbf# coding: latin-1\nx in [1]\n")
@example(b"x in [1]\r")
def test_the_command_never_fails_on_any_file(data: bytes) -> None:
    _run_everything(data)

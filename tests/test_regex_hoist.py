"""PRF501's safe fix keeps behaviour: generated loops call a function of
``re`` with a literal pattern, literal flags and arguments (positional or by
keyword) over generated strings; the program's output (results, or the
exception each call raises) is the same before and after ``--fix``, the fix
is offered exactly where the pattern compiles, and fixing again changes
nothing."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from perf_lint.config import Config
from perf_lint.engine import Engine, FixMode
from perf_lint.rules.regex_in_loop import compiles
from tests.conftest import hypothesis_settings, python_accepts

ENGINE = Engine(Config(select=("PRF501",)))

#: Pieces of patterns: most compile, some do not, some warn.
ATOMS = [
    "a",
    "b",
    "[ab]",
    r"\d",
    r"\s",
    ".",
    "^",
    "$",
    r"\b",
    "(a)",
    "(?:b)",
    "(",
    "[[a]",
    "x{1,2}",
]
QUANTIFIERS = ["", "*", "+", "?", "*?", "{2}"]
FLAGS = {"I": re.I, "M": re.M, "S": re.S, "X": re.X, "A": re.A, "U": re.U, "L": re.L}
STRINGS = ["", "a", "ab b", "a1 b22", "aa\nb", "ba a", "x x"]

FUNCTIONS = {
    # function -> parameters after the pattern (without flags), their values
    "match": ("string",),
    "search": ("string",),
    "fullmatch": ("string",),
    "findall": ("string",),
    "finditer": ("string",),
    "sub": ("repl", "string", "count"),
    "subn": ("repl", "string", "count"),
    "split": ("string", "maxsplit"),
    "compile": (),
}

PRELUDE = """\
import re


def norm(value):
    if isinstance(value, re.Match):
        return ("match", value.span(), value.groups())
    if hasattr(value, "__next__"):
        return ("iter", [norm(v) for v in value])
    if isinstance(value, re.Pattern):
        return ("pattern", value.pattern, value.flags)
    return value


def failure(error):
    return (type(error).__name__, str(error))

"""


@st.composite
def patterns(draw: Any) -> str:
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS)), min_size=1, max_size=4
        )
    )
    text = "".join(atom + quantifier for atom, quantifier in parts)
    if draw(st.booleans()):
        text = text.replace("a", "a|b", 1)
    return text


def literal(text: str, as_bytes: bool, raw: bool) -> str:
    """A Python literal of ``text``."""
    if raw and "\n" not in text and not text.endswith("\\") and "'" not in text:
        return ("rb" if as_bytes else "r") + "'" + text + "'"
    value: Any = text.encode("ascii") if as_bytes else text
    return repr(value)


@st.composite
def calls(draw: Any, as_bytes: bool, loop_variable: str) -> Tuple[str, str, int]:
    """One call: its code, and the pattern and flags it passes."""
    function = draw(st.sampled_from(sorted(FUNCTIONS)))
    pattern = draw(patterns())
    flag_names = draw(st.lists(st.sampled_from(sorted(FLAGS)), max_size=2, unique=True))
    flags = 0
    for name in flag_names:
        flags |= FLAGS[name]
    flags_text = " | ".join(f"re.{name}" for name in flag_names) or draw(st.sampled_from(["0", ""]))
    values = {
        "string": loop_variable,
        "repl": literal(draw(st.sampled_from(["-", r"<\g<0>>", r"\1", ""])), as_bytes, True),
        "count": str(draw(st.integers(0, 2))),
        "maxsplit": str(draw(st.integers(0, 2))),
    }
    arguments: List[str] = []
    keywords = draw(st.booleans())
    pattern_text = literal(pattern, as_bytes, draw(st.booleans()))
    arguments.append(
        f"pattern={pattern_text}" if keywords and draw(st.booleans()) else pattern_text
    )
    params = FUNCTIONS[function]
    given_params = params[
        : draw(st.integers(len([p for p in params if p in ("repl", "string")]), len(params)))
    ]
    for param in given_params:
        value = values[param]
        arguments.append(f"{param}={value}" if keywords else value)
    if flags_text:
        keyword_flags = keywords or len(given_params) < len(params) or draw(st.booleans())
        arguments.append(f"flags={flags_text}" if keyword_flags else flags_text)
    return f"re.{function}({', '.join(arguments)})", pattern, flags


@st.composite
def programs(draw: Any) -> Tuple[str, List[Tuple[str, int, bool]]]:
    """A program whose loops record what each call returns or raises, and
    the (pattern, flags, bytes) of every call."""
    as_bytes = draw(st.booleans())
    inputs = [
        literal(text, as_bytes, False)
        for text in draw(st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3))
    ]
    made = draw(st.lists(calls(as_bytes, "s"), min_size=1, max_size=4))
    if draw(st.booleans()):  # the same pattern again
        made.append(made[0])
    form = draw(st.sampled_from(["for", "while", "comprehension", "module"]))
    if form == "comprehension":
        statements = [f"out.append([norm({code}) for s in strings])" for code, _, _ in made]
    else:
        statements = [f"out.append(norm({code}))" for code, _, _ in made]
    guarded = "".join(
        f"try:\n    {statement}\nexcept Exception as error:\n    out.append(failure(error))\n"
        for statement in statements
    )
    if form == "for":
        body = "def run(strings):\n    out = []\n    for s in strings:\n" + _indent(guarded, 2)
    elif form == "while":
        body = (
            "def run(strings):\n    out = []\n    strings = list(strings)\n    while strings:\n"
            "        s = strings.pop()\n" + _indent(guarded, 2)
        )
    elif form == "comprehension":
        body = "def run(strings):\n    out = []\n" + _indent(guarded, 1)
    else:
        body = "out = []\nfor s in STRINGS:\n" + _indent(guarded, 1) + "\n\ndef run(strings):\n"
    body += "    return out\n"
    source = PRELUDE + f"STRINGS = [{', '.join(inputs)}]\n\n\n" + body + "\nRESULT = run(STRINGS)\n"
    return source, [(pattern, flags, as_bytes) for _, pattern, flags in made]


def _indent(text: str, levels: int) -> str:
    return "".join("    " * levels + line + "\n" for line in text.splitlines())


def _run(source: str) -> Any:
    namespace: dict = {"__name__": "generated"}  # type: ignore[type-arg]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "generated.py", "exec"), namespace)
    return namespace["RESULT"]


@pytest.mark.slow
@hypothesis_settings(80)
@given(programs())
@example(
    (
        PRELUDE + "STRINGS = ['a b']\n\n\ndef run(strings):\n    out = []\n    for s in strings:\n"
        "        out.append(norm(re.sub(r'(a)', r'\\1-', s, 1, re.I)))\n"
        "        out.append(norm(re.split(' ', s, 1, flags=re.M)))\n"
        "        out.append(norm(re.compile('b', re.I)))\n"
        "        out.append(norm(re.compile('b', re.I)))\n    return out\n"
        "\nRESULT = run(STRINGS)\n",
        [("(a)", re.I, False), (" ", re.M, False), ("b", re.I, False), ("b", re.I, False)],
    )
)
def test_the_safe_fix_keeps_behaviour(program: Tuple[str, List[Tuple[str, int, bool]]]) -> None:
    source, made = program
    assert python_accepts(source), source
    lint = ENGINE.check_text(source, "generated.py").diagnostics
    assert len(lint) == len(made), source
    # A fix exactly where the pattern and flags compile here.
    expected = sum(
        compiles(pattern.encode() if as_bytes else pattern, flags)
        for pattern, flags, as_bytes in made
    )
    assert sum(d.fix is not None for d in lint) == expected, source
    result = ENGINE.check_text(source, "generated.py", fix=FixMode.SAFE)
    fixed = result.fixed_source
    assert fixed is not None and python_accepts(fixed), fixed
    assert result.fixed["PRF501"] == expected, fixed
    assert _run(fixed) == _run(source), fixed
    assert ENGINE.check_text(fixed, "generated.py", fix=FixMode.SAFE).fixed_source == fixed


def test_a_pattern_with_an_invalid_escape_is_read_whatever_the_warning_filters(
    tmp_path: Path,
) -> None:
    # "\d" in a plain string makes Python warn while the rule reads the
    # literal: under `-W error` the call used to go unreported.
    path = tmp_path / "m.py"
    path.write_text('import re\nfor s in xs:\n    re.match("\\d+", s)\n', encoding="utf-8")
    outputs = [
        subprocess.run(
            [
                sys.executable,
                *flags,
                "-m",
                "perf_lint",
                "check",
                "--no-cache",
                "--select",
                "PRF501",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for flags in ([], ["-W", "error"])
    ]
    assert "m.py:3:5: PRF501 [*]" in outputs[0]
    assert outputs[0] == outputs[1]

"""Properties of the engine and of the PRF101/PRF102 fixes (STYLE.md,
"Properties over examples"; SPEC.md §4):

* the engine never raises, on hypothesmith programs and on generated
  programs full of membership tests, when linting or fixing (safe, unsafe);
* fixed output parses (libcst, and ``ast`` when the input did), keeps every
  comment and the line endings, and fixing again changes nothing;
* every diagnostic's own edit, applied alone, parses and keeps every comment;
* a fix marked unsafe is never applied in safe mode;
* a safe set-literal fix keeps behaviour: the fixed function answers exactly
  like the original for any hashable value.

``PERF_LINT_HYPOTHESIS_EXAMPLES=N`` runs every property with ``N`` examples
(the defaults keep the whole file well under a minute on two cores).
"""

from __future__ import annotations

import ast
import collections
import dataclasses
import io
import re
import tokenize
from typing import Any, Callable, Counter, Dict, List, Optional, Sequence, Tuple

import libcst as cst
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from perf_lint import fix, lint
from perf_lint.engine import Engine, FileResult, FixMode
from perf_lint.rule import Applicability, Diagnostic, Edit
from tests.conftest import (
    grammar_programs,
    hypothesis_settings,
    node_programs,
    python_accepts,
    python_programs,
)

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")


ENGINE = Engine()
PATH = "prop.py"
MEMBERSHIP = ("PRF101", "PRF102")
MODES = (FixMode.SAFE, FixMode.UNSAFE)


# -- helpers -------------------------------------------------------------------


def _cst_parses(source: str) -> bool:
    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return False
    return True


def _comments(source: str) -> Optional[Counter[str]]:
    """The ``#`` comments of ``source`` (``None`` if it does not tokenize)."""
    try:
        readline = io.StringIO(source, newline=None).readline  # any line ending
        tokens = list(tokenize.generate_tokens(readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return collections.Counter(tok.string for tok in tokens if tok.type == tokenize.COMMENT)


def _check(source: str, mode: str = FixMode.NONE) -> FileResult:
    return ENGINE.check_text(source, PATH, fix=mode)


def _fixed(result: FileResult) -> str:
    assert result.fixed_source is not None
    return result.fixed_source


def assert_engine_properties(source: str, api: bool = False) -> Dict[str, FileResult]:
    """Properties 1 and 2 for any source text: lint and both fix modes run
    without raising; fixed output parses, keeps comments and is a fixed
    point. Returns the results by mode."""
    results = {FixMode.NONE: _check(source)}
    cst_ok, ast_ok = _cst_parses(source), python_accepts(source)
    if cst_ok:
        assert all(d.code is not None for d in results[FixMode.NONE].diagnostics), (
            "syntax-error diagnostic for a source that libcst parses"
        )
    before = _comments(source)
    for mode in MODES:
        result = _check(source, mode)
        results[mode] = result
        fixed = _fixed(result)
        # The only message allowed: why a file libcst does not give back
        # exactly gets no fix (that text is never rewritten).
        withheld = cst_ok and cst.parse_module(source).code != source
        unexpected = [m for m in result.messages if not (withheld and "no fix offered" in m)]
        assert unexpected == [], f"{mode}: {result.messages}"
        if not cst_ok:
            assert fixed == source, "a source that does not parse was changed"
            continue
        assert _cst_parses(fixed), f"{mode} fix does not parse with libcst:\n{fixed}"
        if ast_ok:
            assert python_accepts(fixed), f"{mode} fix does not parse with ast:\n{fixed}"
        if fixed != source:
            assert sum(result.fixed.values()) > 0, "text changed but no fix was recorded"
            if before is not None:
                assert _comments(fixed) == before, f"{mode} fix lost or added a comment"
        else:
            assert not result.fixed, "fixes recorded but the text is unchanged"
        if set(result.fixed) <= set(MEMBERSHIP):
            assert_only_brackets_changed(source, fixed)
        again = _fixed(_check(fixed, mode))
        assert again == fixed, f"{mode} fix is not idempotent:\n{fixed!r}\n->\n{again!r}"
    if api:  # the public API agrees with the engine
        assert fix(source) == _fixed(results[FixMode.SAFE])
        assert fix(source, unsafe=True) == _fixed(results[FixMode.UNSAFE])
        assert lint(source, PATH) == results[FixMode.NONE].diagnostics
    return results


def assert_only_brackets_changed(source: str, fixed: str) -> None:
    """A set-literal fix turns brackets or parentheses into braces and
    leaves every other character (whitespace, form feeds, line endings,
    comments) where it was."""
    assert len(fixed) == len(source), f"text around the fixes changed:\n{source!r}\n{fixed!r}"
    for index, (old, new) in enumerate(zip(source, fixed)):
        if old != new:
            assert (old in "[(" and new == "{") or (old in "])" and new == "}"), (
                f"{old!r} became {new!r} at offset {index}:\n{source!r}\n{fixed!r}"
            )


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _offset(source: str, row: int, column: int) -> int:
    """Character offset of a 1-based row and 1-based column."""
    starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
    return starts[row - 1] + column - 1


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    spans = sorted(
        (
            (
                _offset(source, e.location.row, e.location.column),
                _offset(source, e.end_location.row, e.end_location.column),
                e.content,
            )
            for e in edits
        ),
        reverse=True,
    )
    for start, end, content in spans:
        source = source[:start] + content + source[end:]
    return source


def _node_text(source: str, diagnostic: Diagnostic) -> str:
    start = _offset(source, diagnostic.location.row, diagnostic.location.column)
    end = _offset(source, diagnostic.end_location.row, diagnostic.end_location.column)
    return source[start:end]


def _inside(inner: Diagnostic, outer: Diagnostic) -> bool:
    def key(d: Diagnostic, end: bool = False) -> Tuple[int, int]:
        loc = d.end_location if end else d.location
        return (loc.row, loc.column)

    return key(outer) <= key(inner) and key(inner, True) <= key(outer, True)


# -- 1, 2: hypothesmith programs ------------------------------------------------------


@pytest.mark.slow
@hypothesis_settings(50)
@given(grammar_programs())
def test_engine_on_grammar_programs(source: str) -> None:
    assert_engine_properties(source, api=True)


@pytest.mark.slow
@hypothesis_settings(20)
@given(node_programs())
def test_engine_on_node_programs(source: str) -> None:
    assert_engine_properties(source)


_PROGRAMS = python_programs()


class _Expressions(cst.CSTVisitor):
    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.found: List[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            self.found.append(self.module.code_for_node(node))
        return True


@st.composite
def grammar_memberships(draw: Callable) -> str:
    """A hypothesmith program followed by a membership test whose left
    operand and element are expressions taken from that program
    (hypothesmith alone rarely writes a membership test)."""
    program = draw(_PROGRAMS)
    try:
        module = cst.parse_module(program)
    except (cst.ParserSyntaxError, RecursionError):
        module = cst.parse_module("x\n")
    collector = _Expressions(module)
    module.visit(collector)
    expressions = collector.found or ["x"]
    left = draw(st.sampled_from(expressions))
    item = draw(st.sampled_from(expressions))
    kind = draw(st.sampled_from(["[{}, 1]", "({}, 1)", "({},)", "[{}]", "(({}, 1))"]))
    operator = draw(st.sampled_from(["in", "not in"]))
    container = kind.format("(\n" + item + "\n)")
    line = f"(\n{left}\n) {operator} {container}\n"
    if program and not program.endswith(("\n", "\r")):
        program += "\n"
    source = program + line
    assume(python_accepts(source))
    return source


@pytest.mark.slow  # hypothesmith's targeting grows the programs: 2 to 15 s
@hypothesis_settings(50)
@given(grammar_memberships())
def test_engine_on_grammar_expressions(source: str) -> None:
    results = assert_engine_properties(source)
    if _cst_parses(source):
        codes = [d.code for d in results[FixMode.NONE].diagnostics]
        if _reportable(source) and "noqa" not in source.lower():
            assert any(code in MEMBERSHIP for code in codes), "membership test not reported"


def _reportable(source: str) -> bool:
    """Whether the outermost membership test of ``source`` should be
    reported: CPython folds the set display of its container's elements into
    a constant (every element a constant: the rules report nothing else)."""
    module = cst.parse_module(source)
    expr = module.body[-1].body[0].value  # type: ignore[attr-defined]
    comparator = expr.comparisons[-1].comparator
    if not comparator.elements:
        return False
    parts = [
        ("*" if isinstance(e, cst.StarredElement) else "") + module.code_for_node(e.value)
        for e in comparator.elements
    ]
    code = compile("_ in {\n" + "\n,\n".join(parts) + "\n}", "<set>", "eval")
    return any(isinstance(const, frozenset) for const in code.co_consts)


# -- 3: generated programs full of membership tests ------------------------------------

#: Text plus the diagnostics it must produce.
Frag = Tuple[str, Counter[str]]

_COMMENT = st.text(alphabet="abcdefxyz 0123456789_-=!?'\"()[]{}#:,.*\\é€", max_size=10).map(
    lambda text: "# " + text
)
_NUMBER = st.one_of(
    st.integers(-(10**6), 10**6).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["True", "False", "None", "1j", "0x1F", "1_000", "0o7", "-0.0", "..."]),
)
_STRING = st.one_of(
    st.text(max_size=5).map(repr),
    st.text(alphabet="'\"\\\n\tab", max_size=5).map(repr),
    st.binary(max_size=4).map(repr),
    st.sampled_from(["'a' 'b'", "b'x' b\"y\"", 'r"\\d+"', "u'x'", '"""t"""', "'''a\nb'''"]),
)
_NAME = st.sampled_from(["x", "y", "z", "a", "value", "self.attr", "xs[0]"])
_UNHASHABLE = st.sampled_from(
    [
        "[1]",
        "[]",
        "{}",
        "{1: 2}",
        "{1}",
        "[i for i in xs]",
        "{i for i in xs}",
        "{i: i for i in xs}",
        "(1, [2])",
        "([1])",
        "((1, {}),)",
    ]
)
_UNHASHABLE_INLINE = st.sampled_from(["[1]", "[]", "(1, [2])", "([1])", "[i for i in xs]"])


def _none() -> Counter[str]:
    return collections.Counter()


def _without_fixes(counts: Counter[str]) -> Counter[str]:
    result: Counter[str] = collections.Counter()
    for code, n in counts.items():
        result[code if code.endswith(":nofix") else code + ":nofix"] += n
    return result


def _sum(*parts: Frag) -> Counter[str]:
    total = _none()
    for _, counts in parts:
        total.update(counts)
    return total


@st.composite
def constant(draw: Callable, inline: bool) -> str:
    """A hashable constant's source (no quotes or backslashes when inline,
    for f-string expressions on Python < 3.12)."""
    atom = _NUMBER if inline else st.one_of(_NUMBER, _STRING)
    if draw(st.integers(0, 4)) == 0:
        items = draw(st.lists(atom, max_size=3))
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return draw(atom)


@st.composite
def element(draw: Callable, depth: int, inline: bool) -> Tuple[str, Counter[str], bool, bool]:
    """An element of a literal container: text, diagnostics, unhashable
    display?, constant? (only a container of constants is reported: CPython
    folds only such a set display into a constant)."""
    choices = ["constant", "constant", "name", "call", "unhashable", "starred"]
    if depth > 0:
        choices += ["membership", "unhashable-nested"]
    if not inline:
        choices += ["lambda", "fstring"]
    what = draw(st.sampled_from(choices))
    if what == "constant":
        return draw(constant(inline)), _none(), False, True
    if what == "name":
        return draw(_NAME), _none(), False, False
    if what == "call":
        return (
            draw(st.sampled_from(["g(a)", "a.b", "len(xs)", "xs[1:2]", "a + 1"])),
            _none(),
            False,
            False,
        )
    if what == "unhashable":
        return draw(_UNHASHABLE_INLINE if inline else _UNHASHABLE), _none(), True, False
    if what == "starred":
        return draw(st.sampled_from(["*xs", "*[1, 2]"])), _none(), False, False
    if what == "lambda":
        return "lambda: 0", _none(), False, False
    if what == "fstring":
        return 'f"{a}"', _none(), False, False
    text, counts = draw(membership(depth - 1, inline))
    if what == "unhashable-nested":
        return f"[{text}]", counts, True, False
    if draw(st.booleans()):
        text = f"({text})"
    return text, counts, False, False


def _indent(level: int, unit: str) -> str:
    return unit * level


@st.composite
def render_container(draw: Callable, items: Sequence[str], kind: str, inline: bool) -> str:
    """A list or tuple display of ``items`` in one of many layouts."""
    opening, closing = ("[", "]") if kind == "list" else ("(", ")")
    single_tuple = kind == "tuple" and len(items) == 1
    trailing = single_tuple or (bool(items) and draw(st.booleans()))
    multiline = not inline and bool(items) and draw(st.booleans())
    if multiline:
        pad = draw(st.sampled_from(["    ", "\t", "  ", ""]))
        lines = [opening + (("  " + draw(_COMMENT)) if draw(st.booleans()) else "")]
        for i, item in enumerate(items):
            comma = "," if i < len(items) - 1 or trailing else ""
            note = ("  " + draw(_COMMENT)) if draw(st.booleans()) else ""
            lines.append(pad + item + comma + note)
            if draw(st.integers(0, 3)) == 0:
                lines.append(pad + draw(_COMMENT))
        lines.append(closing)
        text = "\n".join(lines)
    else:
        sep = draw(st.sampled_from([", ", ",", " , "]))
        inner = sep.join(items) + ("," if trailing else "")
        space = draw(st.sampled_from(["", " "])) if items else ""
        text = opening + space + inner + space + closing
    for _ in range(draw(st.integers(0, 2))):
        if not inline and draw(st.booleans()):
            text = "(  " + draw(_COMMENT) + "\n" + text + "\n)"
        else:
            space = draw(st.sampled_from(["", " "]))
            text = "(" + space + text + space + ")"
    return text


@st.composite
def container(draw: Callable, depth: int, inline: bool, fixable: bool = True) -> Frag:
    """A list or tuple literal; counts itself when the rules must report it
    (as ``CODE:nofix`` when no fix can be offered). The text ends with
    ``@`` when the literal is an unhashable display itself."""
    kind = draw(st.sampled_from(["list", "tuple"]))
    items = draw(st.lists(element(depth, inline), max_size=4))
    text = draw(render_container([t for t, _, _, _ in items], kind, inline))
    counts = _none()
    for _, inner, _, _ in items:
        counts.update(inner)
    has_display = any(bad for _, _, bad, _ in items)
    if items and all(const for _, _, _, const in items):
        code = "PRF101" if kind == "list" else "PRF102"
        counts[code if fixable else code + ":nofix"] += 1
    # A starred display inside a tuple makes it a display too, for the rules.
    display = kind == "list" or has_display or any(t.startswith("*[") for t, _, _, _ in items)
    return text + ("@" if display else ""), counts


#: Comparators that are not list or tuple literals (``@``: unhashable display).
_NOT_A_CONTAINER = st.sampled_from(
    ["{1, 2}@", "xs", "range(3)", "(1)", "((a))", "frozenset((1,))", "{}@", "(x for x in xs)"]
)


def _display(frag: Frag) -> Tuple[str, Counter[str], bool]:
    text, counts = frag
    return text.rstrip("@"), counts, text.endswith("@")


@st.composite
def left_operand(draw: Callable, depth: int, inline: bool) -> Frag:
    choices = ["name", "name", "constant", "call"]
    if depth > 0:
        choices.append("membership")
    if not inline:
        choices += ["string", "fstring"]
    what = draw(st.sampled_from(choices))
    if what == "name":
        return draw(_NAME), _none()
    if what == "constant":
        return draw(constant(inline=True)), _none()
    if what == "string":
        return draw(_STRING), _none()
    if what == "fstring":
        return 'f"{x}"', _none()
    if what == "call":
        call = draw(
            st.sampled_from(
                [
                    "len(x)",
                    "str(x)",
                    "repr(x)",
                    "int(x)",
                    "hash(x)",
                    "g(x)",
                    "x.lower()",
                    "x.upper().strip()",
                    "x[0]",
                    "-x",
                    "(not x)",
                    "(x, 1)",
                    "x + 1",
                    "(x or y)",
                    "(x if y else z)",
                    "a.b",
                ]
            )
        )
        return call, _none()
    text, counts = draw(membership(depth - 1, inline))
    return f"({text})", counts


@st.composite
def membership(draw: Callable, depth: int, inline: bool) -> Frag:
    """One comparison holding at least one membership test."""
    left = draw(left_operand(depth, inline))
    shape = draw(st.sampled_from(["plain", "not", "before", "after", "double", "paren"]))
    if draw(st.integers(0, 5)) == 0:
        target: Frag = (draw(_NOT_A_CONTAINER), _none())
    else:
        # A literal that is also the left operand of the next comparison of
        # a chain gets no fix (a set would change that comparison).
        chained = shape in ("after", "double")
        target = draw(container(depth, inline, fixable=not chained))
    target_text, target_counts, target_display = _display(target)
    target = (target_text, target_counts)
    operator = draw(st.sampled_from(["in", "not in"]))
    gaps = [" ", ""] if inline else [" ", "", " \\\n    "]
    gap = draw(st.sampled_from(gaps))
    if target[0][0] not in "[(":
        gap = " "
    test = f"{left[0]} {operator}{gap}{target[0]}"
    parts = [left, target]
    if shape == "not":
        test = f"not {left[0]} in{gap}{target[0]}"
    elif shape == "before":
        test = f"a < {test}"
    elif shape == "after":
        test = f"{test} == z"
    elif shape == "double":
        # The first literal is the second test's left operand: no fix when
        # it is an unhashable display (the set would always raise).
        second = _display(draw(container(depth, inline, fixable=not target_display)))[:2]
        parts.append(second)
        test = f"{test} {draw(st.sampled_from(['in', 'not in']))} {second[0]}"
    elif shape == "paren":
        test = f"({test})"
    return test, _sum(*parts)


_ANNOTATIONS = st.sampled_from(
    [
        "",
        ": int",
        ": str",
        ": Optional[int]",
        ": Optional[str]",
        ': Literal["a", 1]',
        ": int | None",
        ': "str"',
        ": Union[int, bytes]",
        ": t.Optional[str]",
        ": Tuple[int, ...]",
        ": List[int]",
        ": Any",
        ": object",
        ": list",
    ]
)


@st.composite
def statement(draw: Callable, level: int, unit: str, in_function: bool) -> Frag:
    """One statement at indentation ``level`` holding a membership test."""
    here = _indent(level, unit)
    body = _indent(level + 1, unit)
    kinds = [
        "if",
        "while",
        "assign",
        "listcomp",
        "dictcomp",
        "genexp",
        "lambda",
        "assert",
        "ifexp",
        "call",
        "fstring",
        "negative",
    ]
    if in_function:
        kinds.append("return")
    kind = draw(st.sampled_from(kinds))
    if kind == "negative":
        text = draw(
            st.sampled_from(
                [
                    f"for w in [1, 2]:\n{body}pass",
                    "v = x == [1, 2]",
                    "v = [1, 2]",
                    "v = x in {1, 2}",
                    "v = x in xs",
                    "v = x in (1)",
                    "v = x in []",
                    "v = x not in ()",
                    "v = x in [[1], [2]]",
                    "v = x in ({}, 1)",
                    "v = 'in [1]'  # x in [1]",
                ]
            )
        )
        return here + text, _none()
    if kind == "fstring":
        test, counts = draw(membership(depth=1, inline=True))
        suffix = draw(st.sampled_from(["", "!r", ":>8", "="]))
        if suffix == "=":  # the field's text is printed: nothing in it is fixed
            counts = _without_fixes(counts)
        return here + 'v = f"<{' + test + suffix + '}>"', counts
    test, counts = draw(membership(depth=2, inline=False))
    if kind == "if":
        text = f"if {test}:\n{body}pass"
    elif kind == "while":
        text = f"while {test}:\n{body}break"
    elif kind == "assign":
        text = f"v = {test}"
    elif kind == "listcomp":
        text = f"v = [w for w in xs if {test}]"
    elif kind == "dictcomp":
        text = f"v = {{w: 1 for w in xs if {test}}}"
    elif kind == "genexp":
        text = f"v = any({test} for w in xs)"
    elif kind == "lambda":
        text = f"v = lambda x: {test}"
    elif kind == "assert":
        text = f"assert {test}, 'message'"
    elif kind == "ifexp":
        text = f"v = (1 if {test} else 0)"
    elif kind == "call":
        text = f"print({test}, end='')"
    else:
        text = f"return {test}"
    return here + text, counts


@st.composite
def block(draw: Callable, unit: str) -> Frag:
    """A top-level construct: module statements, a function, a class body,
    a method, a nested function, or a default/decorator expression."""
    shape = draw(
        st.sampled_from(["module", "function", "async", "class", "method", "nested", "default"])
    )
    annotation = draw(_ANNOTATIONS)
    i1 = unit

    def body(level: int, in_function: bool) -> Frag:
        statements = draw(st.lists(statement(level, unit, in_function), min_size=1, max_size=3))
        return "\n".join(t for t, _ in statements), _sum(*statements)

    if shape == "module":
        text, counts = body(0, False)
    elif shape in ("function", "async"):
        inner, counts = body(1, True)
        prefix = "async def" if shape == "async" else "def"
        text = f"{prefix} f(x{annotation}, y: str = '', *args, **kwargs):\n{inner}"
    elif shape == "class":
        inner, counts = body(1, False)
        text = f"class C:\n{i1}x{annotation or ': int'} = 0\n{inner}"
    elif shape == "method":
        inner, counts = body(2, True)
        text = f"class C:\n{i1}def m(self, x{annotation}):\n{inner}"
    elif shape == "nested":
        inner, counts = body(2, True)
        text = f"def outer(x{annotation}):\n{i1}def inner(y):\n{inner}\n{i1}return inner"
    else:
        test, counts = draw(membership(depth=1, inline=False))
        text = f"@deco({test})\ndef f(x{annotation}, flag=({test})):\n{i1}pass"
        counts = counts + counts
    return text, counts


_HEADER = (
    "from typing import Any, List, Literal, Optional, Tuple, Union\n"
    "import typing as t\n"
    "# header comment\n"
)


@dataclasses.dataclass(frozen=True)
class Program:
    source: str
    expected: Dict[str, int]


@st.composite
def programs(draw: Callable) -> Program:
    unit = draw(st.sampled_from(["    ", "\t", "  "]))
    blocks = draw(st.lists(block(unit), min_size=1, max_size=2))
    # Blank lines or a form feed (a page break) between top-level blocks.
    separators = [draw(st.sampled_from(["\n\n", "\n\x0c\n", "\n\x0c"])) for _ in blocks]
    source = _HEADER + "".join(sep + text for sep, (text, _) in zip(separators, blocks)) + "\n"
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return Program(source.replace("\n", newline), dict(_sum(*blocks)))


def _membership_diagnostics(result: FileResult) -> List[Diagnostic]:
    return [d for d in result.diagnostics if d.code in MEMBERSHIP]


@hypothesis_settings(50)
@given(programs())
# Found by these properties (kept as fixtures). Nested literals deeper than
# the engine's fix rounds (fixing.MAX_ROUNDS = 10) once left work for a second
# --unsafe-fixes run.
@example(Program("x in " + "[x in " * 11 + "[1]" + "]" * 11 + "\n", {"PRF101": 1}))
# libcst drops a form feed that starts a top-level statement, and the last
# line ending of a file with CR line endings: since the engine regenerates the
# whole file from the tree, a fix anywhere used to lose them.
@pytest.mark.slow
@example(Program("x = 1\n\x0cy = 1 in [1, 2]\n", {"PRF101": 1}))
@example(Program("x = 1\ry = 1 in [1, 2]\r", {"PRF101": 1}))
def test_membership_programs(program: Program) -> None:
    source = program.source
    assert python_accepts(source), f"generator bug, not valid Python:\n{source}"
    results = assert_engine_properties(source)
    lint_result = results[FixMode.NONE]
    diagnostics = lint_result.diagnostics
    assert all(d.code is not None for d in diagnostics)
    found = collections.Counter(
        f"{d.code}{'' if d.fix else ':nofix'}" for d in diagnostics if d.code in MEMBERSHIP
    )
    expected = collections.Counter(program.expected)
    if cst.parse_module(source).code != source:
        # libcst does not reproduce this file (a final lone CR, a form feed
        # before a statement): no fix may be offered, since it would lose them.
        expected = _without_fixes(expected)
    assert found == expected

    before = _comments(source)
    assert before is not None
    endings = collections.Counter(_NEWLINE.findall(source))
    for mode in MODES:
        fixed = _fixed(results[mode])
        assert _comments(fixed) == before, f"{mode} fix lost a comment"
        assert collections.Counter(_NEWLINE.findall(fixed)) == endings, "line endings changed"
        assert_only_brackets_changed(source, fixed)

    # Every diagnostic's own edits, applied alone, parse and keep comments.
    for diagnostic in diagnostics:
        if diagnostic.fix is None:
            continue
        edited = apply_edits(source, diagnostic.fix.edits)
        assert edited != source
        assert python_accepts(edited), f"edit of {diagnostic} does not parse:\n{edited}"
        assert _comments(edited) == before, f"edit of {diagnostic} lost a comment"

    # Safe mode never applies an unsafe fix: the text of an unsafe report
    # survives unless a safe report lies inside it.
    safe_fixed = _fixed(results[FixMode.SAFE])
    safe = [d for d in diagnostics if d.fix and d.fix.applicability is Applicability.SAFE]
    unsafe = [d for d in diagnostics if d.fix and d.fix.applicability is Applicability.UNSAFE]
    if not safe:
        assert safe_fixed == source, "safe mode changed a file with no safe fix"
    for diagnostic in unsafe:
        if not any(_inside(inner, diagnostic) for inner in safe):
            assert _node_text(source, diagnostic) in safe_fixed, (
                f"unsafe fix applied in safe mode: {diagnostic}"
            )
    # No safe fix is left over after safe fixing; nothing fixable is left
    # after unsafe fixing.
    after_safe = results[FixMode.SAFE].diagnostics
    assert not [d for d in after_safe if d.fix and d.fix.applicability is Applicability.SAFE]
    assert [d for d in _membership_diagnostics(results[FixMode.UNSAFE]) if d.fix] == []


# -- 4: safe fixes keep behaviour ------------------------------------------------------

_SCALARS = st.one_of(
    st.integers(-3, 3),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.text(alphabet="'\"\\\n\tab\x00é", max_size=4),
    st.binary(max_size=3),
    st.booleans(),
    st.none(),
)
#: Values with a literal form that the rules call a hashable constant.
CONSTANT_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=4
)
#: Values whose repr has no quotes or backslashes (usable in an f-string).
PLAIN_VALUES = st.recursive(
    st.one_of(
        st.integers(-3, 3),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=2).map(tuple),
    max_leaves=3,
)
_ODD = [float("nan"), -0.0, 0.0, 0, 1, 1.0, True, False, 1 + 0j, "", b"", None, (), (float("nan"),)]
HASHABLE_VALUES = st.one_of(
    CONSTANT_VALUES,
    st.floats(),
    st.complex_numbers(),
    st.sampled_from(_ODD),
    st.frozensets(st.integers(-2, 2), max_size=2),
)


def literal(value: Any) -> str:
    """Source text for a constant value (``repr`` writes valid literals for
    these types, apart from nan and infinities, which are never drawn)."""
    text = repr(value)
    assert ast.literal_eval(text) == value or value != value
    return text


#: Annotations that prove the parameter hashable.
SAFE_ANNOTATIONS = [
    "int",
    "str",
    "float",
    "bool",
    "complex",
    "frozenset",
    "None",
    "Optional[str]",
    "Optional[int]",
    "Union[int, str]",
    "int | None",
    "'str'",
    'Literal[1, "a", None]',
    "t.Optional[str]",
    "Tuple[int, ...]",
    "FrozenSet[int]",
    "Annotated[str, 1]",
]
#: Annotations that prove nothing.
#: (``bytes`` admits ``bytearray``, which is unhashable.)
UNSAFE_ANNOTATIONS = [
    "",
    "list",
    "object",
    "Any",
    "List[int]",
    "Sequence[str]",
    "Hashable",
    "bytes",
    "Optional[bytes]",
]

_BEHAVIOUR_HEADER = (
    "from typing import Annotated, Any, FrozenSet, List, Literal, Optional, Sequence, Tuple\n"
    "from typing import Union\n"
    "from collections.abc import Hashable\n"
    "import typing as t\n"
)

#: name -> (function body, membership tests in it, how many of them must get
#: a safe fix). In the body ``{C}`` is the literal, ``{A}`` the annotation and
#: ``{L}`` a left operand. A literal that is also the left operand of the next
#: comparison of a chain, and one inside an f-string's ``{...=}`` (whose text
#: is printed), cannot be changed safely.
FORMS: Dict[str, Tuple[str, int, int]] = {
    "in": ("    return x in {C}\n", 1, 1),
    "not in": ("    return x not in {C}\n", 1, 1),
    "not x in": ("    return not x in {C}\n", 1, 1),
    "if": ("    if x in {C}:\n        return 1\n    return 0\n", 1, 1),
    "comprehension": ("    return [x for _ in (0,) if x not in {C}]\n", 1, 1),
    "lambda": ("    return (lambda: x in {C})()\n", 1, 1),
    "nested": ("    def g():\n        return x in {C}\n    return g()\n", 1, 1),
    "str": ("    return str(x) in {C}\n", 1, 1),
    "tuple-left": ("    return (x, x) in {C}\n", 1, 1),
    "chain-lt": ("    return -1 < x in {C}\n", 1, 1),
    "chain": ("    return x in {T} in {C}\n", 2, 1),
    "chain-eq": ("    return x in {C} == {C}\n", 1, 0),
    "fstring": ('    return f"{{x in {C}}}"\n', 1, 1),
    "fstring-debug": ('    return f"{{x in {C}=}}"\n', 1, 0),
    "method": (
        "    return K().m(x)\nclass K:\n    def m(self, y{A}):\n        return y in {C}\n",
        1,
        1,
    ),
    "class-body": ("    class K:\n        y{A} = x\n        r = y in {C}\n    return K.r\n", 1, 1),
    "derived": ("    return {L} in {C}\n", 1, 1),
    # A name is proven through its plain assignments (each value read in the
    # scope that binds it), and an annotation through a module-level alias.
    "assigned": ("    y = x\n    return y in {C}\n", 1, 1),
    "assigned-twice": ("    y = x\n    if a:\n        y = 'b'\n    return y in {C}\n", 1, 1),
    "assigned-derived": ("    y = {L}\n    z = y\n    return z in {C}\n", 1, 1),
    "assigned-outer": ("    y = x\n    def g():\n        return y in {C}\n    return g()\n", 1, 1),
    "alias": ("    return x in {C}\n", 1, 1),
}
#: Left operands proven hashable by the annotation of ``x``.
DERIVED = [
    ("str", "x.lower()"),
    ("str", "x.strip().upper()"),
    ("str", "x[0]"),
    ("str", "x[1:]"),
    ("str", "x + 'a'"),
    ("str", "'<%s>' % x"),
    ("str", "x.count('a')"),
    ("str", "x.startswith('a')"),
    ("int", "x + 1"),
    ("int", "-x"),
    ("int", "x * 2.5"),
    ("int", "x // 2"),
    ("int", "x < 3"),
    ("int", "x if x else None"),
    ("float", "x / 2"),
    ("bool", "not x"),
    ("Optional[str]", "x or ''"),
    ("Optional[str]", "x is None"),
    ("object", "len(str(x))"),
    ("object", "repr(x)"),
    ("object", "hash(x) % 3"),
    ("object", "isinstance(x, int)"),
    ("object", "f'{x}'"),
]


@dataclasses.dataclass(frozen=True)
class Case:
    source: str
    tests: int  # membership tests in the source
    safe: int  # how many of them must get a safe fix
    constants: Tuple[Any, ...] = ()


@st.composite
def membership_cases(
    draw: Callable, annotations: Sequence[str], forms: Sequence[str], extra_element: bool
) -> Case:
    """``def f(x: <annotation>)`` whose body tests ``x`` against a literal."""
    form = draw(st.sampled_from(forms))
    template, tests, safe = FORMS[form]
    inline = form.startswith("fstring")
    values = draw(st.lists(PLAIN_VALUES if inline else CONSTANT_VALUES, min_size=1, max_size=6))
    fields = {}
    inputs = list(values)
    if form == "chain":
        inner = tuple(draw(st.lists(PLAIN_VALUES, min_size=1, max_size=3)))
        fields["T"] = draw(render_container([literal(v) for v in inner], "tuple", True))
        if draw(st.booleans()):
            values.insert(draw(st.integers(0, len(values))), inner)
        inputs.extend(inner)
    items = [literal(v) for v in values]
    if extra_element:
        items.insert(draw(st.integers(0, len(items))), "a")
    kind = draw(st.sampled_from(["list", "tuple"]))
    fields["C"] = draw(render_container(items, kind, inline)).replace("\n", "\n        ")
    annotation = draw(st.sampled_from(annotations))
    fields["L"] = "x"
    if form in ("derived", "assigned-derived"):
        annotation, fields["L"] = draw(st.sampled_from(DERIVED))
    fields["A"] = f": {annotation}" if annotation else ""
    alias = ""
    if form == "alias" and annotation:
        alias, fields["A"] = f"Alias = {annotation}\n", ": Alias"
    signature = f"def f(x{fields['A']}):\n"
    body = template.format(**fields)
    source = _BEHAVIOUR_HEADER + "a = 0\n" + alias + signature + body
    return Case(source, tests, safe, tuple(inputs))


def _function(source: str) -> Callable[[Any], Any]:
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace["f"]


def _outcome(function: Callable[[Any], Any], value: Any) -> Tuple[str, Any]:
    try:
        return ("returned", function(value))
    except Exception as error:  # the exception's type is the outcome
        return ("raised", type(error).__name__)


def assert_same_behaviour(original: str, fixed: str, values: Sequence[Any]) -> None:
    before, after = _function(original), _function(fixed)
    for value in values:
        old, new = _outcome(before, value), _outcome(after, value)
        assert old == new, f"f({value!r}): {old} before the fix, {new} after:\n{fixed}"


# Found by this property (kept as fixtures). In a chained comparison the
# literal is also the left operand of the next comparison, which then sees a
# set (CPython folds it to a frozenset) instead of a list or tuple: the
# answer changes.
@example(case=Case("def f(x: int):\n    return x in [1, 2] == [1, 2]\n", 1, 0), values=[1])
@example(
    case=Case("def f(x: int):\n    return x in (1, 2) in [(1, 2)]\n", 2, 1, ((1, 2),)),
    values=[1],
)
# ``=`` in an f-string prints the expression's text.
@example(case=Case('def f(x: int):\n    return f"{x in [1, 2]=}"\n', 1, 0), values=[1])
# A comprehension's first iterable and a lambda's defaults run in the class
# body, but the names in them are looked up past the class scope.
@example(
    case=Case(
        "x: int = 0\ndef f(v):\n    class C:\n        x = [v]\n"
        "        y = [w for w in (x in [1],)]\n    return C.y\n",
        1,
        0,
    ),
    values=[1],
)
@example(
    case=Case(
        "x: int = 0\ndef f(v):\n    class C:\n        x = [v]\n"
        "        g = lambda w=x in [1]: w\n    return C.g()\n",
        1,
        0,
    ),
    values=[1],
)
# A bare annotation in a class body binds nothing: the name is the global.
@example(
    case=Case(
        "x = []\ndef f(v):\n    class C:\n        x: int\n        y = x in [1]\n    return C.y\n",
        1,
        0,
    ),
    values=[1],
)
@hypothesis_settings(150)
@given(
    case=membership_cases(SAFE_ANNOTATIONS, sorted(FORMS), extra_element=False),
    values=st.lists(HASHABLE_VALUES, max_size=8),
)
@pytest.mark.slow
def test_safe_fix_keeps_behaviour(case: Case, values: List[Any]) -> None:
    diagnostics = _membership_diagnostics(_check(case.source))
    assert len(diagnostics) == case.tests
    safe = [d for d in diagnostics if d.fix and d.fix.applicability is Applicability.SAFE]
    assert len(safe) >= case.safe, f"expected {case.safe} safe fixes: {diagnostics}"
    result = _check(case.source, FixMode.SAFE)
    fixed = _fixed(result)
    # The fixes really happened: the test cannot pass by fixing nothing.
    assert sum(result.fixed[code] for code in MEMBERSHIP) >= case.safe
    assert fixed != case.source or case.safe == 0
    left = [d for d in result.diagnostics if d.fix and d.fix.applicability is Applicability.SAFE]
    assert left == [], f"safe fixes left over: {left}"
    assert _check(fixed, FixMode.SAFE).fixed_source == fixed
    assert_same_behaviour(case.source, fixed, [*case.constants, *values])


#: Forms whose left operand is ``x`` itself (``str(x)`` is always proven; the
#: chain and ``=`` forms are covered by the safe property).
UNPROVEN_FORMS = sorted(
    set(FORMS) - {"str", "chain", "chain-eq", "fstring-debug", "derived", "assigned-derived"}
)


@hypothesis_settings(30)
@given(case=membership_cases(SAFE_ANNOTATIONS, UNPROVEN_FORMS, extra_element=True))
def test_non_constant_elements_are_not_reported(case: Case) -> None:
    """A literal with a non-constant element (``a``) is not reported: its set
    display would be built at every test, which is not faster."""
    assert _membership_diagnostics(_check(case.source)) == [], case.source


@hypothesis_settings(60)
@given(
    case=membership_cases(UNSAFE_ANNOTATIONS, UNPROVEN_FORMS, extra_element=False),
    values=st.lists(HASHABLE_VALUES, max_size=6),
)
def test_unsafe_fix_is_not_applied_in_safe_mode(case: Case, values: List[Any]) -> None:
    """Unproven left operands get unsafe fixes: safe mode leaves them alone,
    unsafe mode converts them (and, for the hashable values used here, keeps
    behaviour)."""
    source = case.source
    diagnostics = _membership_diagnostics(_check(source))
    assert len(diagnostics) == case.tests, source
    assert all(d.fix and d.fix.applicability is Applicability.UNSAFE for d in diagnostics), (
        f"expected unsafe fixes only: {diagnostics}"
    )
    safe_result = _check(source, FixMode.SAFE)
    assert _fixed(safe_result) == source, "safe mode applied an unsafe fix"
    assert not safe_result.fixed
    unsafe_result = _check(source, FixMode.UNSAFE)
    unsafe_fixed = _fixed(unsafe_result)
    assert unsafe_fixed != source
    assert _membership_diagnostics(unsafe_result) == []
    assert_same_behaviour(source, unsafe_fixed, [*case.constants, *values])

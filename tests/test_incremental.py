"""Incremental analysis (the language server's answer to an edit) always
equals a full analysis of the same text: random edit sequences applied to
real files, compared after each edit with ``perf-lint check``'s engine."""

from __future__ import annotations

import sysconfig
from pathlib import Path
from typing import Any, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perf_lint import syntax
from perf_lint.config import Config, parse_table
from perf_lint.engine import Engine
from perf_lint.incremental import Document, units_of
from tests.conftest import FIXTURES, hypothesis_settings

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Real files of different kinds: classes with many methods, module-level
#: code, logging, loops that fill containers.
REAL = [
    STDLIB / "textwrap.py",
    STDLIB / "shlex.py",
    STDLIB / "fnmatch.py",
    STDLIB / "sched.py",
    STDLIB / "logging" / "handlers.py",
    STDLIB / "queue.py",
    FIXTURES / "PRF401.py",
    FIXTURES / "PRF301.py",
    FIXTURES / "PRF101_class_scopes.py",
]
#: Statements an edit inserts into a function body (at its indentation):
#: findings of every family, names that change the file's facts (a builtin
#: rebound, a global, a logger, an import), and nothing at all.
SNIPPETS = [
    "pass",
    "found = value in [1, 2]",
    "found = value in ('a', 'b')",
    "logger.info(f'{value!r}')",
    "log.debug('%s' % value)",
    "result = []\nfor item in items:\n    result.append(item)",
    "table = {}\nfor item in items:\n    table[item] = 1",
    "text += 'x'",
    "str = repr",
    "global CONFIG",
    "import logging",
    "log = logging.getLogger(__name__)",
    "value: str = 'a'",
    "# noqa: PRF101",
    "x = [1] if y in [2, 3] else 4  # noqa",
    # The hazards: a queue popped at the front, what it is bound to (in
    # another method, it decides whether the pop is reported), a list used
    # as a set, an open and a regex in a loop.
    "while self.queue:\n    self.queue.pop(0)",
    "self.queue = deque()",
    "self.queue = []",
    "seen = []\nfor item in items:\n    if item not in seen:\n        seen.append(item)",
    "for item in items:\n    with open('log.txt') as handle:\n        handle.read()",
    "for item in items:\n    re.match('a+', item)",
]
#: Statements an edit adds at module level.
MODULE_SNIPPETS = [
    "CONSTANT: str = 'a'",
    "def added(value: str):\n    return value in ['a', 'b']",
    "from typing import List as str",
    "from collections import deque",
    "import re as regex",
    "# perf-lint: noqa: PRF3",
    "values = [v for v in range(3) if v in [1, 2]]",
]


def _functions(source: str) -> List[Any]:
    import ast

    tree = syntax.parse(source)
    if tree is None:
        return []
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
    ]


@st.composite
def edit(draw: Any, source: str) -> str:
    """One edit of ``source``, as an editor makes them."""
    lines = source.splitlines(keepends=True) or [""]
    kind = draw(st.sampled_from(["function", "function", "function", "module", "delete", "type"]))
    functions = _functions(source)
    if kind == "function" and functions:
        function = draw(st.sampled_from(functions))
        statement = draw(st.sampled_from(function.body))
        row = statement.lineno
        indent = " " * statement.col_offset
        snippet = draw(st.sampled_from(SNIPPETS))
        added = "".join(indent + line + "\n" for line in snippet.split("\n"))
        return "".join(lines[: row - 1]) + added + "".join(lines[row - 1 :])
    if kind == "module":
        row = draw(st.integers(0, len(lines)))
        snippet = draw(st.sampled_from(MODULE_SNIPPETS)) + "\n"
        # At a line that starts a statement of the module, or at the end.
        while row < len(lines) and lines[row][:1] in (" ", "\t", ")", "]", "}"):
            row += 1
        return "".join(lines[:row]) + snippet + "".join(lines[row:])
    if kind == "delete":
        row = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:row] + lines[row + 1 :])
    # A keystroke anywhere: often a syntax error, sometimes not.
    offset = draw(st.integers(0, len(source)))
    char = draw(st.sampled_from(["x", " ", "(", "\n", "#", "1", "'"]))
    return source[:offset] + char + source[offset:]


@st.composite
def sessions(draw: Any) -> List[str]:
    """A real file and the texts an editing session gives it."""
    path = draw(st.sampled_from([path for path in REAL if path.exists()]))
    texts = [path.read_text(encoding="utf-8")]
    for _ in range(draw(st.integers(1, 4))):
        if len(texts) > 2 and draw(st.booleans()):
            texts.append(texts[-2])  # undo
        else:
            texts.append(draw(edit(texts[-1])))
    return texts


def _engine() -> Engine:
    # Every rule, small size limits: the size rules report too.
    options = {
        "select": ["PRF"],  # the size rules are opt-in
        "max-complexity": 5,
        "max-class-lines": 60,
        "max-module-lines": 100,
    }
    return Engine(parse_table(options, "test", Path.cwd(), None))


def assert_incremental_is_full(texts: List[str]) -> Document:
    engine = _engine()
    document = Document("edited.py", engine.rules_for("edited.py"), engine.config)
    for text in texts:
        found = document.update(text).diagnostics
        assert found == engine.check_text(text, "edited.py").diagnostics
    return document


@pytest.mark.slow
@hypothesis_settings(60)
@given(sessions())
def test_incremental_analysis_is_a_full_analysis(texts: List[str]) -> None:
    assert_incremental_is_full(texts)


def test_an_edit_inside_a_function_reanalyses_that_function_alone() -> None:
    source = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    function = next(node for node in _functions(source) if node.name == "_split")
    lines = source.splitlines(keepends=True)
    row = function.body[-1].lineno
    edited = "".join(lines[: row - 1]) + "        found = x in [1, 2]\n" + "".join(lines[row - 1 :])
    document = assert_incremental_is_full([source, edited])
    snapshot = document.snapshot
    assert snapshot is not None
    units, _ = units_of(syntax.parse(source), source.splitlines(keepends=True))  # type: ignore[arg-type]
    assert snapshot.analysed == 1 and snapshot.reused == len(units) - 1
    codes = [d.code for d in snapshot.diagnostics]
    assert "PRF101" in codes  # the new finding is there, the others moved


def test_what_every_definition_sees_makes_a_whole_analysis() -> None:
    source = "def f(value: str):\n    return value in ['a', 'b']\n\n\ndef g():\n    pass\n"
    engine = Engine(Config())
    document = Document("m.py", engine.rules_for("m.py"), engine.config)
    document.update(source)
    # Rebinding `str` anywhere changes what `value: str` proves in f.
    rebound = source.replace("    pass\n", "    global str\n    str = int\n")
    snapshot = document.update(rebound)
    assert snapshot.reused is None  # the file's facts changed: a whole analysis
    assert snapshot.diagnostics == engine.check_text(rebound, "m.py").diagnostics
    assert snapshot.diagnostics[0].fix.applicability.value == "unsafe"  # type: ignore[union-attr]
    # An edit in g alone reuses f's finding, moved by the lines added above it.
    moved = "# a comment\n\n" + source.replace("    pass\n", "    pass\n    pass\n")
    snapshot = document.update(source)
    snapshot = document.update(moved)
    assert snapshot.diagnostics == engine.check_text(moved, "m.py").diagnostics
    assert snapshot.diagnostics[0].location.row == 4


def test_a_syntax_error_and_back() -> None:
    source = (FIXTURES / "PRF401.py").read_text(encoding="utf-8")
    broken = source.replace("def ", "def (", 1)
    assert_incremental_is_full([source, broken, source, source + "x = [\n", source])


def test_what_an_attribute_is_bound_to_elsewhere_is_seen() -> None:
    # Whether `self.queue.pop(0)` is reported depends on every binding of
    # `queue` attributes in the file: an edit in another method changes it.
    source = (
        "from collections import deque\n\n\nclass Worker:\n"
        "    def start(self):\n        self.queue = []\n\n"
        "    def drain(self):\n        while self.queue:\n            self.queue.pop(0)\n"
    )
    as_deque = source.replace("self.queue = []", "self.queue = deque()")
    document = assert_incremental_is_full([source, as_deque, source])
    engine = Engine(Config())
    assert [d.code for d in engine.check_text(source, "m.py").diagnostics] == ["PRF505"]
    assert engine.check_text(as_deque, "m.py").diagnostics == []
    assert document.snapshot is not None and document.snapshot.reused is None


def test_a_file_wide_rule_makes_every_edit_a_whole_analysis(monkeypatch: Any) -> None:
    from perf_lint.registry import BY_CODE

    source = "def f(value: str):\n    return value in ['a', 'b']\n\n\ndef g():\n    pass\n"
    edited = source.replace("    pass\n", "    pass\n    pass\n")
    engine = Engine(Config())
    for wide, reused in ((False, 1), (True, None)):
        monkeypatch.setattr(BY_CODE["PRF101"], "FILE_WIDE", wide)
        document = Document("m.py", engine.rules_for("m.py"), engine.config)
        document.update(source)
        snapshot = document.update(edited)
        assert snapshot.reused == reused
        assert snapshot.diagnostics == engine.check_text(edited, "m.py").diagnostics


def test_the_signature_covers_every_logger_fact() -> None:
    import ast
    import dataclasses

    from perf_lint.facts import FileFacts

    facts = FileFacts(ast.parse("x = 1\n"))
    before = facts.signature()
    for field in dataclasses.fields(facts.loggers):
        value = getattr(facts.loggers, field.name)
        if isinstance(value, dict):
            value["probe"] = 1
        else:
            value.add("probe")
        assert facts.signature() != before, field.name
        before = facts.signature()


def test_a_cached_guard_set_in_another_method_is_seen() -> None:
    source = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\nclass Task:\n"
        "    def setup(self):\n        self.ready = True\n\n"
        "    def run(self, items):\n        if self.ready:\n"
        "            logger.debug('%s', describe(items))\n"
    )
    guarded = source.replace("self.ready = True", "self.ready = logger.isEnabledFor(10)")
    assert_incremental_is_full([source, guarded, source])
    engine = Engine(Config())
    assert [d.code for d in engine.check_text(source, "m.py").diagnostics] == ["PRF305"]
    assert engine.check_text(guarded, "m.py").diagnostics == []

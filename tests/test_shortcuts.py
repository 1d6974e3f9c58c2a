"""The engine's shortcuts change nothing: results are identical with and
without the text pre-filter, with libcst given only the definitions that
hold a shape or the whole text, and with positions computed for the reported
statements only or for the whole module, on the fixtures, a standard-library
sample and generated programs (Hypothesis)."""

from __future__ import annotations

import random
import sysconfig
import warnings
from pathlib import Path
from typing import Any, List

import libcst as cst
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from perf_lint import positions as positions_module
from perf_lint import prefilter
from perf_lint.config import Config
from perf_lint.engine import Engine, FixMode
from perf_lint.prefilter import Shortcuts
from tests.conftest import fixture_sources, hypothesis_settings, python_programs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning"),
]


def stdlib_sample() -> List[Path]:
    """Every 12th module of the interpreter's standard library under 30 kB."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in sorted(stdlib.glob("*.py")) if p.stat().st_size < 30000]
    return files[::12]


EDGE_CASES = [
    "# header\n\nx in [1, 2]\n",
    "x in [1, 2]",  # no final newline
    "a = 1\r\nif a in (1, 2):\r\n    pass\r\n",
    "a = 1\rif a in (1, 2):\r    pass\r",
    "\ufeffx = 1\n\x0c\ny = x in [1]\n",
    "def f():\n    return 1\n\n\n@dec\nclass C:\n    x = y in [1, 2]  # noqa: PRF102\n",
    "if True:\n    pass\nelse:\n    z = (1 in\n  [2, 3])\n",
    "x = '''\r\n''' in [1]\n",
    # Stubbing the last definition leaves its block's last comment, after
    # blank lines, at the end of the module, which libcst does not
    # reproduce (it drops the blank lines); astroid's objectmodel.py.
    "def hot(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"
    "\n\ndef cold():\n    return 1\n\n\n    # the last line of cold's block\n",
]


def sources() -> List[str]:
    found = [p.read_text(encoding="utf-8") for p in fixture_sources()]
    found += [p.read_text(encoding="utf-8") for p in stdlib_sample()]
    return found + EDGE_CASES


#: Each shortcut switched off alone, then all of them.
WITHOUT = (
    Shortcuts(prefilter=False),
    Shortcuts(reduce=False),
    Shortcuts(sparse_positions=False),
    prefilter.NONE,
)


def analyse_all_ways(source: str) -> None:
    engine = Engine(Config())
    expected = {mode: engine.check_text(source, "x.py", fix=mode) for mode in MODES}
    for shortcuts in WITHOUT:
        for mode in MODES:
            got = Engine(Config(), shortcuts=shortcuts).check_text(source, "x.py", fix=mode)
            assert got.diagnostics == expected[mode].diagnostics, (shortcuts, mode)
            assert got.fixed_source == expected[mode].fixed_source, (shortcuts, mode)


def analysable(source: str) -> bool:
    """Whether libcst's recursive code can take ``source`` (generated
    programs can nest deeper than its traversal or rendering go)."""
    try:
        cst.parse_module(source).code  # noqa: B018
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


MODES = (FixMode.NONE, FixMode.SAFE, FixMode.UNSAFE)


def test_results_identical_without_shortcuts() -> None:
    reported = 0
    for source in sources():
        analyse_all_ways(source)
        reported += bool(Engine(Config()).check_text(source, "x.py").diagnostics)
    assert reported > 10


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.inside: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.inside.append(node)
        return True


def nodes_of(node: cst.CSTNode) -> List[cst.CSTNode]:
    collect = _Collect()
    node.visit(collect)
    return collect.inside


def assert_sparse_equals_full(module: cst.Module, wanted: List[cst.CSTNode]) -> None:
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for with_code in (False, True):
        sparse, state = positions_module._render(module, wanted, with_code)
        code = None if state is None else "".join(state.tokens)
        assert all(sparse[node] == full[node] for node in sparse)
        for node in wanted:
            assert all(inner in sparse for inner in nodes_of(node))
        assert code == (module.code if with_code else None)


def test_node_positions_match_position_provider() -> None:
    chooser = random.Random(6)
    for source in sources():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                module = cst.parse_module(source)
            except cst.ParserSyntaxError:
                continue
        every = nodes_of(module)[1:]
        if not every:
            continue
        for _ in range(3):
            wanted = chooser.sample(every, min(3, len(every)))
            # A node and one inside it: the inner one is covered by the outer.
            inner = nodes_of(wanted[0])
            assert_sparse_equals_full(module, [*wanted, chooser.choice(inner)])
        assert_sparse_equals_full(module, [every[-1]])


@st.composite
def program_and_nodes(draw: Any) -> tuple:
    source = draw(python_programs())
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        module = cst.parse_module("x = 1\n")
    every = nodes_of(module)[1:]
    wanted = draw(st.lists(st.sampled_from(every), max_size=4)) if every else []
    return module, wanted


@hypothesis_settings(10)
@given(program_and_nodes())
def test_node_positions_property(case: tuple) -> None:
    module, wanted = case
    assert_sparse_equals_full(module, wanted)


@st.composite
def memberships(draw: Any) -> str:
    program = draw(python_programs())
    if program and not program.endswith(("\n", "\r")):
        program += "\n"
    kind = draw(st.sampled_from(["[{}, 1]", "({}, 1)", "({},)", "[{}]", "((\n{}, 1))"]))
    line = draw(
        st.sampled_from(["x in {}\n", "y = 1 not in {}\n", "def f(s: str):\n    s in {}\n"])
    )
    where = draw(st.sampled_from(["before", "after"]))
    snippet = line.format(kind.format(draw(st.sampled_from(["'a'", "1", "x", "[2]"]))))
    return snippet + program if where == "before" else program + snippet


@hypothesis_settings(10)
@given(memberships())
def test_shortcuts_property(source: str) -> None:
    assume(analysable(source))
    analyse_all_ways(source)


#: Definitions holding shapes whose rules read the scopes around them: the
#: module's bindings (``X``), a class's, a global, a nested read.
_HOLDERS = (
    "def f(items):\n    out = []\n    for x in items:\n        out.append(x)\n    return out\n",
    "class C:\n    K = [1]\n    def m(self, v):\n        return v in (K, 2)\n"
    "    def n(self):\n        return 1\n",
    "def g(s):\n    global T\n    T = s\n    return s in (T, 1)\n",
    "def h(xs):\n    t = ''\n    for x in xs:\n        t += str(x)\n    return t\n",
    "def k(d):\n    return [v for _, v in d.items()]\n",
    "def w(log):\n    log.info(f'{X}')\n",
    "def u(v):\n    return v in [X, 'a']\n",
    "r = X in ['b', 'a']\n",
)


#: Definitions without shapes, which become stubs: what they bind must stay.
_BYSTANDERS = (
    "def b1():\n    global X\n    X = [1]\n",
    "class B2:\n    def m(self):\n        return out\n",
    "@dec\ndef b3(a=(X := [1])):\n    pass\n",
    "async def b4(out):\n    await out\n",
    "def \u00e9t\u00e9():\n    pass\n",
    "class B5(Base, k=(T := [])):\n    x = 1\n",
    "def X():\n    pass\n",
    "class T:\n    pass\n",
)


@st.composite
def reducible(draw: Any) -> str:
    """Generated programs with definitions that hold shapes placed among
    their statements (which libcst is then not given), at the module level
    or inside a class."""
    program = draw(python_programs())
    if program and not program.endswith(("\n", "\r")):
        program += "\n"
    lines = program.splitlines(keepends=True)
    cut = draw(st.integers(0, len(lines)))
    holder = draw(st.sampled_from(_HOLDERS))
    if draw(st.booleans()):
        holder = "class Outer:\n" + "".join("    " + line for line in holder.splitlines(True))
    binding = draw(st.sampled_from(["X: str = 'c'\n", "T = 'a'\n", "K = 3\n", ""]))
    bystander = draw(st.sampled_from(_BYSTANDERS))
    lines[cut:cut] = [binding, holder]
    lines.insert(draw(st.integers(0, len(lines))), bystander)
    return "".join(lines)


@hypothesis_settings(15)
@given(reducible())
@example("X: str = 'c'\nr = X in ['b', 'a']\ndef X():\n    pass\n")  # the stub binds X
@example("class C:\n    r = X in ['b']\n    def X(self):\n        pass\nX: str = 'c'\n")
def test_reduction_property(source: str) -> None:
    assume(analysable(source))
    analyse_all_ways(source)


def test_rule_visitors_are_libcsts() -> None:
    from perf_lint.context import FileContext
    from perf_lint.registry import RULES
    from perf_lint.scopes import Scopes

    module = cst.parse_module("x = 1\n")
    traversing = [rule for rule in RULES if not rule.SOURCE_ONLY]
    assert traversing  # the size rules work from the source alone
    for rule in traversing:
        instance = rule(FileContext("x.py", "x = 1\n", module))
        expected = cst.BatchableCSTVisitor.get_visitors(instance)
        for _ in range(2):  # computed, then remembered
            found = instance.get_visitors()
            assert found == expected and found
    scopes = Scopes(module)
    for _ in range(2):
        found = scopes.get_visitors()
        assert found == cst.BatchableCSTVisitor.get_visitors(scopes) and found

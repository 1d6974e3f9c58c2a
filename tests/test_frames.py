"""The traversal's context (``perf_lint/frames.py``, kept in
``FileContext.scopes``) answered directly, and its ``ast`` side
(``perf_lint/repeats.py``, the pre-filter's) agreeing with it on which calls
and awaits repeat in a loop, on hand-written and generated programs."""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst
import pytest
from hypothesis import assume, example, given
from libcst.metadata import MetadataWrapper, PositionProvider

from perf_lint import frames, repeats, traversal
from perf_lint.scopes import Scopes
from tests.conftest import grammar_programs, hypothesis_settings, python_accepts

# -- the ast side and the libcst side agree ------------------------------------------

Site = Tuple[str, int, int, int, int]


class _Repeating(cst.BatchableCSTVisitor):
    """Each call and await, and whether the context puts it in a loop."""

    def __init__(self, scopes: Scopes) -> None:
        super().__init__()
        self.scopes = scopes
        self.nodes: List[Tuple[cst.CSTNode, bool]] = []

    def get_visitors(self) -> Dict[str, Any]:
        return traversal.visitor_methods(self)

    def visit_Call(self, node: cst.Call) -> None:
        self.nodes.append((node, self.scopes.loop() is not None))

    def visit_Await(self, node: cst.Await) -> None:
        self.nodes.append((node, self.scopes.loop() is not None))


def _cst_sites(source: str) -> Counter[Tuple[Site, bool]]:
    module = cst.parse_module(source)
    scopes = Scopes(module)
    recorder = _Repeating(scopes)
    traversal.visit_batched(module, [recorder], frame=scopes)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found: Counter[Tuple[Site, bool]] = Counter()
    for node, looped in recorder.nodes:
        where = positions[node]
        start, end = where.start, where.end
        site = (type(node).__name__, start.line, start.column, end.line, end.column)
        found[(site, looped)] += 1
    return found


def _ast_sites(source: str) -> Counter[Tuple[Site, bool]]:
    with warnings.catch_warnings():  # generated programs call literals
        warnings.simplefilter("ignore", SyntaxWarning)
        tree = ast.parse(source)
    lines = source.encode("utf-8").splitlines(keepends=True)

    def column(line: int, offset: int) -> int:
        return len(lines[line - 1][:offset].decode("utf-8"))

    repeated = {id(node) for node in repeats.repeated([tree])}
    # The pre-filter's two walks agree: one per loop (``region``, what
    # ``summary`` reads) and one over a whole tree (``repeated``).
    regions = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, repeats.LOOPS)
        for part in repeats.region(node)
    }
    assert repeated == regions
    found: Counter[Tuple[Site, bool]] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Call, ast.Await)):
            site = (
                type(node).__name__,
                node.lineno,
                column(node.lineno, node.col_offset),
                node.end_lineno or 0,
                column(node.end_lineno or 0, node.end_col_offset or 0),
            )
            found[(site, id(node) in repeated)] += 1
    return found


#: Every part of a loop the two sides must tell apart.
HAND_WRITTEN = [
    # `for`: the iterable and `else` run once, the body repeats.
    "for x in once():\n    each()\nelse:\n    once_more()\n",
    "async def f():\n    async for x in once():\n        await each()\n"
    "    else:\n        await once_more()\n",
    # `while`: the test repeats too; its `else` runs once.
    "while each():\n    each_too()\nelse:\n    once()\n",
    # a nested loop's iterable and `else` repeat with the outer loop.
    "for x in once():\n    for y in each():\n        each_too()\n    else:\n        each_three()\n",
    # comprehensions: the first iterable runs once, the rest repeats.
    "[each(x) for x in once() if each_test(x) for y in each_inner(x) if each_too(y)]\n",
    "{each(k): each_v(k) for k in once()}\n",
    "(each(x) async for x in once())\n",
    "[[each(y) for y in each_inner(x)] for x in once()]\n",
    "[y for y in [each(x) for x in once()]]\n",
    # nested scopes hide the loops around them: bodies, decorators,
    # defaults and bases alike.
    "for x in once():\n    def g(a=hidden()):\n        hidden_body()\n",
    "for x in once():\n    @hidden_decorator()\n    def g():\n        pass\n",
    "for x in once():\n    class C(hidden_base()):\n        hidden_body()\n",
    "for x in once():\n    f = lambda: hidden()\n",
    "for x in once():\n    f = lambda a=hidden(): hidden_too()\n",
    # ...but their own loops count, and so do comprehensions in a header.
    "def g(a=[each(x) for x in once()]):\n    for y in once_too():\n        each_too()\n",
    "for x in once():\n    def g():\n        for y in once_too():\n            each()\n",
    "f = lambda: [each(x) for x in once()]\n",
    "class C:\n    for x in once():\n        each()\n",
    # one-line suites and `:=`.
    "for x in once(): each(); each_too()\nwhile each_test(): each_body()\n",
    "while (line := each()):\n    each_too(line)\n",
]


@pytest.mark.parametrize("source", HAND_WRITTEN)
def test_both_sides_agree_on_hand_written_loops(source: str) -> None:
    cst_side, ast_side = _cst_sites(source), _ast_sites(source)
    assert cst_side == ast_side
    # The names say which calls repeat.
    tree = ast.parse(source)
    repeated = {id(node) for node in repeats.repeated([tree])}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            expected = name.startswith("each")
            assert (id(node) in repeated) is expected, (name, source)


def _cst_accepts(source: str) -> bool:
    try:
        cst.parse_module(source)
    except Exception:  # libcst rejects it: nothing to compare
        return False
    return True


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated programs call literals
@hypothesis_settings(150)
@given(grammar_programs())
@example(HAND_WRITTEN[4])
def test_both_sides_agree_on_generated_programs(source: str) -> None:
    assume(python_accepts(source) and _cst_accepts(source))
    assert _cst_sites(source) == _ast_sites(source)


# -- the context's questions --------------------------------------------------------


class _Asker(cst.BatchableCSTVisitor):
    """Asks the context about every call named ``probe_<label>``."""

    def __init__(self, scopes: Scopes) -> None:
        super().__init__()
        self.scopes = scopes
        self.answers: Dict[str, Dict[str, Any]] = {}
        self.marks: set = set()

    def get_visitors(self) -> Dict[str, Any]:
        return traversal.visitor_methods(self)

    def visit_Try(self, node: cst.Try) -> None:
        self.marks.add(node.body)

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name) or not node.func.value.startswith("probe_"):
            return
        scopes = self.scopes
        loop = scopes.loop()
        outer = scopes.loop(across_scopes=True)
        function = scopes.function()
        self.answers[node.func.value[len("probe_") :]] = {
            "scope": _name(scopes.scope()),
            "chain": [_name(node) for node in scopes.chain()],
            "function": _name(function),
            "loop": _name(loop.node) if loop else None,
            "label": loop.label if loop else None,
            "loops": [_name(frame.node) for frame in scopes.loops()],
            "outer": _name(outer.node) if outer else None,
            "between": _name(scopes.scope_between(outer).node)
            if outer and scopes.scope_between(outer)
            else None,
            "holder": _name(scopes.function(loop)) if loop else None,
            "iteration": [_code(part) for part in frames.iteration(loop.node)] if loop else None,
            "tries": scopes.marked(self.marks, lambda frame: frame.kind in frames.NESTED_SCOPES),
            "all_tries": scopes.marked(self.marks, lambda frame: False),
        }


def _name(node: Optional[cst.CSTNode]) -> Optional[str]:
    if node is None:
        return None
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value
    if isinstance(node, cst.For):
        return "for " + _code(node.target)
    if isinstance(node, cst.While):
        return "while"
    return type(node).__name__


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()


def _ask(source: str) -> Dict[str, Dict[str, Any]]:
    module = cst.parse_module(source)
    scopes = Scopes(module)
    asker = _Asker(scopes)
    traversal.visit_batched(module, [asker], frame=scopes)
    return asker.answers


SOURCE = """\
def outer(xs):
    probe_top()
    for x in xs:
        y = probe_body(x)
        for z in probe_inner_iterable(x):
            total = x + z
            probe_inner(total)
        else:
            probe_inner_else()
        try:
            def helper(a=probe_default()):
                probe_nested()
            f = lambda: probe_lambda()
            w = [probe_element(v) for v in probe_first(y) if probe_condition(v)]
        except OSError:
            pass
    else:
        probe_else()
    while probe_test():
        probe_while_body()


class C:
    async def method(self, rows):
        async for row in rows:
            await probe_async(row)
"""


def test_the_context_answers_where_each_call_is() -> None:
    answers = _ask(SOURCE)
    top = answers["top"]
    assert top["scope"] == "outer" and top["function"] == "outer"
    assert top["chain"] == ["Module", "outer"]
    assert top["loop"] is None and top["loops"] == [] and top["tries"] == 0

    body = answers["body"]
    assert body["loop"] == "for x" and body["label"] == "for"
    assert body["holder"] == "outer"
    assert body["iteration"][0] == "y = probe_body(x)"
    assert len(body["iteration"]) == 3  # the assignment, the inner `for`, the `try`

    # The inner loop's iterable and `else` repeat with the outer loop.
    assert answers["inner_iterable"]["loop"] == "for x"
    assert answers["inner_else"]["loop"] == "for x"
    inner = answers["inner"]
    assert inner["loop"] == "for z" and inner["loops"] == ["for z", "for x"]
    assert inner["iteration"] == ["total = x + z", "probe_inner(total)"]

    # A nested scope hides the loop around it, and says so.
    for label, scope in (("default", "helper"), ("nested", "helper"), ("lambda", "Lambda")):
        answer = answers[label]
        assert answer["loop"] is None, label
        assert answer["outer"] == "for x" and answer["between"] == scope, label
    assert answers["default"]["scope"] == "outer"  # a header runs outside
    assert answers["nested"]["scope"] == "helper" and answers["nested"]["function"] == "helper"
    assert answers["nested"]["chain"] == ["Module", "outer", "helper"]

    # A comprehension: its element and conditions repeat, its first
    # iterable runs once (in the loop around it).
    element = answers["element"]
    assert element["loop"] == "ListComp" and element["label"] == "comprehension"
    assert element["iteration"] == ["probe_element(v)", "if probe_condition(v)"]
    assert element["holder"] == "outer"
    assert element["chain"] == ["Module", "outer", "ListComp"]
    assert answers["condition"]["loop"] == "ListComp"
    assert answers["first"]["loop"] == "for x"

    # Marked suites: counted up to the nested scope (or all of them).
    assert answers["element"]["tries"] == 1
    assert answers["nested"]["tries"] == 0 and answers["nested"]["all_tries"] == 1
    assert answers["default"]["tries"] == 0 and answers["default"]["all_tries"] == 1

    assert answers["else"]["loop"] is None and answers["else"]["outer"] is None
    assert answers["test"]["loop"] == "while" and answers["while_body"]["loop"] == "while"
    assert answers["test"]["iteration"] == ["probe_test()", "probe_while_body()"]

    async_answer = answers["async"]
    assert async_answer["label"] == "async for" and async_answer["holder"] == "method"
    assert async_answer["scope"] == "method" and async_answer["chain"] == ["Module", "C", "method"]


class _HotLookups(cst.BatchableCSTVisitor):
    """A toy of the hot-code family: attribute lookups in a loop's
    iteration whose object the loop does not bind, with the function that
    holds the loop; built on the context alone."""

    def __init__(self, scopes: Scopes) -> None:
        super().__init__()
        self.scopes = scopes
        self.found: List[Tuple[str, str, str]] = []

    def get_visitors(self) -> Dict[str, Any]:
        return traversal.visitor_methods(self)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        loop = self.scopes.loop()
        if loop is None or not isinstance(node.value, cst.Name):
            return
        bound = {name.value for part in frames.iteration(loop.node) for name in _assigned(part)}
        if isinstance(loop.node, cst.For) and isinstance(loop.node.target, cst.Name):
            bound.add(loop.node.target.value)
        if node.value.value not in bound:
            function = self.scopes.function(loop)
            self.found.append(
                (_code(node), _name(loop.node) or "", function.name.value if function else "")
            )


def _assigned(node: cst.CSTNode) -> List[cst.Name]:
    found: List[cst.Name] = []
    for child in traversal.children(node):
        found.extend(_assigned(child))
    if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
        found.append(node.target)
    return found


def test_a_hot_loop_rule_needs_no_stack_of_its_own() -> None:
    source = (
        "def work(items, out):\n"
        "    for item in items:\n"
        "        out.append(item.size)\n"
        "        row = item\n"
        "        row.flag\n"
        "    out.sort()\n"
        "    return [math.sqrt(v) for v in items]\n"
    )
    module = cst.parse_module(source)
    scopes = Scopes(module)
    rule = _HotLookups(scopes)
    traversal.visit_batched(module, [rule], frame=scopes)
    assert rule.found == [
        ("out.append", "for item", "work"),
        ("math.sqrt", "ListComp", "work"),
    ]


def test_the_frames_are_left_as_they_were_found() -> None:
    module = cst.parse_module(SOURCE)
    scopes = Scopes(module)
    traversal.visit_batched(module, [_Asker(scopes)], frame=scopes)
    assert [frame.kind for frame in scopes.frames] == ["module"]
    assert scopes.suite() is None and scopes.loop() is None

"""The loop-hazard rules (PRF103, PRF502-PRF505) and what they share
(``perf_lint/rules/_hazards.py``): the pre-filter's loop regions agree with
the libcst side on generated programs, the shapes rule out near misses, and
the loop analysis (what a loop binds, changes and carries) on small cases.
Behaviour on real shapes is in the fixtures."""

from __future__ import annotations

import ast
from typing import List

import libcst as cst
import pytest
from hypothesis import assume, example, given, target
from hypothesis import strategies as st

from perf_lint import prefilter, syntax
from perf_lint.config import Config
from perf_lint.engine import Engine
from perf_lint.registry import BY_CODE
from perf_lint.repeats import region
from perf_lint.rules._hazards import LoopScan
from tests.conftest import candidate_codes, hypothesis_settings, without_shortcuts

CODES = ("PRF103", "PRF502", "PRF503", "PRF504", "PRF505")
HAZARDS = [BY_CODE[code] for code in CODES]

# -- the pre-filter never hides a report -------------------------------------------

#: One-line statements that can be reported, in every position the
#: generator puts them (``x`` is a loop variable where one is bound).
_LEAVES = [
    'print(open("f").read())',
    "print(open(x).read())",
    'Path("p").read_text()',
    "q.pop(0)",
    "q.insert(0, x)",
    'cursor.execute("S", (x,))',
    "Model.objects.get(pk=x)",
    "session.get(User, x)",
    "await fetch(x)",
    'await client.get("/")',
    "seen.append(x)",
    "print(x in seen)",
    "x = 1",
    "break",
    "return",
    "time.sleep(1)",
    "q = []",
]
_ITERABLES = ["xs", 'open("i")', "(1, 2)", "q.pop(0)", "[y for y in open(x) if y in seen]"]
_EXPRESSIONS = [
    '[open("f") for y in open("g") if y in seen]',
    "[await fetch(y) for y in xs]",
    "(q.pop(0) for y in xs)",
    '{y: Model.objects.get(pk=y) for y in open("k")}',
    'lambda: open("l")',
]


def _indent(lines: List[str]) -> List[str]:
    return ["    " + line for line in lines]


def _compound(kind: str, header: str, body: List[str], other: List[str]) -> List[str]:
    if kind == "for":
        return [f"for x in {header}:", *_indent(body)]
    if kind == "for-else":
        return [f"for x in {header}:", *_indent(body), "else:", *_indent(other)]
    if kind == "async-for":
        return [f"async for x in {header}:", *_indent(body)]
    if kind == "while":
        return ["while q.pop(0) in seen:", *_indent(body)]
    if kind == "if":
        return ["if x in seen:", *_indent(body), "else:", *_indent(other)]
    if kind == "with":
        return ['with open("w") as f:', *_indent(body)]
    if kind == "try":
        return ["try:", *_indent(body), "except OSError:", *_indent(other)]
    return ["async def inner(x):", *_indent(body)]


_BLOCKS = st.recursive(
    st.lists(
        st.one_of(
            st.sampled_from(_LEAVES).map(lambda line: [line]),
            st.sampled_from(_EXPRESSIONS).map(lambda text: [f"print({text})"]),
        ),
        min_size=1,
        max_size=3,
    ).map(lambda parts: [line for part in parts for line in part]),
    lambda inner: st.builds(
        _compound,
        st.sampled_from(["for", "for-else", "async-for", "while", "if", "with", "try", "def"]),
        st.sampled_from(_ITERABLES),
        inner,
        inner,
    ),
    max_leaves=8,
)


def _program(blocks: List[List[str]]) -> str:
    body = [line for block in blocks for line in block]
    head = "async def f(xs, q, cursor, session, client):\n    seen = []\n"
    return head + "\n".join(_indent(body)) + "\n"


@pytest.mark.slow
@hypothesis_settings(150)
@given(st.lists(_BLOCKS, min_size=1, max_size=3))
# Each part of a loop that the region walk treats on its own (a nested
# loop's iterable and `else`, a comprehension's first iterable, a `while`
# test, a nested function):
@example([_compound("for", "xs", _compound("for", 'open("i")', ["pass"], []), [])])
@example([_compound("for", "xs", _compound("for-else", "xs", ["pass"], ["q.pop(0)"]), [])])
@example([_compound("for", "xs", [f"print({_EXPRESSIONS[0]})"], [])])
@example([_compound("while", "", ["pass"], [])])
@example([_compound("for", "xs", _compound("def", "", ["await fetch(x)"], []), [])])
def test_the_prefilter_never_hides_a_hazard(blocks: List[List[str]]) -> None:
    source = _program(blocks)
    try:
        ast.parse(source)
    except SyntaxError:
        assume(False)  # `break` outside a loop
    config = Config(select=CODES)
    found = Engine(config).check_text(source, "x.py").diagnostics
    target(float(len(found)))
    assert found == without_shortcuts(source, config)


def test_the_generator_reaches_every_rule() -> None:
    """The generator's pieces make programs in which each rule reports (so
    that the property above compares runs that find something)."""
    lines = ['print(open("f").read())', "q.pop(0)", "Model.objects.get(pk=x)", "await fetch(x)"]
    blocks = [["for x in xs:", *_indent(["print(x in seen)", "seen.append(x)"])]]
    blocks += [["for x in xs:", *_indent([line])] for line in lines]
    source = _program(blocks)
    found = Engine(Config(select=CODES)).check_text(source, "x.py").diagnostics
    assert sorted({d.code for d in found}) == list(CODES)
    assert found == without_shortcuts(source, Config(select=CODES))


# -- the shapes rule out what the rules never report ---------------------------------

NEAR_MISSES = [
    (
        "PRF103",
        "def f(xs, other):\n    seen = []\n    for x in xs:\n        if x in other:\n"
        "            seen.append(x)\n",
    ),
    (
        "PRF103",
        "def f(xs):\n    seen = []\n    def g():\n        for x in xs:\n"
        "            if x in seen:\n                pass\n",
    ),
    (
        "PRF103",
        "def f(xs):\n    seen = []\n    seen.append(1)\n    for x in xs:\n        pass\n"
        "    return 1 in seen\n",
    ),
    (
        "PRF502",
        "for name in names:\n    open(name)\n    open('x', 'w')\n    open('y', mode)\n"
        "    name.read_text()\n",
    ),
    ("PRF502", "with open('f') as fh:\n    for line in fh:\n        print(line)\n"),
    ("PRF502", "for x in xs:\n    def g():\n        return open('f')\n"),
    (
        "PRF503",
        "cursor.execute('x')\nfor row in cursor.fetchall():\n    print(row)\n"
        "while True:\n    Model.objects.get(pk=1)\n",
    ),
    (
        "PRF504",
        "async def f(xs):\n    await g()\n    async for x in xs:\n        await h(x)\n"
        "    for x in xs:\n        print(x)\n    return (await h(x) for x in xs)\n",
    ),
    ("PRF505", "x.pop(0)\nfor y in z:\n    y.pop()\n    y.pop(0, None)\nelse:\n    y.pop(0)\n"),
]


@pytest.mark.parametrize(("code", "source"), NEAR_MISSES)
def test_rules_are_not_run_where_their_shape_is_missing(code: str, source: str) -> None:
    rule = BY_CODE[code]
    assert all(pattern.search(source) for pattern in prefilter.patterns(rule)), "the text admits it"
    assert prefilter.shape_lines(source, syntax.parse(source), [rule]) == {rule: []}
    assert code not in candidate_codes(source, HAZARDS)
    assert not without_shortcuts(source, Config(select=(code,)))


def test_region_leaves_out_what_runs_once() -> None:
    source = (
        "for x in first():\n"
        "    body()\n"
        "    for y in inner_iterable():\n"
        "        inner_body()\n"
        "    else:\n"
        "        inner_else()\n"
        "    def nested():\n"
        "        hidden()\n"
        "    [elt() for z in comp_iterable() if comp_test()]\n"
        "else:\n"
        "    outer_else()\n"
    )
    loop = ast.parse(source).body[0]
    called = {
        node.func.id
        for node in region(loop)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert called == {"body", "inner_iterable", "inner_else", "comp_iterable"}


# -- what a loop binds, changes and carries -------------------------------------------


def _scan(source: str) -> LoopScan:
    return LoopScan(cst.parse_statement(source))


@pytest.mark.parametrize(
    ("source", "carried"),
    [
        ("for x in xs:\n    y = x\n    print(y)\n", set()),
        ("for x in xs:\n    print(y)\n    y = x\n", {"y"}),
        ("for x in xs:\n    total += x\n", {"total"}),
        ("for x in xs:\n    total = 0\n    total += x\n", set()),
        ("for x in xs:\n    if x:\n        y = 1\n    else:\n        y = 2\n    print(y)\n", set()),
        ("for x in xs:\n    if x:\n        y = 1\n    print(y)\n", {"y"}),
        (
            "for x in xs:\n    if x:\n        t = None\n    else:\n        if t is None:\n"
            "            t = 1\n",
            {"t"},
        ),
        ("for x in xs:\n    for y in x:\n        z = y\n    print(z)\n", {"z"}),
        (
            "for x in xs:\n    try:\n        y = f()\n    except E:\n        y = 0\n    print(y)\n",
            set(),
        ),
        (
            "for x in xs:\n    try:\n        y = f()\n    except E:\n        pass\n    print(y)\n",
            {"y"},
        ),
        ("for x in xs:\n    with f(x) as y:\n        print(y)\n", set()),
        ("for x in xs:\n    print([y for y in x])\n    y = 1\n", set()),
        ("for x in xs:\n    g = lambda: y\n    y = 1\n", set()),
        ("while q:\n    x = q.pop()\n", set()),
        ("while x:\n    x = f(x)\n", {"x"}),
    ],
)
def test_carried_names(source: str, carried: set) -> None:
    assert _scan(source).carried == carried


def test_bound_changed_exits_and_sleeps() -> None:
    scan = _scan(
        "for a, (b, *c) in xs:\n"
        "    d = 1\n"
        "    self.e = 2\n"
        "    f[0] = 3\n"
        "    g.append(4)\n"
        "    with h() as i:\n"
        "        pass\n"
        "    for j in k:\n"
        "        break\n"
        "    time.sleep(1)\n"
    )
    assert scan.bound == {"a", "b", "c", "d", "i", "j"}
    assert scan.changed == {"self.e", "f", "g"}
    assert scan.assigned == {"self.e"}
    assert not scan.exits  # the `break` leaves the inner loop only
    assert scan.sleeps
    assert _scan("for x in xs:\n    if x:\n        break\n").exits
    assert _scan("for x in xs:\n    for y in x:\n        return y\n").exits


@pytest.mark.parametrize(
    "source",
    [
        "for x in xs:\n    open('log', *mode)\n",
        "for x in xs:\n    open('log', mode='a')\n",
        "for x in xs:\n    open(file='log')\n",
        "for x in xs:\n    open(x.name)\n",
    ],
)
def test_open_shapes_the_rule_can_report(source: str) -> None:
    """The ``open`` shape keeps every call the rule reports (starred
    arguments hide the mode from both)."""
    config = Config(select=("PRF502",))
    found = Engine(config).check_text(source, "x.py").diagnostics
    assert found == without_shortcuts(source, config)
    assert [d.code for d in found] == (["PRF502"] if "x.name" not in source else [])

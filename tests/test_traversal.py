"""``perf_lint.traversal`` calls the same methods on the same nodes in the
same order as libcst's own traversal: checked event by event against libcst
on the fixtures, a standard-library sample, every construct of the grammar
in a hand-written module, and hypothesmith programs."""

from __future__ import annotations

import sysconfig
from pathlib import Path
from typing import List, Tuple

import libcst as cst
import pytest
from hypothesis import given

from perf_lint import traversal
from tests.conftest import fixture_sources, grammar_programs, hypothesis_settings

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

NODE_CLASSES = sorted(
    (
        value
        for value in vars(cst).values()
        if isinstance(value, type)
        and issubclass(value, cst.CSTNode)
        and not value.__name__.startswith(("Base", "_"))
        and value is not cst.CSTNode
    ),
    key=lambda cls: cls.__name__,
)
TRIVIA_NAMES = {
    "SimpleWhitespace",
    "ParenthesizedWhitespace",
    "TrailingWhitespace",
    "EmptyLine",
    "Newline",
    "Comment",
    "Comma",
    "LeftParen",
    "RightParen",
    "Add",
    "In",
    "NotIn",
}

#: Every statement and expression form libcst knows (match, async, type
#: parameters, f-strings, walrus, star expressions, decorators ...).
EVERY_CONSTRUCT = '''\
# a comment
from __future__ import annotations
import os.path as p, sys
from . import (a as b, c)  # trailing
from ..x import *
@decorator(1)
@other
async def f(a, /, b: int = 1, *args, c, d=2, **kwargs) -> "x":
    """doc"""
    global g
    x = yield
    y = await z
    async for i in aiter():
        pass
    async with a as (b, c), d:
        pass
    def inner():
        nonlocal x
        x += 1
    return lambda q, *r, s=1, **t: (q, r)
class C(Base, metaclass=M):
    attr: int = 0
    def m(self): return self.attr[1:2, ::3, ...]
for i, (j, k) in enumerate(x):
    if i in [1, 2] and j not in (3,) or not k:
        continue
    elif i is None or i is not j:
        break
    else:
        pass
else:
    pass
while x < y <= z != w:
    x = [n ** 2 for n in range(10) if n % 2 if n]
    y = {n: m for n, m in d.items()}
    z = {n for n in s}
    w = (n async for n in g)
try:
    raise E from e
except (A, B) as e:
    del a[0], b.c
else:
    assert x, "message"
finally:
    print(f"{x!r:>{width}} {y=} {'nested'}", end="")
try:
    pass
except* C:
    pass
with open(p) as fh, other():
    data = fh.read() if fh else b"" + rb'raw' + u"uni"
match command.split():
    case [action, *rest] if rest:
        pass
    case {"key": value, **others}:
        pass
    case Point(x=0, y=_) | None:
        pass
    case (1 | 2) as number:
        pass
    case str() | b"bytes" | -1 | 1 + 2j:
        pass
if (n := len(a)) > 10: pass
x = a if b else c; y = ~a + -b * +c @ d // e >> f << g & h | i ^ j
x = *a, *b
print(*args, **kwargs)
lst[1:2] = other[::-1]
def generic[T: int, *Ts, **P](x: T) -> T: ...
type Alias[T] = list[T]
'''


class _Recorder(cst.BatchableCSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: List[Tuple[str, int]] = []


def _recorder_class(names: List[str]) -> type:
    """A visitor with ``visit_``/``leave_`` methods for the node classes
    ``names``, recording every call."""

    def make(kind: str, name: str):  # type: ignore[no-untyped-def]
        def method(self: _Recorder, node: cst.CSTNode) -> None:
            self.events.append((kind + "_" + name, id(node)))

        method.__name__ = f"{kind}_{name}"
        return method

    namespace = {}
    for name in names:
        namespace[f"visit_{name}"] = make("visit", name)
        namespace[f"leave_{name}"] = make("leave", name)
    return type("Recorder", (_Recorder,), namespace)


EVERYTHING = _recorder_class([cls.__name__ for cls in NODE_CLASSES])
NO_TRIVIA = _recorder_class(
    [cls.__name__ for cls in NODE_CLASSES if cls.__name__ not in TRIVIA_NAMES]
)


class _Recording(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: List[Tuple[str, int]] = []


class _Pruning(_Recording):
    """Records calls; skips the children of calls and of classes."""

    def visit_Call(self, node: cst.Call) -> bool:
        self.events.append(("visit_Call", id(node)))
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.events.append(("visit_ClassDef", id(node)))
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append(("visit_Name", id(node)))

    def leave_Name(self, node: cst.Name) -> None:
        self.events.append(("leave_Name", id(node)))

    def visit_Comment(self, node: cst.Comment) -> None:
        self.events.append(("visit_Comment", id(node)))

    def leave_Call(self, node: cst.Call) -> None:
        self.events.append(("leave_Call", id(node)))


class _Generic(_Recording):
    """Overrides ``on_visit``: sees every node, trivia included."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("on_visit", id(node)))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("on_leave", id(original_node)))


class _WithAttributeVisitor(_Pruning):
    def visit_For_body(self, node: cst.For) -> None:
        self.events.append(("visit_For_body", id(node)))


def assert_same_traversal(module: cst.Module) -> None:
    for recorder in (EVERYTHING, NO_TRIVIA):
        theirs, ours = recorder(), recorder()
        cst.visit_batched(module, [theirs])
        traversal.visit_batched(module, [ours])
        assert ours.events == theirs.events
    assert ours.events, "the module has nodes"
    for visitor in (_Pruning, _Generic, _WithAttributeVisitor):
        theirs, ours = visitor(), visitor()
        module.visit(theirs)
        traversal.visit(module, ours)
        assert ours.events == theirs.events


def assert_same_children(module: cst.Module) -> None:
    pending: List[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        children = traversal.children(node)
        assert children == list(node.children), type(node).__name__
        assert all(a is b for a, b in zip(children, node.children))
        pending.extend(children)


def test_every_construct() -> None:
    module = cst.parse_module(EVERY_CONSTRUCT)
    assert_same_traversal(module)
    assert_same_children(module)
    # every class the module holds has its order read from libcst's source
    pending: List[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        assert traversal.child_fields(type(node)) is not None, type(node).__name__
        pending.extend(node.children)


def test_every_node_class_has_an_order() -> None:
    """libcst's source names the children of every concrete node class;
    fields it lists exist on the class."""
    missing = [cls.__name__ for cls in NODE_CLASSES if traversal.child_fields(cls) is None]
    assert missing == []
    assert traversal.child_fields(cst.ImportFrom) == (
        "whitespace_after_from",
        "relative",
        "module",
        "whitespace_before_import",
        "whitespace_after_import",
        "lpar",
        "names",
        "rpar",
        "semicolon",
    )
    assert traversal.child_fields(cst.SimpleStatementLine) == (
        "leading_lines",
        "body",
        "trailing_whitespace",
    )


@pytest.mark.parametrize("path", fixture_sources(), ids=lambda path: path.name)
def test_fixtures(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    assert_same_traversal(module)
    assert_same_children(module)


def _stdlib_sample() -> List[Path]:
    """Every 15th module of the standard library under 60 kB."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in sorted(stdlib.glob("*.py")) if p.stat().st_size < 60000]
    return files[::15]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=lambda path: path.name)
def test_stdlib(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    assert_same_traversal(module)
    assert_same_children(module)


@pytest.mark.slow
@hypothesis_settings(40)
@given(grammar_programs())
def test_grammar_programs(source: str) -> None:
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return
    assert_same_traversal(module)
    assert_same_children(module)


def test_a_mutated_order_is_caught() -> None:
    """The comparison sees an order that differs from libcst's: the
    traversal with two fields of ``Assign`` swapped fails it."""
    module = cst.parse_module("x = y = f(1)\n")
    saved = traversal.child_fields(cst.Assign)
    traversal._ORDERS[cst.Assign] = ("value", "targets", "semicolon")
    try:
        with pytest.raises(AssertionError):
            assert_same_traversal(module)
    finally:
        traversal._ORDERS[cst.Assign] = saved


def test_plain_visitors_never_use_libcsts_traversal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a visitor with attribute visitors goes through libcst's own
    traversal (libcst's no-op stubs for every method name do not count)."""
    module = cst.parse_module(EVERY_CONSTRUCT)

    def refuse(self: cst.CSTNode, visitor: object) -> None:
        raise AssertionError("libcst's traversal was used")

    expected = {}
    for visitor in (_Pruning, _Generic):
        reference = visitor()
        module.visit(reference)
        expected[visitor] = reference.events
    monkeypatch.setattr(cst.CSTNode, "visit", refuse)
    monkeypatch.setattr(cst.Module, "visit", refuse)
    for visitor in (_Pruning, _Generic):
        ours = visitor()
        traversal.visit(module, ours)
        assert ours.events == expected[visitor]
    recorder = NO_TRIVIA()
    traversal.visit_batched(module, [recorder])
    assert recorder.events
    with pytest.raises(AssertionError, match="libcst's traversal"):
        traversal.visit(module, _WithAttributeVisitor())


def test_the_rules_visitors_take_the_fast_path() -> None:
    from perf_lint import edits, scopes
    from perf_lint.rules import _logging, _loops, logging_expensive_argument

    visitors = [
        value
        for module in (edits, scopes, _logging, _loops, logging_expensive_argument)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, cst.CSTVisitor)
        and value.__module__ == module.__name__
    ]
    assert len(visitors) >= 7
    assert [cls.__name__ for cls in visitors if traversal._plan(cls).fallback] == []

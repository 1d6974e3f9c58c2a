"""PRF103 list-used-as-set."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from perf_lint import repeats
from perf_lint.context import FileContext
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import LoopRule, binding_values
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.rules._types import is_unhashable_display
from perf_lint.scopes import COMPREHENSIONS, ScopeNames

#: ``name = [`` or ``name = list``: ``=`` then blanks and line continuations
#: (no comment can come between outside brackets), then the list.
LIST_BINDING = r"=[ \t\f]*(?:\\(?:\r\n|\r|\n)[ \t\f]*)*(?:\[|list\b)"


class ListUsedAsSet(LoopRule):
    """## What it does
    Checks for a list, local to a function, that is used only as a set:
    every use of it is `name.append(x)`, `x in name` or `x not in name`,
    and a membership test runs inside a loop: a `for`, `async for` or
    `while` body, a `while` test, or a comprehension's element or
    condition, in the same function (not in a nested `def`, `lambda` or
    class). It is reported at each such membership test.

    The name must be bound only to a list display, a list comprehension or
    a `list(...)` call in the function, outside the loop of the test (a
    list made again on every iteration is searched once per list), and the
    list must be able to grow: it is appended to, or it is built from data
    (a comprehension or `list(...)`). A list of constants that is never
    appended to has a fixed length and is left alone (PRF101 covers a
    literal written in the test).

    Not reported: a list that is also indexed, sliced, iterated, returned,
    passed to a function, extended, sorted, measured with `len`, rebound in
    another way (`+=`, unpacking, a loop target), or used in a nested
    function other than for `append` or a membership test: its order or
    identity may matter. Nor are lists whose elements are list, dict or set
    displays, calls of a class of the file whose instances cannot be
    hashed (it defines `__eq__` without `__hash__`, sets `__hash__ =
    None`, is a `@dataclass` with `eq` and neither `frozen` nor
    `unsafe_hash`, or inherits from such a class without defining
    `__hash__`), or variables of the function that any assignment binds to
    one of these (they cannot go into a set), parameters, module-level and
    class-level lists, attributes, names declared `global`/`nonlocal`,
    lists in a function that uses `locals()` or similar introspection,
    and tests inside loops that only run over a display or a `range` of
    constants (a number of iterations written in the code).

    ## Why is this bad?
    `x in list` compares `x` with the elements one by one: each test takes
    time linear in the length of the list, and a loop that tests and
    appends, as in the usual "seen" idiom, takes time quadratic in the
    number of items. A set answers in constant time.

    ## Example
    ```python
    def unique(items):
        seen = []
        for item in items:
            if item not in seen:
                seen.append(item)
                yield item
    ```

    Use instead:
    ```python
    def unique(items):
        seen = set()
        for item in items:
            if item not in seen:
                seen.add(item)
                yield item
    ```

    ## Fix safety
    There is no fix: a set needs hashable elements, which cannot be proven
    for values the function receives (a tuple holding a list is not
    hashable, nor is an object whose class defines `__eq__` without
    `__hash__`, such as Django's `Index`), and every use of the list
    changes with it (`append` becomes `add`). The message says so: a list
    of unhashable elements is reported, and is best left a list.
    """

    CODE = "PRF103"
    NAME = "list-used-as-set"
    SUMMARY = "`seen = []` only appended to and tested with `in` in a loop; no fix"
    MESSAGE = (
        "List `{name}` is only searched with `in` (and appended to); use a set if its"
        " elements are hashable"
    )
    FIX = Fix.NONE
    PATTERN = (FOR_OR_WHILE, LIST_BINDING)
    SHAPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
    VALID = (
        Valid(
            "def f(xs):\n    seen = []\n    for x in xs:\n        if x not in seen:\n"
            "            seen.append(x)\n    return seen\n"
        ),
        Valid(
            "def f(xs):\n    keys = ['a', 'b']\n    for x in xs:\n        if x in keys:\n"
            "            pass\n"
        ),
        Valid(
            "def f(xs, seen):\n    for x in xs:\n        if x not in seen:\n"
            "            seen.append(x)\n"
        ),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    seen = []\n    for x in xs:\n        if x not in seen:\n"
            "            seen.append(x)\n"
        ),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A function that binds a name to a list (a display, a
        comprehension, a ``list(...)`` call) and tests membership in that
        name inside a loop, both in its own body (not in a nested function,
        lambda or class)."""
        lists = _list_names(node.body)  # type: ignore[attr-defined]
        if not lists:  # most functions: no expression needs reading
            return False
        tested: Set[str] = set()
        for current in repeats.repeated(node.body, nested_scopes=False):  # type: ignore[attr-defined]
            if type(current) is ast.Compare:
                for operator, right in zip(current.ops, current.comparators):  # type: ignore[attr-defined]
                    if type(right) is ast.Name and type(operator) in (ast.In, ast.NotIn):
                        tested.add(right.id)
        return not lists.isdisjoint(tested)

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.verdicts: Dict[Tuple[cst.CSTNode, str], bool] = {}

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            comparator = target.comparator
            if (
                isinstance(target.operator, (cst.In, cst.NotIn))
                and isinstance(comparator, cst.Name)
                and self._reported(comparator)
            ):
                self.report(node, name=comparator.value)
                return

    def _reported(self, name: cst.Name) -> bool:
        frame = self.loop()
        if frame is None or self.fixed_count():
            return False
        scope = self.scope()
        if not isinstance(scope, cst.FunctionDef):
            return False
        # Only comprehensions between the function and the test: a lambda
        # parameter or a class body would give the name another meaning.
        stack = self.context.scopes.chain()
        index = next((i for i, part in enumerate(stack) if part is scope), None)
        if index is None or any(type(part) not in COMPREHENSIONS for part in stack[index + 1 :]):
            return False
        names = self.context.scopes.names(scope)
        # The comparator must be the function's variable (a comprehension
        # may bind the same name for itself).
        if not any(use.node is name for use in names.uses.get(name.value, ())):
            return False
        key = (scope, name.value)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._used_as_set(names, scope, name.value)
        # A list made again on each iteration is tested once per list.
        return verdict and not any(
            use.role == "store" and names.inside(use.node, frame.node)
            for use in names.uses.get(name.value, ())
        )

    def _used_as_set(self, names: ScopeNames, scope: cst.FunctionDef, name: str) -> bool:
        if names.introspective:
            return False
        bindings = binding_values(names, scope, name)
        if bindings is None:
            return False
        grows = False
        for kind, value in bindings:
            if kind != "value" or not self._list_value(value):
                return False
            if not isinstance(value, cst.List):
                grows = True
            elif any(
                not isinstance(element, cst.Element) or is_unhashable_display(element.value)
                for element in value.elements
            ):
                return False
        classes = self._unhashable_classes()
        for use in names.uses.get(name, ()):
            if use.role == "store":
                continue
            element = _appended(names, use.node)
            if element is not None:
                grows = True
                if _unhashable(names, scope, element, classes):
                    return False
                continue
            left = _tested(names, use.node)
            if left is None or _unhashable(names, scope, left, classes):
                return False
        return grows

    def _unhashable_classes(self) -> Set[str]:
        """The classes of the file whose instances cannot be hashed (once
        per file)."""
        key = ("list-used-as-set-unhashable-classes", self.context.path)
        found = self.context.cache.get(key)
        if found is None:
            found = self.context.cache[key] = unhashable_classes(self.context.tree)
        return found  # type: ignore[no-any-return]

    def _list_value(self, value: Optional[cst.CSTNode]) -> bool:
        """A list display, list comprehension or ``list(...)`` call, not in
        parentheses (the pre-filter looks for ``= [`` and ``= list``)."""
        if isinstance(value, (cst.List, cst.ListComp)):
            return not value.lpar
        return (
            isinstance(value, cst.Call)
            and not value.lpar
            and isinstance(value.func, cst.Name)
            and value.func.value == "list"
            and self.context.facts.is_builtin("list")
        )


def _unhashable(
    names: ScopeNames, scope: cst.FunctionDef, node: cst.BaseExpression, classes: Set[str]
) -> bool:
    """A list, dict or set display or comprehension (or a tuple holding
    one), an instance of one of ``classes`` (``Point(x, y)``), or a
    variable of the function bound to one by any assignment."""
    if is_unhashable_display(node) or _instance_of(node, classes):
        return True
    if not isinstance(node, cst.Name) or not any(
        use.node is node for use in names.uses.get(node.value, ())
    ):
        return False
    bindings = binding_values(names, scope, node.value) or ()
    return any(
        kind == "value"
        and value is not None
        and (is_unhashable_display(value) or _instance_of(value, classes))  # type: ignore[arg-type]
        for kind, value in bindings
    )


def _instance_of(node: cst.CSTNode, classes: Set[str]) -> bool:
    """``node`` calls one of ``classes`` by its name."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value in classes
    )


def _dataclass_unhashable(decorator: ast.expr) -> Optional[bool]:
    """Whether ``@dataclass``/``@dataclass(...)`` makes instances
    unhashable (``eq`` without ``frozen`` or ``unsafe_hash`` sets
    ``__hash__`` to ``None``); ``None`` for another decorator."""
    call = decorator if isinstance(decorator, ast.Call) else None
    func = call.func if call is not None else decorator
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    if name != "dataclass":
        return None
    flags = {"eq": True, "frozen": False, "unsafe_hash": False}
    for keyword in call.keywords if call is not None else ():
        if keyword.arg in flags:
            if not isinstance(keyword.value, ast.Constant):
                return False  # not known: assume hashable
            flags[keyword.arg] = bool(keyword.value.value)
    return flags["eq"] and not flags["frozen"] and not flags["unsafe_hash"]


def unhashable_classes(tree: Optional[ast.Module]) -> Set[str]:
    """The names of the classes of ``tree`` whose instances cannot be
    hashed: the class defines ``__eq__`` without ``__hash__`` (or sets
    ``__hash__ = None``), is a ``@dataclass`` with ``eq`` and neither
    ``frozen`` nor ``unsafe_hash``, or inherits from such a class of the
    file without defining ``__hash__``. A name defined by two classes is
    left out."""
    if tree is None:
        return set()
    defined: Dict[str, List[ast.ClassDef]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            defined.setdefault(node.name, []).append(node)
    own: Dict[str, Optional[bool]] = {}  # True: unhashable, False: hashable, None: inherits
    for name, nodes in defined.items():
        if len(nodes) != 1:
            continue
        node = nodes[0]
        members: Dict[str, ast.AST] = {}
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                members[statement.name] = statement
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        members[target.id] = statement.value
        if "__hash__" in members:
            value = members["__hash__"]
            own[name] = isinstance(value, ast.Constant) and value.value is None
            continue
        verdicts = [_dataclass_unhashable(decorator) for decorator in node.decorator_list]
        if any(verdict is not None for verdict in verdicts):
            own[name] = any(verdicts)
        else:
            own[name] = True if "__eq__" in members else None
    found = {name for name, verdict in own.items() if verdict}
    changed = True
    while changed:
        changed = False
        for name, verdict in own.items():
            if verdict is None and name not in found:
                bases = defined[name][0].bases
                if any(isinstance(base, ast.Name) and base.id in found for base in bases):
                    found.add(name)
                    changed = True
    return found


def _list_value(node: Optional[ast.AST]) -> bool:
    kind = type(node)
    if kind is ast.List or kind is ast.ListComp:
        return True
    return (
        kind is ast.Call
        and type(node.func) is ast.Name  # type: ignore[attr-defined]
        and node.func.id == "list"  # type: ignore[attr-defined]
    )


def _appended(names: ScopeNames, node: cst.Name) -> Optional[cst.BaseExpression]:
    """The element of ``node.append(element)``, when that is the use."""
    attribute = names.parents.get(node)
    if not (
        isinstance(attribute, cst.Attribute)
        and attribute.value is node
        and attribute.attr.value == "append"
    ):
        return None
    call = names.parents.get(attribute)
    if not isinstance(call, cst.Call) or call.func is not attribute or len(call.args) != 1:
        return None
    arg = call.args[0]
    if arg.keyword is not None or arg.star:
        return None
    return arg.value


def _tested(names: ScopeNames, node: cst.Name) -> Optional[cst.BaseExpression]:
    """The left operand of ``left in node`` / ``left not in node``, when
    that is the use."""
    target = names.parents.get(node)
    if not (
        isinstance(target, cst.ComparisonTarget)
        and target.comparator is node
        and isinstance(target.operator, (cst.In, cst.NotIn))
    ):
        return None
    comparison = names.parents.get(target)
    if not isinstance(comparison, cst.Comparison):
        return None
    left = comparison.left
    for other in comparison.comparisons:
        if other is target:
            return left
        left = other.comparator
    return None


_BLOCKS = ("body", "orelse", "finalbody")


def _list_names(statements: List[ast.stmt]) -> Set[str]:
    """The names ``statements`` (and the blocks inside them, but not nested
    functions and classes) bind to a list: reading statements alone."""
    found: Set[str] = set()
    pending = list(statements)
    while pending:
        current = pending.pop()
        kind = type(current)
        if kind in repeats.SCOPES:
            continue
        if kind is ast.Assign or kind is ast.AnnAssign:
            targets = current.targets if kind is ast.Assign else [current.target]  # type: ignore[attr-defined]
            if _list_value(current.value):  # type: ignore[attr-defined]
                found.update(t.id for t in targets if type(t) is ast.Name)
            continue
        for field in _BLOCKS:
            block = getattr(current, field, None)
            if type(block) is list:
                pending.extend(block)
        for part in getattr(current, "handlers", ()):
            pending.extend(part.body)
        for part in getattr(current, "cases", ()):
            pending.extend(part.body)
    return found

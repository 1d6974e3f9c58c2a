"""PRF601: a constant table rebuilt on every call of a hot function."""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import List, Optional, Set, Tuple

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.heat import StaticHeat, hot
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._heat import Functions, count, enclosing
from perf_lint.rules.regex_in_loop import constant_stem
from perf_lint.scopes import qualified_name


@dataclasses.dataclass(frozen=True)
class ConstantRebuiltOptions:
    min_calls: int = dataclasses.field(
        default=1000,
        metadata={
            "min": 1,
            "help": "fewest calls of a function in the profile for PRF601 and PRF602 to report it",
        },
    )


#: Methods that read a list, dict, set or compiled pattern and change nothing.
READ_METHODS = frozenset(
    {
        "get",
        "keys",
        "values",
        "items",
        "index",
        "count",
        "copy",
        "issubset",
        "issuperset",
        "isdisjoint",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "match",
        "search",
        "fullmatch",
        "findall",
        "finditer",
        "sub",
        "subn",
        "split",
        "__contains__",
        "__getitem__",
    }
)
#: Builtins that read their argument and keep no reference to it.
READ_BUILTINS = frozenset(
    {
        "len",
        "sorted",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "any",
        "all",
        "min",
        "max",
        "sum",
        "bool",
        "str",
        "repr",
    }
)
_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)
_LISTS_GLOBALS = re.compile(r"\b(?:globals|vars|dir|locals)\s*\(\s*\)")


def _constant(node: cst.BaseExpression) -> bool:
    """A literal that ``ast.literal_eval`` reads and that cannot change: a
    number, string, bytes, ``None``/``True``/``False``, or a tuple of such."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _constant(node.left) and _constant(node.right)  # type: ignore[arg-type]
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(e, cst.Element) and _constant(e.value)
            for e in node.elements  # type: ignore[union-attr]
        )
    return False


def built_constant(node: cst.BaseExpression, context: FileContext) -> Optional[str]:
    """What ``node`` builds, when it builds a new value from constants alone
    on each evaluation (CPython folds a tuple of constants, not these): a
    list, set or dict display, ``frozenset``/``set``/``tuple`` of one, or
    ``re.compile`` of a literal pattern that compiles. ``None`` otherwise."""
    if isinstance(node, (cst.List, cst.Set)):
        elements = node.elements
        if elements and all(isinstance(e, cst.Element) and _constant(e.value) for e in elements):
            return "list" if isinstance(node, cst.List) else "set"
        return None
    if isinstance(node, cst.Dict):
        elements = node.elements
        if elements and all(
            isinstance(e, cst.DictElement) and _constant(e.key) and _constant(e.value)
            for e in elements
        ):
            return "dict"
        return None
    if not isinstance(node, cst.Call) or len(node.args) != 1:
        return None
    argument = node.args[0]
    if argument.keyword is not None or argument.star:
        return None
    if isinstance(node.func, cst.Name) and node.func.value in ("frozenset", "set", "tuple"):
        if context.facts.is_builtin(node.func.value) and built_constant(argument.value, context):
            return node.func.value
        return None
    if qualified_name(node.func, context.facts) == "re.compile":
        if not isinstance(argument.value, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        try:
            pattern = ast.literal_eval(cst.Module([]).code_for_node(argument.value))
            re.compile(pattern)
        except Exception:  # not a literal, or a pattern that does not compile
            return None
        return "compiled pattern"
    return None


class ConstantRebuiltPerCall(Rule):
    """## What it does
    With a profile of a real run (`perf-lint profile`, or `check --profile`
    with a cProfile dump, which counts calls), checks functions that the
    profile shows called at least `min-calls` times (default 1000) for a
    local variable bound once, to a value built from constants alone:

    - a list, set or dict display whose elements (keys and values) are
      numbers, strings, bytes, `None`, `True`, `False` or tuples of these;
    - `frozenset(...)`, `set(...)` or `tuple(...)` of such a display;
    - `re.compile("literal")` of a pattern that compiles.

    It is reported only when every use of the variable in the function
    reads it without changing it or letting it out: `v[k]` (not as an
    assignment or `del` target), `k in v`, `for x in v` (also in a
    comprehension), the methods `get keys values items index count copy`,
    the set methods that return a new set, the pattern methods `match
    search fullmatch findall finditer sub subn split`, and the builtins
    `len sorted list tuple set frozenset dict any all min max sum bool
    str repr` called with it (when the file does not rebind them). Any
    other use (passed to another function, returned, stored, aliased,
    used in a nested function, a `global`/`nonlocal` declaration, a
    function that calls `locals()`) means no report. Without a profile, or
    with a sampling profile (no call counts), the rule is silent.

    ## Why is this bad?
    CPython folds a tuple of constants into one constant, but builds a
    list, set or dict display element by element each time it runs, and
    `re.compile` looks its pattern up in `re`'s cache on each call. In a
    function called tens of thousands of times, the same table is built
    tens of thousands of times. Bound once at module level, it costs one
    global lookup per call. The message says how many calls the profile
    counted; the JSON `data` holds the function and its calls (the
    profile's shares are in the ranking, `profile` in JSON).

    ## Example
    ```python
    def classify(token):
        kinds = {"(": "open", ")": "close", ",": "comma"}
        return kinds.get(token, "word")
    ```

    Use instead:
    ```python
    _CLASSIFY_KINDS = {"(": "open", ")": "close", ",": "comma"}

    def classify(token):
        kinds = _CLASSIFY_KINDS
        return kinds.get(token, "word")
    ```

    ## Fix safety
    The fix adds `_<FUNCTION>_<VARIABLE> = <value>` at module level, after
    the statement before the top-level statement that holds the function
    (none is offered for a function in the file's first statement), with a
    name used nowhere in the file, and binds the variable to it. It is
    safe: the value is built from constants (it cannot raise when the
    module is imported; a pattern is compiled here first), and every use
    is a read that keeps no reference, so no call can tell one shared
    object from a new one per call. It is unsafe in a module that can
    list its own globals (`globals()`, or `dir()`, `vars()` or `locals()`
    without arguments), which would see the new name.
    """

    CODE = "PRF601"
    NAME = "constant-rebuilt-per-call"
    SUMMARY = "constant table built in a hot function → module-level constant"
    MESSAGE = (
        "`{name}` ({kind} of constants) is rebuilt on each of the {calls} calls of "
        "`{function}`; build it once at module level"
    )
    FIX_MESSAGE = "Bind `{name}` to the module-level constant `{constant}`"
    FIX = Fix.SAFE_WHEN_PROVEN
    OPTIONS = ConstantRebuiltOptions
    NEEDS_PROFILE = True
    #: Every finding is in a function.
    PATTERN = r"\bdef\b"
    # The constant a fix adds is named after what the whole file binds.
    FILE_WIDE = True
    VALID = (
        Valid("def f(k):\n    t = {'a': 1, 'b': 2}\n    t[k] = 3\n    return t\n"),
        Valid("def f(k):\n    t = {'a': 1, 'b': 2}\n    return t\n"),
        Valid("def f(k):\n    t = (1, 2, 3)\n    return k in t\n"),
        Valid("def f(k):\n    t = [k, 2]\n    return k in t\n"),
    )
    INVALID = (
        Invalid(
            "import re\n\n\ndef f(k):\n    t = {'a': 1, 'b': 2}\n    return t.get(k)\n",
            fixed="import re\n\n_F_T = {'a': 1, 'b': 2}\n\n\ndef f(k):\n"
            "    t = _F_T\n    return t.get(k)\n",
            heat=StaticHeat((("f", hot(calls=50_000)),)),
        ),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.functions = Functions(context)
        self.names: Set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        heat = self.functions.heat(node)
        if heat is None or heat.calls is None or heat.calls < self.options.min_calls:
            return
        self._check(node, heat)

    def _check(self, node: cst.FunctionDef, heat: object) -> None:
        names = self.context.scopes.names(node)
        if names.introspective:
            return
        for name, uses in names.uses.items():
            if name in names.declared:
                continue
            stores = [use for use in uses if use.role == "store"]
            if len(stores) != 1 or any(use.role == "nested" for use in uses):
                continue
            assign = names.parents.get(names.parents.get(stores[0].node))  # type: ignore[arg-type]
            target = names.parents.get(stores[0].node)
            if not (
                isinstance(target, cst.AssignTarget)
                and isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
            ):
                continue
            kind = built_constant(assign.value, self.context)
            if kind is None:
                continue
            loads = [use for use in uses if use.role != "store"]
            if not loads or not all(self._reads(use.node, names.parents) for use in loads):
                continue
            self._report(node, name, kind, assign, heat)

    def _reads(self, node: cst.Name, parents: dict) -> bool:  # type: ignore[type-arg]
        """``node`` (a use of the variable) reads it and keeps nothing."""
        parent = parents.get(node)
        above = parents.get(parent)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            if isinstance(above, (cst.For, cst.CompFor)):
                return above.target is not parent
            # Not a target (an element may be one of a tuple target).
            return not isinstance(above, (cst.AssignTarget, cst.Del, cst.AugAssign, cst.Element))
        if isinstance(parent, cst.ComparisonTarget) and parent.comparator is node:
            return isinstance(parent.operator, (cst.In, cst.NotIn))
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return True
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return (
                parent.attr.value in READ_METHODS
                and isinstance(above, cst.Call)
                and above.func is parent
            )
        if isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
            call = above
            return (
                isinstance(call, cst.Call)
                and parent.keyword is None
                and isinstance(call.func, cst.Name)
                and call.func.value in READ_BUILTINS
                and self.context.facts.is_builtin(call.func.value)
            )
        return False

    def _report(
        self, node: cst.FunctionDef, name: str, kind: str, assign: cst.Assign, heat: object
    ) -> None:
        calls = heat.calls  # type: ignore[attr-defined]
        function = heat.function or node.name.value  # type: ignore[attr-defined]
        data = {
            "function": function,
            "calls": calls,
            "evidence": f"`{function}` called {count(calls)} times",
        }
        slots = {"name": name, "kind": kind, "calls": count(calls), "function": function}
        fix = self._fix(node, name, assign)
        if fix is None:
            self.report(assign.value, data=data, constant="", **slots)
            return
        constant, anchor, statement, safe = fix
        self.report(
            assign.value,
            replacement=cst.Name(constant),
            safe=safe,
            data={**data, "constant": constant},
            insert_after=[(anchor, [statement])],
            constant=constant,
            **slots,
        )

    def _fix(
        self, node: cst.FunctionDef, name: str, assign: cst.Assign
    ) -> Optional[Tuple[str, cst.CSTNode, cst.SimpleStatementLine, bool]]:
        stack = enclosing(self.context)
        top = stack[1] if len(stack) > 1 else node
        body: List[cst.CSTNode] = list(self.context.module.body)
        index = next((i for i, s in enumerate(body) if s is top), None)
        if not index:  # the file's first statement, or not found
            return None
        stem = constant_stem(node.name.value)
        variable = constant_stem(name)
        if not stem or not variable:
            return None
        base = f"_{stem}_{variable}"
        constant, number = base, 1
        while re.search(rf"(?<!\w){re.escape(constant)}(?!\w)", self.context.source) or (
            constant in self.names
        ):
            number += 1
            constant = f"{base}_{number}"
        self.names.add(constant)
        statement = cst.SimpleStatementLine(
            [cst.Assign([cst.AssignTarget(cst.Name(constant))], assign.value)],
            # Two blank lines after a definition, as PEP 8 has it; one after
            # an import or another statement.
            leading_lines=[cst.EmptyLine()]
            * (2 if isinstance(body[index - 1], _DEFINITIONS) else 1),
        )
        safe = not _LISTS_GLOBALS.search(self.context.source)
        return constant, body[index - 1], statement, safe

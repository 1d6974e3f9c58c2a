"""PRF506 wall-clock-duration."""

from __future__ import annotations

import ast
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._imports import top_level_imports
from perf_lint.scopes import ScopeNames, qualified_name

#: The wall-clock readings, by qualified name, with the clock they read.
_READINGS: Dict[str, str] = {
    "time.time": "time.time()",
    "time.time_ns": "time.time_ns()",
    "datetime.datetime.now": "datetime.now()",
    "datetime.datetime.utcnow": "datetime.utcnow()",
}
#: The clocks a fix can replace, with the function of ``time`` that does.
_MONOTONIC: Dict[str, str] = {"time.time()": "perf_counter", "time.time_ns()": "perf_counter_ns"}
#: The functions' own names: a reading is called by its own name.
_OWN_NAMES = frozenset(name.rpartition(".")[2] for name in _READINGS)


def _may_read(node: ast.AST) -> bool:
    """A call of ``time``, ``now`` or ``utcnow``, by name or as an attribute
    (what the rule takes for a reading when imports resolve it)."""
    if type(node) is not ast.Call:
        return False
    func = node.func  # type: ignore[attr-defined]
    kind = type(func)
    if kind is ast.Attribute:
        return func.attr in _OWN_NAMES  # type: ignore[no-any-return]
    return kind is ast.Name and func.id in _OWN_NAMES


def measures(node: ast.AST, source: str) -> bool:
    """The shape of PRF506: a subtraction of a reading and a name (or
    another reading), or a name bound to a reading. A measurement of two
    names has the bindings of its names in the same scope."""
    kind = type(node)
    if kind is ast.BinOp:
        operands = (node.left, node.right)  # type: ignore[attr-defined]
        return (
            type(node.op) is ast.Sub  # type: ignore[attr-defined]
            and any(_may_read(operand) for operand in operands)
            and all(type(operand) is ast.Name or _may_read(operand) for operand in operands)
        )
    if kind is ast.Assign:
        targets = node.targets  # type: ignore[attr-defined]
        return len(targets) == 1 and type(targets[0]) is ast.Name and _may_read(node.value)  # type: ignore[attr-defined]
    return type(node.target) is ast.Name and _may_read(node.value)  # type: ignore[attr-defined]


class _Side(NamedTuple):
    """One operand of a subtraction that is a reading of a clock: the
    clock, the reading calls it stands for (the call itself, or every
    value a name is bound to) and the name (``None`` for a call)."""

    clock: str
    readings: Tuple[cst.Call, ...]
    name: Optional[str] = None


class WallClockDuration(Rule):
    """## What it does
    Checks for a duration measured with the wall clock: a reading of
    `time.time()` (or `time.time_ns()`, `datetime.now()`,
    `datetime.utcnow()`) subtracted from another reading of the same
    clock, where each side is the call itself or a name that every
    binding in the function (or module) assigns such a call to, as in
    `start = time.time(); ...; elapsed = time.time() - start`. The
    clocks are recognised through the file's imports (`from time import
    time`, `from datetime import datetime`). A timestamp that is never
    subtracted from another reading, or a value of unknown origin (a
    parameter, an attribute), is not reported.

    ## Why is this bad?
    The wall clock is not made to measure durations: it has a coarse
    resolution on some systems, and it jumps when the system's time is set
    or adjusted (by NTP, by hand, at a leap second), so a duration measured
    with it can come out negative, far too long, or zero.
    `time.perf_counter()` is monotonic and has the highest resolution
    available; its readings mean nothing on their own, but their
    differences are exact durations. This is about measuring right, not
    about speed: both clocks cost about the same to read (some 45 ns on
    Linux).

    ## Example
    ```python
    import time

    start = time.time()
    work()
    elapsed = time.time() - start
    ```

    Use instead:
    ```python
    import time

    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    ```

    ## Fix safety
    The fix turns every reading of the measurement into
    `time.perf_counter()` (`time.perf_counter_ns()` for `time.time_ns()`)
    at once: those of the reported subtraction, those
    its names are bound to, and those of every other subtraction that
    shares one of these names (so that no difference ever mixes the two
    clocks). It is **unsafe**: the values are no longer seconds since the
    epoch, which matters to anything else that sees them. It is offered
    only for `time`'s clocks, when each of those names is used only in such
    subtractions (not stored, logged, returned, compared with a time or
    used in a nested function), and when the new call can be written: as
    an attribute of the module the reading used (`time.perf_counter()`),
    or through an import of `time` or of the function at module level. Differences
    of `datetime` readings are `timedelta`s: they are reported without a
    fix.
    """

    CODE = "PRF506"
    NAME = "wall-clock-duration"
    SUMMARY = "`time.time() - start` → `time.perf_counter()` for both readings, unsafe"
    MESSAGE = "Duration measured with the wall clock `{clock}`; use `time.perf_counter()`"
    FIX_MESSAGE = "Measure with `time.perf_counter()`"
    FIX = Fix.UNSAFE
    PATTERN = (r"(?:time|now)(?!\w)", r"-")
    SHAPE_NODES = (ast.BinOp, ast.Assign, ast.AnnAssign)
    SCOPE_WIDE = True
    shape = staticmethod(measures)
    VALID = (
        Valid("import time\nstamp = time.time()\nprint(stamp)\n"),
        Valid("import time\ndef f(start):\n    return time.time() - start\n"),
        Valid("import time\ndef f(self):\n    return time.time() - self.start\n"),
        Valid("from time import monotonic as time\nt0 = time()\nd = time() - t0\n"),
        Valid("import time\nimport datetime\nd = datetime.datetime.now() - time.time()\n"),
    )
    INVALID = (
        Invalid(
            "import time\n\n\ndef f():\n    start = time.time()\n    work()\n"
            "    return time.time() - start\n",
            unsafe_fixed="import time\n\n\ndef f():\n    start = time.perf_counter()\n"
            "    work()\n    return time.perf_counter() - start\n",
        ),
        Invalid(
            "from time import time, perf_counter\n\n\ndef f():\n    t0 = time()\n"
            "    t1 = time()\n    return t1 - t0\n",
            unsafe_fixed="from time import time, perf_counter\n\n\ndef f():\n"
            "    t0 = perf_counter()\n    t1 = perf_counter()\n    return t1 - t0\n",
        ),
        Invalid(
            "import time\n\n\ndef f(log):\n    start = time.time()\n    log(start)\n"
            "    return time.time() - start\n"
        ),
        Invalid(
            "from datetime import datetime\n\n\ndef f():\n    start = datetime.now()\n"
            "    return datetime.now() - start\n"
        ),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self._fixes: Dict[cst.CSTNode, Optional[Dict[cst.Call, cst.Call]]] = {}

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Subtract):
            return
        scope = self._scope()
        if scope is None:
            return
        left = self._side(node.left, scope)
        if left is None:
            return
        right = self._side(node.right, scope)
        if right is None or right.clock != left.clock:
            return
        changes = self._changes(node, scope, left.clock) if left.clock in _MONOTONIC else None
        if changes is None:
            self.report(node, clock=left.clock)
            return
        # Every report of one measurement carries the same fix (the
        # subtraction itself stays as it is): the engine applies it once.
        self.report(node, replacement=node, also=list(changes.items()), clock=left.clock)

    # -- what a side of the subtraction is ---------------------------------------
    def _scope(self) -> Optional[ScopeNames]:
        """The names of the function (or module) the node being visited is
        in; ``None`` inside a class body or a lambda."""
        for node in reversed(self.context.scopes.chain()):
            if isinstance(node, (cst.FunctionDef, cst.Module)):
                return self.context.scopes.names(node)
            if isinstance(node, (cst.ClassDef, cst.Lambda)):
                return None
        return None

    def _reading(self, node: cst.CSTNode) -> Optional[str]:
        """The clock ``node`` reads, when it is a call of one by its own name."""
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        own = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if own not in _OWN_NAMES:
            return None
        return _READINGS.get(qualified_name(func, self.context.facts) or "")

    def _side(self, node: cst.BaseExpression, scope: ScopeNames) -> Optional[_Side]:
        clock = self._reading(node)
        if clock is not None:
            return _Side(clock, (node,))  # type: ignore[arg-type]
        if isinstance(node, cst.Name):
            return self._bound(node, scope)
        return None

    def _bound(self, name: cst.Name, scope: ScopeNames) -> Optional[_Side]:
        """``name`` as a reading: the use is one the scope records (not a
        comprehension's own variable), and every binding of the name in
        the scope assigns a reading of one clock."""
        uses = scope.uses.get(name.value, ())
        if not any(use.node is name for use in uses):
            return None
        if name.value in scope.declared or name.value in self.context.facts.bindings.declared:
            return None
        if isinstance(scope.scope, cst.FunctionDef) and name.value in _parameters(scope.scope):
            return None
        readings: List[cst.Call] = []
        clocks: Set[str] = set()
        for use in uses:
            if use.role != "store":
                continue
            value = _assigned(use.node, scope)
            clock = self._reading(value) if value is not None else None
            if clock is None:
                return None
            readings.append(value)  # type: ignore[arg-type]
            clocks.add(clock)
        if len(clocks) != 1:
            return None
        return _Side(clocks.pop(), tuple(readings), name.value)

    # -- the fix -----------------------------------------------------------------------
    def _changes(
        self, node: cst.BinaryOperation, scope: ScopeNames, clock: str
    ) -> Optional[Dict[cst.Call, cst.Call]]:
        """Every reading of the measurement ``node`` belongs to, with its
        ``perf_counter`` replacement; ``None`` when a name in it is used
        otherwise or the new call cannot be written."""
        if node in self._fixes:
            return self._fixes[node]
        subtractions = [node]
        names: Set[str] = set()
        readings: Dict[cst.Call, None] = {}
        seen: Set[cst.CSTNode] = set()
        result: Optional[Dict[cst.Call, cst.Call]] = {}
        while subtractions and result is not None:
            current = subtractions.pop()
            if current in seen:
                continue
            seen.add(current)
            for operand in (current.left, current.right):
                side = self._side(operand, scope)
                if side is None or side.clock != clock:
                    result = None
                    break
                readings.update(dict.fromkeys(side.readings))
                if side.name is None or side.name in names:
                    continue
                names.add(side.name)
                for use in scope.uses.get(side.name, ()):
                    if use.role == "store":
                        continue
                    parent = scope.parents.get(use.node)
                    if (
                        use.role != "load"
                        or not isinstance(parent, cst.BinaryOperation)
                        or not isinstance(parent.operator, cst.Subtract)
                    ):
                        result = None
                        break
                    subtractions.append(parent)
                if result is None:
                    break
        if result is not None:
            for call in readings:
                new = self._monotonic(call, _MONOTONIC[clock])
                if new is None:
                    result = None
                    break
                result[call] = new
        for current in seen:
            self._fixes[current] = result
        return result

    def _monotonic(self, call: cst.Call, function: str) -> Optional[cst.Call]:
        """``call`` (a ``time.time()`` or ``time.time_ns()``) as a call of
        ``function`` of ``time``."""
        func = call.func
        if isinstance(func, cst.Attribute):
            return call.with_changes(func=func.with_changes(attr=cst.Name(function)))
        imports = top_level_imports(self.context)
        for local, (qualified, _) in imports.items():
            if qualified == "time." + function:
                return call.with_changes(func=cst.Name(local))
        for local, (qualified, _) in imports.items():
            if qualified == "time":
                return call.with_changes(func=cst.Attribute(cst.Name(local), cst.Name(function)))
        return None


def _parameters(function: cst.FunctionDef) -> Set[str]:
    params = function.params
    found = {param.name.value for param in (*params.posonly_params, *params.params)}
    found.update(param.name.value for param in params.kwonly_params)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.add(star.name.value)
    return found


def _assigned(name: cst.Name, scope: ScopeNames) -> Optional[cst.BaseExpression]:
    """The value ``name = value`` (or ``name: T = value``) assigns, where
    ``name`` is the one target."""
    parent = scope.parents.get(name)
    if isinstance(parent, cst.AssignTarget):
        statement = scope.parents.get(parent)
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            return statement.value
    elif isinstance(parent, cst.AnnAssign) and parent.target is name:
        return parent.value
    return None

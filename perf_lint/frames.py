"""Where the node being visited is: the one context of a traversal.

The engine's traversal keeps a ``Frames`` (``FileContext.scopes``, a
``perf_lint.scopes.Scopes``) up to date: it is visited before every rule on
the way into a node and left after every rule on the way out, so that each
rule sees the context of the node it visits. Rules never track scopes,
loops or suites themselves: they keep only their own marks and ask.

The stack of frames
    ``Frames.frames`` holds one ``Frame`` per enclosing module, class,
    function, lambda, comprehension, ``for`` and ``while`` (``Frame.kind``),
    outermost first. ``Frame.part`` tells which part of its node is being
    visited:

    ======================  ==========================================
    kind                    parts, in visiting order
    ======================  ==========================================
    ``module``              ``body``
    ``class``/``function``  ``header`` (decorators, bases, parameters,
                            annotations), then ``body``
    ``lambda``              ``body`` (the whole lambda)
    ``comprehension``       ``element`` (element, conditions, inner
                            ``for`` clauses), ``first`` (the first
                            ``for`` clause's target and iterable)
    ``for``                 ``header`` (target, iterable), ``body``,
                            ``else``
    ``while``               ``test``, ``body``, ``else``
    ======================  ==========================================

    ``Frame.asynchronous`` marks an ``async for`` (or a comprehension with
    one). ``Frame.repeats()``: the part being visited runs on every
    iteration (a ``for`` body, a ``while`` test or body, a comprehension's
    ``element`` part); a loop's ``else`` clause, a ``for`` statement's
    iterable and a comprehension's first iterable run once.

Questions about the visited node
    - ``scope()``: the innermost module, class or function whose *body*
      holds it (a definition's header runs in the scope around it);
      ``chain()``: every scope around it, lambdas and comprehensions
      included, outermost first.
    - ``function(frame=None)``: the innermost function whose body holds the
      visited node (or ``frame``'s node); ``None`` at module level.
    - ``loop()``: the innermost *repeating* loop of the node in its own
      scope: the closest loop frame whose visited part repeats, ``None``
      when a function, class or lambda comes first (its code runs when it
      is called, not on each iteration). ``loops()``: every such loop,
      innermost first. ``loop(across_scopes=True)`` looks through nested
      scopes; ``scope_between(loop)`` is then the innermost function,
      class or lambda between the node and that loop (``None``: none).
    - ``suite()``: the innermost suite (``IndentedBlock`` or
      ``SimpleStatementSuite``) open around the node; ``suites(stop)``:
      the open suites, innermost first, that were opened inside the
      innermost frame for which ``stop(frame)`` holds (all of them when
      none does). ``marked(marks, stop)`` counts those in ``marks``: a rule
      marks suites (a loop's body, a guarded ``if`` body, a ``try`` body)
      and asks how many are around the node in its own scope.

Per-loop questions (any loop node, also outside a traversal)
    - ``iteration(loop)``: the statements and expressions that run on each
      iteration of a ``for``/``while`` statement or comprehension (a
      ``for`` body's statements; a ``while`` test and body; a
      comprehension's element, first conditions and inner ``for`` clauses).

For a rule about code in hot loops: ``loop()`` gives the innermost
repeating loop of the visited node (``Frame.node``), ``function(loop)`` the
function that holds that loop, and ``iteration(loop.node)`` what runs on
each of its iterations.

The ``ast`` side of "repeats in a loop", for the pre-filter, is
``perf_lint.repeats``; a test holds the two to the same answers.
"""

from __future__ import annotations

from typing import Any, Callable, Collection, Dict, Iterator, List, Optional, Tuple, Union

import libcst as cst

from perf_lint import traversal

MODULE = "module"
CLASS = "class"
FUNCTION = "function"
LAMBDA = "lambda"
COMPREHENSION = "comprehension"
FOR = "for"
WHILE = "while"

#: Frames whose code runs apart from the code around them: they hide the
#: loops around them.
NESTED_SCOPES = frozenset({CLASS, FUNCTION, LAMBDA})
#: The scopes that hold statements, and those that hold an expression.
_SCOPES = frozenset({MODULE, CLASS, FUNCTION})
_EXPRESSION_SCOPES = frozenset({LAMBDA, COMPREHENSION})
#: Frames that end a search for a loop (the module and the nested scopes).
_LOOP_STOPS = NESTED_SCOPES | {MODULE}

Suite = Union[cst.IndentedBlock, cst.SimpleStatementSuite]
Scope = Union[cst.Module, cst.ClassDef, cst.FunctionDef]


class Frame:
    """One enclosing module, class, function, lambda, comprehension or loop
    (see the module's docstring)."""

    __slots__ = ("asynchronous", "kind", "node", "part")

    def __init__(self, node: cst.CSTNode, kind: str, part: str, asynchronous: bool = False):
        self.node = node
        self.kind = kind
        self.part = part
        self.asynchronous = asynchronous

    def repeats(self) -> bool:
        """The part being visited runs on every iteration of this loop."""
        kind = self.kind
        if kind == FOR:
            return self.part == "body"
        if kind == WHILE:
            return self.part == "body" or self.part == "test"
        return kind == COMPREHENSION and self.part == "element"

    @property
    def label(self) -> str:
        """``for``, ``async for``, ``while``, ``comprehension``, ``async
        comprehension``, or the kind of a frame that is no loop."""
        return "async " + self.kind if self.asynchronous else self.kind

    def __repr__(self) -> str:
        return f"Frame({type(self.node).__name__}, {self.label!r}, {self.part!r})"


def _async_comprehension(node: cst.CSTNode) -> bool:
    comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
    while comp is not None:
        if comp.asynchronous is not None:
            return True
        comp = comp.inner_for_in
    return False


def iteration(loop: cst.CSTNode) -> List[cst.CSTNode]:
    """What ``loop`` (a ``for``/``while`` statement or a comprehension) runs
    on each iteration: a ``for`` body's statements; a ``while`` test and
    body statements; a comprehension's element (key and value), its first
    conditions and its inner ``for`` clause (its first iterable runs once)."""
    if isinstance(loop, cst.For):
        return list(_statements(loop.body))
    if isinstance(loop, cst.While):
        return [loop.test, *_statements(loop.body)]
    parts: List[cst.CSTNode]
    if isinstance(loop, cst.DictComp):
        parts = [loop.key, loop.value]
    else:
        parts = [loop.elt]  # type: ignore[attr-defined]
    first: cst.CompFor = loop.for_in  # type: ignore[attr-defined]
    parts.extend(first.ifs)
    if first.inner_for_in is not None:
        parts.append(first.inner_for_in)
    return parts


def _statements(body: cst.BaseSuite) -> List[cst.CSTNode]:
    """The statements of a suite (an indented block's, or the small
    statements of a one-line suite)."""
    return list(body.body)  # type: ignore[attr-defined]


class Frames(cst.BatchableCSTVisitor):
    """The stack of frames and open suites around the visited node (see
    the module's docstring); kept up to date by the traversal."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.frames: List[Frame] = [Frame(module, MODULE, "body")]
        #: The open suites, each with the number of frames when it opened.
        self._suites: List[Tuple[cst.CSTNode, int]] = []

    def get_visitors(self) -> Dict[str, Any]:
        """libcst's ``get_visitors`` without its per-instance inspection
        (see ``traversal.visitor_methods``)."""
        return traversal.visitor_methods(self)

    # -- questions ------------------------------------------------------------------
    def scope(self) -> Scope:
        """The innermost module, class or function whose body holds the
        visited node."""
        for frame in reversed(self.frames):
            if frame.kind in _SCOPES and frame.part == "body":
                return frame.node  # type: ignore[return-value]
        return self.module  # pragma: no cover - the module is always there

    def chain(self) -> List[cst.CSTNode]:
        """Every scope around the visited node, outermost first: the
        module, the classes and functions whose bodies hold it, lambdas and
        comprehensions."""
        return [
            frame.node
            for frame in self.frames
            if frame.kind in _EXPRESSION_SCOPES or (frame.kind in _SCOPES and frame.part == "body")
        ]

    def function(self, frame: Optional[Frame] = None) -> Optional[cst.FunctionDef]:
        """The innermost function whose body holds the visited node (or the
        node of ``frame``, a frame on the stack); ``None`` outside functions."""
        end = len(self.frames) if frame is None else self.frames.index(frame)
        for index in range(end - 1, -1, -1):
            found = self.frames[index]
            if found.kind == FUNCTION and found.part == "body":
                return found.node  # type: ignore[return-value]
        return None

    def loop(self, across_scopes: bool = False) -> Optional[Frame]:
        """The innermost loop whose visited part repeats the visited node;
        ``None`` outside loops, or (unless ``across_scopes``) when a nested
        function, class or lambda lies between."""
        for frame in reversed(self.frames):
            kind = frame.kind
            if kind in _LOOP_STOPS:
                if kind == MODULE or not across_scopes:
                    return None
            elif frame.repeats():
                return frame
        return None

    def loops(self) -> Iterator[Frame]:
        """Every loop that repeats the visited node in its own scope,
        innermost first."""
        for frame in reversed(self.frames):
            if frame.kind in _LOOP_STOPS:
                return
            if frame.repeats():
                yield frame

    def scope_between(self, loop: Frame) -> Optional[Frame]:
        """The innermost function, class or lambda between the visited node
        and ``loop`` (a frame on the stack); ``None`` when there is none."""
        for frame in reversed(self.frames):
            if frame is loop:
                return None
            if frame.kind in NESTED_SCOPES:
                return frame
        return None

    def suite(self) -> Optional[cst.CSTNode]:
        """The innermost open suite around the visited node."""
        return self._suites[-1][0] if self._suites else None

    def indentation(self, module: cst.Module) -> str:
        """The indentation of the statements of the innermost open suite
        (``""`` at module level): each indented block's own indent, or the
        module's default where the block has none."""
        return "".join(
            (suite.indent if suite.indent is not None else module.default_indent)
            for suite, _ in self._suites
            if isinstance(suite, cst.IndentedBlock)
        )

    def suites(self, stop: Optional[Callable[[Frame], bool]] = None) -> Iterator[cst.CSTNode]:
        """The open suites around the visited node, innermost first, that
        opened inside the innermost frame for which ``stop`` holds (every
        open suite when it holds for none, or when ``stop`` is ``None``)."""
        floor = 0
        if stop is not None:
            frames = self.frames
            for index in range(len(frames) - 1, -1, -1):
                if stop(frames[index]):
                    floor = index + 1
                    break
        for suite, depth in reversed(self._suites):
            if depth < floor:
                return
            yield suite

    def marked(self, marks: Collection[cst.CSTNode], stop: Callable[[Frame], bool]) -> int:
        """How many of the suites ``suites(stop)`` gives are in ``marks``."""
        if not marks:
            return 0
        return sum(1 for suite in self.suites(stop) if suite in marks)

    # -- kept up to date by the traversal ---------------------------------------
    def _enter_suite(self, suite: cst.CSTNode) -> None:
        frames = self.frames
        top = frames[-1]
        if getattr(top.node, "body", None) is suite:
            top.part = "body"
        self._suites.append((suite, len(frames)))

    def _leave_suite(self, suite: cst.CSTNode) -> None:
        if self._suites and self._suites[-1][0] is suite:
            self._suites.pop()
        top = self.frames[-1]
        if (top.kind == FOR or top.kind == WHILE) and top.node.body is suite:  # type: ignore[attr-defined]
            top.part = "else"

    def _push(self, frame: Frame) -> None:
        self.frames.append(frame)

    def _pop(self, node: cst.CSTNode) -> None:
        if self.frames[-1].node is node:
            self.frames.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_suite(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._leave_suite(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_suite(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._leave_suite(original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._push(Frame(node, FUNCTION, "header", node.asynchronous is not None))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop(original_node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._push(Frame(node, CLASS, "header"))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop(original_node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push(Frame(node, LAMBDA, "body"))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop(original_node)

    def visit_For(self, node: cst.For) -> None:
        self._push(Frame(node, FOR, "header", node.asynchronous is not None))

    def leave_For(self, original_node: cst.For) -> None:
        self._pop(original_node)

    def visit_While(self, node: cst.While) -> None:
        self._push(Frame(node, WHILE, "test"))

    def leave_While(self, original_node: cst.While) -> None:
        self._pop(original_node)

    # Comprehensions: the element comes first, then the first `for`'s
    # target and iterable (run once), then its conditions and inner loops.
    def _comprehension(self, node: cst.CSTNode) -> None:
        self._push(Frame(node, COMPREHENSION, "element", _async_comprehension(node)))

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop(original_node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop(original_node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop(original_node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop(original_node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        frame = self.frames[-1]
        frame.part = "first" if node is frame.node.for_in else "element"  # type: ignore[attr-defined]

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self.frames[-1].part = "element"

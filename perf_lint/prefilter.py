"""The sound pre-filter: which selected rules can report anything in a text,
and which of its definitions libcst needs to see for them to report it.

Each rule declares, in its own module, what the pre-filter runs:

- ``PATTERN``: regular expressions that occur in every text in which the
  rule can report (searched once per text for all the rules sharing one);
- ``SHAPE_NODES`` and ``shape``: the ``ast`` node classes it can report at
  and a predicate on such a node, a necessary condition of a report read
  off the rule's own matcher (it may hold where the rule reports nothing,
  never the other way round). One walk of the file's ``ast`` runs every
  candidate rule's predicate (one call per node for rules that share a
  predicate) and records the lines on which it holds;
- ``admits``: a last check with the rule's options.

A file in which no selected rule is left is never parsed by libcst. Where
every candidate rule has a shape, libcst is given only the definitions that
hold a shape line (``reduced``): the others become one-line stubs binding
the same names. A rule that reads every use of a name in the scope around
its shape (``SCOPE_WIDE``) keeps that scope whole when it is the module or
a class.

The analysis can run without these shortcuts (``Shortcuts``); tests compare
the two ways on the fixtures, the standard library and generated programs.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import re
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
)

from perf_lint import syntax

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.config import Config
    from perf_lint.rule import BaseRule

_PATTERNS: Dict[Type[Any], Tuple[re.Pattern[str], ...]] = {}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class Shortcuts(NamedTuple):
    """Which of the engine's shortcuts an analysis takes. Each must change
    nothing but speed; switching one off is how tests prove it."""

    #: Skip rules whose patterns, shapes or ``admits`` rule them out.
    prefilter: bool = True
    #: Give libcst only the definitions that hold a candidate's shape.
    reduce: bool = True
    #: Compute positions inside the reported nodes only.
    sparse_positions: bool = True


FULL = Shortcuts()
NONE = Shortcuts(prefilter=False, reduce=False, sparse_positions=False)


def patterns(rule: Type[BaseRule]) -> Tuple[re.Pattern[str], ...]:
    """The compiled ``PATTERN``s of ``rule``."""
    found = _PATTERNS.get(rule)
    if found is None:
        texts = (rule.PATTERN,) if isinstance(rule.PATTERN, str) else tuple(rule.PATTERN or ())
        found = _PATTERNS[rule] = tuple(re.compile(text) for text in texts)
    return found


@dataclasses.dataclass
class Candidates:
    """The rules a text admits and, for each rule with a shape, the lines on
    which its shape holds (``None``: the shapes are unknown, because Python
    rejects the text or the walk ran out of stack)."""

    rules: List[Type[BaseRule]]
    lines: Optional[Dict[Type[BaseRule], List[int]]]


def candidates(
    source: str,
    tree: Optional[ast.Module],
    rules: Sequence[Type[BaseRule]],
    config: Optional[Config] = None,
    settled: Sequence[Tuple[int, int]] = (),
) -> Candidates:
    """The rules among ``rules`` that can report in ``source`` (whose
    ``ast`` is ``tree``): every one of their ``PATTERN``s is found, their
    shape holds somewhere (when Python accepts the text), and ``admits``
    agrees given their options from ``config``. Shapes are not looked for
    in the definitions that start and end the ``settled`` spans (see
    ``reduced``)."""
    searched: Dict[re.Pattern[str], bool] = {}
    textual = []
    for rule in rules:
        for pattern in patterns(rule):
            hit = searched.get(pattern)
            if hit is None:
                hit = searched[pattern] = pattern.search(source) is not None
            if not hit:
                break
        else:
            textual.append(rule)
    shaped = [rule for rule in textual if rule.SHAPE_NODES]
    lines = shape_lines(source, tree, shaped, settled) if tree is not None and shaped else None
    found = []
    for rule in textual:
        if lines is not None and rule.SHAPE_NODES and not lines.get(rule):
            continue
        options = config.rule_options(rule) if config is not None else rule.OPTIONS()
        if rule.admits(source, options):
            found.append(rule)
    return Candidates(found, lines if shaped else {})


def shape_lines(
    source: str,
    tree: ast.Module,
    rules: Sequence[Type[BaseRule]],
    settled: Sequence[Tuple[int, int]] = (),
) -> Optional[Dict[Type[BaseRule], List[int]]]:
    """The lines on which each rule's shape holds in ``tree``, from one
    walk (which does not enter the definitions of the ``settled`` spans);
    ``None`` when a predicate runs out of stack on a deep tree."""
    # One call per node for every distinct predicate, whichever rules share it.
    shared: Dict[Callable[..., bool], List[Type[BaseRule]]] = {}
    for rule in rules:
        shared.setdefault(rule.shape, []).append(rule)
    by_class: Dict[type, List[Tuple[Callable[..., bool], List[int]]]] = {}
    lines_of: Dict[Callable[..., bool], List[int]] = {}
    for predicate, owners in shared.items():
        lines_of[predicate] = []
        classes: Set[type] = set()
        for rule in owners:
            classes.update(rule.SHAPE_NODES)
        for kind in classes:
            by_class.setdefault(kind, []).append((predicate, lines_of[predicate]))
    nodes = syntax.walk_except(tree, _settled(tree, settled)) if settled else syntax.walk(tree)
    try:
        for node in nodes:
            checks = by_class.get(type(node))
            if checks is not None:
                for predicate, found in checks:
                    if predicate(node, source):
                        found.append(node.lineno)  # type: ignore[attr-defined]
    except RecursionError:  # pragma: no cover - a tree too deep to look into
        return None
    return {rule: lines_of[predicate] for predicate, owners in shared.items() for rule in owners}


def _settled(tree: ast.Module, spans: Sequence[Tuple[int, int]]) -> frozenset:  # type: ignore[type-arg]
    """The ``id``s of the top-level definitions and methods of top-level
    classes whose lines (decorators included) are one of ``spans``."""
    wanted = set(spans)
    found = set()
    for node in tree.body:
        inner = node.body if type(node) is ast.ClassDef else ()  # type: ignore[attr-defined]
        for candidate in (node, *inner):
            if type(candidate) in _DEFINITIONS and _span(candidate) in wanted:
                found.add(id(candidate))
    return frozenset(found)


# -- reduction: only the definitions that hold a shape go to libcst ---------------


@dataclasses.dataclass(frozen=True)
class Reduction:
    """What libcst is given instead of a whole text: ``text``, where every
    left-out definition is a one-line stub, and the map from its rows back
    to the whole text's (``segments``: the reduced row at which each run of
    kept lines starts, and that run's row in the whole text). ``stubbed``:
    the first and last lines (in the whole text) of each left-out
    definition."""

    text: str
    segments: Tuple[Tuple[int, int], ...]
    stubbed: Tuple[Tuple[int, int], ...]

    def row(self, reduced_row: int) -> int:
        """The row in the whole text of a row of ``text``."""
        index = bisect.bisect_right(self.segments, (reduced_row, float("inf"))) - 1
        start, original = self.segments[max(index, 0)]
        return reduced_row - start + original


def reduced(
    source: str,
    tree: Optional[ast.Module],
    found: Candidates,
    settled: Sequence[Tuple[int, int]] = (),
) -> Optional[Reduction]:
    """``source`` with every function and class that holds none of the
    candidates' shape lines replaced by a one-line stub of the same name
    (``def f(): pass``, ``class C: pass``): every kept line keeps its text,
    and ``Reduction.row`` gives its number in ``source``; ``None`` when
    nothing can be left out (a candidate without a shape, no shapes known).
    Shape lines inside the ``settled`` spans of lines do not count: a
    definition there is left out even when it holds a shape (the language
    server reuses what it found there before).

    The libcst rules see the definitions holding their shapes whole, and the
    bindings of every scope around them as they were: a stub binds its name
    as the definition did (``Scopes.bindings`` reads no more of it than the
    name, the decorators, defaults and bases, which are kept whole when they
    bind a name with ``:=``). The file's facts come from the ``ast`` of the
    whole text. A class is reduced only when all of its shapes lie in its
    methods or nested classes; nothing is reduced when a ``SCOPE_WIDE``
    rule's shape lies in the module's own scope. Text with a lone carriage
    return (a line break to Python that ``ast`` and the line split below
    might count differently) is never reduced."""
    lines_of = found.lines
    if (
        tree is None
        or lines_of is None
        or any(not rule.SHAPE_NODES for rule in found.rules)
        or source.count("\r") != source.count("\r\n")
    ):
        return None
    wide = sorted(
        {line for rule in found.rules if rule.SCOPE_WIDE for line in lines_of.get(rule, ())}
    )
    spans = _Spans([_span(node) for node in tree.body if type(node) in _DEFINITIONS])
    if not all(spans.hold(line) for line in wide):
        return None
    hot = sorted({line for rule in found.rules for line in lines_of.get(rule, ())})
    if settled:
        done = _Spans(settled)
        hot = [line for line in hot if not done.hold(line)]
    stubs: List[Tuple[int, int, str]] = []
    lines = source.split("\n")
    _plan(tree.body, hot, ":=" in source, lines, stubs)
    if not stubs:
        return None
    stubs.sort()
    kept: List[str] = []
    segments: List[Tuple[int, int]] = []
    row = 1  # the next row of the whole text to copy
    for first, last, stub in stubs:
        if row < first:
            segments.append((len(kept) + 1, row))
            kept.extend(lines[row - 1 : first - 1])
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip(" \t\f"))]
        ending = "\r" if lines[last - 1].endswith("\r") else ""
        segments.append((len(kept) + 1, first))
        kept.append(indent + stub + ending)
        row = last + 1
    segments.append((len(kept) + 1, row))
    kept.extend(lines[row - 1 :])
    return Reduction(
        "\n".join(kept), tuple(segments), tuple((first, last) for first, last, _ in stubs)
    )


def _span(node: ast.AST) -> Tuple[int, int]:
    """The first and last line of a definition, decorators included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])  # type: ignore[attr-defined]
    return first, node.end_lineno  # type: ignore[attr-defined]


class _Spans:
    """Spans of lines (first, last), asked whether one holds a line in
    logarithmic time: a file of 20,000 definitions with a finding in each
    asks 20,000 times."""

    def __init__(self, spans: Sequence[Tuple[int, int]]) -> None:
        merged: List[List[int]] = []
        for first, last in sorted(spans):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self._firsts = [first for first, _ in merged]
        self._lasts = [last for _, last in merged]

    def hold(self, line: int) -> bool:
        """Whether one of the spans holds ``line``."""
        index = bisect.bisect_right(self._firsts, line) - 1
        return index >= 0 and line <= self._lasts[index]


def _holds(hot: Sequence[int], first: int, last: int) -> bool:
    index = bisect.bisect_left(hot, first)
    return index < len(hot) and hot[index] <= last


_NAMED = re.compile(r"\s*(?:async\s+def|def|class)\s+(\w+)")


def _plan(
    body: Sequence[ast.stmt], hot: Sequence[int], walrus: bool, lines: List[str], stubs: list
) -> None:
    """Stubs for the definitions in ``body`` that hold no ``hot`` line, and
    for those inside its classes whose shapes all lie in their definitions.
    A stub is made only for a name written as ``ast`` spells it (``ast``
    gives names NFKC-normalised, libcst as written)."""
    for node in body:
        kind = type(node)
        if kind not in _DEFINITIONS:
            continue
        first, last = _span(node)
        if not _holds(hot, first, last):
            written = _NAMED.match(lines[node.lineno - 1])
            if (
                written is not None
                and written.group(1) == node.name  # type: ignore[attr-defined]
                and not (walrus and _binds_in_header(node))
            ):
                form = "class {}: pass" if kind is ast.ClassDef else "def {}(): pass"
                stubs.append((first, last, form.format(node.name)))  # type: ignore[attr-defined]
        elif kind is ast.ClassDef:
            inner = _Spans([_span(child) for child in node.body if type(child) in _DEFINITIONS])  # type: ignore[attr-defined]
            held = hot[bisect.bisect_left(hot, first) : bisect.bisect_right(hot, last)]
            if all(inner.hold(line) for line in held):
                _plan(node.body, hot, walrus, lines, stubs)  # type: ignore[attr-defined]


def _binds_in_header(node: ast.AST) -> bool:
    """A ``:=`` in the parts of a definition that run in the enclosing
    scope (decorators, defaults, annotations, bases, keywords)."""
    if type(node) is ast.ClassDef:
        parts: List[Optional[ast.AST]] = [*node.decorator_list, *node.bases, *node.keywords]  # type: ignore[attr-defined]
    else:
        args = node.args  # type: ignore[attr-defined]
        parts = [*node.decorator_list, *args.defaults, *args.kw_defaults]  # type: ignore[attr-defined]
        parts += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        parts += [args.vararg, args.kwarg, node.returns]  # type: ignore[attr-defined]
    return any(
        type(inner) is ast.NamedExpr
        for part in parts
        if part is not None
        for inner in syntax.walk(part)
    )

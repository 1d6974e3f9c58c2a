"""Positions for the reported nodes only.

libcst's ``PositionProvider`` renders the whole module, tracking the line
and column after every token and recording a range for every node; on a
file with a few diagnostics that is much of the cost of the run. Here the
module is rendered plainly (tokens appended, nothing else) and positions are
recorded only inside the reported nodes, with libcst's own
position-recording code: where a range starts or ends, the line and column
are brought up to date by counting the line breaks of the text rendered
since the last time (exactly as ``PositionProvider`` counts them, token by
token). The ranges are therefore ``PositionProvider``'s. For the engine,
only the ranges it reads are recorded: the reported nodes', their
parentheses' and those of the statements a statement's range is taken
from (a reported list of 200,000 items would otherwise record a million).
Rendering stops after the last reported node unless the module's full text
is wanted too (the engine compares it with the source before offering fixes).

Any other node that the engine asks for makes ``Positions`` fall back to
the full computation, so a lookup never fails and never differs from
libcst's answer.

When the whole module is rendered, each wanted node's rendering is kept
too (``Rendered``: where its tokens start and end, the row it starts on and
the indentation around it), so that the edit of a fix that removes
statements can be worked out from those statements alone."""

from __future__ import annotations

import contextlib
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider

from perf_lint import _compat

#: Whether this libcst lets positions be computed sparsely (else every
#: lookup takes ``PositionProvider``'s full computation).
SPARSE = _compat.SUPPORTED["positions"]


#: How far rendering tokens moves the line and column (libcst's counting;
#: read by ``perf_lint.fixing``).
_advance = _compat.advance


class Rendered(NamedTuple):
    """Where a node's rendering sits in the module's tokens: ``tokens[start:
    end]``, beginning at ``line``/``column`` (leading lines included, unlike
    its position) with ``indent`` the indentation tokens of its block."""

    start: int
    end: int
    line: int
    column: int
    indent: Tuple[str, ...]


class _Done(Exception):
    """Every wanted node has its range; the rest need not be rendered."""


_STATE: Any = _compat.position_state_class() or object

#: The nodes whose ranges a statement's range is taken from (its block,
#: last statement, handlers, ``else``, ``finally``, cases, the last name or
#: closing parenthesis of an import): recorded inside a wanted node even
#: when not needed themselves. Any other node there is not (``_SparseState``).
_HOISTED = (
    cst.BaseStatement,
    cst.BaseSmallStatement,
    cst.BaseSuite,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Else,
    cst.Finally,
    cst.If,
    cst.MatchCase,
    cst.ImportAlias,
    cst.RightParen,
)


class _SparseState(_STATE):  # type: ignore[misc, valid-type]
    """Renders plainly outside the wanted nodes and like ``PositionProvider``
    inside them (libcst's position-recording state, extended; defined on
    ``object`` where this libcst lacks it, and then never used).

    The line and column are brought up to date only where a range is
    recorded (``sync``: ``_compat.position_state_class``), not after every
    token. With ``needed`` nodes given, only their ranges are recorded
    inside the wanted nodes, with those of the statements around them
    (``_HOISTED``) and nothing inside any other node: a fix's edits need
    the ranges of the wanted nodes, their parentheses and the statements a
    statement's range is taken from, and a reported list of 200,000 items
    would otherwise record a million ranges. (``needed`` is ``None``: every
    range inside.)"""

    def start(
        self,
        wanted: Collection[cst.CSTNode],
        stop_early: bool,
        needed: Optional[Collection[cst.CSTNode]] = None,
    ) -> None:
        self.wanted = wanted
        #: ``None``: every node inside the wanted ones is wanted.
        self.needed = needed
        self.left = len(wanted) if stop_early else -1
        self.depth = 0
        #: The nodes entered, inside a wanted one, whose range is recorded;
        #: ``skipping``: how many of those entered are not.
        self.recording: List[cst.CSTNode] = []
        self.skipping = 0
        self.rendered: Dict[cst.CSTNode, Rendered] = {}

    def before_codegen(self, node: cst.CSTNode) -> None:
        if not self.depth:
            if node not in self.wanted:
                return
        elif self.skipping and node not in self.needed:  # the fast way: most nodes
            self.depth += 1
            self.skipping += 1
            return
        needed = self.needed
        if needed is not None and node not in needed and not isinstance(node, _HOISTED):
            self.depth += 1
            self.skipping += 1
            return
        self.sync()
        if node in self.wanted:
            start = len(self.tokens)
            indent = tuple(self.indent_tokens)
            self.rendered[node] = Rendered(start, start, self.line, self.column, indent)
        self.depth += 1
        self.recording.append(node)
        super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if not self.depth:
            return
        self.depth -= 1
        recording = self.recording
        if not recording or recording[-1] is not node:
            self.skipping -= 1
            return
        recording.pop()
        self.sync()
        super().after_codegen(node)
        found = self.rendered.get(node)
        if found is not None:
            self.rendered[node] = found._replace(end=len(self.tokens))
        if not self.depth and node in self.wanted:
            self.left -= 1
            if self.left == 0:
                raise _Done

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Any:
        if self.depth and self.recording and self.recording[-1] is node:
            return self._record(node, start_node, end_node)
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def _record(
        self,
        node: cst.CSTNode,
        start_node: Optional[cst.CSTNode],
        end_node: Optional[cst.CSTNode],
    ) -> Iterator[None]:
        """``PositionProvidingCodegenState.record_syntactic_position``, with
        the line and column brought up to date where it reads them. A range
        taken from a node whose range was not recorded is left out (a lookup
        then takes the full computation)."""
        self.sync()
        start = CodePosition(self.line, self.column)
        try:
            yield
        finally:
            self.sync()
            end = CodePosition(self.line, self.column)
            computed = self.recorded()
            known = True
            if start_node is not None:
                hoisted = computed.get(start_node)
                known = hoisted is not None
                start = hoisted.start if known else start
            if end_node is not None:
                hoisted = computed.get(end_node)
                known = known and hoisted is not None
                end = hoisted.end if hoisted is not None else end
            if known:
                computed[node] = CodeRange(start, end)
            else:
                computed.pop(node, None)


def _render(
    module: cst.Module,
    wanted: Collection[cst.CSTNode],
    with_code: bool,
    needed: Optional[Collection[cst.CSTNode]] = None,
) -> Tuple[Dict[cst.CSTNode, CodeRange], Optional[_SparseState]]:
    """The ranges inside the ``wanted`` nodes (only of the ``needed`` ones
    and the statements around them, when given), and the rendering state
    when the whole module was rendered (``with_code``)."""
    provider = PositionProvider()
    state = _SparseState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
    )
    state.start(set(wanted), stop_early=not with_code, needed=needed)
    computed = _compat.computed(provider)
    if not wanted and not with_code:
        return computed, None
    try:
        _compat.codegen(module, state)
    except _Done:
        return computed, None
    return computed, state if with_code else None


class Positions(Mapping):  # type: ignore[type-arg]
    """The ranges of the nodes inside the reported ones, falling back to the
    full computation for anything else. ``code`` is the module's text when
    it was rendered whole on the way (else ``None``); ``tokens`` are its
    tokens and ``rendered`` where each reported node's tokens are."""

    def __init__(
        self,
        sparse: Dict[cst.CSTNode, CodeRange],
        full: Callable[[], Mapping],  # type: ignore[type-arg]
        code: Optional[str] = None,
        tokens: Sequence[str] = (),
        rendered: Optional[Mapping[cst.CSTNode, Rendered]] = None,
    ) -> None:
        self._sparse = sparse
        self._resolve = full
        self._full: Optional[Mapping] = None  # type: ignore[type-arg]
        self.code = code
        self.tokens = tokens
        self.rendered: Mapping[cst.CSTNode, Rendered] = rendered or {}

    def _all(self) -> Mapping:  # type: ignore[type-arg]
        if self._full is None:
            self._full = self._resolve()
        return self._full

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._sparse.get(node)
        return found if found is not None else self._all()[node]

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def report_positions(
    module: cst.Module,
    reports: List[Any],
    full: Callable[[], Mapping],  # type: ignore[type-arg]
) -> Positions:
    """Positions for the engine: computed inside the reported nodes, the
    rest only if asked for; the module's text comes along when a report
    offers a fix (the engine then checks that libcst reproduces the file)."""
    if not SPARSE:
        return Positions({}, full)
    with_code = any(getattr(report, "replacement", None) is not None for report in reports)
    wanted = [report.node for report in reports]
    for report in reports:  # the other places a fix changes, where rules give them
        wanted.extend(getattr(report, "removals", None) or ())
        wanted.extend(node for node, _ in getattr(report, "also", None) or ())
        wanted.extend(anchor for anchor, _ in getattr(report, "insertions", None) or ())
    needed = set(wanted)
    for node in wanted:  # the parentheses the engine reads a node's span from
        for field in ("lpar", "rpar"):
            parens = getattr(node, field, None)
            if isinstance(parens, cst.CSTNode):
                needed.add(parens)
            elif parens:
                needed.update(parens)
    sparse, state = _render(module, wanted, with_code, needed)
    if state is None:
        return Positions(sparse, full)
    return Positions(sparse, full, "".join(state.tokens), state.tokens, state.rendered)

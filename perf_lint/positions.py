"""Positions for the reported nodes only.

libcst's ``PositionProvider`` renders the whole module, tracking the line
and column after every token and recording a range for every node; on a
file with a few diagnostics that is much of the cost of the run. Here the
module is rendered plainly (tokens appended, nothing else) and positions are
tracked and recorded only inside the reported nodes: on entering one, the
line and column are brought up to date by counting the line breaks of the
text rendered since the last one (exactly as ``PositionProvider`` counts
them, token by token), and its subtree is rendered with libcst's own
position-recording code. The ranges are therefore ``PositionProvider``'s.
Rendering stops after the last reported node unless the module's full text
is wanted too (the engine compares it with the source before offering fixes).

Any node outside the reported subtrees that the engine asks for makes
``Positions`` fall back to the full computation, so a lookup never fails and
never differs from libcst's answer."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable, Collection, Dict, Iterator, List, Mapping, Optional, Tuple

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


def _advance(line: int, column: int, tokens: List[str]) -> Tuple[int, int]:
    """Where rendering ``tokens`` from ``line``/``column`` ends, counted as
    ``PositionProvidingCodegenState`` counts (token by token)."""
    text = "".join(tokens)
    if "\r" not in text:
        breaks = text.count("\n")
        if not breaks:
            return line, column + len(text)
        return line + breaks, len(text) - text.rfind("\n") - 1
    for token in tokens:  # a CR ending one token and an LF starting the next: two breaks
        segments = _NEWLINE.split(token)
        if len(segments) == 1:
            column += len(token)
        else:
            line += len(segments) - 1
            column = len(segments[-1])
    return line, column


class _Done(Exception):
    """Every wanted node has its range; the rest need not be rendered."""


class _SparseState(PositionProvidingCodegenState):
    """Renders plainly outside the wanted nodes and like ``PositionProvider``
    inside them."""

    def start(self, wanted: Collection[cst.CSTNode], stop_early: bool) -> None:
        self.wanted = wanted
        self.left = len(wanted) if stop_early else -1
        self.depth = 0
        self.synced = 0

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if self.depth:
            self._update_position(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        if self.depth:
            for token in self.indent_tokens:
                self._update_position(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if not self.depth:
            if node not in self.wanted:
                return
            self.line, self.column = _advance(self.line, self.column, self.tokens[self.synced :])
        self.depth += 1
        super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if not self.depth:
            return
        super().after_codegen(node)
        self.depth -= 1
        if not self.depth:
            self.synced = len(self.tokens)
            if node in self.wanted:
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
        if self.depth:
            return super().record_syntactic_position(node, start_node=start_node, end_node=end_node)
        return contextlib.nullcontext()


def node_positions(
    module: cst.Module, wanted: Collection[cst.CSTNode], with_code: bool = False
) -> Tuple[Dict[cst.CSTNode, CodeRange], Optional[str]]:
    """``PositionProvider``'s ranges for every node inside the ``wanted``
    nodes (nodes of ``module``), and the module's text if ``with_code``."""
    provider = PositionProvider()
    state = _SparseState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
    )
    state.start(set(wanted), stop_early=not with_code)
    if not wanted and not with_code:
        return provider._computed, None
    try:
        module._codegen(state)
    except _Done:
        return provider._computed, None
    return provider._computed, "".join(state.tokens) if with_code else None


class Positions(Mapping):  # type: ignore[type-arg]
    """The ranges of the nodes inside the reported ones, falling back to the
    full computation for anything else. ``code`` is the module's text when
    it was rendered whole on the way (else ``None``)."""

    def __init__(
        self,
        sparse: Dict[cst.CSTNode, CodeRange],
        full: Callable[[], Mapping],  # type: ignore[type-arg]
        code: Optional[str] = None,
    ) -> None:
        self._sparse = sparse
        self._resolve = full
        self._full: Optional[Mapping] = None  # type: ignore[type-arg]
        self.code = code

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
    with_code = any(getattr(report, "replacement", None) is not None for report in reports)
    wanted = [report.node for report in reports]
    for report in reports:  # statements a multi-statement fix removes, where rules give them
        wanted.extend(getattr(report, "removals", None) or ())
    sparse, code = node_positions(module, wanted, with_code)
    return Positions(sparse, full, code)

"""The engine every front calls: the rules a configuration selects for a
path, run over a file's bytes or text, with or without fixing.

The work is split by job: ``perf_lint.source`` decodes bytes and makes the
diagnostics about a file itself, ``perf_lint.analysis`` runs the rules over
one text (pre-filter, parse, traversal, positions, diagnostics) and
``perf_lint.fixing`` applies fixes until nothing changes."""

from __future__ import annotations

from typing import AbstractSet, Dict, List, Optional, Tuple, Type

from perf_lint import prefilter
from perf_lint.analysis import Analysis, analyse, on_deep_stack, too_deep_problem
from perf_lint.config import Config
from perf_lint.diagnostic import FileResult
from perf_lint.fixing import Finding, fix_text
from perf_lint.registry import BY_CODE
from perf_lint.rule import BaseRule
from perf_lint.source import SourceError, decode, undecodable
from perf_lint.timings import QUIET, Hooks
from perf_lint.trust import FixMode

__all__ = ["Engine", "FileResult", "FixMode"]


class Engine:
    """Runs the rules a configuration selects. ``shortcuts`` are the
    pre-filter, the reduction and sparse positions (on, unless a test proves
    they change nothing); ``hooks`` receive the time of each stage."""

    def __init__(
        self,
        config: Optional[Config] = None,
        shortcuts: prefilter.Shortcuts = prefilter.FULL,
        hooks: Hooks = QUIET,
    ) -> None:
        self.config = config if config is not None else Config()
        self.shortcuts = shortcuts
        self.hooks = hooks
        self._selection: Dict[Tuple[str, ...], List[Type[BaseRule]]] = {}

    def rules_for(self, path: str) -> List[Type[BaseRule]]:
        codes = self.config.selected_codes(path)
        if codes not in self._selection:
            self._selection[codes] = [BY_CODE[code] for code in codes]
        return self._selection[codes]

    def check_bytes(
        self,
        data: bytes,
        path: str,
        fix: FixMode = FixMode.NONE,
        only: Optional[AbstractSet[Finding]] = None,
    ) -> FileResult:
        with self.hooks.phase("decode"):
            try:
                source, encoding = decode(data)
            except SourceError as error:
                return FileResult(path, "", diagnostics=[undecodable(path, error)])
        return self.check_text(source, path, fix=fix, encoding=encoding, only=only)

    def check_text(
        self,
        source: str,
        path: str,
        fix: FixMode = FixMode.NONE,
        encoding: str = "utf-8",
        only: Optional[AbstractSet[Finding]] = None,
    ) -> FileResult:
        """The diagnostics of ``source`` or, with ``fix``, the result of the
        fix loop (with ``only``: the fixes of those findings alone)."""
        mode = FixMode(fix)
        if mode is FixMode.NONE:
            result = FileResult(path, source, encoding)
            result.diagnostics = self.analyse(source, path).diagnostics
            return result
        with self.hooks.phase("fix"):

            def run() -> FileResult:
                return fix_text(source, path, mode, encoding, self._analyse_for(path), only)

            def refuse(why: str) -> FileResult:
                return FileResult(path, source, encoding, [too_deep_problem(path, why)])

            try:
                return run()
            except RecursionError:  # rendering a module nested too deep for this stack
                return on_deep_stack(run, refuse)

    def analyse(self, source: str, path: str, reduce: bool = True) -> Analysis:
        """One analysis of ``source`` with the rules selected for ``path``."""
        return analyse(
            source,
            path,
            self.rules_for(path),
            self.config,
            reduce=reduce,
            shortcuts=self.shortcuts,
            hooks=self.hooks,
        )

    def _analyse_for(self, path: str):  # type: ignore[no-untyped-def]
        def run(text: str, reduce: bool) -> Analysis:
            return self.analyse(text, path, reduce)

        return run

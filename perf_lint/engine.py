"""The engine every front calls: the rules a configuration selects for a
path, run over a file's bytes or text, with or without fixing.

The work is split by job: ``perf_lint.source`` decodes bytes and makes the
diagnostics about a file itself, ``perf_lint.analysis`` runs the rules over
one text (pre-filter, parse, traversal, positions, diagnostics) and
``perf_lint.fixing`` applies fixes until nothing changes."""

from __future__ import annotations

from typing import AbstractSet, Dict, List, Optional, Tuple, Type

from perf_lint import noqa, prefilter
from perf_lint.analysis import Analysis, analyse, on_deep_stack, too_deep_problem
from perf_lint.config import Config
from perf_lint.diagnostic import FileResult
from perf_lint.fixing import Finding, fix_text
from perf_lint.heat import NO_HEAT, FileHeat, HeatSource
from perf_lint.registry import BY_CODE
from perf_lint.rule import BaseRule
from perf_lint.source import SourceError, decode, undecodable
from perf_lint.timings import QUIET, Hooks
from perf_lint.trust import FixMode

__all__ = ["Engine", "FileResult", "FixMode"]


class Engine:
    """Runs the rules a configuration selects. ``shortcuts`` are the
    pre-filter, the reduction and sparse positions (on, unless a test proves
    they change nothing); ``hooks`` receive the time of each stage;
    ``heat``, where a profile of a real run is given, its facts for the
    profile-guided rules (``Rule.NEEDS_PROFILE``), which do not run
    without one."""

    def __init__(
        self,
        config: Optional[Config] = None,
        shortcuts: prefilter.Shortcuts = prefilter.FULL,
        hooks: Hooks = QUIET,
        heat: Optional[HeatSource] = None,
    ) -> None:
        self.config = config if config is not None else Config()
        self.shortcuts = shortcuts
        self.hooks = hooks
        self.heat = heat
        self._selection: Dict[Tuple[str, ...], List[Type[BaseRule]]] = {}
        self._heat_of: Tuple[str, str, FileHeat] = ("", "", NO_HEAT)

    def rules_for(self, path: str) -> List[Type[BaseRule]]:
        codes = self.config.selected_codes(path)
        if codes not in self._selection:
            rules = [BY_CODE[code] for code in codes]
            if self.heat is None:
                rules = [rule for rule in rules if not rule.NEEDS_PROFILE]
            self._selection[codes] = rules
        return self._selection[codes]

    def heat_for(self, path: str, source: str) -> FileHeat:
        """The profile's facts about ``path`` with the text ``source``
        (``NO_HEAT`` without a profile, or when no selected rule needs
        them); the last answer is kept (the fix loop asks again)."""
        if self.heat is None or not any(r.NEEDS_PROFILE for r in self.rules_for(path)):
            return NO_HEAT
        known_path, known_source, known = self._heat_of
        if known_path == path and known_source == source:
            return known
        found = self.heat.for_file(path, source)
        self._heat_of = (path, source, found)
        return found

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
                done = fix_text(source, path, mode, encoding, self._analyse_for(path), only)
                if only is None and self._unused_noqa(path):
                    self._remove_unused_noqa(done, path)
                return done

            def refuse(why: str) -> FileResult:
                return FileResult(path, source, encoding, [too_deep_problem(path, why)])

            try:
                return run()
            except RecursionError:  # rendering a module nested too deep for this stack
                return on_deep_stack(run, refuse)

    def analyse(self, source: str, path: str, reduce: bool = True) -> Analysis:
        """One analysis of ``source`` with the rules selected for ``path``
        (and, when ``PRF001`` is selected, the ``# noqa`` codes that
        suppressed nothing in it)."""
        unused = self._unused_noqa(path)
        if unused:
            inline = noqa.InlineNoqa.of(source)  # held: the analysis records into it
            inline.used.clear()
        found = analyse(
            source,
            path,
            self.rules_for(path),
            self.config,
            reduce=reduce,
            shortcuts=self.shortcuts,
            hooks=self.hooks,
            heat=self.heat_for(path, source),
        )
        if (
            unused
            and getattr(found, "parses", True)
            and not noqa.file_suppresses(noqa.file_suppression(source), noqa.UNUSED_NOQA)
        ):
            extra = noqa.unused_diagnostics(inline, path)
            if extra:
                found.diagnostics = sorted([*found.diagnostics, *extra], key=lambda d: d.sort_key)
        return found

    def _unused_noqa(self, path: str) -> bool:
        """Whether ``PRF001`` (opt-in) is selected for ``path``."""
        return self.config.noqa and self.config.selects_opt_in(noqa.UNUSED_NOQA, path)

    def _remove_unused_noqa(self, result: FileResult, path: str) -> None:
        """Apply the fixes of ``PRF001`` (text edits to comments, after the
        rules' fix loop) and analyse the result once more."""
        fixes = [d for d in result.diagnostics if d.code == noqa.UNUSED_NOQA and d.fix]
        if not fixes:
            return
        text = result.fixed_source if result.fixed_source is not None else result.source
        new = noqa.apply_edits(text, [edit for d in fixes for edit in d.fix.edits])  # type: ignore[union-attr]
        result.fixed_source = new
        result.diagnostics = self.analyse(new, path).diagnostics
        result.fixed[noqa.UNUSED_NOQA] += len(fixes)

    def _analyse_for(self, path: str):  # type: ignore[no-untyped-def]
        def run(text: str, reduce: bool) -> Analysis:
            return self.analyse(text, path, reduce)

        return run

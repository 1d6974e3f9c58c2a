"""Incremental analysis: what the language server does with an edit.

A document's last analysis is kept (``Snapshot``). On a change, only the
definitions whose text changed are analysed again; every other definition's
findings are reused, moved by the lines the edit added or removed above it.
The result is always what a full analysis of the new text gives (a property
test applies random edits to real files and compares).

The units of reuse are the top-level functions and the methods of top-level
classes (decorators included). A unit's findings depend on its own text and
on what it can see of the rest of the file:

- the file's facts (bindings of builtins and ``typing`` names, loggers,
  imports, ``global`` declarations): ``FileFacts.signature``;
- the bindings of the module's and its class's scope: every line outside the
  units, but blank and comment-only lines, with each unit reduced to its
  name (the *skeleton*);
- the file-level ``# perf-lint: noqa`` and the configuration.

A rule that reads other definitions beyond the facts says so
(``Rule.FILE_WIDE``): a text in which it may report is analysed whole.

When all of these are as before, the new text is analysed with libcst given
only the module-level code and the changed units (``prefilter.reduced`` with
``keep``), and the unchanged units' findings are moved into place; the
source-only rules (sizes) run on the whole text as always. Otherwise, or
when the text is not Python, or when libcst could not parse or reproduce the
last text (which changes what a whole-file analysis offers), the whole text
is analysed."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import re
from typing import Dict, List, Optional, Sequence, Tuple, Type

from perf_lint import noqa, prefilter, syntax
from perf_lint.analysis import Analysis, analyse
from perf_lint.config import Config
from perf_lint.diagnostic import Diagnostic, Edit, FixRecord, Location
from perf_lint.facts import FileFacts
from perf_lint.rule import BaseRule, TreeRule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMMENT_OR_BLANK = re.compile(r"[ \t\f]*(?:#.*)?\r?")


@dataclasses.dataclass(frozen=True)
class Unit:
    """A definition analysed on its own: a top-level function, or a method
    of a top-level class (``owner``: the class's place among the module's
    statements and its name, ``""`` for none); ``first`` and ``last`` are
    its lines, decorators included."""

    owner: str
    first: int
    last: int
    text: str

    @property
    def key(self) -> Tuple[str, str]:
        return self.owner, self.text


@dataclasses.dataclass
class Snapshot:
    """The last analysis of a document, as the next edit needs it."""

    source: str
    diagnostics: List[Diagnostic]
    #: What every unit's findings depend on besides its own text (``None``:
    #: nothing can be reused from this analysis).
    context: Optional[Tuple[object, ...]] = None
    #: The findings of the libcst rules in each unit, by its key (units with
    #: the same key in the order they appear).
    units: Dict[Tuple[str, str], List[Tuple[Unit, List[Diagnostic]]]] = dataclasses.field(
        default_factory=dict
    )
    #: How the last update went: units analysed and reused (for tests and
    #: ``bench/server.py``); ``None`` for a whole-text analysis.
    reused: Optional[int] = None
    analysed: Optional[int] = None


def units_of(tree: ast.Module, lines: Sequence[str]) -> Tuple[List[Unit], Tuple[str, ...]]:
    """The units of a module and its skeleton: every line outside the units
    that is not blank or only a comment, with each unit as ``def <name>``
    at its indentation."""
    found: List[Unit] = []

    def unit(node: ast.AST, owner: str) -> None:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])  # type: ignore[attr-defined]
        last = node.end_lineno  # type: ignore[attr-defined]
        found.append(Unit(owner, first, last, "".join(lines[first - 1 : last])))

    for index, node in enumerate(tree.body):
        if type(node) in _FUNCTIONS:
            unit(node, "")
        elif type(node) is ast.ClassDef:
            for inner in node.body:
                if type(inner) in _FUNCTIONS:
                    # Two classes may share a name, never a place in the module.
                    unit(inner, f"{index}:{node.name}")
    skeleton: List[str] = []
    row = 1
    for item in found:
        skeleton.extend(
            line
            for line in lines[row - 1 : item.first - 1]
            if not _COMMENT_OR_BLANK.fullmatch(line.rstrip("\n"))
        )
        head = lines[item.first - 1]
        skeleton.append(head[: len(head) - len(head.lstrip())] + "def " + _name(lines, item))
        row = item.last + 1
    skeleton.extend(
        line for line in lines[row - 1 :] if not _COMMENT_OR_BLANK.fullmatch(line.rstrip("\n"))
    )
    return found, tuple(skeleton)


def _name(lines: Sequence[str], item: Unit) -> str:
    """The unit's name as written (its ``def`` line, past decorators)."""
    for line in lines[item.first - 1 : item.last]:
        match = re.match(r"\s*(?:async\s+)?def\s+(\w+)", line)
        if match:
            return match.group(1)
    return ""


def _moved_location(location: Location, by: int) -> Location:
    return Location(location.row + by, location.column)


def moved(diagnostic: Diagnostic, by: int) -> Diagnostic:
    """``diagnostic`` (and its fix's edits) ``by`` lines further down."""
    if not by:
        return diagnostic
    fix = diagnostic.fix
    if fix is not None:
        edits = tuple(
            Edit(
                edit.content,
                _moved_location(edit.location, by),
                _moved_location(edit.end_location, by),
            )
            for edit in fix.edits
        )
        fix = FixRecord(fix.applicability, fix.message, edits)
    return dataclasses.replace(
        diagnostic,
        location=_moved_location(diagnostic.location, by),
        end_location=_moved_location(diagnostic.end_location, by),
        fix=fix,
    )


class Document:
    """One open document's analyses: ``update`` with each new text."""

    def __init__(self, path: str, rules: Sequence[Type[BaseRule]], config: Config) -> None:
        self.path = path
        self.rules = list(rules)
        self.config = config
        self.snapshot: Optional[Snapshot] = None
        #: Whether a ``FILE_WIDE`` rule's shape holds in a unit, by its key.
        self._wide_units: Dict[Tuple[str, str], bool] = {}
        #: What each statement binds, by its text (see ``facts.bindings``).
        self._bindings: Dict[Tuple[str, int, int], object] = {}

    def update(self, source: str) -> Snapshot:
        """The findings in ``source``, reusing what the last analysis found
        in the definitions that did not change."""
        previous = self.snapshot
        if previous is not None and previous.source == source:
            return previous
        tree = syntax.parse(source)
        if tree is None:
            found = self._analyse(source, None, None)
            self.snapshot = Snapshot(source, found.diagnostics)
            return self.snapshot
        lines = noqa.lines(source)
        facts = FileFacts(tree, lines, self._bindings)  # type: ignore[arg-type]
        units, skeleton = units_of(tree, lines)
        context = (facts.signature(), skeleton, noqa.file_suppression(source))
        incremental = (
            previous is not None
            and previous.context == context
            and not self._file_wide(source, tree, units)
        )
        matched: Dict[int, Tuple[Unit, List[Diagnostic]]] = {}
        if incremental:
            waiting = {key: list(entries) for key, entries in previous.units.items()}  # type: ignore[union-attr]
            for index, unit in enumerate(units):
                entries = waiting.get(unit.key)
                if entries:
                    matched[index] = entries.pop(0)
        settled = [(units[index].first, units[index].last) for index in matched]
        found = self._analyse(source, tree, facts, settled)
        if found.module is None and found.parses:
            inside = set(matched)  # libcst was not needed: nothing was analysed again
        else:
            stubbed = found.reduction.stubbed if found.reduction is not None else ()
            inside = {
                index
                for index in matched
                if any(a <= units[index].first and units[index].last <= b for a, b in stubbed)
            }
        if settled and len(inside) != len(matched):
            # A settled definition was analysed after all (a stub cannot stand
            # for it, or its class is kept whole): the pre-filter did not look
            # at it, so analyse as if nothing were settled.
            found = self._analyse(source, tree, facts)
            matched, inside = {}, set()
        diagnostics = list(found.diagnostics)
        for index in inside:
            old, old_findings = matched[index]
            by = units[index].first - old.first
            diagnostics.extend(moved(d, by) for d in old_findings)
        if inside:
            diagnostics.sort(key=lambda d: d.sort_key)
        reused = len(inside)
        reusable = found.parses and not found.withheld
        self.snapshot = Snapshot(
            source,
            diagnostics,
            context if reusable else None,
            _by_unit(units, diagnostics, self.rules) if reusable else {},
            reused if incremental else None,
            len(units) - reused if incremental else None,
        )
        return self.snapshot

    def _file_wide(self, source: str, tree: ast.Module, units: Sequence[Unit]) -> bool:
        """A rule whose findings in a definition may depend on others
        (``Rule.FILE_WIDE``) could report in ``source``: its pre-filter
        admits the text. Whether its shape holds in a unit is remembered by
        the unit's text, so that only new units and the module-level code
        are walked."""
        wide = [rule for rule in self.rules if rule.FILE_WIDE]
        if not wide:
            return False
        textual = [
            rule
            for rule in wide
            if all(pattern.search(source) for pattern in prefilter.patterns(rule))
        ]
        if not textual:
            return False
        if any(not rule.SHAPE_NODES for rule in textual):
            return bool(prefilter.candidates(source, tree, textual, self.config).rules)
        known = self._wide_units
        if len(known) > 10_000:
            known.clear()
        settled = [(unit.first, unit.last) for unit in units if unit.key in known]
        lines = prefilter.shape_lines(source, tree, textual, settled)
        if lines is None:
            return True
        found = sorted(line for held in lines.values() for line in held)
        for unit in units:
            if unit.key not in known:
                index = bisect.bisect_left(found, unit.first)
                known[unit.key] = index < len(found) and found[index] <= unit.last
        if found or any(known[unit.key] for unit in units):
            # The shape holds somewhere: the rules' own last check decides.
            return bool(prefilter.candidates(source, tree, textual, self.config).rules)
        return False

    def _analyse(
        self,
        source: str,
        tree: Optional[ast.Module],
        facts: Optional[FileFacts],
        settled: Sequence[Tuple[int, int]] = (),
    ) -> Analysis:
        parsed = (tree, facts) if facts is not None else None
        return analyse(source, self.path, self.rules, self.config, settled=settled, parsed=parsed)


def _by_unit(
    units: Sequence[Unit], diagnostics: Sequence[Diagnostic], rules: Sequence[Type[BaseRule]]
) -> Dict[Tuple[str, str], List[Tuple[Unit, List[Diagnostic]]]]:
    """The libcst rules' findings of each unit (the source-only rules run
    on the whole text every time). A unit with a finding whose fix edits a
    place outside it (a statement inserted at module level) is left out:
    it is analysed again on every edit."""
    traversing = {rule.CODE for rule in rules if issubclass(rule, TreeRule)}
    found: Dict[Tuple[str, str], List[Tuple[Unit, List[Diagnostic]]]] = {}
    ordered = sorted(units, key=lambda unit: unit.first)
    inside: Dict[int, List[Diagnostic]] = {unit.first: [] for unit in ordered}
    starts = [unit.first for unit in ordered]
    for diagnostic in diagnostics:
        if diagnostic.code not in traversing:
            continue
        index = bisect.bisect_right(starts, diagnostic.location.row) - 1
        if index >= 0 and diagnostic.location.row <= ordered[index].last:
            inside[ordered[index].first].append(diagnostic)
    for unit in units:
        findings = inside[unit.first]
        if all(_within(d, unit) for d in findings):
            found.setdefault(unit.key, []).append((unit, findings))
    return found


def _within(diagnostic: Diagnostic, unit: Unit) -> bool:
    """Every edit of ``diagnostic``'s fix lies within ``unit``'s lines."""
    if diagnostic.fix is None:
        return True
    return all(
        unit.first <= edit.location.row and edit.end_location.row <= unit.last
        for edit in diagnostic.fix.edits
    )

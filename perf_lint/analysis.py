"""One analysis of one text, in explicit stages:

1. ``# perf-lint: noqa`` at file level takes rules out;
2. ``ast`` parses the text once (the tree goes to every later stage);
3. the pre-filter keeps the rules that can report (``perf_lint.prefilter``);
4. the source-only rules (sizes) report from the text and its tree;
5. libcst parses the text, reduced to the definitions that hold a
   candidate's shape in a lint run;
6. the rules run in one batched traversal, with the scope chain kept by the
   engine;
7. positions are computed for the reported nodes;
8. reports become diagnostics, with their fixes' edits, less what ``# noqa``
   comments suppress.

The result, ``Analysis``, is what the fix loop (``perf_lint.fixing``) and the
fronts consume. Each stage reports its time to ``Hooks`` (``--timings``)."""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import Any, List, NamedTuple, Optional, Sequence, Type

import libcst as cst
from libcst.metadata import CodePosition, MetadataWrapper, PositionProvider

from perf_lint import fixing, noqa, prefilter, syntax, traversal
from perf_lint import positions as sparse_positions
from perf_lint.config import Config
from perf_lint.context import FileContext
from perf_lint.diagnostic import Diagnostic, Edit, FixRecord, Location
from perf_lint.prefilter import Shortcuts
from perf_lint.rule import Report, Rule
from perf_lint.source import QUIET, Hooks, file_problem, syntax_error, too_deep


class Fixable(NamedTuple):
    """A diagnostic with a fix, and the report whose replacement makes it."""

    diagnostic: Diagnostic
    report: Report


@dataclasses.dataclass
class Analysis:
    """Everything the rules report in one text. ``module`` is libcst's tree
    of the text the rules saw (reduced in a lint run; ``None`` when libcst
    was not needed or could not parse); ``fixes`` are the diagnostics with a
    fix; ``parses`` is ``False`` when the text is not Python."""

    diagnostics: List[Diagnostic]
    module: Optional[cst.Module] = None
    fixes: List[Fixable] = dataclasses.field(default_factory=list)
    parses: bool = True


def analyse(
    source: str,
    path: str,
    rules: Sequence[Type[Rule]],
    config: Config,
    *,
    reduce: bool = True,
    shortcuts: Shortcuts = prefilter.FULL,
    hooks: Hooks = QUIET,
) -> Analysis:
    """Everything ``rules`` report in ``source``. With ``reduce`` (no fix
    will be applied), libcst parses only the definitions that hold the
    candidate rules' shapes; the module of the result is then that text's."""
    file_noqa = noqa.file_suppression(source)
    active = [rule for rule in rules if not noqa.file_suppresses(file_noqa, rule.CODE)]
    with hooks.phase("syntax check (ast)"):
        tree = syntax.parse(source)
    with hooks.phase("pre-filter"):
        if shortcuts.prefilter:
            found = prefilter.candidates(source, tree, active, config)
        else:
            found = prefilter.Candidates(active, _every_shape(source, tree, active))
    by_source = [rule for rule in found.rules if rule.SOURCE_ONLY]
    by_cst = [rule for rule in found.rules if not rule.SOURCE_ONLY]
    inline = noqa.InlineNoqa(source)
    if not by_cst and tree is not None:
        return Analysis(_source_diagnostics(source, tree, path, by_source, config, inline, hooks))
    if tree is None:
        deep = too_deep(path, source)
        if deep is not None:
            return Analysis([deep], parses=False)
    text = source
    if reduce and shortcuts.reduce:
        with hooks.phase("pre-filter"):
            text = (
                prefilter.reduced(source, tree, dataclasses.replace(found, rules=by_cst)) or source
            )
    parsed = _parse(text, source, path, hooks)
    if isinstance(parsed, Analysis):
        return parsed
    module, text = parsed
    diagnostics = _source_diagnostics(source, tree, path, by_source, config, inline, hooks)
    if not by_cst:
        return Analysis(diagnostics, module)
    context = FileContext(path=path, source=source, module=module, tree=tree, parsed=True)
    instances = [rule(context, config.rule_options(rule)) for rule in by_cst]
    problem = _traverse(context, instances, path, hooks)
    if problem is not None:
        return Analysis([problem], module)
    reports = [report for instance in instances for report in instance.reports]
    if not reports:
        return Analysis(diagnostics, module)
    with hooks.phase("positions"):
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = (
            sparse_positions.report_positions(
                module, reports, lambda: wrapper.resolve(PositionProvider)
            )
            if shortcuts.sparse_positions
            else sparse_positions.Positions({}, lambda: wrapper.resolve(PositionProvider))
        )
    with hooks.phase("report"):
        unreproduced = _unreproduced(module, text, reports, positions.code)
    if unreproduced and text is not source:
        # libcst does not reproduce the reduced text (blank lines before an
        # indented comment that ends a module, for one: a stubbed last
        # definition leaves its block's last comment there), which would
        # withhold every fix the whole text gets: analyse that instead.
        return analyse(source, path, rules, config, reduce=False, shortcuts=shortcuts, hooks=hooks)
    with hooks.phase("report"):
        unfixable = _unfixable(module, text, reports, unreproduced)
        fixes: List[Fixable] = []
        for instance in instances:
            for report in instance.reports:
                start, end = _span(report.node, positions)
                if inline.suppresses(instance.CODE, start.line, end.line):
                    continue
                fix = None
                if report.replacement is not None and report.node not in unfixable:
                    fix = FixRecord(
                        report.applicability,  # type: ignore[arg-type]
                        report.fix_message or "",
                        (_edit(module, text, report, positions, start, end),),
                    )
                shown = _shown(report.node, positions, start, end)
                diagnostic = _diagnostic(instance, path, report, *shown, fix)
                diagnostics.append(diagnostic)
                if fix is not None:
                    fixes.append(Fixable(diagnostic, report))
        diagnostics.sort(key=lambda d: d.sort_key)
    return Analysis(diagnostics, module, fixes)


def _every_shape(
    source: str, tree: Optional[ast.Module], rules: Sequence[Type[Rule]]
) -> Optional[dict]:  # type: ignore[type-arg]
    """The shape lines of every rule that has a shape, without filtering
    (what the reduction needs when the pre-filter is off)."""
    shaped = [rule for rule in rules if rule.SHAPE_NODES]
    if tree is None:
        return None
    return prefilter.shape_lines(source, tree, shaped) if shaped else {}


def _parse(text: str, source: str, path: str, hooks: Hooks) -> Any:
    """libcst's module of ``text`` (a reduced form of ``source``, or
    ``source``) and the text it is of; or the ``Analysis`` of a file libcst
    cannot parse. A reduced text libcst rejects is replaced by the whole."""
    with hooks.phase("parse (libcst)"):
        try:
            try:
                return cst.parse_module(text), text
            except cst.ParserSyntaxError:
                if text is source:
                    raise
                return cst.parse_module(source), source  # report what the whole text gives
        except cst.ParserSyntaxError as error:
            lines = error.message.strip().splitlines()
            message = lines[0] if lines else "invalid syntax"
            problem = syntax_error(path, source, message, error.raw_line, error.raw_column + 1)
            return Analysis([problem], parses=False)
        except (RecursionError, MemoryError) as error:
            problem = file_problem(path, "parse-error", f"cannot parse: {type(error).__name__}")
            return Analysis([problem], parses=False)


def _traverse(
    context: FileContext, instances: Sequence[Rule], path: str, hooks: Hooks
) -> Optional[Diagnostic]:
    """Run the rules over the module in one batched traversal; a problem
    diagnostic when the tree is too deep for it."""
    try:
        with hooks.phase("visit (traversal)"):
            traversal.visit_batched(
                context.module, instances, frame=context.scopes, wrap=hooks.wrap
            )
    except RecursionError:
        # libcst nodes nest as deep as the code: a very deep tree (an
        # implicit concatenation of thousands of strings) exhausts the stack.
        return file_problem(path, "parse-error", "cannot analyse: nested too deeply")
    return None


def _source_diagnostics(
    source: str,
    tree: Optional[ast.Module],
    path: str,
    rules: Sequence[Type[Rule]],
    config: Config,
    inline: noqa.InlineNoqa,
    hooks: Hooks,
) -> List[Diagnostic]:
    """What the ``SOURCE_ONLY`` rules report in ``source``, less what
    ``# noqa`` comments suppress."""
    found: List[Diagnostic] = []
    for rule in rules:
        with hooks.phase(f"rule {rule.CODE}"):
            reports = rule.check_source(source, tree, config.rule_options(rule))
        for report in reports:
            if not inline.suppresses(rule.CODE, report.start[0], report.end[0]):
                location = Location(report.start[0], report.start[1] + 1)
                end = Location(report.end[0], report.end[1] + 1)
                found.append(
                    Diagnostic(
                        rule.CODE, rule.NAME, report.message, path, location, end, None, report.data
                    )
                )
    found.sort(key=lambda d: d.sort_key)
    return found


def _diagnostic(
    rule: Rule,
    path: str,
    report: Report,
    start: CodePosition,
    end: CodePosition,
    fix: Optional[FixRecord],
) -> Diagnostic:
    """A rule's diagnostic over a range as libcst gives one (1-based rows,
    0-based columns)."""
    return Diagnostic(
        code=rule.CODE,
        name=rule.NAME,
        message=report.message,
        path=path,
        location=Location(start.line, start.column + 1),
        end_location=Location(end.line, end.column + 1),
        fix=fix,
        data=report.data,
    )


def _span(node: cst.CSTNode, positions: Any) -> tuple:  # type: ignore[type-arg]
    """Start and end of ``node`` including its own parentheses (libcst's
    positions leave them out, but they belong to what a fix replaces)."""
    if isinstance(node, cst.Module):  # a file-level diagnostic: at 1:1, as in ruff
        return CodePosition(1, 0), CodePosition(1, 0)
    where = positions[node]
    start, end = where.start, where.end
    lpar, rpar = getattr(node, "lpar", None), getattr(node, "rpar", None)
    if lpar and rpar:
        start, end = positions[lpar[0]].start, positions[rpar[-1]].end
    return start, end


def _shown(node: cst.CSTNode, positions: Any, start: CodePosition, end: CodePosition) -> tuple:  # type: ignore[type-arg]
    """Where a diagnostic points: ``node`` without the parentheses around
    it, as ruff points (a tuple or generator expression keeps the pair that
    is its own syntax); ``start``/``end`` (its span) otherwise."""
    lpar, rpar = getattr(node, "lpar", None), getattr(node, "rpar", None)
    if not (lpar and rpar):
        return start, end
    if isinstance(node, (cst.Tuple, cst.GeneratorExp)):
        return positions[lpar[-1]].start, positions[rpar[0]].end
    where = positions[node]
    return where.start, where.end


def _edit(
    module: cst.Module,
    text: str,
    report: Report,
    positions: Any,
    start: CodePosition,
    end: CodePosition,
) -> Edit:
    """The edit of a report's fix (a statement that replaces statements is
    rendered at their indentation, comment lines included)."""
    if report.removals or isinstance(report.replacement, cst.BaseStatement):
        return fixing.removal_edit(module, text, report, positions)
    return Edit(
        content=module.code_for_node(report.replacement),  # type: ignore[arg-type]
        location=Location(start.line, start.column + 1),
        end_location=Location(end.line, end.column + 1),
    )


# -- when fixes cannot be trusted -------------------------------------------------


class _DebugFields(cst.CSTVisitor):
    """Nodes inside an f-string ``{expr=}`` field, whose source text is part
    of the output: no fix may touch them."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.inside: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FormattedStringExpression) and node.equal is not None:
            self.depth += 1
        if self.depth:
            self.inside.add(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.FormattedStringExpression) and original_node.equal:
            self.depth -= 1


_DEBUG_FIELD = re.compile(r"=\s*[}!:]")


def _unreproduced(
    module: cst.Module, source: str, reports: Sequence[Report], code: Optional[str] = None
) -> bool:
    """A report offers a fix and ``module`` (whose text is ``code``, when
    known) does not reproduce ``source`` exactly (libcst drops a final lone
    CR, for one): no fix can be trusted."""
    if not any(report.replacement is not None for report in reports):
        return False
    return (code if code is not None else module.code) != source


def _unfixable(
    module: cst.Module, source: str, reports: Sequence[Report], unreproduced: bool
) -> set:
    """The reported nodes whose fix must be dropped: all of them when libcst
    does not reproduce the file exactly, else those inside f-string debug
    fields."""
    fixing_nodes = [report.node for report in reports if report.replacement is not None]
    if not fixing_nodes:
        return set()
    if unreproduced:
        return set(fixing_nodes)
    if not _DEBUG_FIELD.search(source):
        return set()
    fields = _DebugFields()
    traversal.visit(module, fields)
    return {node for node in fixing_nodes if node in fields.inside}

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
import sys
import threading
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple, Type, TypeVar

import libcst as cst
from libcst.metadata import CodePosition, MetadataWrapper, PositionProvider

from perf_lint import _compat, fixing, noqa, prefilter, syntax, traversal
from perf_lint import positions as sparse_positions
from perf_lint.config import Config
from perf_lint.context import FileContext
from perf_lint.diagnostic import Diagnostic, Edit, FixRecord, Location
from perf_lint.facts import FileFacts
from perf_lint.heat import NO_HEAT, FileHeat
from perf_lint.prefilter import Shortcuts
from perf_lint.rule import Report, Rule
from perf_lint.source import QUIET, Hooks, file_problem, syntax_error, too_deep


class Fixable(NamedTuple):
    """A diagnostic with a fix, the report whose replacement makes it, and
    the places the fix changes (``fixing.Region``s: its node, the
    statements it removes, the other nodes it replaces, the points where it
    inserts statements), which the fix loop keeps apart."""

    diagnostic: Diagnostic
    report: Report
    regions: Tuple[fixing.Region, ...] = ()


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
    #: How ``module``'s text was reduced from the whole (``None``: it is the
    #: whole text, or libcst was not needed).
    reduction: Optional[prefilter.Reduction] = None
    #: Every fix was withheld because libcst does not reproduce the text.
    withheld: bool = False


def analyse(
    source: str,
    path: str,
    rules: Sequence[Type[Rule]],
    config: Config,
    *,
    reduce: bool = True,
    settled: Sequence[Tuple[int, int]] = (),
    shortcuts: Shortcuts = prefilter.FULL,
    hooks: Hooks = QUIET,
    parsed: Optional[Tuple[Optional[ast.Module], Optional[FileFacts]]] = None,
    heat: FileHeat = NO_HEAT,
) -> Analysis:
    """Everything ``rules`` report in ``source``. With ``reduce`` (no fix
    will be applied), libcst parses only the definitions that hold the
    candidate rules' shapes (but those in the ``settled`` spans of lines:
    the definitions whose findings the language server already has); the
    module of the result is then that text's. ``parsed``: the text's ``ast`` and
    facts, when the caller has them already.

    A text whose libcst tree nests too deep for this thread's stack (a long
    ``a or b or ...`` chain, which ``ast`` keeps flat) is analysed on a
    thread with a big stack (``on_deep_stack``): up front when its ``ast``
    says so (libcst's native parser would overflow the stack and take the
    process down), and again there when the analysis here runs out of
    recursion. ``heat``: the profile's facts for the profile-guided rules."""
    if parsed is None:
        with hooks.phase("syntax check (ast)"):
            parsed = (syntax.parse(source), None)
    known = parsed

    def run() -> Analysis:
        return _analyse(
            source,
            path,
            rules,
            config,
            reduce=reduce,
            settled=settled,
            shortcuts=shortcuts,
            hooks=hooks,
            parsed=known,
            heat=heat,
        )

    def refused(why: str) -> Analysis:
        return Analysis([too_deep_problem(path, why)], parses=False)

    tree = parsed[0]
    if getattr(_DEEP, "active", False):
        return run()
    levels = syntax.cst_depth(tree) if tree is not None and _boolean_words(source) else 0
    if levels > MAX_LEVELS:
        return refused(f"{levels:,} levels; perf-lint analyses at most {MAX_LEVELS:,}")
    if levels > _DEEP_LEVELS:
        return on_deep_stack(run, refused)
    try:
        return run()
    except RecursionError:
        return on_deep_stack(run, refused)


#: Recognises the words that make ``ast``'s flat ``BoolOp`` (libcst nests
#: one level per operator): a text with few of them needs no closer look.
_BOOLEAN_WORD = re.compile(r"\b(?:or|and)\b")
#: libcst levels beyond which a text goes to the deep stack up front. Below
#: it, a tree CPython accepts (it bounds its own tree below 3,000 levels)
#: parses on an 8 MB stack; libcst's native parser overflowed one at 7,000.
_DEEP_LEVELS = 1_000
#: libcst levels beyond which a text is not analysed at all.
MAX_LEVELS = 100_000
#: The stack of the deep thread (address space; only what it uses is
#: memory) and the recursion limit while it runs.
_DEEP_STACK = 1 << 30
_DEEP_RECURSION = 300_000
_DEEP = threading.local()
_DEEP_LOCK = threading.Lock()


def _boolean_words(source: str) -> bool:
    """Whether ``source`` has enough ``or``/``and`` words to hold a chain
    deeper than ``_DEEP_LEVELS`` in libcst's tree (few texts do; only those
    are measured)."""
    if source.count("or") + source.count("and") < _DEEP_LEVELS // 2:
        return False  # every ``or`` and ``and`` word holds one of these (fast)
    for words, _ in enumerate(_BOOLEAN_WORD.finditer(source), 1):
        if words >= _DEEP_LEVELS // 2:
            return True
    return False


_T = TypeVar("_T")


def on_deep_stack(call: Callable[[], _T], refuse: Callable[[str], _T]) -> _T:
    """``call()`` on a thread with a big stack and a high recursion limit
    (one such call at a time: the limit is the interpreter's); on this
    thread when it is that thread already. ``refuse(why)`` is the answer
    when even that is not enough."""
    if getattr(_DEEP, "active", False):
        return call()
    box: List[Any] = []

    def deep() -> None:
        _DEEP.active = True
        with _DEEP_LOCK:
            before = sys.getrecursionlimit()
            sys.setrecursionlimit(max(before, _DEEP_RECURSION))
            try:
                box.append(call())
            except RecursionError:
                box.append(refuse("its tree nests too deeply for the analysis"))
            except BaseException as error:  # raised again on the caller's thread
                box.append(error)
            finally:
                sys.setrecursionlimit(before)

    try:
        previous = threading.stack_size()
        try:
            threading.stack_size(_DEEP_STACK)
            worker = threading.Thread(target=deep, name="perf-lint-deep", daemon=True)
            worker.start()
        finally:
            threading.stack_size(previous)
    except (RuntimeError, ValueError, MemoryError) as error:
        return refuse(f"no thread with a stack big enough: {error}")
    worker.join()
    found = box[0]
    if isinstance(found, BaseException):
        raise found
    return found  # type: ignore[no-any-return]


def too_deep_problem(path: str, why: str) -> Diagnostic:
    """The diagnostic of a text too deep to analyse."""
    return file_problem(path, "parse-error", f"cannot analyse: nested too deeply ({why})")


def _analyse(
    source: str,
    path: str,
    rules: Sequence[Type[Rule]],
    config: Config,
    *,
    reduce: bool,
    settled: Sequence[Tuple[int, int]],
    shortcuts: Shortcuts,
    hooks: Hooks,
    parsed: Tuple[Optional[ast.Module], Optional[FileFacts]],
    heat: FileHeat = NO_HEAT,
) -> Analysis:
    """``analyse`` on this thread's stack."""
    file_noqa = noqa.file_suppression(source) if config.noqa else noqa.NOTHING_SUPPRESSED
    active = [rule for rule in rules if not noqa.file_suppresses(file_noqa, rule.CODE)]
    tree, facts = parsed
    with hooks.phase("pre-filter"):
        if shortcuts.prefilter:
            found = prefilter.candidates(source, tree, active, config, settled)
        else:
            found = prefilter.Candidates(active, _every_shape(source, tree, active))
    by_source = [rule for rule in found.rules if rule.SOURCE_ONLY]
    by_cst = [rule for rule in found.rules if not rule.SOURCE_ONLY]
    inline = noqa.InlineNoqa.of(source) if config.noqa else noqa.InlineNoqa("")
    if not by_cst and tree is not None:
        return Analysis(_source_diagnostics(source, tree, path, by_source, config, inline, hooks))
    if tree is None:
        deep = too_deep(path, source)
        if deep is not None:
            return Analysis([deep], parses=False)
    reduction = None
    if reduce and shortcuts.reduce:
        with hooks.phase("pre-filter"):
            shaped = dataclasses.replace(found, rules=by_cst)
            reduction = prefilter.reduced(source, tree, shaped, settled)
    parsed = _parse(reduction.text if reduction else source, source, path, hooks, tree is not None)
    if isinstance(parsed, Analysis):
        return parsed
    module, text = parsed
    if text is source:
        reduction = None
    diagnostics = _source_diagnostics(source, tree, path, by_source, config, inline, hooks)
    if not by_cst:
        return Analysis(diagnostics, module, reduction=reduction)
    context = FileContext(path, source, module, tree, parsed=True, known_facts=facts, heat=heat)
    instances = [rule(context, config.rule_options(rule)) for rule in by_cst]
    _traverse(context, instances, path, hooks)
    reports = [report for instance in instances for report in instance.reports]
    if not reports:
        return Analysis(diagnostics, module, reduction=reduction)
    with hooks.phase("positions"):
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = sparse_positions.report_positions(
            module, reports, lambda: wrapper.resolve(PositionProvider)
        )
        if not shortcuts.sparse_positions:
            # Every range from libcst's full computation; the rendering of
            # the module (where a fix's edits are worked out) is the same.
            positions = sparse_positions.Positions(
                {},
                lambda: wrapper.resolve(PositionProvider),
                positions.code,
                positions.tokens,
                positions.rendered,
            )
    with hooks.phase("report"):
        unreproduced = _unreproduced(module, text, reports, positions.code)
    if unreproduced and reduction is not None:
        # libcst does not reproduce the reduced text (blank lines before an
        # indented comment that ends a module, for one: a stubbed last
        # definition leaves its block's last comment there), which would
        # withhold every fix the whole text gets: analyse that instead.
        again = (tree, context.facts)
        return analyse(
            source,
            path,
            rules,
            config,
            reduce=False,
            shortcuts=shortcuts,
            hooks=hooks,
            parsed=again,
            heat=heat,
        )
    row = reduction.row if reduction is not None else None
    with hooks.phase("report"):
        unfixable = _unfixable(module, text, reports, unreproduced)
        fixes: List[Fixable] = []
        for instance in instances:
            for report in instance.reports:
                # Where the node is in libcst's text, and in the whole text.
                start, end = _span(report.node, positions)
                first, last = start, end
                if row is not None:
                    first = CodePosition(row(start.line), start.column)
                    last = CodePosition(row(end.line), end.column)
                if inline.suppresses(instance.CODE, first.line, last.line):
                    continue
                fix = None
                if report.replacement is not None and report.node not in unfixable:
                    edits = _edits(module, text, report, positions, start, end)
                    if row is not None:
                        edits = tuple(_moved(edit, row) for edit in edits)
                    fix = FixRecord(
                        report.applicability,  # type: ignore[arg-type]
                        report.fix_message or "",
                        edits,
                    )
                shown, shown_end = _shown(report.node, positions, start, end)
                if row is not None:
                    shown = CodePosition(row(shown.line), shown.column)
                    shown_end = CodePosition(row(shown_end.line), shown_end.column)
                diagnostic = _diagnostic(instance, path, report, shown, shown_end, fix)
                diagnostics.append(diagnostic)
                if fix is not None:
                    regions = _regions(report, positions, start, end)
                    if row is not None:
                        regions = tuple(((row(a[0]), a[1]), (row(b[0]), b[1])) for a, b in regions)
                    fixes.append(Fixable(diagnostic, report, regions))
        diagnostics.sort(key=lambda d: d.sort_key)
    withheld = unreproduced and any(report.replacement is not None for report in reports)
    return Analysis(diagnostics, module, fixes, reduction=reduction, withheld=withheld)


def _moved(edit: Edit, row: Callable[[int], int]) -> Edit:
    """``edit`` (made on the reduced text) with the whole text's rows."""
    return Edit(
        edit.content,
        Location(row(edit.location.row), edit.location.column),
        Location(row(edit.end_location.row), edit.end_location.column),
    )


def _every_shape(
    source: str, tree: Optional[ast.Module], rules: Sequence[Type[Rule]]
) -> Optional[dict]:  # type: ignore[type-arg]
    """The shape lines of every rule that has a shape, without filtering
    (what the reduction needs when the pre-filter is off)."""
    shaped = [rule for rule in rules if rule.SHAPE_NODES]
    if tree is None:
        return None
    return prefilter.shape_lines(source, tree, shaped) if shaped else {}


def _parse(text: str, source: str, path: str, hooks: Hooks, valid: bool) -> Any:
    """libcst's module of ``text`` (a reduced form of ``source``, or
    ``source``) and the text it is of; or the ``Analysis`` of a file libcst
    cannot parse. A reduced text libcst rejects is replaced by the whole.
    ``valid``: Python accepts ``source`` (when libcst does not, the
    diagnostic says so: its parser has limits of its own, such as a few
    thousand implicitly concatenated strings)."""
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
            row, column = error.raw_line, error.raw_column + 1
            if valid:
                problem = file_problem(
                    path,
                    "parse-error",
                    "cannot analyse: libcst cannot parse this file, which Python accepts "
                    f"(libcst: {message} at line {row}, column {column})",
                    row,
                    column,
                )
            else:
                problem = syntax_error(path, source, message, row, column)
            return Analysis([problem], parses=False)
        except MemoryError as error:
            problem = file_problem(path, "parse-error", f"cannot parse: {type(error).__name__}")
            return Analysis([problem], parses=False)


def _traverse(context: FileContext, instances: Sequence[Rule], path: str, hooks: Hooks) -> None:
    """Run the rules over the module in one batched traversal (a tree too
    deep for the stack raises ``RecursionError``: ``analyse`` tries again on
    the deep stack)."""
    with hooks.phase("visit (traversal)"):
        traversal.visit_batched(context.module, instances, frame=context.scopes, wrap=hooks.wrap)


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


def _edits(
    module: cst.Module,
    text: str,
    report: Report,
    positions: Any,
    start: CodePosition,
    end: CodePosition,
) -> Tuple[Edit, ...]:
    """The edits of a report's fix, in text order: one for its node (with
    the statements it removes), and for a compound fix one for each other
    node it replaces and one for each anchor it inserts statements after
    (none for the node where it stays as it is). Where one of them cannot
    be worked out from its place alone, the one edit of the whole fix."""
    if not report.compound:
        return (_edit(module, text, report, positions, start, end),)
    edits: List[Edit] = []
    if report.replacement is not report.node:
        if report.removals:
            local = fixing.local_edit(module, report, positions)
            if local is None:
                return (fixing.diff_edit(module, text, report),)
            edits.append(local)
        else:
            edits.append(_edit(module, text, report, positions, start, end))
    for node, replacement in report.also:
        edits.append(_node_edit(module, node, replacement, positions, *_span(node, positions)))
    anchors: dict = {}  # type: ignore[type-arg]
    for anchor, statements in report.insertions:  # one edit per anchor, equal statements once
        known = anchors.setdefault(anchor, {})
        for statement in statements:
            known.setdefault(fixing.statement_code(statement), statement)
    for anchor, known in anchors.items():
        inserted = fixing.insertion_edit(module, anchor, list(known.values()), positions)
        if inserted is None:
            return (fixing.diff_edit(module, text, report),)
        edits.append(inserted)
    return tuple(
        sorted(
            edits,
            key=lambda e: (
                e.location.row,
                e.location.column,
                e.end_location.row,
                e.end_location.column,
            ),
        )
    )


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
    """The edit of a report's node (with the statements its fix removes; a
    statement that replaces statements is rendered at their indentation,
    comment lines included)."""
    if report.removals or isinstance(report.replacement, cst.BaseStatement):
        return fixing.removal_edit(module, text, report, positions)
    return _node_edit(module, report.node, report.replacement, positions, start, end)  # type: ignore[arg-type]


def _node_edit(
    module: cst.Module,
    node: cst.CSTNode,
    replacement: cst.CSTNode,
    positions: Any,
    start: CodePosition,
    end: CodePosition,
) -> Edit:
    """The edit that puts ``replacement`` in the place of ``node``, which
    runs from ``start`` to ``end``: rendered at the indentation of the block
    around it, as the module renders it there (a replacement that spans
    lines indents its continuation lines by the block's indentation)."""
    rendered = positions.rendered.get(node)
    content = None
    if rendered is not None and rendered.indent:
        content = _compat.render(replacement, rendered.indent, module)
    return Edit(
        content=content if content is not None else module.code_for_node(replacement),
        location=Location(start.line, start.column + 1),
        end_location=Location(end.line, end.column + 1),
    )


def _regions(
    report: Report, positions: Any, start: CodePosition, end: CodePosition
) -> Tuple[fixing.Region, ...]:
    """The places a report's fix changes (``Fixable.regions``); its node
    is not one where it stays as it is."""
    spans = [] if report.replacement is report.node else [(start, end)]
    spans.extend(_span(node, positions) for node, _ in report.also)
    for removed in report.removals:
        where = positions[removed]
        spans.append((where.start, where.end))
    for anchor, _ in report.insertions:
        point = positions[anchor].end
        spans.append((point, point))
    return tuple(((first.line, first.column), (last.line, last.column)) for first, last in spans)


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
    does not reproduce the file exactly, else those whose fix changes a
    node inside an f-string debug field."""
    fixing_reports = [report for report in reports if report.replacement is not None]
    if not fixing_reports:
        return set()
    if unreproduced:
        return {report.node for report in fixing_reports}
    if not _DEBUG_FIELD.search(source):
        return set()
    fields = _DebugFields()
    traversal.visit(module, fields)
    return {
        report.node
        for report in fixing_reports
        if report.node in fields.inside
        or any(node in fields.inside for node, _ in report.also)
        or any(anchor in fields.inside for anchor, _ in report.insertions)
    }

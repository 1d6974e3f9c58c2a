"""One analysis of one text, in explicit stages:

1. ``# perf-lint: noqa`` at file level takes rules out;
2. ``ast`` parses the text once (the tree goes to every later stage);
3. the pre-filter keeps the rules that can report (``perf_lint.prefilter``);
4. the source rules (``SourceRule``: the sizes) report from the text and
   its tree;
5. libcst parses the text, reduced to the definitions that hold a
   candidate's shape in a lint run;
6. the tree rules (``TreeRule``) run in one batched traversal, with the
   scope chain kept by the engine;
7. positions are computed for the reported nodes;
8. reports become diagnostics, with their fixes' edits, less what ``# noqa``
   comments suppress.

A fix's edits are worked out by ``perf_lint.edits``. The result,
``Analysis``, is what the fix loop (``perf_lint.fixing``, above this
module) and the fronts consume. Each stage reports its time to ``Hooks`` (``--timings``)."""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import threading
from typing import (
    AbstractSet,
    Any,
    Callable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

import libcst as cst
from libcst.metadata import CodePosition, MetadataWrapper, PositionProvider

from perf_lint import edits, noqa, prefilter, syntax, traversal
from perf_lint import positions as sparse_positions
from perf_lint.config import Config
from perf_lint.context import FileContext
from perf_lint.diagnostic import Diagnostic, FixRecord, Location
from perf_lint.facts import FileFacts
from perf_lint.heat import NO_HEAT, FileHeat
from perf_lint.prefilter import Shortcuts
from perf_lint.rule import BaseRule, Report, SourceRule, TreeRule
from perf_lint.source import file_problem, syntax_error, too_deep
from perf_lint.timings import QUIET, Hooks


class Fixable(NamedTuple):
    """A diagnostic with a fix, the report whose replacement makes it, and
    the places the fix changes (``edits.Region``s: its node, the
    statements it removes, the other nodes it replaces, the points where it
    inserts statements), which the fix loop keeps apart."""

    diagnostic: Diagnostic
    report: Report
    regions: Tuple[edits.Region, ...] = ()


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
    rules: Sequence[Type[BaseRule]],
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


@dataclasses.dataclass(frozen=True)
class _Job:
    """What every stage of one analysis reads: the text, its ``ast`` and
    facts (``None`` when unknown), the rules asked for, the configuration,
    the shortcuts and the hooks."""

    source: str
    path: str
    rules: Sequence[Type[BaseRule]]
    config: Config
    shortcuts: Shortcuts
    hooks: Hooks
    tree: Optional[ast.Module]
    facts: Optional[FileFacts]
    #: The profile's facts for the profile-guided rules.
    heat: FileHeat = NO_HEAT


class _WholeText(NamedTuple):
    """The answer of stages that found libcst not to reproduce the reduced
    text: analyse the whole text instead (with the file's facts, computed)."""

    facts: FileFacts


def _analyse(
    source: str,
    path: str,
    rules: Sequence[Type[BaseRule]],
    config: Config,
    *,
    reduce: bool,
    settled: Sequence[Tuple[int, int]],
    shortcuts: Shortcuts,
    hooks: Hooks,
    parsed: Tuple[Optional[ast.Module], Optional[FileFacts]],
    heat: FileHeat = NO_HEAT,
) -> Analysis:
    """``analyse`` on this thread's stack: its stages (``_stages``), and
    them again on the whole text when libcst does not reproduce the reduced
    text (blank lines before an indented comment that ends a module, for
    one: a stubbed last definition leaves its block's last comment there),
    which would withhold every fix the whole text gets."""
    job = _Job(source, path, rules, config, shortcuts, hooks, *parsed, heat=heat)
    found = _stages(job, reduce and shortcuts.reduce, settled)
    if isinstance(found, _WholeText):
        found = _stages(dataclasses.replace(job, facts=found.facts), False, ())
    assert isinstance(found, Analysis)  # the whole text is never analysed again
    return found


def _stages(
    job: _Job, reduce: bool, settled: Sequence[Tuple[int, int]]
) -> Union[Analysis, _WholeText]:
    """The stages of one analysis, in the order of this module's
    docstring."""
    found = _candidates(job, settled)
    by_source = [rule for rule in found.rules if issubclass(rule, SourceRule)]
    by_tree = [rule for rule in found.rules if issubclass(rule, TreeRule)]
    inline = noqa.InlineNoqa.of(job.source) if job.config.noqa else noqa.InlineNoqa("")
    if not by_tree and job.tree is not None:
        return Analysis(_source_diagnostics(job, by_source, inline))
    parsed = _parse_reduced(job, dataclasses.replace(found, rules=by_tree), reduce, settled)
    if isinstance(parsed, Analysis):
        return parsed
    module, text, reduction = parsed
    diagnostics = _source_diagnostics(job, by_source, inline)
    if not by_tree:
        return Analysis(diagnostics, module, reduction=reduction)
    context = FileContext(
        job.path, job.source, module, job.tree, parsed=True, known_facts=job.facts, heat=job.heat
    )
    reported = _traverse(job, context, by_tree)
    if not reported:
        return Analysis(diagnostics, module, reduction=reduction)
    reports = [report for _, report in reported]
    positions = _positions(job, module, reports)
    with job.hooks.phase("report"):
        unreproduced = edits.unreproduced(module, text, reports, positions.code)
    if unreproduced and reduction is not None:
        return _WholeText(context.facts)
    row = reduction.row if reduction is not None else None
    with job.hooks.phase("report"):
        unfixable = edits.unfixable(module, text, reports, unreproduced)
        fixes = _report(job, module, text, reported, positions, row, unfixable, inline, diagnostics)
        diagnostics.sort(key=lambda d: d.sort_key)
    withheld = unreproduced and any(report.replacement is not None for report in reports)
    return Analysis(diagnostics, module, fixes, reduction=reduction, withheld=withheld)


def _candidates(job: _Job, settled: Sequence[Tuple[int, int]]) -> prefilter.Candidates:
    """Stages 1 and 3: the rules that ``# perf-lint: noqa`` at file level
    leaves, less those the pre-filter rules out, with the lines of their
    shapes."""
    file_noqa = noqa.file_suppression(job.source) if job.config.noqa else noqa.NOTHING_SUPPRESSED
    active = [rule for rule in job.rules if not noqa.file_suppresses(file_noqa, rule.CODE)]
    with job.hooks.phase("pre-filter"):
        if job.shortcuts.prefilter:
            return prefilter.candidates(job.source, job.tree, active, job.config, settled)
        return prefilter.Candidates(active, _every_shape(job.source, job.tree, active))


def _parse_reduced(
    job: _Job, found: prefilter.Candidates, reduce: bool, settled: Sequence[Tuple[int, int]]
) -> Union[Analysis, Tuple[cst.Module, str, Optional[prefilter.Reduction]]]:
    """Stage 5: libcst's module of the text reduced to the definitions that
    hold the ``found`` rules' shapes (with ``reduce``), the text it is of,
    and the reduction (``None`` when it is the whole text); or the
    ``Analysis`` of a text that cannot be parsed."""
    source = job.source
    if job.tree is None:
        deep = too_deep(job.path, source)
        if deep is not None:
            return Analysis([deep], parses=False)
    reduction = None
    if reduce:
        with job.hooks.phase("pre-filter"):
            reduction = prefilter.reduced(source, job.tree, found, settled)
    text = reduction.text if reduction else source
    parsed = _parse(text, source, job.path, job.hooks, job.tree is not None)
    if isinstance(parsed, Analysis):
        return parsed
    module, text = parsed
    return module, text, None if text is source else reduction


def _positions(job: _Job, module: cst.Module, reports: Sequence[Report]) -> Any:
    """Stage 7: the positions of the reported nodes (``positions.Positions``)."""
    with job.hooks.phase("positions"):
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        found = sparse_positions.report_positions(
            module, reports, lambda: wrapper.resolve(PositionProvider)
        )
        if job.shortcuts.sparse_positions:
            return found
        # Every range from libcst's full computation; the rendering of the
        # module (where a fix's edits are worked out) is the same.
        return sparse_positions.Positions(
            {}, lambda: wrapper.resolve(PositionProvider), found.code, found.tokens, found.rendered
        )


def _report(
    job: _Job,
    module: cst.Module,
    text: str,
    reported: Sequence[Tuple[TreeRule, Report]],
    positions: Any,
    row: Optional[Callable[[int], int]],
    unfixable: AbstractSet[cst.CSTNode],
    inline: noqa.InlineNoqa,
    diagnostics: List[Diagnostic],
) -> List[Fixable]:
    """Stage 8: the rules' reports as diagnostics, appended to
    ``diagnostics``, with their fixes' edits (but for the ``unfixable``
    nodes), less what ``# noqa`` comments suppress; the fixes. ``module``'s
    text is ``text``; ``row`` maps its rows to the whole text's when it is
    a reduced text."""
    fixes: List[Fixable] = []
    for rule, report in reported:
        where = edits.span(report.node, positions)
        first, last = _whole(where[0], row), _whole(where[1], row)
        if inline.suppresses(rule.CODE, first.line, last.line):
            continue
        fix, places = None, ()
        if report.replacement is not None and report.node not in unfixable:
            fix, places = edits.fix_of(module, text, report, positions, where, row)
        shown, shown_end = _shown(report.node, positions, *where)
        diagnostic = _diagnostic(
            rule, job.path, report, _whole(shown, row), _whole(shown_end, row), fix
        )
        diagnostics.append(diagnostic)
        if fix is not None:
            fixes.append(Fixable(diagnostic, report, places))
    return fixes


def _whole(position: CodePosition, row: Optional[Callable[[int], int]]) -> CodePosition:
    """``position`` in the whole text (``row`` maps a reduced text's rows)."""
    return position if row is None else CodePosition(row(position.line), position.column)


def _every_shape(
    source: str, tree: Optional[ast.Module], rules: Sequence[Type[BaseRule]]
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


def _traverse(
    job: _Job, context: FileContext, rules: Sequence[Type[TreeRule]]
) -> List[Tuple[TreeRule, Report]]:
    """Stage 6: the rules run over the module in one batched traversal;
    what each instance reported (a tree too deep for the stack raises
    ``RecursionError``: ``analyse`` tries again on the deep stack)."""
    instances = [rule(context, job.config.rule_options(rule)) for rule in rules]
    with job.hooks.phase("visit (traversal)"):
        traversal.visit_batched(
            context.module, instances, frame=context.scopes, wrap=job.hooks.wrap
        )
    return [(instance, report) for instance in instances for report in instance.reports]


def _source_diagnostics(
    job: _Job, rules: Sequence[Type[SourceRule]], inline: noqa.InlineNoqa
) -> List[Diagnostic]:
    """Stage 4: what the source rules (``SourceRule``) report in the text, less what
    ``# noqa`` comments suppress."""
    found: List[Diagnostic] = []
    for rule in rules:
        with job.hooks.phase(f"rule {rule.CODE}"):
            reports = rule.check_source(job.source, job.tree, job.config.rule_options(rule))
        for report in reports:
            if not inline.suppresses(rule.CODE, report.start[0], report.end[0]):
                location = Location(report.start[0], report.start[1] + 1)
                end = Location(report.end[0], report.end[1] + 1)
                found.append(
                    Diagnostic(
                        rule.CODE,
                        rule.NAME,
                        report.message,
                        job.path,
                        location,
                        end,
                        None,
                        report.data,
                    )
                )
    found.sort(key=lambda d: d.sort_key)
    return found


def _diagnostic(
    rule: TreeRule,
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

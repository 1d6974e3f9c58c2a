"""Parse once, run every selected rule in one batched traversal, filter
``noqa`` in one place, and apply fixes until nothing changes.

Work is done only where it can matter: a file in which no selected rule's
pre-filter patterns occur, or whose ``ast`` holds none of the selected
rules' shapes (``rules/_shapes.py``), is never parsed by libcst (only by the
much cheaper ``ast``, which also serves the size rules, whose findings need
no libcst at all), and positions are computed only inside the reported
nodes."""

from __future__ import annotations

import ast
import collections
import dataclasses
import re
import tokenize
import warnings
from typing import Any, Counter, Dict, List, Mapping, Optional, Sequence, Tuple, Type

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from perf_lint import noqa, traversal
from perf_lint import positions as sparse_positions
from perf_lint.config import Config
from perf_lint.context import FileContext
from perf_lint.registry import BY_CODE
from perf_lint.rule import Applicability, Diagnostic, Edit, FixRecord, Location, Report, Rule
from perf_lint.rules import _shapes

#: How many rounds of fixes one file gets before the engine stops.
MAX_FIX_ROUNDS = 10

_PATTERNS: Dict[str, Tuple[re.Pattern[str], ...]] = {}


class FixMode:
    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclasses.dataclass
class FileResult:
    """The outcome for one file: the diagnostics left, and when fixing, the
    new text and what was fixed."""

    path: str
    source: str
    encoding: str = "utf-8"
    diagnostics: List[Diagnostic] = dataclasses.field(default_factory=list)
    fixed_source: Optional[str] = None
    fixed: Counter[str] = dataclasses.field(default_factory=collections.Counter)
    messages: List[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.source

    def fixed_bytes(self) -> bytes:
        return (self.fixed_source if self.fixed_source is not None else self.source).encode(
            self.encoding
        )


class SourceError(Exception):
    """The bytes of a file are not Python source text."""


def decode(data: bytes) -> Tuple[str, str]:
    """Decode source bytes as Python does (BOM, PEP 263 cookie, else UTF-8).
    The BOM is dropped from the text and kept in the returned encoding."""
    import io

    if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError("binary file (not Python source text)") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(_encoding_problem(data, error)) from error
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from error


def _encoding_problem(data: bytes, error: SyntaxError) -> str:
    """A clear account of why ``data`` cannot be decoded: where the first
    byte that is not UTF-8 sits, when that is the trouble."""
    message = str(error.msg if error.msg else error)
    if "encoding" in message and "unknown" not in message:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            row = data.count(b"\n", 0, bad.start) + 1
            column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
            return (
                f"not valid UTF-8 (byte 0x{data[bad.start]:02x} at line {row}, column {column}) "
                "and no PEP 263 coding declaration names another encoding"
            )
    return message


def _patterns(rule: Type[Rule]) -> Tuple[re.Pattern[str], ...]:
    found = _PATTERNS.get(rule.CODE)
    if found is None:
        texts = (rule.PATTERN,) if isinstance(rule.PATTERN, str) else tuple(rule.PATTERN or ())
        found = _PATTERNS[rule.CODE] = tuple(re.compile(text) for text in texts)
    return found


def candidate_rules(
    source: str, rules: Sequence[Type[Rule]], config: Optional[Config] = None
) -> List[Type[Rule]]:
    """The rules whose pre-filter admits ``source``: every one of their
    ``PATTERN``s, their ``SHAPE`` in the file's ``ast``, then ``admits``
    with the rule's options from ``config``. A pattern several rules share
    is searched for once."""
    found = []
    searched: Dict[re.Pattern[str], bool] = {}
    for rule in rules:
        admitted = True
        for pattern in _patterns(rule):
            hit = searched.get(pattern)
            if hit is None:
                hit = searched[pattern] = pattern.search(source) is not None
            if not hit:
                admitted = False
                break
        if admitted and rule.SHAPE is not None:
            held = _shapes.shapes(source)
            admitted = held is None or rule.SHAPE in held
        if admitted:
            options = config.rule_options(rule) if config is not None else rule.OPTIONS()
            if rule.admits(source, options):
                found.append(rule)
    return found


def _file_problem(path: str, name: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    location = Location(row, column)
    return Diagnostic(None, name, message, path, location, location)


def _diagnostic(
    rule: Any,
    path: str,
    message: str,
    start: Tuple[int, int],
    end: Tuple[int, int],
    fix: Optional[FixRecord] = None,
    data: Optional[Mapping[str, Any]] = None,
) -> Diagnostic:
    """A rule's diagnostic over a range given as libcst gives one (1-based
    rows, 0-based columns); ``rule`` is the rule class or its instance."""
    return Diagnostic(
        code=rule.CODE,
        name=rule.NAME,
        message=message,
        path=path,
        location=Location(start[0], start[1] + 1),
        end_location=Location(end[0], end[1] + 1),
        fix=fix,
        data=data,
    )


def _syntax_error(path: str, source: str, error: cst.ParserSyntaxError) -> Diagnostic:
    """Where and why the file does not parse: CPython's account when it
    agrees that the file is invalid (it points where users expect), else
    libcst's."""
    found = _python_syntax_error(source)
    if found is not None:
        message, row, column = found
    else:
        text = error.message.strip()
        message = text.splitlines()[0] if text else "invalid syntax"
        row, column = error.raw_line, error.raw_column + 1
    return _file_problem(path, "syntax-error", f"SyntaxError: {message}", row, column)


def _python_syntax_error(source: str) -> Optional[Tuple[str, int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except SyntaxError as error:
            return error.msg, error.lineno or 1, max(error.offset or 1, 1)
        except (ValueError, MemoryError, RecursionError) as error:
            return str(error) or type(error).__name__, 1, 1
    return None


#: CPython's messages for nesting its parser or compiler cannot take. Such a
#: file must never reach libcst's native parser, which can overflow its
#: stack on the same input and take the whole process down.
_NESTING_MESSAGES = ("too many nested parentheses", "too many levels of indentation")


def _too_deep(path: str, source: str) -> Optional[Diagnostic]:
    """A diagnostic when CPython rejects ``source`` for its nesting (or runs
    out of recursion or memory on it), else ``None``."""
    if _shapes.parse(source) is not None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except SyntaxError as error:
            if not any(text in str(error.msg) for text in _NESTING_MESSAGES):
                return None
            row, column = error.lineno or 1, error.offset or 1
            return _file_problem(path, "syntax-error", f"SyntaxError: {error.msg}", row, column)
        except (RecursionError, MemoryError) as error:
            message = f"cannot parse: nested too deeply for Python ({type(error).__name__})"
            return _file_problem(path, "parse-error", message)
        except ValueError:
            return None  # null bytes: libcst reports them as a syntax error
    return None


def _reduced(source: str, rules: Sequence[Type[Rule]]) -> Optional[str]:
    """The text libcst needs to parse for ``rules`` to report what they
    report in ``source``: ``_shapes.reduced``, when every rule names its
    shape; ``None`` when that is the whole text."""
    if any(rule.SHAPE is None for rule in rules):
        return None
    return _shapes.reduced(source, {rule.SHAPE for rule in rules})


def _compiles(source: str) -> bool:
    return _shapes.parse(source) is not None


def _span(node: cst.CSTNode, positions: Mapping[cst.CSTNode, CodeRange]) -> Tuple[Any, Any]:
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


class _Swap(cst.CSTTransformer):
    """Put already-fixed nodes into a replacement built from the originals."""

    def __init__(self, mapping: Dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping
        self.found: set = set()

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if original_node in self.mapping:
            self.found.add(original_node)
            return self.mapping[original_node]
        return updated_node


class _Replacer(cst.CSTTransformer):
    """Swap reported nodes for their replacements. Where replacements nest,
    the outer one is applied with the inner fixes carried into it when it
    holds the original inner nodes; otherwise only the inner ones are applied
    this round (the next round sees the rest)."""

    def __init__(
        self,
        replacements: Dict[cst.CSTNode, Tuple[str, cst.CSTNode]],
        removals: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None,
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.applied: List[str] = []
        self._done: List[Tuple[cst.CSTNode, cst.CSTNode]] = []
        self._marks: List[int] = []
        # Removed statement -> the reported node whose fix removes it; the
        # removal happens in the enclosing block, once that fix is applied.
        self.removals = removals or {}
        self._applied_nodes: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node in self.replacements:
            self._marks.append(len(self._done))
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if self.removals and isinstance(original_node, (cst.Module, cst.IndentedBlock)):
            updated_node = self._remove(original_node, updated_node)
        if original_node not in self.replacements:
            return updated_node
        mark = self._marks.pop()
        code, replacement = self.replacements[original_node]
        inner = dict(self._done[mark:])
        if inner:
            swap = _Swap(inner)
            replacement = replacement.visit(swap)
            if len(swap.found) != len(inner):
                return updated_node
        self._done.append((original_node, replacement))
        self.applied.append(code)
        self._applied_nodes.add(original_node)
        return replacement

    def _remove(self, original: Any, updated: Any) -> Any:
        """Drop the statements of a block whose removing fix was applied."""
        if len(original.body) != len(updated.body):
            return updated
        kept = [
            new
            for old, new in zip(original.body, updated.body)
            if self.removals.get(old) not in self._applied_nodes
        ]
        if len(kept) == len(updated.body):
            return updated
        return updated.with_changes(body=kept)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _location(source: str, offset: int) -> Location:
    """The 1-based row and column of a character offset."""
    row, start = 1, 0
    for match in _LINE_BREAK.finditer(source, 0, offset):
        row, start = row + 1, match.end()
    return Location(row, offset - start + 1)


def _edit_by_diff(module: cst.Module, source: str, report: Report) -> Edit:
    """One edit covering everything a fix with removals changes: the text
    between the first and the last character that differ."""
    replacer = _Replacer(
        {report.node: ("", report.replacement)},  # type: ignore[dict-item]
        dict.fromkeys(report.removals, report.node),
    )
    return _trimmed_edit(source, module.visit(replacer).code)


def _trimmed_edit(before: str, after: str, first_row: int = 1) -> Edit:
    """The edit that turns ``before`` into ``after``: the text between their
    first and last differing characters (never splitting a CRLF), located
    as if ``before`` started at the beginning of row ``first_row``."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    if 0 < start < len(before) and before[start - 1] == "\r" and before[start] == "\n":
        start -= 1
    end_old, end_new = len(before), len(after)
    while end_old > start and end_new > start and before[end_old - 1] == after[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    if 0 < end_old < len(before) and before[end_old - 1] == "\r" and before[end_old] == "\n":
        end_old, end_new = end_old + 1, end_new + 1
    first, last = _location(before, start), _location(before, end_old)
    return Edit(
        content=after[start:end_new],
        location=Location(first.row + first_row - 1, first.column),
        end_location=Location(last.row + first_row - 1, last.column),
    )


def _local_edit(module: cst.Module, report: Report, positions: Any) -> Optional[Edit]:
    """The edit of a fix that replaces a statement and removes others, from
    those statements alone: their text as the module's rendering holds it
    against the replacement rendered at their indentation. ``None`` (the
    caller then renders the whole module) unless they are consecutive
    statements of one block and the node is one of them."""
    rendered = positions.rendered
    parts = (report.node, *report.removals)
    if not isinstance(report.replacement, cst.BaseStatement) or any(
        part not in rendered for part in parts
    ):
        return None
    spans = sorted((rendered[part] for part in parts), key=lambda span: span.start)
    first = spans[0]
    if first.column != 0 or any(
        before.end != after.start or after.indent != first.indent
        for before, after in zip(spans, spans[1:])
    ):
        return None
    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    state.indent_tokens.extend(first.indent)
    report.replacement._codegen(state)
    if not module.has_trailing_newline and spans[-1].end >= len(positions.tokens):
        state.pop_trailing_newline()  # as the module's rendering does at its end
    old = "".join(positions.tokens[first.start : spans[-1].end])
    return _trimmed_edit(old, "".join(state.tokens), first_row=first.line)


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
    does not reproduce the file exactly (``unreproduced``, from
    ``_unreproduced``), else those inside f-string debug fields."""
    fixing = [report.node for report in reports if report.replacement is not None]
    if not fixing:
        return set()
    if unreproduced:
        return set(fixing)
    if not _DEBUG_FIELD.search(source):
        return set()
    fields = _DebugFields()
    traversal.visit(module, fields)
    return {node for node in fixing if node in fields.inside}


def _applies(applicability: Optional[Applicability], fix: str) -> bool:
    """``fix`` mode applies a fix of this ``applicability``."""
    return applicability is Applicability.SAFE or fix == FixMode.UNSAFE


def _fixable(diagnostics: Sequence[Diagnostic], fix: str) -> bool:
    """One of ``diagnostics`` has a fix that ``fix`` mode applies."""
    return any(d.fix is not None and _applies(d.fix.applicability, fix) for d in diagnostics)


@dataclasses.dataclass
class _Pass:
    """One analysis of one text."""

    diagnostics: List[Diagnostic]
    module: Optional[cst.Module]
    fixes: List[Tuple[Diagnostic, Report]]
    parses: bool = True


class Engine:
    """Runs the rules a configuration selects."""

    def __init__(self, config: Optional[Config] = None) -> None:
        self.config = config if config is not None else Config()
        self._selection: Dict[Tuple[str, ...], List[Type[Rule]]] = {}

    def rules_for(self, path: str) -> List[Type[Rule]]:
        codes = self.config.selected_codes(path)
        if codes not in self._selection:
            self._selection[codes] = [BY_CODE[code] for code in codes]
        return self._selection[codes]

    # -- entry points -------------------------------------------------------
    def check_bytes(self, data: bytes, path: str, fix: str = FixMode.NONE) -> FileResult:
        try:
            source, encoding = decode(data)
        except SourceError as error:
            result = FileResult(path, "")
            result.diagnostics.append(
                _file_problem(path, "decode-error", f"cannot read source: {error}")
            )
            return result
        return self.check_text(source, path, fix=fix, encoding=encoding)

    def check_text(
        self, source: str, path: str, fix: str = FixMode.NONE, encoding: str = "utf-8"
    ) -> FileResult:
        result = FileResult(path, source, encoding)
        rules = self.rules_for(path)
        if fix == FixMode.NONE:
            result.diagnostics = self._analyse(source, path, rules, reduce=True).diagnostics
            return result
        lint = self._analyse(source, path, rules, reduce=True)
        current = self._for_fixing(lint, source, path, rules, fix)
        if current is not lint and not _fixable(current.diagnostics, fix):
            # The definitions a lint run left out hold what libcst cannot
            # parse (valid Python it does not support) or reproduce exactly:
            # no fix is applied to such a file. Report the lint run's
            # diagnostics, without their fixes, and say why.
            reported = lint.diagnostics if not current.parses else current.diagnostics
            result.diagnostics = [dataclasses.replace(d, fix=None) for d in reported]
            result.fixed_source = source
            result.messages.append(
                f"{path}: libcst cannot parse or exactly reproduce the whole file; "
                "no fix was applied"
            )
            return result
        text = source
        for _ in range(MAX_FIX_ROUNDS):
            chosen = {
                report.node: (diagnostic.code or "", report.replacement)
                for diagnostic, report in current.fixes
                if _applies(report.applicability, fix)
            }
            if not chosen or current.module is None:
                break
            removals = {
                removed: report.node
                for _, report in current.fixes
                if report.node in chosen and chosen[report.node][1] is report.replacement
                for removed in report.removals
            }
            replacer = _Replacer(chosen, removals)  # type: ignore[arg-type]
            new_text = current.module.visit(replacer).code
            if new_text == text:
                break
            following = self._for_fixing(
                self._analyse(new_text, path, rules, reduce=True), new_text, path, rules, fix
            )
            if not following.parses:
                result.messages.append(
                    f"{path}: a fix produced code that does not parse; "
                    "fixes of the last round were rolled back"
                )
                break
            result.fixed.update(replacer.applied)
            text, current = new_text, following
        if text != source and _compiles(source) and not _compiles(text):
            result.messages.append(
                f"{path}: fixes produced code that Python does not accept; the file is unchanged"
            )
            result.fixed.clear()
            text, current = source, self._analyse(source, path, rules, reduce=True)
        result.fixed_source = text
        result.diagnostics = current.diagnostics
        return result

    # -- one analysis ---------------------------------------------------------
    def _for_fixing(
        self, lint: _Pass, source: str, path: str, rules: Sequence[Type[Rule]], fix: str
    ) -> _Pass:
        """The analysis the fix loop needs: ``lint`` (what a lint run sees:
        libcst given only the definitions that hold a shape, the same
        diagnostics, fixes included) when no fix of the ``fix`` mode applies,
        else the whole text's (the fixes edit its module)."""
        if not lint.parses or not _fixable(lint.diagnostics, fix):
            return lint
        return self._analyse(source, path, rules)

    def _source_diagnostics(
        self, source: str, path: str, rules: Sequence[Type[Rule]], inline: noqa.InlineNoqa
    ) -> List[Diagnostic]:
        """What the ``SOURCE_ONLY`` rules report in ``source`` (a text Python
        accepts), less what ``# noqa`` comments suppress."""
        found: List[Diagnostic] = []
        for rule in rules:
            for report in rule.check_source(source, self.config.rule_options(rule)):
                if not inline.suppresses(rule.CODE, report.start[0], report.end[0]):
                    found.append(
                        _diagnostic(
                            rule, path, report.message, report.start, report.end, data=report.data
                        )
                    )
        found.sort(key=lambda d: d.sort_key)
        return found

    def _analyse(
        self, source: str, path: str, rules: Sequence[Type[Rule]], reduce: bool = False
    ) -> _Pass:
        """Everything ``rules`` report in ``source``. With ``reduce`` (no fix
        will be applied), libcst parses only the definitions that hold the
        candidate rules' shapes (``_reduced``); the module of the result is
        then that text's."""
        file_noqa = noqa.file_suppression(source)
        active = [rule for rule in rules if not noqa.file_suppresses(file_noqa, rule.CODE)]
        candidates = candidate_rules(source, active, self.config)
        by_source = [rule for rule in candidates if rule.SOURCE_ONLY]
        candidates = [rule for rule in candidates if not rule.SOURCE_ONLY]
        inline = noqa.InlineNoqa(source)
        if not candidates and _compiles(source):
            return _Pass(self._source_diagnostics(source, path, by_source, inline), None, [])
        too_deep = _too_deep(path, source)
        if too_deep is not None:
            return _Pass([too_deep], None, [], parses=False)
        text = (_reduced(source, candidates) if reduce else None) or source
        try:
            try:
                module = cst.parse_module(text)
            except cst.ParserSyntaxError:
                if text is source:
                    raise
                text = source  # report what the whole text gives
                module = cst.parse_module(text)
        except cst.ParserSyntaxError as error:
            return _Pass([_syntax_error(path, source, error)], None, [], parses=False)
        except (RecursionError, MemoryError) as error:
            problem = _file_problem(path, "parse-error", f"cannot parse: {type(error).__name__}")
            return _Pass([problem], None, [], parses=False)
        found = self._source_diagnostics(source, path, by_source, inline)
        if not candidates:
            return _Pass(found, module, [])
        context = FileContext(path=path, source=source, module=module)
        instances = [rule(context, self.config.rule_options(rule)) for rule in candidates]
        needs_metadata = any(instance.get_inherited_dependencies() for instance in instances)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True) if needs_metadata else None
        try:
            if wrapper is not None:
                wrapper.visit_batched(instances)
            else:
                traversal.visit_batched(module, instances)
        except RecursionError:
            # libcst visits recursively: a very deep tree (an implicit
            # concatenation of thousands of strings) exhausts the stack.
            problem = _file_problem(path, "parse-error", "cannot analyse: nested too deeply")
            return _Pass([problem], module, [])
        if not any(instance.reports for instance in instances):
            return _Pass(found, module, [])
        if wrapper is None:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        reports = [r for i in instances for r in i.reports]
        positions = sparse_positions.report_positions(
            module, reports, lambda: wrapper.resolve(PositionProvider)
        )
        unreproduced = _unreproduced(module, text, reports, positions.code)
        if unreproduced and text is not source:
            # libcst does not reproduce the reduced text (blank lines before
            # an indented comment that ends a module, for one: a stubbed last
            # definition leaves its block's last comment there), which would
            # withhold every fix the whole text gets: analyse that instead.
            return self._analyse(source, path, rules)
        unfixable = _unfixable(module, text, reports, unreproduced)
        diagnostics: List[Diagnostic] = found
        fixes: List[Tuple[Diagnostic, Report]] = []
        for instance in instances:
            for report in instance.reports:
                start, end = _span(report.node, positions)
                if inline.suppresses(instance.CODE, start.line, end.line):
                    continue
                fix_record = None
                if report.node in unfixable:
                    report.replacement = report.applicability = None
                if report.removals and report.replacement is not None:
                    edit = _local_edit(module, report, positions) or _edit_by_diff(
                        module, text, report
                    )
                    fix_record = FixRecord(report.applicability, report.fix_message or "", (edit,))
                elif report.replacement is not None and report.applicability is not None:
                    edit = Edit(
                        content=module.code_for_node(report.replacement),
                        location=Location(start.line, start.column + 1),
                        end_location=Location(end.line, end.column + 1),
                    )
                    fix_record = FixRecord(report.applicability, report.fix_message or "", (edit,))
                diagnostic = _diagnostic(
                    instance,
                    path,
                    report.message,
                    (start.line, start.column),
                    (end.line, end.column),
                    fix_record,
                    report.data,
                )
                diagnostics.append(diagnostic)
                if fix_record is not None:
                    fixes.append((diagnostic, report))
        diagnostics.sort(key=lambda d: d.sort_key)
        return _Pass(diagnostics, module, fixes)

"""The language server (``perf-lint server``): the engine behind an editor.

It publishes diagnostics when a document is opened, changed or saved (the
changes that arrive while an analysis runs are analysed once, together;
an edit is analysed incrementally: ``perf_lint.incremental``), with the
configuration of the nearest ``pyproject.toml`` above the document, and
offers code actions: each fix (unsafe ones labelled), "fix all safe
problems" (also as the ``source.fixAll.perf-lint`` kind, for fix-on-save)
and "disable for this line" (``# noqa: PRFnnn``, merged into an existing
``noqa`` comment). Hovering a diagnostic shows the rule's documentation.

Positions: the engine counts 1-based rows and code point columns with
``\\n``, ``\\r\\n`` and ``\\r`` as the only line breaks (as Python does); the
client's units (UTF-16 unless it negotiated otherwise) are derived here."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from perf_lint import __version__, noqa
from perf_lint.diagnostic import Diagnostic, Edit, Location
from perf_lint.source import FixMode

SOURCE = "perf-lint"
FIX_ALL_KIND = "source.fixAll.perf-lint"
FIX_ALL_TITLE = "Fix all safe perf-lint problems"
#: flake8's inline noqa comment syntax, the one the engine reads.
_NOQA = noqa._INLINE

log = logging.getLogger(__name__)

#: Seconds between a change and the analysis it triggers, when the change
#: follows another by less than ``BURST`` seconds (fast typing, or changes
#: that queued up while the previous analysis ran): the changes that arrive
#: meanwhile are analysed once, as one text, instead of one analysis per
#: change falling further and further behind. A change after a pause is
#: analysed at once.
CHANGE_DELAY = 0.02
BURST = 0.1


# -- text positions ---------------------------------------------------------
class Text:
    """A document's lines as Python counts them, and conversion of engine
    locations to client positions."""

    def __init__(self, source: str, encoding: str = "utf-16") -> None:
        self.source = source
        self.lines: List[str] = noqa.lines(source) or [""]
        if self.lines[-1].endswith(("\n", "\r")):
            self.lines.append("")
        self.encoding = encoding

    def content(self, row: int) -> str:
        """Line ``row`` (1-based) without its line break ('' past the end)."""
        if not 1 <= row <= len(self.lines):
            return ""
        return self.lines[row - 1].rstrip("\r\n")

    def _units(self, text: str) -> int:
        if self.encoding == "utf-8":
            return len(text.encode("utf-8"))
        if self.encoding == "utf-32":
            return len(text)
        return len(text.encode("utf-16-le")) // 2

    def position(self, location: Location) -> types.Position:
        row = min(max(location.row, 1), len(self.lines))
        text = self.content(row)
        column = min(max(location.column - 1, 0), len(text))
        return types.Position(line=row - 1, character=self._units(text[:column]))

    def range(self, start: Location, end: Location) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    @property
    def end(self) -> types.Position:
        return types.Position(
            line=len(self.lines) - 1, character=self._units(self.content(len(self.lines)))
        )


# -- analysis ---------------------------------------------------------------
@dataclasses.dataclass
class Analysis:
    """The diagnostics of one version of one document."""

    source: str
    text: Text
    diagnostics: List[Diagnostic]
    problem: Optional[str] = None  # a configuration error, shown instead
    #: What the configured profile says of each diagnostic
    #: (``perf_lint.profiles.Ranking``), when ``profile`` is configured.
    profile: Optional[Any] = None

    def lsp(self, diagnostic: Diagnostic) -> types.Diagnostic:
        from perf_lint.output import rule_url

        url = rule_url(diagnostic.code, diagnostic.name)
        suffix = self.profile.suffix(diagnostic) if self.profile is not None else ""
        return types.Diagnostic(
            range=self.text.range(diagnostic.location, diagnostic.end_location),
            message=diagnostic.message + suffix,
            severity=(
                types.DiagnosticSeverity.Error
                if diagnostic.is_file_problem
                else types.DiagnosticSeverity.Warning
            ),
            code=diagnostic.code or diagnostic.name,
            code_description=types.CodeDescription(href=url) if url else None,
            source=SOURCE,
        )


def _path(document_path: Optional[str], uri: str) -> Tuple[str, Path]:
    """The path the engine reports and the directory whose configuration
    applies (the working directory for documents that are not files)."""
    if document_path and uri.startswith("file:"):
        return document_path, Path(document_path).parent
    return "untitled.py", Path.cwd()


def analyse(
    source: str,
    document_path: Optional[str],
    uri: str,
    encoding: str,
    documents: Optional[Dict[str, Any]] = None,
) -> Analysis:
    """The diagnostics of one version of a document. With ``documents``
    (the server's open documents' incremental analyses, by URI), only the
    definitions an edit changed are analysed again (``perf_lint.incremental``);
    the result is the same as a whole analysis."""
    from perf_lint.config import ConfigError, Resolver
    from perf_lint.engine import Engine
    from perf_lint.incremental import Document

    path, directory = _path(document_path, uri)
    text = Text(source, encoding)
    try:
        config = Resolver().for_path(str(directory / Path(path).name))
    except ConfigError as error:
        return Analysis(source, text, [], problem=str(error))
    if documents is None:
        diagnostics = Engine(config).check_text(source, path).diagnostics
    else:
        document = documents.get(uri)
        if document is None or document.config != config or document.path != path:
            rules = Engine(config).rules_for(path)
            document = documents[uri] = Document(path, rules, config)
        diagnostics = document.update(source).diagnostics
    ranking, problem = _profile(config, source, path, diagnostics)
    return Analysis(source, text, diagnostics, problem=problem, profile=ranking)


def _profile(
    config: Any, source: str, path: str, diagnostics: List[Diagnostic]
) -> Tuple[Optional[Any], Optional[str]]:
    """What the ``profile`` of the document's configuration says of its
    diagnostics, or the problem with that profile (the diagnostics are
    shown all the same). Profiles are read again only when they change."""
    from perf_lint.config import ConfigError, configured_profile_limit, configured_profiles

    try:
        paths = configured_profiles(config)
        limit = configured_profile_limit(config)
    except ConfigError as error:
        return None, str(error)
    if not paths:
        return None, None
    from perf_lint import profiles

    try:
        loaded = profiles.load(paths, limit)
    except profiles.ProfileError as error:
        return None, str(error)
    names = [
        os.path.relpath(p, config.root) if p.startswith(str(config.root)) else p for p in paths
    ]
    ranking = profiles.rank(
        [(names, loaded, diagnostics)], {path: source}, {path: str(config.root)}
    )
    return ranking, None


def fix_all(source: str, document_path: Optional[str], uri: str) -> Optional[str]:
    """The document with every safe fix applied (``None`` if nothing changes)."""
    from perf_lint.config import ConfigError, Resolver
    from perf_lint.engine import Engine

    path, directory = _path(document_path, uri)
    try:
        config = Resolver().for_path(str(directory / Path(path).name))
    except ConfigError:
        return None  # reported as a diagnostic by ``analyse``
    result = Engine(config).check_text(source, path, fix=FixMode.SAFE)
    return result.fixed_source if result.changed else None


# -- noqa -------------------------------------------------------------------
def _noqa_row(source: str, row: int) -> int:
    """The physical line that ends the logical line group holding ``row``
    (a comment there is outside any multi-line string or continuation)."""
    rows = noqa.InlineNoqa(source).lines_for(row, row)
    return max(rows)


def noqa_edit(text: Text, row: int, code: str) -> Optional[types.TextEdit]:
    """The edit that adds ``code`` to the ``# noqa`` comment of ``row``
    (adding the comment where there is none); ``None`` when a bare
    ``# noqa`` already silences the line."""
    row = _noqa_row(text.source, row)
    line = text.content(row)
    match = _NOQA.search(line)
    if match is not None:
        codes = match.group("codes")
        if codes is None:
            return None
        start = match.start("codes") + len(codes.rstrip(", \t"))
        where = Location(row, start + 1)
        return types.TextEdit(range=text.range(where, where), new_text=f", {code}")
    kept = len(line.rstrip())
    return types.TextEdit(
        range=text.range(Location(row, kept + 1), Location(row, len(line) + 1)),
        new_text=f"  # noqa: {code}",
    )


# -- the server ---------------------------------------------------------------
class PerfLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "perf-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.analyses: Dict[str, Analysis] = {}
        #: Each open document's incremental analysis (``perf_lint.incremental``).
        self.documents: Dict[str, Any] = {}
        self._pending: Dict[str, asyncio.TimerHandle] = {}
        #: When each document last changed (``time.monotonic``).
        self._changed: Dict[str, float] = {}

    def _encoding(self) -> str:
        kind = self.workspace.position_encoding
        return str(getattr(kind, "value", kind) or "utf-16")

    def analysis(self, uri: str) -> Analysis:
        document = self.workspace.get_text_document(uri)
        source = document.source
        known = self.analyses.get(uri)
        if known is not None and known.source == source:
            return known
        try:
            found = analyse(source, document.path, uri, self._encoding(), self.documents)
        except Exception as error:  # never let one document stop the server
            log.exception("perf-lint failed on %s", uri)
            found = Analysis(source, Text(source), [], problem=f"internal error: {error!r}")
        self.analyses[uri] = found
        return found

    def is_open(self, uri: str) -> bool:
        return uri in self.workspace.text_documents

    def resolves_edits(self) -> bool:
        """Whether the client fills in code action edits through
        ``codeAction/resolve`` (then "fix all" is computed only on demand)."""
        try:
            support = self.client_capabilities.text_document.code_action.resolve_support  # type: ignore[union-attr]
        except AttributeError:
            return False
        return support is not None and "edit" in support.properties

    def fix_all_edit(self, uri: str) -> Optional[types.WorkspaceEdit]:
        """One edit replacing the document with its safely fixed text
        (``None`` when no safe fix changes it)."""
        found = self.analysis(uri)
        document = self.workspace.get_text_document(uri)
        fixed = fix_all(found.source, document.path, uri)
        if fixed is None:
            return None
        whole = types.Range(start=types.Position(line=0, character=0), end=found.text.end)
        return _edit(uri, [types.TextEdit(range=whole, new_text=fixed)])

    def publish_soon(self, uri: str) -> None:
        """Publish ``uri``'s diagnostics for its text then: at once after a
        pause, ``CHANGE_DELAY`` seconds from now in a burst of changes;
        nothing when that is already planned."""
        now = time.monotonic()
        last, self._changed[uri] = self._changed.get(uri, float("-inf")), now
        if uri in self._pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (pygls' synchronous mode): now
            self.publish(uri)
            return
        delay = CHANGE_DELAY if now - last < BURST else 0.0
        self._pending[uri] = loop.call_later(delay, self._publish_planned, uri)

    def _publish_planned(self, uri: str) -> None:
        del self._pending[uri]
        if self.is_open(uri):
            self.publish(uri)

    def cancel_planned(self, uri: str) -> None:
        planned = self._pending.pop(uri, None)
        if planned is not None:
            planned.cancel()

    def publish(self, uri: str) -> None:
        found = self.analysis(uri)
        diagnostics = [found.lsp(d) for d in found.diagnostics]
        if found.problem is not None:
            diagnostics.append(
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=0, character=0),
                        end=types.Position(line=0, character=0),
                    ),
                    message=f"perf-lint: {found.problem}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
        version = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )


server = PerfLintServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PerfLintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PerfLintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.publish_soon(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PerfLintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.cancel_planned(params.text_document.uri)  # published now instead
    ls.analyses.pop(params.text_document.uri, None)  # the configuration may have changed
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PerfLintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.cancel_planned(params.text_document.uri)
    ls.analyses.pop(params.text_document.uri, None)
    ls.documents.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> Tuple[int, int]:
        return (position.line, position.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    if not only:
        return True
    return any(kind == want or kind.startswith(str(want) + ".") for want in only)


def _edit(uri: str, edits: List[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: edits})


def _text_edit(text: Text, edit: Edit) -> types.TextEdit:
    return types.TextEdit(range=text.range(edit.location, edit.end_location), new_text=edit.content)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
        resolve_provider=True,
    ),
)
def code_action(ls: PerfLintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    if not ls.is_open(uri):
        return []
    found = ls.analysis(uri)
    only = [
        str(kind.value if hasattr(kind, "value") else kind) for kind in params.context.only or []
    ]
    actions: List[types.CodeAction] = []
    quickfix = types.CodeActionKind.QuickFix.value
    any_safe = FixMode.SAFE.fixes_any(found.diagnostics)
    in_range_safe = False
    for diagnostic in found.diagnostics:
        lsp = found.lsp(diagnostic)
        if diagnostic.is_file_problem or not _overlaps(lsp.range, params.range):
            continue
        if not _wanted(quickfix, only):
            continue
        fix = diagnostic.fix
        if fix is not None:
            safe = FixMode.SAFE.applies(fix.applicability)
            in_range_safe = in_range_safe or safe
            title = f"Fix {diagnostic.code}: {fix.message or diagnostic.message}"
            actions.append(
                types.CodeAction(
                    title=title if safe else f"{title} (unsafe)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp],
                    edit=_edit(uri, [_text_edit(found.text, e) for e in fix.edits]),
                    is_preferred=safe,
                )
            )
        silence = noqa_edit(found.text, diagnostic.location.row, diagnostic.code)
        if silence is not None:
            actions.append(
                types.CodeAction(
                    title=f"Disable {diagnostic.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp],
                    edit=_edit(uri, [silence]),
                )
            )
    fix_kinds = []
    if any_safe and _wanted(FIX_ALL_KIND, only):
        fix_kinds.append(FIX_ALL_KIND)
    if in_range_safe and _wanted(quickfix, only):
        fix_kinds.append(quickfix)
    if not fix_kinds:
        return actions
    lazy = ls.resolves_edits()
    edit = None if lazy else ls.fix_all_edit(uri)
    if lazy or edit is not None:
        for kind in fix_kinds:
            actions.append(
                types.CodeAction(
                    title=FIX_ALL_TITLE,
                    kind=kind,
                    edit=edit,
                    data={"fixAll": uri} if lazy else None,
                )
            )
    return actions


@server.feature(types.CODE_ACTION_RESOLVE)
def resolve_code_action(ls: PerfLintServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in the edit of "fix all", which is computed only when chosen."""
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("fixAll")
    if isinstance(uri, str) and action.edit is None and ls.is_open(uri):
        action.edit = ls.fix_all_edit(uri) or types.WorkspaceEdit(changes={uri: []})
    return action


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: PerfLintServer, params: types.HoverParams) -> Optional[types.Hover]:
    from perf_lint.docs import rule_page
    from perf_lint.registry import BY_CODE

    if not ls.is_open(params.text_document.uri):
        return None
    found = ls.analysis(params.text_document.uri)
    point = types.Range(start=params.position, end=params.position)
    pages = []
    for diagnostic in found.diagnostics:
        if diagnostic.code in BY_CODE and _overlaps(found.lsp(diagnostic).range, point):
            page = rule_page(BY_CODE[diagnostic.code])
            if found.profile is not None:
                page = found.profile.hover(diagnostic) + "\n\n" + page
            if page not in pages:
                pages.append(page)
    if not pages:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n".join(pages))
    )


def _warm_up() -> None:
    """Run every rule once on its own examples and on some of perf-lint's
    own code, so that what an analysis does the first time (loading
    modules, reading libcst's node classes, compiling patterns) is done
    before the editor's first document; then keep the objects that exist
    now out of the cycle collector's way, as the command's workers do."""
    import perf_lint.incremental  # noqa: F401
    from perf_lint import runner
    from perf_lint.config import Config
    from perf_lint.engine import Engine
    from perf_lint.registry import RULES

    engine = Engine(Config(select=("PRF",)))
    texts = [example.code for rule in RULES for example in rule.INVALID]
    for module in ("analysis.py", "rules/_hazards.py", "rules/_types.py"):
        with contextlib.suppress(OSError):
            texts.append((Path(__file__).parent / module).read_text(encoding="utf-8"))
    for text in texts:
        try:
            engine.check_text(text, "warm_up.py")
        except Exception:  # pragma: no cover - a warm-up never stops the server
            log.exception("warm-up failed")
    runner.quiet_collector()


def main() -> int:
    """Serve on stdin/stdout until the client says exit. The engine (and
    libcst) are loaded first, so that the editor's first document is not
    kept waiting for them."""
    logging.basicConfig(level=os.environ.get("PERF_LINT_LOG", "WARNING"))
    import perf_lint.engine
    import perf_lint.incremental  # noqa: F401

    server.start_io()
    return 0

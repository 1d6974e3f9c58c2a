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
``\\n``, ``\\r\\n`` and ``\\r`` as the only line breaks (as Python does), and
so does the LSP; the client's units (UTF-16 unless it negotiated otherwise)
are derived here. The server's copy of each document is edited by the same
line rules (``LspDocument``; pygls' own copy breaks lines with
``str.splitlines``, which also breaks at form feeds and other characters).

Analyses (and "fix all") run in worker processes (``Pool``), never on the
event loop, which stays free to answer: a hover, a code action or
``shutdown`` is answered at once while a big document is analysed. A
request waits only for the analysis of its own document's current text; an
analysis of a text that has changed since is ignored, and stopped (its
worker replaced) once it has run long (``STALE_AFTER``).

The input is read as LSP messages (``CheckedInput``): a malformed header (a
``Content-Length`` that is not a number of at most ``MAX_MESSAGE`` bytes)
is a protocol error, after which no later message can be told apart, so
the server exits with code 2 and a message on stderr."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import re
import sys
import time
from typing import Any, Callable, Dict, Generator, List, Optional, Sequence, Set, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol.language_server import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace

from perf_lint import __version__, noqa, server_worker
from perf_lint.diagnostic import Diagnostic, Edit, Location
from perf_lint.server_worker import _profile, findings, fix_all  # noqa: F401 (also imported from here)
from perf_lint.trust import FixMode

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
def lsp_lines(source: str) -> List[str]:
    """``source``'s lines as the LSP counts them, each with its line break:
    broken at ``\\n``, ``\\r\\n`` and ``\\r`` only, never where
    ``str.splitlines`` also breaks (form feeds, ``\\x0b``, ``\\x1c``-``\\x1e``,
    ``\\x85``, ``\\u2028``, ``\\u2029``). A text that ends with a line break
    has an empty last line, so there is always at least one."""
    lines = noqa.lines(source) or [""]
    if lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def _content(line: str) -> str:
    """A line without its line break."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def _encoding_name(kind: object) -> str:
    """``utf-8``, ``utf-16`` or ``utf-32`` from a ``PositionEncodingKind``."""
    name = str(getattr(kind, "value", kind) or "utf-16").lower()
    return name if name in ("utf-8", "utf-32") else "utf-16"


def units(text: str, encoding: str = "utf-16") -> int:
    """How many of the client's code units ``text`` takes."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def column(line: str, count: int, encoding: str = "utf-16") -> int:
    """The code point index in ``line`` (without its line break) of the
    client's column ``count``: past the end, the end of the line (as the LSP
    says); inside a character (half a surrogate pair, part of a UTF-8
    sequence), that character's start."""
    count = max(count, 0)
    if encoding == "utf-32":
        return min(count, len(line))
    if encoding == "utf-8":
        data = line.encode("utf-8", "surrogatepass")[:count]
        return len(data.decode("utf-8", "ignore"))
    data = line.encode("utf-16-le", "surrogatepass")[: 2 * count]
    return len(data.decode("utf-16-le", "ignore"))


def offset(lines: Sequence[str], position: types.Position, encoding: str = "utf-16") -> int:
    """The string index in ``"".join(lines)`` of an LSP position: a line
    past the end is the end of the text, a column past the end of its line
    the end of that line (before its line break)."""
    row = max(position.line, 0)
    if row >= len(lines):
        return sum(len(line) for line in lines)
    before = sum(len(line) for line in lines[:row])
    return before + column(_content(lines[row]), position.character, encoding)


def apply_change(
    source: str, start: types.Position, end: types.Position, text: str, encoding: str = "utf-16"
) -> str:
    """``source`` with the range from ``start`` to ``end`` (LSP positions)
    replaced by ``text``, lines counted as the LSP counts them."""
    lines = lsp_lines(source)
    first, last = offset(lines, start, encoding), offset(lines, end, encoding)
    if last < first:
        first, last = last, first
    return source[:first] + text + source[last:]


class Text:
    """A document's lines as the LSP counts them (the engine counts the
    same ones), and conversion of engine locations to client positions."""

    def __init__(self, source: str, encoding: str = "utf-16") -> None:
        self.source = source
        self.lines: List[str] = lsp_lines(source)
        self.encoding = _encoding_name(encoding)

    def content(self, row: int) -> str:
        """Line ``row`` (1-based) without its line break ('' past the end)."""
        if not 1 <= row <= len(self.lines):
            return ""
        return _content(self.lines[row - 1])

    def _units(self, text: str) -> int:
        return units(text, self.encoding)

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


def analyse(
    source: str,
    document_path: Optional[str],
    uri: str,
    encoding: str,
    documents: Optional[Dict[str, Any]] = None,
) -> Analysis:
    """The diagnostics of one version of a document (see ``findings``)."""
    diagnostics, problem, ranking = findings(source, document_path, uri, documents)
    return Analysis(source, Text(source, encoding), diagnostics, problem=problem, profile=ranking)


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


# -- the documents -------------------------------------------------------------
class LspDocument(TextDocument):
    """pygls' copy of an open document, with the edits of ``didChange``
    applied with the LSP's line rules (pygls breaks lines with
    ``str.splitlines``, which puts every edit after a form feed, ``\\x0b``,
    ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` or ``\\u2029`` on the wrong line)."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(lsp_lines(self.source))

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        self._source = apply_change(
            self.source,
            change.range.start,
            change.range.end,
            change.text,
            _encoding_name(self.position_codec.encoding),
        )

    def offset_at_position(self, client_position: types.Position) -> int:
        return offset(
            lsp_lines(self.source), client_position, _encoding_name(self.position_codec.encoding)
        )


class _Workspace(Workspace):
    """pygls' workspace, holding ``LspDocument`` copies."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: Optional[str] = None,
        version: Optional[int] = None,
        language_id: Optional[str] = None,
    ) -> TextDocument:
        return LspDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )


class _Protocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, Any]:
        result = yield from super().lsp_initialize(params)
        # pygls has just made its workspace (with the negotiated position
        # encoding); no document can be open yet.
        made = self.workspace
        self._workspace = _Workspace(
            made.root_uri,
            self._server._text_document_sync_kind,
            list(made.folders.values()),
            made.position_encoding,
        )
        return result


# -- analysis in worker processes ---------------------------------------------
#: Worker processes that analyse documents: a long analysis of one document
#: leaves the other to the rest.
WORKERS = 2
#: Seconds after which an analysis of a text that has since changed is
#: stopped (its worker process is killed and replaced) rather than finished,
#: unless the document's last analysis took half as long or more.
STALE_AFTER = 0.5


class _Job:
    """One request to a worker: ``analyse`` or ``fix`` a text of ``uri``.
    ``future`` gets ``(status, value)``: ``ok`` and the answer, ``error``
    and a message, or ``lost`` when the worker died or was stopped."""

    def __init__(self, kind: str, uri: str, source: str, path: Optional[str]) -> None:
        self.kind = kind
        self.uri = uri
        self.source = source
        self.path = path
        self.future: asyncio.Future[Tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self.started: Optional[float] = None


class _Worker:
    def __init__(self, context: Any) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=server_worker.serve,
            args=(child, os.getpid()),
            name="perf-lint analysis",
            daemon=True,
        )
        self.process.start()
        child.close()
        #: The documents analysed here (whose incremental analyses it keeps).
        self.uris: Set[str] = set()
        #: Whether its "ready" (sent once it has loaded the engine) was read.
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        """Wait until the worker has loaded the engine (at most ``timeout``
        seconds; a worker that died is found out by its first request)."""
        with contextlib.suppress(EOFError, OSError):
            if not self.ready and self.connection.poll(timeout):
                self.connection.recv()
                self.ready = True

    def call(self, request: Tuple[Any, ...]) -> Tuple[str, Any]:
        self.connection.send(request)
        if not self.ready:
            self.connection.recv()
            self.ready = True
        status, value = self.connection.recv()
        return status, value

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()


class Pool:
    """Worker processes that run analyses off the event loop (``size`` of
    them, started with the server and replaced when one ends). A
    document's requests go to the worker that analysed it last when it is
    free, for its incremental analysis."""

    def __init__(self, size: int = WORKERS) -> None:
        self.size = size
        self.workers: List[_Worker] = []
        self.idle: List[_Worker] = []
        self.queue: List[_Job] = []
        self.running: Dict[_Job, _Worker] = {}
        self.closed = False
        self._context: Any = None
        #: The open documents (what the workers keep analyses of).
        self.keep: Callable[[], Sequence[str]] = lambda: ()

    def _spawn(self) -> _Worker:
        if self._context is None:
            import multiprocessing

            # Not fork: the server's threads (one is inside a read of stdin,
            # holding its lock) would be copied in the state they are in.
            self._context = multiprocessing.get_context("spawn")
        worker = _Worker(self._context)
        self.workers.append(worker)
        self.idle.append(worker)
        return worker

    def start(self, wait: float = 0.0) -> None:
        """Start the workers now (and again whenever one ends), so that one
        is ready when a document comes: starting one takes a second. With
        ``wait``, wait until they are ready (at most that long): one that
        warms up while the first document is analysed would slow that down."""
        while len(self.workers) < self.size and not self.closed:
            self._spawn()
        deadline = time.monotonic() + wait
        for worker in self.workers if wait else ():
            worker.wait_ready(max(deadline - time.monotonic(), 0.0))

    def submit(self, job: _Job) -> None:
        self.queue.append(job)
        self.dispatch()

    def dispatch(self) -> None:
        import threading

        while self.queue and not self.closed:
            job = self.queue[0]
            worker = next((w for w in self.idle if job.uri in w.uris), None)
            if worker is None and self.idle:
                worker = self.idle[0]
            if worker is None:
                if len(self.workers) >= self.size:
                    return
                worker = self._spawn()
            self.queue.pop(0)
            self.idle.remove(worker)
            self.running[job] = worker
            worker.uris.add(job.uri)
            job.started = time.monotonic()
            request = (job.kind, job.uri, job.source, job.path, tuple(self.keep()))
            loop = asyncio.get_running_loop()
            threading.Thread(
                target=self._call, args=(loop, worker, job, request), daemon=True
            ).start()

    def _call(
        self,
        loop: asyncio.AbstractEventLoop,
        worker: _Worker,
        job: _Job,
        request: Tuple[Any, ...],
    ) -> None:
        """In a thread of its own: the worker's answer to ``request``."""
        try:
            answer = worker.call(request)
        except Exception as error:  # the worker died or was stopped
            answer = ("lost", f"internal error: the analysis process stopped ({error!r})")
            with contextlib.suppress(Exception):
                worker.process.join(5)  # reaped here, not on the event loop
        with contextlib.suppress(RuntimeError):  # the event loop is gone
            loop.call_soon_threadsafe(self._finished, worker, job, answer)

    def _finished(self, worker: _Worker, job: _Job, answer: Tuple[str, Any]) -> None:
        self.running.pop(job, None)
        if answer[0] == "lost":
            worker.stop()
            if worker in self.workers:
                self.workers.remove(worker)
                self.start()
            with contextlib.suppress(OSError):
                worker.connection.close()
        elif worker in self.workers:
            self.idle.append(worker)
        if not job.future.done():
            job.future.set_result(answer)
        self.dispatch()

    def cancel(self, job: _Job) -> None:
        """Forget ``job``: stop its worker when it has started."""
        if job in self.queue:
            self.queue.remove(job)
        worker = self.running.get(job)
        if worker is not None and worker in self.workers:
            self.workers.remove(worker)
            worker.stop()
            self.start()
        if not job.future.done():
            job.future.cancel()

    def close(self) -> None:
        self.closed = True
        for job in self.queue:
            if not job.future.done():
                job.future.cancel()
        self.queue.clear()
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.process.join(timeout=5)
        self.workers.clear()
        self.idle.clear()


# -- the server ---------------------------------------------------------------
class PerfLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "perf-lint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=_Protocol,
        )
        #: Each open document's last analysis (of the text it had then).
        self.analyses: Dict[str, Analysis] = {}
        self.pool = Pool()
        #: The open documents' URIs, as the client writes them (pygls keys
        #: its documents by the URIs with %-escapes decoded).
        self.open_documents: Set[str] = set()
        self.pool.keep = lambda: tuple(self.open_documents)
        #: The analysis (``"analyse"``) or fix (``"fix"``) of each document
        #: that is queued or running; a newer one replaces an older one.
        self._jobs: Dict[Tuple[str, str], _Job] = {}
        self._pending: Dict[str, asyncio.TimerHandle] = {}
        #: When each document last changed (``time.monotonic``).
        self._changed: Dict[str, float] = {}
        #: How long each document's last finished analysis took (seconds).
        self._took: Dict[str, float] = {}
        #: The version of each document whose diagnostics were published last.
        self._published: Dict[str, Optional[int]] = {}
        #: Requests waiting for a document's analysis or change.
        self._waiting: Dict[str, List[asyncio.Future[None]]] = {}

    def _encoding(self) -> str:
        return _encoding_name(self.workspace.position_encoding)

    def is_open(self, uri: str) -> bool:
        return uri in self.open_documents

    def source(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    def resolves_edits(self) -> bool:
        """Whether the client fills in code action edits through
        ``codeAction/resolve`` (then "fix all" is computed only on demand)."""
        try:
            support = self.client_capabilities.text_document.code_action.resolve_support  # type: ignore[union-attr]
        except AttributeError:
            return False
        return support is not None and "edit" in support.properties

    # -- analyses, in the worker processes
    def analyse_soon(self, uri: str) -> None:
        """Analyse ``uri``'s text then: at once after a pause,
        ``CHANGE_DELAY`` seconds from now in a burst of changes; nothing
        when that is already planned."""
        now = time.monotonic()
        last, self._changed[uri] = self._changed.get(uri, float("-inf")), now
        if uri in self._pending:
            return
        delay = CHANGE_DELAY if now - last < BURST else 0.0
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(delay, self._analyse_planned, uri)

    def _analyse_planned(self, uri: str) -> None:
        del self._pending[uri]
        self.schedule(uri)

    def cancel_planned(self, uri: str) -> None:
        planned = self._pending.pop(uri, None)
        if planned is not None:
            planned.cancel()

    def schedule(self, uri: str, again: bool = False) -> None:
        """Have the current text of ``uri`` analysed (and its diagnostics
        published) unless that is done or under way; ``again``: even so
        (the configuration may have changed). A queued analysis of an older
        text analyses this one instead; a running one is left to finish
        and ignored, or stopped when it has run ``STALE_AFTER`` seconds and
        twice as long as the document's last analysis took (a worker takes
        about half a second to replace)."""
        if not self.is_open(uri) or self.pool.closed:
            return
        source = self.source(uri)
        job = self._jobs.get(("analyse", uri))
        if job is None:
            known = self.analyses.get(uri)
            if not again and known is not None and known.source == source:
                if self._published.get(uri) != self.workspace.get_text_document(uri).version:
                    self.publish(uri)  # an edit that changed nothing
                return
        elif job.started is None:
            job.source = source  # queued: it will read the configuration then
            return
        elif job.source == source and not again:
            return
        elif time.monotonic() - job.started > max(STALE_AFTER, 2 * self._took.get(uri, 0.0)):
            self.pool.cancel(job)
        job = _Job("analyse", uri, source, self.workspace.get_text_document(uri).path)
        self._jobs[("analyse", uri)] = job
        job.future.add_done_callback(functools.partial(self._analysed, job))
        self.pool.submit(job)

    def _analysed(self, job: _Job, done: asyncio.Future[Tuple[str, Any]]) -> None:
        if self._jobs.get(("analyse", job.uri)) is not job:
            return  # a newer text (or a closed document) made it stale
        del self._jobs[("analyse", job.uri)]
        if done.cancelled() or not self.is_open(job.uri):
            return
        status, value = done.result()
        if job.started is not None:
            self._took[job.uri] = time.monotonic() - job.started
        if status == "ok":
            diagnostics, problem, profile = value
            found = Analysis(
                job.source, Text(job.source, self._encoding()), diagnostics, problem, profile
            )
        else:
            found = Analysis(job.source, Text(job.source, self._encoding()), [], problem=value)
        if self.source(job.uri) != job.source:
            # Changed while analysed: the next analysis is planned already
            # (unless the change came during the planned delay).
            self.schedule(job.uri)
            return
        self.analyses[job.uri] = found
        self.publish(job.uri)
        self.wake(job.uri)

    def wake(self, uri: str) -> None:
        """Let the requests waiting on ``uri`` look again."""
        for waiter in self._waiting.pop(uri, []):
            if not waiter.done():
                waiter.set_result(None)

    async def analysis(self, uri: str) -> Optional[Analysis]:
        """The analysis of ``uri``'s text as it is now, once it is done;
        ``None`` when the document is closed or changed meanwhile (the
        request is then about a text that no longer exists)."""
        if not self.is_open(uri):
            return None
        source = self.source(uri)
        while True:
            known = self.analyses.get(uri)
            if known is not None and known.source == source:
                return known
            if not self.is_open(uri) or self.source(uri) != source:
                return None
            self.schedule(uri)
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(uri, []).append(waiter)
            await waiter

    async def fix_all_edit(self, uri: str, found: Analysis) -> Optional[types.WorkspaceEdit]:
        """One edit replacing the document with its safely fixed text
        (``None`` when no safe fix changes it), computed in a worker."""
        job = self._jobs.get(("fix", uri))
        if job is None or job.source != found.source:
            job = _Job("fix", uri, found.source, self.workspace.get_text_document(uri).path)
            self._jobs[("fix", uri)] = job
            self.pool.submit(job)
        status, fixed = await asyncio.shield(job.future)
        if self._jobs.get(("fix", uri)) is job:
            del self._jobs[("fix", uri)]
        if status != "ok" or fixed is None:
            return None
        whole = types.Range(start=types.Position(line=0, character=0), end=found.text.end)
        return _edit(uri, [types.TextEdit(range=whole, new_text=fixed)])

    def forget(self, uri: str) -> None:
        """Everything about a closed document."""
        self.cancel_planned(uri)
        self.analyses.pop(uri, None)
        self._published.pop(uri, None)
        self._took.pop(uri, None)
        for kind in ("analyse", "fix"):
            job = self._jobs.pop((kind, uri), None)
            if job is not None and job.started is None:
                self.pool.cancel(job)
        self.wake(uri)

    def publish(self, uri: str) -> None:
        found = self.analyses[uri]
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
        version = self._published[uri] = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )


server = PerfLintServer()


@server.feature(types.SHUTDOWN)
def shutdown(ls: PerfLintServer, params: Any) -> None:
    ls.pool.close()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PerfLintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.open_documents.add(params.text_document.uri)
    ls.analyses.pop(params.text_document.uri, None)
    ls.schedule(params.text_document.uri, again=True)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PerfLintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.wake(params.text_document.uri)  # requests about the old text answer nothing
    ls.analyse_soon(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PerfLintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.cancel_planned(params.text_document.uri)  # analysed now instead
    ls.schedule(params.text_document.uri, again=True)  # the configuration may have changed


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PerfLintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.open_documents.discard(params.text_document.uri)
    ls.forget(params.text_document.uri)
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
async def code_action(ls: PerfLintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    found = await ls.analysis(uri)
    if found is None:
        return []
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
    # "Fix all" is offered once: as the source action when the client asks
    # for that kind, as a quick fix next to a safe fix in the range, else
    # (a client that lists every kind) as the source action.
    fix_kind = None
    if any_safe and only and _wanted(FIX_ALL_KIND, only):
        fix_kind = FIX_ALL_KIND
    elif in_range_safe and _wanted(quickfix, only):
        fix_kind = quickfix
    elif any_safe and not only:
        fix_kind = FIX_ALL_KIND
    if fix_kind is None:
        return actions
    lazy = ls.resolves_edits()
    edit = None if lazy else await ls.fix_all_edit(uri, found)
    if lazy or edit is not None:
        actions.append(
            types.CodeAction(
                title=FIX_ALL_TITLE,
                kind=fix_kind,
                edit=edit,
                data={"fixAll": uri} if lazy else None,
            )
        )
    return actions


@server.feature(types.CODE_ACTION_RESOLVE)
async def resolve_code_action(ls: PerfLintServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in the edit of "fix all", which is computed only when chosen."""
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("fixAll")
    if isinstance(uri, str) and action.edit is None:
        found = await ls.analysis(uri)
        if found is not None:
            edit = await ls.fix_all_edit(uri, found)
            action.edit = edit or types.WorkspaceEdit(changes={uri: []})
    return action


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: PerfLintServer, params: types.HoverParams) -> Optional[types.Hover]:
    from perf_lint.docs import rule_page
    from perf_lint.registry import BY_CODE

    found = await ls.analysis(params.text_document.uri)
    if found is None:
        return None
    point = types.Range(start=params.position, end=params.position)
    pages = []
    for diagnostic in found.diagnostics:
        if diagnostic.code in BY_CODE and _overlaps(found.lsp(diagnostic).range, point):
            page = rule_page(BY_CODE[diagnostic.code])
            evidence = (diagnostic.data or {}).get("evidence")
            if evidence:  # the profile-guided rules' own numbers (PRF6xx)
                page = f"**Evidence from the profile:** {evidence}.\n\n" + page
            if found.profile is not None:
                page = found.profile.hover(diagnostic) + "\n\n" + page
            if page not in pages:
                pages.append(page)
    if not pages:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n".join(pages))
    )


# -- the connection -----------------------------------------------------------
#: The largest message the server reads (``Content-Length``), in bytes.
MAX_MESSAGE = 1 << 30
#: The longest header line, in bytes.
MAX_HEADER_LINE = 4096
_HEADER = re.compile(rb"([!#-'*+.0-9A-Z^_`a-z|~-]+):[ \t]*(.*?)[ \t]*\r?\n")


class ProtocolError(Exception):
    """The client's messages cannot be told apart any more (a malformed
    header): nothing it sends after can be trusted to be a message."""


class CheckedInput:
    """The server's input as pygls reads it (``readline`` for each header
    line, ``read`` for a body), refusing what pygls would misread: a
    malformed ``Content-Length`` (pygls ignores a value that is not a
    number and then reads every later message as garbage, saying nothing,
    and dies with ``OverflowError`` on one of 20 digits), a header line that
    is not a header, or a message without a length. Each raises
    ``ProtocolError``: the server then exits with a message (``main``)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._headers = 0
        self._length: Optional[int] = None

    def readline(self) -> bytes:
        line: bytes = self.stream.readline(MAX_HEADER_LINE + 1)
        if not line:
            return line  # the client closed the connection
        if not line.endswith(b"\n"):
            if len(line) > MAX_HEADER_LINE:
                raise ProtocolError(f"header line longer than {MAX_HEADER_LINE} bytes")
            return line  # the end of the input, within a header
        if not line.strip():
            if self._headers and self._length is None:
                raise ProtocolError("message without a Content-Length header")
            self._headers, self._length = 0, None
            return b"\r\n"
        match = _HEADER.fullmatch(line)
        if match is None:
            raise ProtocolError(f"malformed header line {_shown(line)}")
        self._headers += 1
        if match.group(1).lower() != b"content-length":
            return line
        value = match.group(2)
        if not (value.isdigit() and len(value) <= len(str(MAX_MESSAGE))):
            raise ProtocolError(f"malformed Content-Length {_shown(value)}")
        length = int(value)
        if not 0 < length <= MAX_MESSAGE:
            raise ProtocolError(f"Content-Length {length} out of range (1 to {MAX_MESSAGE})")
        self._length = length
        return b"Content-Length: %d\r\n" % length

    def read(self, size: int) -> bytes:
        # By pieces: a length the client does not send is never allocated.
        parts = []
        while size > 0:
            part = self.stream.read(min(size, 1 << 20))
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)


def _shown(data: bytes) -> str:
    text = repr(data.rstrip(b"\r\n")[:60])[1:]
    return text + ("..." if len(data) > 60 else "")


def main() -> int:
    """Serve on stdin/stdout until the client says exit; exit 2 with a
    message when the client's input cannot be read as LSP messages. The
    analyses run in worker processes, so that the event loop always answers
    (a 5 MB document takes a minute to analyse)."""
    logging.basicConfig(level=os.environ.get("PERF_LINT_LOG", "WARNING"))
    server.pool.start()
    # What answers need here (the rules' pages for hovers), loaded before
    # the first request rather than while it waits.
    import perf_lint.docs
    import perf_lint.output
    import perf_lint.registry  # noqa: F401

    # The workers warm up while the client initializes: `initialize` is
    # answered at once, and the first document's analysis waits for a worker.
    try:
        server.start_io(stdin=CheckedInput(sys.stdin.buffer))  # type: ignore[arg-type]
    except ProtocolError as error:
        sys.stderr.write(f"perf-lint server: protocol error on stdin: {error}\n")
        return 2
    finally:
        server.pool.close()
    return 0

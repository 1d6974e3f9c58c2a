"""The language server can be trusted with an editor's buffer and stays
responsive (issue 28, items 2 and 9):

- its copy of a document follows the LSP's line rules (lines end at
  ``\\n``, ``\\r\\n`` and ``\\r`` only, never at the form feeds, ``\\x0b``,
  ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029`` where
  ``str.splitlines`` also breaks): unit tests of the rules, then seeded
  random edit sequences sent by a real LSP client, after which the
  server's diagnostics are those of ``perf-lint check`` on the client's
  text and "Fix all" gives what ``perf-lint check --fix`` writes;
- analyses run in worker processes: a 5 MB document being analysed delays
  neither a hover on another document nor ``shutdown``;
- a malformed ``Content-Length`` header is a protocol error: the server
  exits with code 2 and a message on stderr (the messages after it cannot
  be told apart any more, so it cannot go on), never with a traceback and
  never by going silent."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.lsp.client import LanguageClient as PlainClient
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

import perf_lint
from perf_lint.diagnostic import Location
from perf_lint.server import (
    LspDocument,
    Text,
    apply_change,
    column,
    lsp_lines,
    offset,
)

_ENV = {**os.environ, "NO_COLOR": "1"}
_ENV.pop("PYTHONWARNINGS", None)
SERVER = [sys.executable, "-m", "perf_lint", "server"]
#: Characters ``str.splitlines`` breaks at and the LSP does not.
NOT_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
BREAKS = ["\n", "\r\n", "\r"]


def position(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


# -- the line rules -------------------------------------------------------------
@pytest.mark.parametrize("odd", NOT_BREAKS)
def test_only_lsp_line_breaks_end_lines(odd: str) -> None:
    text = f"a{odd}b\nc\r\nd\re"
    assert lsp_lines(text) == [f"a{odd}b\n", "c\r\n", "d\r", "e"]
    assert len(text.splitlines()) > 4  # what pygls counted
    assert lsp_lines("") == [""]
    assert lsp_lines("x\n") == ["x\n", ""]
    assert lsp_lines("x\r\n\r") == ["x\r\n", "\r", ""]


@pytest.mark.parametrize("odd", NOT_BREAKS)
def test_an_edit_after_an_odd_character_lands_on_its_line(odd: str) -> None:
    text = f"# a{odd}b\nimport os\nx = 1\n"
    # Line 1 is "import os": prefix it with "z = 0; ".
    edited = apply_change(text, position(1, 0), position(1, 0), "z = 0; ")
    assert edited == f"# a{odd}b\nz = 0; import os\nx = 1\n"
    # Replace "x = 1" (line 2) across its end up to the end of the text.
    edited = apply_change(text, position(2, 0), position(3, 0), "y = 2\n")
    assert edited == f"# a{odd}b\nimport os\ny = 2\n"


def test_positions_past_the_end_and_inside_characters() -> None:
    text = "ab\r\ncd\n😀e"
    lines = lsp_lines(text)
    # A column past the end of a line is its end, before the line break.
    assert offset(lines, position(0, 99)) == 2
    assert apply_change(text, position(0, 99), position(0, 99), "!") == "ab!\r\ncd\n😀e"
    # A line past the end is the end of the text.
    assert offset(lines, position(7, 3)) == len(text)
    # UTF-16: the emoji takes two units; half of it is its start.
    assert offset(lines, position(2, 2)) == text.index("e")
    assert offset(lines, position(2, 1)) == text.index("😀")
    assert column("😀e", 3, "utf-8") == 0 and column("😀e", 4, "utf-8") == 1
    assert column("😀e", 1, "utf-32") == 1
    # A reversed range is the same range.
    assert apply_change(text, position(1, 2), position(1, 0), "") == "ab\r\n\n😀e"


@pytest.mark.parametrize("odd", NOT_BREAKS)
def test_engine_locations_become_lsp_positions(odd: str) -> None:
    text = Text(f"s = 'x{odd}y'\nx in [1]\n")
    assert text.position(Location(2, 6)) == position(1, 5)
    assert text.end == position(2, 0)


@pytest.mark.parametrize("odd", NOT_BREAKS)
def test_the_servers_document_copy_applies_edits_by_lsp_lines(odd: str) -> None:
    document = LspDocument("file:///a.py", source=f"# {odd}\nimport os\n")
    document.apply_change(
        types.TextDocumentContentChangePartial(
            range=types.Range(start=position(1, 0), end=position(1, 6)), text="from"
        )
    )
    assert document.source == f"# {odd}\nfrom os\n"
    assert document.lines == (f"# {odd}\n", "from os\n", "")
    assert document.offset_at_position(position(1, 5)) == len(f"# {odd}\nfrom ")


# -- random edits from a real client --------------------------------------------
@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=_ENV))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


_BREAK = re.compile(r"\r\n|\r|\n")


def client_lines(text: str) -> List[Tuple[int, str]]:
    """The client's own model of the text (independent of the server's):
    each LSP line's start offset and content."""
    found = []
    start = 0
    for match in _BREAK.finditer(text):
        found.append((start, text[start : match.start()]))
        start = match.end()
    found.append((start, text[start:]))
    return found


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def client_position(text: str, at: int) -> types.Position:
    """The LSP position of offset ``at`` (never inside a line break)."""
    lines = client_lines(text)
    for number in range(len(lines) - 1, -1, -1):
        start, content = lines[number]
        if start <= at:
            assert at <= start + len(content), "an offset inside a line break"
            return position(number, _utf16(content[: at - start]))
    raise AssertionError(at)


def client_offset(text: str, where: types.Position) -> int:
    """The offset of an LSP position in the client's model (past the end of
    a line: its end; past the last line: the end of the text)."""
    lines = client_lines(text)
    if where.line >= len(lines):
        return len(text)
    start, content = lines[where.line]
    at = 0
    while at < len(content) and _utf16(content[: at + 1]) <= where.character:
        at += 1
    return start + at


def random_offset(rng: random.Random, text: str) -> int:
    start, content = rng.choice(client_lines(text))
    return start + rng.randint(0, len(content))


STATEMENTS = [
    "x in [1, 2]",
    "x in (3, 4)",
    "y = x",
    "s = 'a{odd}b'",
    "# note{odd} here",
    "if x in [5, 6]:{nl}    pass",
    "def f(v: int):{nl}    return v in [1, 2]",
    "z = '😀'; z in ['a', 'b']",
    "\x0c",
]


def statement(rng: random.Random, breaks: List[str] = BREAKS) -> str:
    return rng.choice(STATEMENTS).format(odd=rng.choice(NOT_BREAKS), nl=rng.choice(breaks))


def random_edit(rng: random.Random, text: str, wild: bool) -> Tuple[int, int, str]:
    """A random edit of ``text``: the offsets it replaces and the new text.
    Most keep the text valid Python (so that the rules have something to
    find and fix); ``wild`` ones also put form feeds at the start of lines,
    lines that end with a bare ``\r`` (libcst then cannot reproduce the
    text, and the engine offers no fix), and odd characters and line
    breaks anywhere."""
    lines = client_lines(text)
    breaks = BREAKS if wild else ["\n", "\r\n"]
    kind = rng.random()
    if kind < 0.35:  # a statement on a line of its own, where one can go
        tops = [
            start
            for number, (start, content) in enumerate(lines)
            if not content[:1].isspace()
            and not (number and lines[number - 1][1].rstrip().endswith(":"))
        ]
        start = rng.choice(tops or [0])
        new = statement(rng, breaks) + rng.choice(breaks)
        return start, start, new if wild else new.replace("\x0c", "# \x0c")
    if kind < 0.6:  # an odd character in a comment or a string
        places = [m.end() for m in re.finditer(r"#|'a", text)]
        at = rng.choice(places) if places else random_offset(rng, text)
        return at, at, rng.choice(NOT_BREAKS)
    if kind < 0.7:  # an empty line, or a form feed starting a line
        start, content = rng.choice(lines)
        if wild and rng.random() < 0.5 and not content[:1].isspace():
            return start, start, "\x0c"
        return start + len(content), start + len(content), rng.choice(breaks)
    if kind < 0.8:  # a whole line deleted
        number = rng.randrange(len(lines))
        end = lines[number + 1][0] if number + 1 < len(lines) else len(text)
        return lines[number][0], end, ""
    if kind < 0.9 or not wild:  # a list becomes a tuple or the reverse
        pairs = list(re.finditer(r"\[([^][()]*)\]|\(([^][()]*)\)", text))
        if not pairs:
            return 0, 0, ""
        pair = rng.choice(pairs)
        inside = pair.group(1) if pair.group(1) is not None else pair.group(2)
        new = f"({inside})" if pair.group().startswith("[") else f"[{inside}]"
        return pair.start(), pair.end(), new
    if kind < 0.95:  # a line break anywhere
        at = random_offset(rng, text)
        return at, at, rng.choice(BREAKS)
    if kind < 0.97:  # a range across lines deleted
        a, b = sorted(random_offset(rng, text) for _ in range(2))
        return a, b, ""
    at = random_offset(rng, text)  # anything anywhere
    return at, at, rng.choice([statement(rng), *NOT_BREAKS])


class Publications:
    """Every ``publishDiagnostics`` the client receives, by document and
    version (waiting for "the next notification" misses those that arrive
    together)."""

    def __init__(self, client: LanguageClient) -> None:
        self.seen: Dict[Tuple[str, Any], List[types.Diagnostic]] = {}
        self.arrived = asyncio.Event()
        client.protocol.fm.features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

        def record(params: types.PublishDiagnosticsParams) -> None:
            self.seen[(params.uri, params.version)] = list(params.diagnostics)
            self.arrived.set()

        client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(record)

    async def of(self, uri: str, version: int) -> List[types.Diagnostic]:
        async def arrival() -> List[types.Diagnostic]:
            while (uri, version) not in self.seen:
                self.arrived.clear()
                await self.arrived.wait()
            return self.seen[(uri, version)]

        return await asyncio.wait_for(arrival(), 30)


def _key(code: Any, message: str, start: types.Position, end: types.Position) -> Tuple[Any, ...]:
    return (str(code), message, start.line, start.character, end.line, end.character)


def _lsp(lines: List[Tuple[int, str]], where: Dict[str, int]) -> types.Position:
    """An engine location (1-based row, code point column) as an LSP
    position, clamped to the text as the LSP says."""
    number = min(max(where["row"], 1), len(lines)) - 1
    content = lines[number][1]
    return position(number, _utf16(content[: max(where["column"] - 1, 0)]))


def cli_diagnostics(directory: Path) -> Dict[str, List[Tuple[Any, ...]]]:
    """``perf-lint check``'s diagnostics of every file in ``directory``, by
    file name, in LSP positions (converted by the client's own model)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "perf_lint",
            "check",
            "--no-cache",
            "--format",
            "json",
            "--exit-zero",
            str(directory),
        ],
        capture_output=True,
        text=True,
        env=_ENV,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found: Dict[str, List[Tuple[Any, ...]]] = {p.name: [] for p in directory.iterdir()}
    for record in json.loads(done.stdout):
        path = Path(record["filename"])
        lines = client_lines(path.read_bytes().decode("utf-8"))

        start, end = (_lsp(lines, record[key]) for key in ("location", "end_location"))
        key = _key(record["code"], record["message"], start, end)
        found[path.name].append(key)
    return {name: sorted(keys) for name, keys in found.items()}


@pytest.mark.asyncio
async def test_random_edits_agree_with_check_and_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    """Seeded random edit sequences with odd characters and every kind of
    line break: after each, the server's diagnostics are ``check``'s on the
    client's text; at the end, "Fix all" gives ``check --fix``'s text."""
    rng = random.Random(20261207)
    publications = Publications(client)
    documents, snapshots, fixes = tmp_path / "docs", tmp_path / "snapshots", tmp_path / "fix"
    for directory in (documents, snapshots, fixes):
        directory.mkdir()
    served: Dict[str, List[Tuple[Any, ...]]] = {}
    fixed_by_server: Dict[str, str] = {}
    before: Dict[str, str] = {}
    for sequence in range(24):
        uri = (documents / f"d{sequence}.py").as_uri()
        wild = sequence % 2 == 1
        breaks = BREAKS if wild else ["\n", "\r\n"]
        text = "x = 1\n" + "".join(
            statement(rng, breaks).replace("\x0c", "\x0c" if wild else "# \x0c")
            + rng.choice(breaks)
            for _ in range(4)
        )
        version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=version, text=text
                )
            )
        )
        wait = True
        for step in range(14):
            if wait:
                name = f"s{sequence}_{step}.py"
                diagnostics = await publications.of(uri, version)
                served[name] = sorted(
                    _key(d.code, d.message, d.range.start, d.range.end) for d in diagnostics
                )
                (snapshots / name).write_bytes(text.encode("utf-8"))
            start, end, new = random_edit(rng, text, wild)
            change = types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=client_position(text, start), end=client_position(text, end)
                ),
                text=new,
            )
            text = text[:start] + new + text[end:]
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
            wait = rng.random() < 0.4 or step == 13
        name = f"s{sequence}_end.py"
        diagnostics = await publications.of(uri, version)
        served[name] = sorted(
            _key(d.code, d.message, d.range.start, d.range.end) for d in diagnostics
        )
        (snapshots / name).write_bytes(text.encode("utf-8"))
        # "Fix all", resolved as VS Code does, applied by the client's model.
        everything = types.Range(start=position(0, 0), end=client_position(text, len(text)))
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=everything,
                context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
            )
        )
        result = text
        for action in actions or []:
            assert isinstance(action, types.CodeAction)
            resolved = await client.code_action_resolve_async(action)
            assert resolved.edit is not None and resolved.edit.changes is not None
            spans = [
                (
                    client_offset(result, e.range.start),
                    client_offset(result, e.range.end),
                    e.new_text,
                )
                for e in resolved.edit.changes[uri]
            ]
            for a, b, new in sorted(spans, reverse=True):
                result = result[:a] + new + result[b:]
        fixed_by_server[f"f{sequence}.py"] = result
        before[f"f{sequence}.py"] = text
        (fixes / f"f{sequence}.py").write_bytes(text.encode("utf-8"))
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    expected = cli_diagnostics(snapshots)
    mismatches = [name for name in served if served[name] != expected[name]]
    assert mismatches == [], [(n, served[n], expected[n]) for n in mismatches[:3]]
    assert len(served) > 100
    assert sum(1 for keys in served.values() if keys) > 50  # most texts have findings
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "perf_lint",
            "check",
            "--no-cache",
            "--fix",
            "--exit-zero",
            "--quiet",
            str(fixes),
        ],
        capture_output=True,
        text=True,
        env=_ENV,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    written = {p.name: p.read_bytes().decode("utf-8") for p in fixes.iterdir()}
    assert {n: t for n, t in fixed_by_server.items() if written[n] != t} == {}
    # Most documents had something to fix.
    assert sum(1 for name, text in before.items() if written[name] != text) >= 8


@pytest.mark.asyncio
async def test_a_document_whose_uri_has_escapes(client: LanguageClient, tmp_path: Path) -> None:
    """A path with a space is sent as ``%20`` (pygls keys its copy by the
    decoded URI): the document is analysed and answers hovers."""
    publications = Publications(client)
    uri = (tmp_path / "my project" / "a b.py").as_uri()
    assert "%20" in uri
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text="x = 1\nx in [1, 2]\n"
            )
        )
    )
    found = await publications.of(uri, 1)
    assert [d.code for d in found] == ["PRF101"]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=found[0].range.start
        )
    )
    assert hover is not None


# -- a big document does not hold the server up -----------------------------------
def big_document() -> str:
    """About 5 MB of real Python: perf-lint's own modules, again and again."""
    package = Path(perf_lint.__file__).parent
    code = "".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    return code * (5_000_000 // len(code) + 1)


def children(pid: int) -> Set[int]:
    """The worker processes ``pid`` started (Linux)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    workers = set()
    for child in found:
        with contextlib.suppress(OSError):  # gone meanwhile
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(child)
    return workers


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.asyncio
async def test_a_5mb_document_delays_no_answer(tmp_path: Path) -> None:
    """While a 5 MB document is analysed (a minute of work), a hover and
    a code action on another document are answered at once, a change to
    that document is analysed, an edit of the big one stops its stale
    analysis, and ``shutdown`` is answered at once; the workers end with
    the server."""
    client = PlainClient("trust", "1")
    seen: Dict[Tuple[str, Any], List[types.Diagnostic]] = {}
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def record(params: types.PublishDiagnosticsParams) -> None:
        seen[(params.uri, params.version)] = list(params.diagnostics)
        arrived.set()

    async def diagnostics(uri: str, version: int) -> List[types.Diagnostic]:
        while (uri, version) not in seen:
            arrived.clear()
            await arrived.wait()
        return seen[(uri, version)]

    def item(uri: str, text: str) -> types.DidOpenTextDocumentParams:
        return types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )

    await client.start_io(*SERVER, env=_ENV)
    assert client._server is not None
    server = client._server.pid
    try:
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=os.getpid())
        )
        client.initialized(types.InitializedParams())
        small = (tmp_path / "small.py").as_uri()
        client.text_document_did_open(item(small, "x = 1\nx in [1, 2]\n"))
        found = await asyncio.wait_for(diagnostics(small, 1), 30)
        assert [d.code for d in found] == ["PRF101"]
        big = (tmp_path / "big.py").as_uri()
        client.text_document_did_open(item(big, big_document()))
        await asyncio.sleep(1.0)  # the big analysis is under way
        hover = types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=small), position=found[0].range.start
        )
        started = time.monotonic()
        answer = await asyncio.wait_for(client.text_document_hover_async(hover), 10)
        waited = time.monotonic() - started
        assert answer is not None and waited < 1.0, waited
        started = time.monotonic()
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=small),
                    range=found[0].range,
                    context=types.CodeActionContext(diagnostics=found),
                )
            ),
            10,
        )
        waited = time.monotonic() - started
        assert actions and waited < 1.0, waited
        # A change to the small document is analysed by another worker.
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=small, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="y in (1,)\n")],
            )
        )
        found = await asyncio.wait_for(diagnostics(small, 2), 15)
        assert [d.code for d in found] == ["PRF102"]
        assert (big, 1) not in seen  # still analysed
        # An edit of the big document: its stale analysis is stopped.
        workers = children(server)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=big, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=position(0, 0), end=position(0, 0)), text="# \n"
                    )
                ],
            )
        )
        deadline = time.monotonic() + 5
        while all(alive(pid) for pid in workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not all(alive(pid) for pid in workers)
        assert len([pid for pid in children(server) if alive(pid)]) <= 2
        workers |= children(server)
        started = time.monotonic()
        await asyncio.wait_for(client.shutdown_async(None), 10)
        assert time.monotonic() - started < 1.0
        client.exit(None)
        assert await asyncio.wait_for(client._server.wait(), 10) == 0
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not any(alive(pid) for pid in workers)
    finally:
        if client._server.returncode is None:
            client._server.kill()
        await client.stop()


# -- malformed headers ------------------------------------------------------------
class RawServer:
    """The server over raw pipes: any bytes can be sent."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_ENV
        )
        self.answers: queue.Queue[Dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            assert length is not None
            self.answers.put(json.loads(stream.read(length)))

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def message(self, method: str, params: Any, ident: Any = None, header: bytes = b"") -> None:
        """Send a message; ``header``: its headers, ``%d`` for its length."""
        content: Dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if ident is not None:
            content["id"] = ident
        body = json.dumps(content).encode()
        self.send((header or b"Content-Length: %d\r\n") % len(body) + b"\r\n" + body)

    def answer(self, ident: Any, timeout: float = 30) -> Dict[str, Any]:
        while True:
            found = self.answers.get(timeout=timeout)
            if found.get("id") == ident:
                return found

    def initialize(self) -> None:
        self.message("initialize", {"processId": None, "capabilities": {}, "rootUri": None}, 1)
        assert "result" in self.answer(1)
        self.message("initialized", {})


@pytest.mark.parametrize(
    "value", [b"abc", b"99999999999999999999", b"-5", b"0", b"12 34", b"", b"1e3"]
)
def test_a_malformed_content_length_is_a_protocol_error(value: bytes) -> None:
    """The server exits with code 2 and says why on stderr: after a header
    it cannot read, it cannot tell where the next message starts."""
    server = RawServer()
    try:
        server.initialize()
        body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}).encode()
        server.send(b"Content-Length: " + value + b"\r\n\r\n" + body)
        code = server.process.wait(timeout=20)
        assert server.process.stderr is not None
        stderr = server.process.stderr.read().decode()
        assert code == 2, stderr
        assert "protocol error" in stderr and "Content-Length" in stderr, stderr
        assert "Traceback" not in stderr, stderr
    finally:
        server.process.kill()
        server.process.wait()


def test_headers_the_lsp_allows_are_read() -> None:
    """A ``Content-Type`` header, a header name in another case, spaces and
    stray blank lines between messages are all served (pygls ignored a
    ``content-length`` header, and then everything that followed)."""
    server = RawServer()
    try:
        server.initialize()
        server.send(b"\r\n")
        server.message(
            "shutdown",
            None,
            2,
            header=b"content-length:   %d \r\n"
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n",
        )
        assert server.answer(2, timeout=20)["result"] is None
        server.message("exit", None)
        assert server.process.wait(timeout=20) == 0
    finally:
        server.process.kill()
        server.process.wait()

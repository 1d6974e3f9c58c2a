"""The language server, driven end to end over stdio by a real LSP client
(pytest-lsp): diagnostics on open and change, code actions whose edits are
applied to the text here, configuration from the document's pyproject.toml,
syntax errors, and the server staying alive."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from perf_lint.output import rule_url

PROBLEMS = 'def f(x: str) -> bool:\n    return x in ["a", "b"] or y in (1, 2)\n'
FIXED_ONE = 'def f(x: str) -> bool:\n    return x in {"a", "b"} or y in (1, 2)\n'
FIXED_UNSAFE = 'def f(x: str) -> bool:\n    return x in ["a", "b"] or y in {1, 2}\n'

_ENV = {**os.environ, "NO_COLOR": "1"}
_ENV.pop("PYTHONWARNINGS", None)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "perf_lint", "server"], server_env=_ENV
    )
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "perf_lint", "server"], server_env=_ENV
    )
)
async def plain_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A client that declares no capabilities (no code action resolve)."""
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    yield
    await lsp_client.shutdown_session()


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, position: types.Position) -> int:
    """The string index of an LSP position (UTF-16 columns; '\\n' lines)."""
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    column = 0
    while column < len(line) and _units(line[:column]) < position.character:
        column += 1
    return before + column


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """Apply a workspace edit the way an editor does (edits do not overlap;
    positions refer to the text before any of them)."""
    assert edit.changes is not None and set(edit.changes) == {uri}
    spans = [
        (_offset(text, e.range.start), _offset(text, e.range.end), e.new_text)
        for e in edit.changes[uri]
    ]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


async def open_document(
    client: LanguageClient, path: Path, text: str, version: int = 1
) -> List[types.Diagnostic]:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    return await diagnostics_for(client, uri)


async def diagnostics_for(client: LanguageClient, uri: str) -> List[types.Diagnostic]:
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30
        )
        if params.uri == uri:
            return list(params.diagnostics)


async def actions_at(
    client: LanguageClient,
    uri: str,
    diagnostics: Sequence[types.Diagnostic],
    where: types.Range,
    only: Optional[List[str]] = None,
) -> List[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=where,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
    )
    assert result is not None
    return [action for action in result if isinstance(action, types.CodeAction)]


def _by_title(actions: Sequence[types.CodeAction], title: str) -> types.CodeAction:
    matching = [action for action in actions if action.title == title]
    assert len(matching) == 1, [action.title for action in actions]
    return matching[0]


@pytest.mark.asyncio
async def test_diagnostics_and_fix_actions(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    diagnostics = await open_document(client, path, PROBLEMS)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [
        ("PRF101", 1, 16),
        ("PRF102", 1, 35),
    ]
    first = diagnostics[0]
    assert first.source == "perf-lint"
    assert first.range.end == types.Position(line=1, character=26)
    assert first.severity == types.DiagnosticSeverity.Warning
    assert first.code_description is not None
    assert first.code_description.href == rule_url("PRF101", "list-literal-membership")

    actions = await actions_at(client, uri, diagnostics, first.range)
    safe = [a for a in actions if a.title.startswith("Fix PRF101")]
    assert len(safe) == 1 and not safe[0].title.endswith("(unsafe)") and safe[0].is_preferred
    assert safe[0].kind == types.CodeActionKind.QuickFix
    assert safe[0].edit is not None
    assert apply(PROBLEMS, safe[0].edit, uri) == FIXED_ONE

    actions = await actions_at(client, uri, diagnostics, diagnostics[1].range)
    unsafe = [a for a in actions if a.title.startswith("Fix PRF102")]
    assert len(unsafe) == 1 and unsafe[0].title.endswith("(unsafe)")
    assert unsafe[0].edit is not None
    assert apply(PROBLEMS, unsafe[0].edit, uri) == FIXED_UNSAFE


@pytest.mark.asyncio
async def test_fix_all_is_offered_as_a_source_action(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    text = "def f(x: int):\n    if x in [1, 2]:\n        return 1\n    return x in (3, 4)  # keep\n"
    diagnostics = await open_document(client, path, text)
    assert [d.code for d in diagnostics] == ["PRF101", "PRF102"]
    everything = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=5, character=0)
    )
    actions = await actions_at(client, uri, [], everything, only=["source.fixAll"])
    assert [a.kind for a in actions] == ["source.fixAll.perf-lint"]
    assert actions[0].title == "Fix all safe perf-lint problems"
    # VS Code resolves edits on demand: the fix-all edit is computed then.
    assert actions[0].edit is None
    resolved = await client.code_action_resolve_async(actions[0])
    assert resolved.edit is not None
    fixed = (
        "def f(x: int):\n    if x in {1, 2}:\n        return 1\n    return x in {3, 4}  # keep\n"
    )
    assert apply(text, resolved.edit, uri) == fixed
    # Only quick fixes asked for: no source action.
    actions = await actions_at(client, uri, [], everything, only=["quickfix"])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions)


@pytest.mark.asyncio
async def test_fix_all_edit_is_immediate_without_resolve_support(
    plain_client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    diagnostics = await open_document(plain_client, path, PROBLEMS)
    actions = await actions_at(plain_client, uri, diagnostics, diagnostics[0].range)
    everything = [a for a in actions if a.title == "Fix all safe perf-lint problems"]
    # Once, not as both kinds (clients that list every kind showed it twice).
    assert [a.kind for a in everything] == ["quickfix"]
    for action in everything:
        assert action.edit is not None
        assert apply(PROBLEMS, action.edit, uri) == FIXED_ONE


@pytest.mark.asyncio
async def test_fix_all_is_offered_once_whatever_kinds_are_asked(
    plain_client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    diagnostics = await open_document(plain_client, path, PROBLEMS)
    nowhere = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    for where, only, kind in [
        (diagnostics[0].range, None, "quickfix"),
        (nowhere, None, "source.fixAll.perf-lint"),
        (diagnostics[0].range, ["quickfix", "source.fixAll"], "source.fixAll.perf-lint"),
        (diagnostics[0].range, ["source"], "source.fixAll.perf-lint"),
        (diagnostics[0].range, ["quickfix"], "quickfix"),
    ]:
        actions = await actions_at(plain_client, uri, diagnostics, where, only=only)
        everything = [a for a in actions if a.title == "Fix all safe perf-lint problems"]
        assert [a.kind for a in everything] == [kind], (where, only)


@pytest.mark.asyncio
async def test_did_change_updates_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    diagnostics = await open_document(client, path, PROBLEMS)
    assert len(diagnostics) == 2
    # An incremental change: replace the list literal by a name.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=diagnostics[0].range, text="names")
            ],
        )
    )
    diagnostics = await diagnostics_for(client, uri)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [
        ("PRF102", 1, 30)
    ]
    # A full-text change.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(text="x = 1\nx in [1]\n")
            ],
        )
    )
    diagnostics = await diagnostics_for(client, uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("PRF101", 1)]
    # Saving republishes.
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    diagnostics = await diagnostics_for(client, uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("PRF101", 1)]


@pytest.mark.asyncio
async def test_a_burst_of_changes_is_analysed_once(client: LanguageClient, tmp_path: Path) -> None:
    """Changes that arrive together (fast typing, or while an analysis runs)
    are analysed as one text: far fewer publications than changes, and the
    last one is the final text's."""
    path = tmp_path / "a.py"
    uri = path.as_uri()
    assert await open_document(client, path, "x = 1\n") == []
    changes = 20
    for version in range(2, changes + 2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text="x = 1\n" + "x in [1]\n" * (version - 1)
                    )
                ],
            )
        )
    published = []
    while not published or published[-1].version != changes + 1:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30
        )
        if params.uri == uri:
            published.append(params)
    assert len(published) < changes / 2, [params.version for params in published]
    assert [(d.code, d.range.start.line) for d in published[-1].diagnostics] == [
        ("PRF101", line) for line in range(1, changes + 1)
    ]


@pytest.mark.asyncio
async def test_syntax_error_is_reported_and_server_survives(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "bad.py"
    diagnostics = await open_document(client, path, "def f(:\n    x in [1, 2]\n")
    assert len(diagnostics) == 1
    assert diagnostics[0].code == "E902"
    assert diagnostics[0].message.startswith("SyntaxError")
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert diagnostics[0].range.start.line == 0
    # Code actions and hover on a broken file answer, and nothing dies.
    actions = await actions_at(client, path.as_uri(), diagnostics, diagnostics[0].range)
    assert actions == []
    # Requests about a document that was never opened (and does not exist)
    # answer nothing.
    missing = (tmp_path / "missing.py").as_uri()
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=missing),
            position=types.Position(line=0, character=0),
        )
    )
    assert hover is None
    assert await actions_at(client, missing, [], diagnostics[0].range) == []
    # Still alive: another document is linted normally.
    other = tmp_path / "good.py"
    diagnostics = await open_document(client, other, "y = 2\ny in [1, 2]\n")
    assert [d.code for d in diagnostics] == ["PRF101"]


@pytest.mark.asyncio
async def test_noqa_action_adds_and_merges(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    text = (
        "x = 1\n"
        "x in [1, 2]   \n"
        "x in (1, 2)  # noqa: PRF101 list kept on purpose\n"
        'x in [1, """a\nb"""]\n'
    )
    diagnostics = await open_document(client, path, text)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [
        ("PRF101", 1),
        ("PRF102", 2),
        ("PRF101", 3),
    ]
    results = []
    for diagnostic in diagnostics:
        actions = await actions_at(client, uri, [diagnostic], diagnostic.range)
        title = f"Disable {diagnostic.code} for this line"
        action = _by_title(actions, title)
        assert action.edit is not None
        results.append(apply(text, action.edit, uri))
    assert results[0].splitlines()[1] == "x in [1, 2]  # noqa: PRF101"
    assert results[1].splitlines()[2] == "x in (1, 2)  # noqa: PRF101, PRF102 list kept on purpose"
    # The comment goes after the string that spans lines, not inside it.
    assert results[2].endswith('x in [1, """a\nb"""]  # noqa: PRF101\n')
    # Each edited text is clean for that code (checked by the server itself).
    for number, (fixed, diagnostic) in enumerate(zip(results, diagnostics), start=2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=number),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
            )
        )
        after = await diagnostics_for(client, uri)
        assert (diagnostic.code, diagnostic.range.start.line) not in [
            (d.code, d.range.start.line) for d in after
        ]
        assert len(after) == 2


@pytest.mark.asyncio
async def test_configuration_comes_from_the_documents_pyproject(
    client: LanguageClient, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.perf-lint]\nignore = ["PRF101"]\n')
    diagnostics = await open_document(client, project / "a.py", PROBLEMS)
    assert [d.code for d in diagnostics] == ["PRF102"]
    diagnostics = await open_document(client, tmp_path / "b.py", PROBLEMS)
    assert [d.code for d in diagnostics] == ["PRF101", "PRF102"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text("[tool.perf-lint]\nunknown-key = 1\n")
    diagnostics = await open_document(client, broken / "c.py", PROBLEMS)
    assert len(diagnostics) == 1 and "unknown-key" in diagnostics[0].message


@pytest.mark.asyncio
async def test_hover_shows_the_rule_documentation(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    diagnostics = await open_document(client, path, PROBLEMS)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=diagnostics[0].range.start,
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("# PRF101 list-literal-membership")
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(line=0, character=0),
        )
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_non_ascii_columns_are_utf16(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    uri = path.as_uri()
    text = 's = "😀é"; s in ["a", "b"]\n'
    diagnostics = await open_document(client, path, text)
    assert [(d.code, d.range.start.character) for d in diagnostics] == [("PRF101", 16)]
    actions = await actions_at(client, uri, diagnostics, diagnostics[0].range)
    fix = [a for a in actions if a.title.startswith("Fix PRF101")]
    assert fix and fix[0].edit is not None
    assert apply(text, fix[0].edit, uri) == 's = "😀é"; s in {"a", "b"}\n'


def test_server_without_pygls_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"
        "sys.modules['lsprotocol'] = None\n"
        "from perf_lint.cli import main\n"
        "sys.exit(main(['server']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    assert "pip install 'perf-lint[server]'" in done.stderr

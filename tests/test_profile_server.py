"""The language server with ``profile`` configured: each diagnostic's
message carries its function's share of a real cProfile run, and so does
its hover; a profile that cannot be read is reported without hiding the
diagnostics."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.test_server import diagnostics_for, open_document

APP = Path(__file__).resolve().parent / "data" / "profiles" / "app.py"
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


def profiled_project(root: Path) -> Path:
    """app.py, a cProfile dump of it and a pyproject.toml naming the dump."""
    (root / "src").mkdir(parents=True)
    shutil.copy(APP, root / "src" / "app.py")
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(root / "run.pstats"), "src/app.py", "40"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    # PRF403 (line 29 of app.py) is opt-in since issue 29.
    (root / "pyproject.toml").write_text(
        '[tool.perf-lint]\nprofile = ["run.pstats"]\nextend-select = ["PRF403"]\n'
    )
    return root / "src" / "app.py"


def cli_records(root: Path) -> List[dict]:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--format", "text", "src"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout.splitlines()  # type: ignore[return-value]


@pytest.mark.asyncio
async def test_messages_and_hover_carry_the_share(client: LanguageClient, tmp_path: Path) -> None:
    path = profiled_project(tmp_path)
    text = path.read_text()
    diagnostics = await open_document(client, path, text)
    # The same suffixes as the command's text output, line by line.
    expected = {}
    for line in cli_records(tmp_path):
        if line.startswith("src/app.py:"):
            row = int(line.split(":")[1])
            expected[row] = line[line.rindex(" [") :]
    assert len(diagnostics) == len(expected) == 9
    for diagnostic in diagnostics:
        assert diagnostic.message.endswith(expected[diagnostic.range.start.line + 1])
    hot = next(d for d in diagnostics if d.range.start.line + 1 == 21)
    assert "[at most " in hot.message and "of run time" in hot.message and "calls]" in hot.message
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=hot.range.start,
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    first = hover.contents.value.splitlines()[0]
    assert first.startswith("**Profile:** fixing it can win at most ")
    assert "`hot` takes " in first and "with callees" in first
    assert "(Profile: run.pstats (" in first
    assert "# PRF101 list-literal-membership" in hover.contents.value
    # An edit that moves every line down: the functions whose names are
    # unique are found again; the two `parse` methods are not (cProfile
    # names them `parse` alone, told apart by their lines): ambiguous.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" + text)],
        )
    )
    moved = await diagnostics_for(client, path.as_uri())
    before = {d.range.start.line + 1: d.message for d in diagnostics}
    after = {d.range.start.line: d.message for d in moved}
    assert set(after) == set(before)
    for row, message in after.items():
        if row in (46, 51):  # Reader.parse, Writer.parse
            assert message.endswith("[no unique match in the profile]")
        else:
            assert message == before[row]


@pytest.mark.asyncio
async def test_unreadable_profile_is_reported_and_diagnostics_stay(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.perf-lint]\nprofile = ["run.json"]\n')
    (tmp_path / "run.json").write_text(json.dumps({"traceEvents": []}))
    path = tmp_path / "a.py"
    diagnostics = await open_document(client, path, "def f(x: str):\n    return x in ['a']\n")
    codes = sorted(str(d.code) for d in diagnostics)
    assert codes == ["None", "PRF101"]
    problem = next(d for d in diagnostics if d.code is None)
    assert "run.json: JSON, but not a speedscope profile" in problem.message
    assert not next(d for d in diagnostics if d.code == "PRF101").message.endswith("]")


@pytest.mark.asyncio
async def test_hot_rule_hover_shows_the_profile_evidence(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A profile-guided rule (PRF601) reports in the editor when the
    configuration names a profile, and its hover shows the evidence."""
    from tests.test_hot_rules import PROGRAM

    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(tmp_path / "run.pstats"), "prog.py", "2000"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (tmp_path / "pyproject.toml").write_text('[tool.perf-lint]\nprofile = ["run.pstats"]\n')
    diagnostics = await open_document(client, path, PROGRAM)
    found = [d for d in diagnostics if d.code == "PRF601"]
    assert len(found) == 1 and found[0].range.start.line == 4
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=found[0].range.start,
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**Evidence from the profile:** `classify` called 10,000 times." in hover.contents.value
    assert "# PRF601 constant-rebuilt-per-call" in hover.contents.value
